"""Onset HOBO (HOBOware / HOBOmobile) CSV exports.

The header names the time zone in the date column (`Date Time, GMT-07:00` or `GMT -0700`) and
the logger serial in each column (`LGR S/N: …`); the temperature column is the first whose
title starts with `Temp`. Event rows (`Logged` in coupler / stopped / end-of-file columns) carry
no temperature: they count as rows read but give no reading.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from app.coldchain.analysis.csvtable import read_csv_table
from app.coldchain.analysis.errors import LoggerFileError
from app.coldchain.analysis.generic_csv import FAHRENHEIT_HEADER, trace_from_table
from app.coldchain.analysis.timeparse import offset_from_text
from app.coldchain.analysis.trace import Trace

_FIRST_LINES = (b"Plot Title:", b"Serial Number:", b"LGR S/N:")
_SERIAL = re.compile(r"(?:LGR S/N|Serial Number)\s*:\s*([\w.-]+?)(?:[,\s\"]|--|$)")


def looks_like_hobo(raw: bytes) -> bool:
    """True for a HOBOware/HOBOmobile CSV (title or serial line, `Date Time` column)."""
    head = raw[:4096].lstrip(b"\xef\xbb\xbf").lstrip(b'"')
    return head.startswith(_FIRST_LINES) and b"Date Time" in head


def import_hobo(raw: bytes, name: str, *, utc_offset_min: float | None = None) -> Trace:
    """Read a HOBO CSV: the `Temp…` column, times shifted by the header's GMT offset."""
    table = read_csv_table(raw, name)
    header = table.header
    if header is None:
        raise LoggerFileError("no header row above the data", file_name=name)
    time_cols = [i for i, title in enumerate(header) if title.startswith("Date Time")]
    if not time_cols:
        raise LoggerFileError("no 'Date Time' column in the header", file_name=name)
    temp_cols = [i for i, title in enumerate(header) if title.startswith("Temp")]
    if not temp_cols:
        columns = ", ".join(repr(t) for t in header)
        raise LoggerFileError(
            f"no temperature column (none titled 'Temp…'); columns are {columns}",
            file_name=name,
        )
    temp_title = header[temp_cols[0]]
    serial = None
    for text in (temp_title, *table.preamble):
        match = _SERIAL.search(text)
        if match:
            serial = match.group(1)
            break
    return trace_from_table(
        table,
        raw,
        time_col=time_cols[0],
        temp_col=temp_cols[0],
        fahrenheit=bool(FAHRENHEIT_HEADER.search(temp_title)),
        file_offset_s=offset_from_text(header[time_cols[0]]),
        utc_offset_min=utc_offset_min,
        sensor_id=serial or PurePath(name).stem,
        importer="hobo",
    )
