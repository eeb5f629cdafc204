"""Generic CSV importer: delimiters, decimal comma, formats, offsets, °F, clear errors."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from app.coldchain.analysis.errors import LoggerFileError
from app.coldchain.analysis.generic_csv import import_generic_csv
from app.coldchain.analysis.timeparse import offset_from_text, timestamp_format

UTC_0800 = 1_740_816_000.0  # 2025-03-01T08:00:00Z


def load(text: str, **kwargs: float):  # type: ignore[no-untyped-def]
    return import_generic_csv(text.encode("utf-8"), "log.csv", **kwargs)


def test_iso_with_z_comma_delimited() -> None:
    raw = "time,temp_c\n2025-03-01T08:00:00Z,5.0\n2025-03-01T08:05:00Z,5.5\n"
    trace = load(raw)
    assert list(trace.times_s) == [UTC_0800, UTC_0800 + 300]
    assert list(trace.temps_c) == [5.0, 5.5]
    assert trace.sha256 == hashlib.sha256(raw.encode()).hexdigest()
    assert trace.source_name == "log.csv"
    assert trace.rows_read == 2
    assert trace.times_utc[0] == np.datetime64("2025-03-01T08:00:00")


def test_iso_with_offsets_converted_to_utc() -> None:
    trace = load("Zeit;Temperatur\n2025-03-01T09:00:00+01:00;5\n2025-03-01T03:05:00-0500;6\n")
    assert list(trace.times_s) == [UTC_0800, UTC_0800 + 300]


def test_semicolon_decimal_comma_dotted_dates_header_offset() -> None:
    raw = (
        "Logger 42\nZeitzone: UTC+01:00\nDatum;Temperatur °C\n"
        "01.03.2025 09:00;4,5\n01.03.2025 09:01:30;-0,5\n"
    )
    trace = load(raw)
    assert list(trace.temps_c) == [4.5, -0.5]
    assert list(trace.times_s) == [UTC_0800, UTC_0800 + 90]


def test_tab_us_am_pm_fahrenheit_and_chosen_offset() -> None:
    raw = "Date\tTemp (°F)\n03/01/2025 03:00 AM\t41.0\n03/01/2025 12:30:00 PM\t50\n"
    trace = load(raw, utc_offset_min=-300)
    assert trace.temps_c == pytest.approx([5.0, 10.0])
    assert list(trace.times_s) == [UTC_0800, UTC_0800 + 9.5 * 3600]
    assert any("°F" in note for note in trace.notes)


def test_header_offset_beats_chosen_offset() -> None:
    trace = load('"Date Time, GMT-05:00",Temp\n2025-03-01 03:00,5\n', utc_offset_min=60)
    assert list(trace.times_s) == [UTC_0800]
    assert any("not used" in note for note in trace.notes)


def test_no_offset_means_utc_with_note() -> None:
    trace = load("timestamp,temperature\n2025-03-01 08:00,5\n")
    assert list(trace.times_s) == [UTC_0800]
    assert any("taken as UTC" in note for note in trace.notes)


def test_headerless_file_uses_first_number_after_time() -> None:
    trace = load("2025-03-01T08:00:00Z,5.25\n2025-03-01T08:01:00Z,5.5\n")
    assert list(trace.temps_c) == [5.25, 5.5]


def test_quoted_fields_and_sensor_column() -> None:
    raw = '"sensor","time","temperature"\n"A1","2025-03-01T08:00:00Z","5.0"\n'
    trace = load(raw)
    assert trace.sensor_id == "A1"
    assert list(trace.temps_c) == [5.0]


def test_several_sensors_rejected() -> None:
    raw = "sensor,time,temperature\nA,2025-03-01T08:00:00Z,5\nB,2025-03-01T08:00:00Z,6\n"
    with pytest.raises(LoggerFileError, match="2 sensors"):
        load(raw)


def test_short_rows_have_no_temperature() -> None:
    trace = load("a,time,b,temp\n1,2025-03-01T08:00:00Z,2,5\n2,2025-03-01T08:01:00Z\n")
    assert (trace.rows_read, len(trace)) == (2, 1)


def test_rows_without_temperature_are_counted_and_skipped() -> None:
    trace = load("time,temp\n2025-03-01T08:00:00Z,5\n2025-03-01T08:01:00Z,\n")
    assert (trace.rows_read, len(trace)) == (2, 1)


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        (
            "time,temp\n2025-03-01T08:00:00Z,5\n2025-03-01T08:01:00Z,abc\n",
            3,
            "'abc' is not a number",
        ),
        ("time,temp\n2025-03-01T08:00:00Z,5\n2025-13-01T08:01:00Z,5\n", 3, "month must be"),
        ("time,temp\n2025-03-01T08:00:00Z,5\n01.03.2025 08:00,5\n", 3, "does not match"),
        ("time,temp\n2025-03-01T08:00:00Z,5\n2025-03-01T08:01:00Z,-300\n", 3, "not a physical"),
    ],
)
def test_bad_rows_name_their_line(text: str, line: int, problem: str) -> None:
    with pytest.raises(LoggerFileError, match=problem) as caught:
        load(text)
    assert caught.value.line == line
    assert f"log.csv, line {line}:" in str(caught.value)


def test_empty_and_non_logger_files() -> None:
    with pytest.raises(LoggerFileError, match="empty"):
        load("\n\n")
    with pytest.raises(LoggerFileError, match="date-time and a number"):
        load("name,age\nalice,3\n")
    with pytest.raises(LoggerFileError, match="no temperature column"):
        load("time,humidity %\n2025-03-01T08:00:00Z,40\n")


def test_cp1252_degree_sign() -> None:
    raw = "time;Temp °F\n2025-03-01T08:00:00Z;50\n".encode("cp1252")
    assert import_generic_csv(raw, "x.csv").temps_c[0] == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("2025-03-01T08:00:00Z", "iso8601"),
        ("2025-03-01 08:00", "iso8601"),
        ("2025-03-01T08:00:00.250+05:30", "iso8601"),
        ("01.03.2025 08:00", "dd.mm.yyyy"),
        ("03/01/2025 08:00:00 PM", "mm/dd/yyyy am/pm"),
        ("06/16/21 02:35:28 PM", "mm/dd/yyyy am/pm"),
        ("2019/08/11 05:06:13 PM", "yyyy/mm/dd am/pm"),
        ("2025-03-01", None),
        ("hello", None),
    ],
)
def test_timestamp_formats(text: str, name: str | None) -> None:
    assert timestamp_format(text) == name


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("Date Time, GMT-07:00", -25200.0),
        ("Date Time, GMT -0700", -25200.0),
        ("UTC+5:30", 19800.0),
        ("time (UTC)", 0.0),
        ("no zone here", None),
    ],
)
def test_offsets_in_header_text(text: str, seconds: float | None) -> None:
    assert offset_from_text(text) == seconds
