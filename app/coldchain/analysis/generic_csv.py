"""Generic CSV importer: any delimited file with a date-time column and a temperature column."""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePath

import numpy as np

from app.coldchain.analysis.csvtable import BytesArray, CsvTable, is_number, read_csv_table
from app.coldchain.analysis.errors import LoggerFileError
from app.coldchain.analysis.timeparse import (
    FloatArray,
    IntArray,
    offset_from_text,
    parse_timestamps,
    timestamp_format,
)
from app.coldchain.analysis.trace import Trace, make_trace

TEMP_HEADER = re.compile(
    r"temp|°\s*[CF]\b|\*\s*[CF]\b|celsius|fahrenheit|\bdeg(?:rees?)?\s*[CF]\b|\(\s*[CF]\s*\)",
    re.IGNORECASE,
)
FAHRENHEIT_HEADER = re.compile(
    r"°\s*F\b|\*\s*F\b|fahrenheit|\bdeg(?:rees?)?\s*F\b|\(\s*F\s*\)|[_ ]F$", re.IGNORECASE
)
TIME_HEADER = re.compile(r"date|time|zeit|datum", re.IGNORECASE)
SENSOR_HEADER = re.compile(r"\s*(?:sensor|sensor[ _]?id|serial|device|logger)\s*", re.IGNORECASE)
SERIAL_IN_TEXT = re.compile(r"(?:S/N|Serial(?: Number)?)\s*:\s*([\w.-]+)", re.IGNORECASE)


def import_generic_csv(raw: bytes, name: str, *, utc_offset_min: float | None = None) -> Trace:
    """Read a delimited logger file (`,` `;` tab; decimal comma; °C or °F) into a Trace."""
    table = read_csv_table(raw, name)
    time_col = _time_column(table)
    temp_col = _temperature_column(table, time_col)
    header = table.header
    temp_name = header[temp_col] if header and temp_col < len(header) else ""
    header_text = " ".join([*table.preamble, *(header or ())])
    file_offset = None
    if header and time_col < len(header):
        file_offset = offset_from_text(header[time_col])
    if file_offset is None:
        file_offset = offset_from_text(header_text)
    return trace_from_table(
        table,
        raw,
        time_col=time_col,
        temp_col=temp_col,
        fahrenheit=bool(FAHRENHEIT_HEADER.search(temp_name)),
        file_offset_s=file_offset,
        utc_offset_min=utc_offset_min,
        sensor_id=_sensor_id(table, temp_name) or PurePath(name).stem,
        importer="generic",
    )


def trace_from_table(
    table: CsvTable,
    raw: bytes,
    *,
    time_col: int,
    temp_col: int,
    fahrenheit: bool,
    file_offset_s: float | None,
    utc_offset_min: float | None,
    sensor_id: str,
    importer: str,
) -> Trace:
    """Turn the chosen columns of a table into a Trace; rows without a temperature are skipped."""
    name = table.file_name
    temps_text = np.strings.strip(table.column(temp_col))
    has_temp = np.strings.str_len(temps_text) > 0
    lines = table.line_numbers[has_temp]
    temps_text = temps_text[has_temp]
    if table.delimiter != "," and np.any(np.strings.find(temps_text, b",") >= 0):
        temps_text = np.strings.replace(temps_text, b",", b".")
    temps = _parse_numbers(temps_text, lines, name)
    if fahrenheit:
        temps = (temps - 32.0) * (5.0 / 9.0)
    times_text = table.column(time_col)[has_temp]
    parsed = parse_timestamps(times_text, lines, file_name=name)
    notes: list[str] = []
    skipped = table.rows - int(lines.size)
    if skipped:
        notes.append(f"{skipped} row(s) without a temperature (logger events) skipped")
    if fahrenheit:
        notes.append("temperatures converted from °F to °C")
    seconds = parsed.seconds
    if parsed.offset_in_text:
        chosen = "the time-zone offset written in each timestamp"
    elif file_offset_s is not None:
        seconds = seconds - file_offset_s
        chosen = f"the file's offset {_offset_text(file_offset_s)}"
    elif utc_offset_min is not None:
        seconds = seconds - utc_offset_min * 60.0
        chosen = f"the chosen offset {_offset_text(utc_offset_min * 60.0)}"
    else:
        chosen = "no offset (the file names none, none was chosen): times taken as UTC"
    notes.append(f"times converted to UTC using {chosen}")
    if utc_offset_min is not None and (parsed.offset_in_text or file_offset_s is not None):
        notes.append("the chosen offset was not used: the file states its own")
    return make_trace(
        seconds,
        temps,
        sensor_id=sensor_id,
        source_name=name,
        sha256=hashlib.sha256(raw).hexdigest(),
        importer=importer,
        rows_read=table.rows,
        notes=tuple(notes),
        line_numbers=lines,
    )


def _parse_numbers(texts: BytesArray, lines: IntArray, name: str) -> FloatArray:
    try:
        return texts.astype(np.float64)
    except ValueError:
        for i, raw in enumerate(texts.tolist()):
            text = raw.decode("utf-8", errors="replace")
            if not is_number(text):
                raise LoggerFileError(
                    f"temperature '{text}' is not a number", file_name=name, line=int(lines[i])
                ) from None
        raise


def _offset_text(seconds: float) -> str:
    sign = "-" if seconds < 0 else "+"
    minutes = round(abs(seconds) / 60)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _time_column(table: CsvTable) -> int:
    stamps = [i for i, f in enumerate(table.first_row) if timestamp_format(f) is not None]
    header = table.header or ()
    named = [i for i in stamps if i < len(header) and TIME_HEADER.search(header[i])]
    return (named or stamps)[0]


def _temperature_column(table: CsvTable, time_col: int) -> int:
    header = table.header
    if header is None:
        numeric = [i for i, f in enumerate(table.first_row) if i > time_col and is_number(f)]
        if not numeric:
            raise LoggerFileError(
                "no header row and no number after the date-time column",
                file_name=table.file_name,
                line=int(table.line_numbers[0]),
            )
        return numeric[0]
    for i, title in enumerate(header):
        if i != time_col and TEMP_HEADER.search(title) and not TIME_HEADER.search(title):
            return i
    raise LoggerFileError(
        "no temperature column: no column title names a temperature (Temp, °C, °F); "
        f"columns are {', '.join(repr(h) for h in header)}",
        file_name=table.file_name,
    )


def _sensor_id(table: CsvTable, temp_name: str) -> str | None:
    header = table.header or ()
    for i, title in enumerate(header):
        if SENSOR_HEADER.fullmatch(title):
            found = np.unique(np.strings.strip(table.column(i)))
            values = [table.decode(v) for v in found.tolist() if v]
            if len(values) > 1:
                raise LoggerFileError(
                    f"the file holds {len(values)} sensors ({', '.join(values[:5])}"
                    f"{'…' if len(values) > 5 else ''}); split it into one file per sensor",
                    file_name=table.file_name,
                )
            if values:
                return values[0]
    for text in (temp_name, *table.preamble):
        match = SERIAL_IN_TEXT.search(text)
        if match:
            return match.group(1)
    return None
