"""Importer registry: pick a logger-file importer by name or by sniffing, and analyse a file."""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

from app.coldchain.analysis.assessment import assess
from app.coldchain.analysis.berlinger import import_berlinger, looks_like_berlinger
from app.coldchain.analysis.epcis import import_epcis, looks_like_epcis
from app.coldchain.analysis.errors import LoggerFileError
from app.coldchain.analysis.generic_csv import import_generic_csv
from app.coldchain.analysis.hobo import import_hobo, looks_like_hobo
from app.coldchain.analysis.profiles import TemperatureProfile, seed_profile
from app.coldchain.analysis.trace import Trace

LARGEST_LOGGER_FILE = 64 * 2**20
"""The largest logger file read (bytes): it is read whole, so a runaway file is refused before
it fills the memory."""


class Importer(Protocol):
    """Turns a logger file's bytes into a Trace (raises LoggerFileError)."""

    def __call__(self, raw: bytes, name: str, *, utc_offset_min: float | None = None) -> Trace:
        """Import one file."""
        ...


IMPORTERS: Mapping[str, Importer] = MappingProxyType(
    {
        "generic": import_generic_csv,
        "berlinger": import_berlinger,
        "hobo": import_hobo,
        "epcis": import_epcis,
    }
)
_SNIFFERS: tuple[tuple[str, Callable[[bytes], bool]], ...] = (
    ("epcis", looks_like_epcis),
    ("berlinger", looks_like_berlinger),
    ("hobo", looks_like_hobo),
)


def sniff_format(raw: bytes) -> str:
    """Name of the importer for these bytes; `generic` when no vendor layout is recognised."""
    for name, looks_like in _SNIFFERS:
        if looks_like(raw):
            return name
    return "generic"


def import_trace(
    raw: bytes, name: str, fmt: str | None = None, *, utc_offset_min: float | None = None
) -> Trace:
    """Import logger-file bytes with the named importer, or the sniffed one when fmt is None."""
    chosen = fmt or sniff_format(raw)
    importer = IMPORTERS.get(chosen)
    if importer is None:
        raise LoggerFileError(
            f"unknown logger format {chosen!r}; use one of {', '.join(IMPORTERS)}", file_name=name
        )
    try:
        return importer(raw, name, utc_offset_min=utc_offset_min)
    except csv.Error as exc:  # e.g. a field over the csv module's 128 KiB limit
        raise LoggerFileError(
            f"this is not a logger file this application reads (CSV: {exc})", file_name=name
        ) from None


def read_logger_file(
    path: str | Path, fmt: str | None = None, *, utc_offset_min: float | None = None
) -> Trace:
    """Read and import one logger file from disk."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > LARGEST_LOGGER_FILE:
            raise LoggerFileError(
                f"the file is {size / 2**20:.0f} MiB; a logger file this application reads is "
                f"at most {LARGEST_LOGGER_FILE // 2**20} MiB (a year of one-minute readings is "
                "about 20 MiB). Check that this is the logger's export, or split it by trip.",
                file_name=file.name,
            )
        raw = file.read_bytes()
    except OSError as exc:
        raise LoggerFileError(
            f"cannot read the file: {exc.strerror}", file_name=file.name
        ) from None
    return import_trace(raw, file.name, fmt, utc_offset_min=utc_offset_min)


def analyze_file(
    path: str | Path,
    profile: TemperatureProfile | str,
    start: datetime | None = None,
    end: datetime | None = None,
    fmt: str | None = None,
    *,
    utc_offset_min: float | None = None,
) -> dict[str, Any]:
    """Import a logger file and return its assessment report (what `coi logger analyze` prints)."""
    chosen = seed_profile(profile) if isinstance(profile, str) else profile
    trace = read_logger_file(path, fmt, utc_offset_min=utc_offset_min)
    return assess(trace, chosen, start, end).to_report()
