"""Timestamp and time-zone parsing for logger files: vectorised ISO 8601, per-line fallbacks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from app.coldchain.analysis.errors import LoggerFileError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BytesArray = npt.NDArray[np.bytes_]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TIME = r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,6}))?)?"
_AMPM = r" ?(?P<p>[AaPp]\.?[Mm]\.?)"
ISO_PATTERN = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|z|[+-]\d{2}:?\d{2})?"
)
# Order matters: the first pattern that matches a column's first timestamp is used for all rows.
# Slashed dates are month first (US), dotted dates day first (European).
FALLBACK_PATTERNS: dict[str, re.Pattern[str]] = {
    "dd.mm.yyyy": re.compile(rf"(?P<d>\d{{1,2}})\.(?P<m>\d{{1,2}})\.(?P<Y>\d{{4}}),? {_TIME}"),
    "mm/dd/yyyy am/pm": re.compile(
        rf"(?P<m>\d{{1,2}})/(?P<d>\d{{1,2}})/(?P<Y>\d{{4}}|\d{{2}}),? {_TIME}{_AMPM}"
    ),
    "yyyy/mm/dd am/pm": re.compile(
        rf"(?P<Y>\d{{4}})/(?P<m>\d{{1,2}})/(?P<d>\d{{1,2}}),? {_TIME}{_AMPM}"
    ),
    "mm/dd/yyyy": re.compile(
        rf"(?P<m>\d{{1,2}})/(?P<d>\d{{1,2}})/(?P<Y>\d{{4}}|\d{{2}}),? {_TIME}"
    ),
    "yyyy/mm/dd": re.compile(rf"(?P<Y>\d{{4}})/(?P<m>\d{{1,2}})/(?P<d>\d{{1,2}}),? {_TIME}"),
}
_OFFSET_IN_TEXT = re.compile(
    r"\b(?:GMT|UTC)(?:\s*(?P<sign>[+-])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?)?(?![\w:])"
)
_SUFFIX = re.compile(r"(?:Z|z|(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2}))")


@dataclass(frozen=True)
class ParsedTimes:
    """Parsed times: UTC epoch seconds if the text carried offsets, else wall-clock seconds."""

    seconds: FloatArray
    offset_in_text: bool
    format_name: str


def timestamp_format(value: str) -> str | None:
    """Name of the supported format one timestamp is written in, or None."""
    text = value.strip()
    if ISO_PATTERN.fullmatch(text):
        return "iso8601"
    for name, pattern in FALLBACK_PATTERNS.items():
        if pattern.fullmatch(text):
            return name
    return None


def offset_from_text(text: str) -> float | None:
    """The first `GMT±hh:mm` / `UTC±hhmm` offset named in header text, in seconds east of UTC."""
    match = _OFFSET_IN_TEXT.search(text)
    if match is None:
        return None
    if match["sign"] is None:
        return 0.0
    seconds = int(match["h"]) * 3600 + int(match["m"] or 0) * 60
    if seconds > 14 * 3600:
        return None
    return float(-seconds if match["sign"] == "-" else seconds)


def parse_timestamps(values: BytesArray, lines: IntArray, *, file_name: str) -> ParsedTimes:
    """Parse a column of timestamps in one format (detected from the first value)."""
    texts = np.strings.strip(values)
    if texts.size == 0:
        return ParsedTimes(np.zeros(0), offset_in_text=False, format_name="none")
    first = bytes(texts[0]).decode("utf-8", errors="replace")
    name = timestamp_format(first)
    if name is None:
        raise LoggerFileError(
            f"'{first}' is not a date-time in a supported format (ISO 8601, "
            "dd.mm.yyyy HH:MM, mm/dd/yyyy hh:mm AM/PM, yyyy-mm-dd HH:MM)",
            file_name=file_name,
            line=int(lines[0]),
        )
    if name == "iso8601":
        try:
            return _parse_iso_vectorised(texts)
        except ValueError:
            return _parse_per_line(texts, lines, file_name, "iso8601")
    return _parse_per_line(texts, lines, file_name, name)


def _parse_iso_vectorised(texts: BytesArray) -> ParsedTimes:
    if int(np.strings.str_len(texts).min()) < 16:
        raise ValueError("date without time")
    zulu = np.strings.endswith(texts, b"Z") | np.strings.endswith(texts, b"z")
    plus = np.strings.find(texts, b"+")
    minus = np.strings.rfind(texts, b"-")
    sign_at = np.where(plus >= 0, plus, np.where(minus > 9, minus, -1))
    has_offset = zulu | (sign_at >= 0)
    if not has_offset.any():
        return ParsedTimes(_datetime64_seconds(texts), offset_in_text=False, format_name="iso8601")
    if not has_offset.all():
        raise ValueError("mixed offsets")
    cut = np.where(zulu, np.strings.str_len(texts) - 1, sign_at)
    bodies = np.strings.slice(texts, 0, cut)
    tails = np.strings.slice(texts, cut, None)
    if bool(np.all(tails == tails[0])):
        offsets = np.full(tails.size, _suffix_seconds(bytes(tails[0]).decode()))
    else:
        suffixes, inverse = np.unique(tails, return_inverse=True)
        table = np.array([_suffix_seconds(bytes(s).decode()) for s in suffixes])
        offsets = table[inverse.ravel()]
    seconds = _datetime64_seconds(bodies) - offsets
    return ParsedTimes(seconds, offset_in_text=True, format_name="iso8601")


def _datetime64_seconds(texts: BytesArray) -> FloatArray:
    micro = texts.astype("datetime64[us]").astype(np.int64)
    return micro.astype(np.float64) / 1e6


def _suffix_seconds(suffix: str) -> float:
    match = _SUFFIX.fullmatch(suffix)
    if match is None:
        raise ValueError(f"bad offset {suffix!r}")
    if match["sign"] is None:
        return 0.0
    seconds = int(match["h"]) * 3600 + int(match["m"]) * 60
    return float(-seconds if match["sign"] == "-" else seconds)


def _parse_per_line(texts: BytesArray, lines: IntArray, file_name: str, name: str) -> ParsedTimes:
    out = np.empty(texts.size, dtype=np.float64)
    aware: bool | None = None
    for i, raw in enumerate(texts.tolist()):
        text = raw.decode("utf-8", errors="replace")
        try:
            seconds, has_offset = _parse_one(text, name)
        except ValueError as exc:
            raise LoggerFileError(
                f"date-time '{text}' does not match the file's format ({name}): {exc}",
                file_name=file_name,
                line=int(lines[i]),
            ) from None
        if aware is None:
            aware = has_offset
        elif aware != has_offset:
            raise LoggerFileError(
                f"date-time '{text}' mixes time-zone offsets with local times",
                file_name=file_name,
                line=int(lines[i]),
            )
        out[i] = seconds
    return ParsedTimes(out, offset_in_text=bool(aware), format_name=name)


def _parse_one(text: str, name: str) -> tuple[float, bool]:
    if name == "iso8601":
        if not ISO_PATTERN.fullmatch(text):
            raise ValueError("not ISO 8601 with a time")
        moment = datetime.fromisoformat(text.replace("z", "Z"))
        if moment.tzinfo is None:
            return (moment.replace(tzinfo=UTC) - _EPOCH).total_seconds(), False
        return (moment - _EPOCH).total_seconds(), True
    match = FALLBACK_PATTERNS[name].fullmatch(text)
    if match is None:
        raise ValueError("unexpected layout")
    parts = match.groupdict()
    year = int(parts["Y"])
    if len(parts["Y"]) == 2:
        year += 2000 if year < 69 else 1900
    hour = int(parts["H"])
    if parts.get("p"):
        if not 1 <= hour <= 12:
            raise ValueError("hour must be 1-12 with AM/PM")
        hour = hour % 12 + (12 if parts["p"][0] in "Pp" else 0)
    fraction = float(f"0.{parts['f']}") if parts["f"] else 0.0
    moment = datetime(
        year,
        int(parts["m"]),
        int(parts["d"]),
        hour,
        int(parts["M"]),
        int(parts["S"] or 0),
        tzinfo=UTC,
    )
    return (moment - _EPOCH).total_seconds() + fraction, False
