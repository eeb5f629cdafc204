"""Temperature-logger corpus (/work/shared/corpora/temp-loggers): what its MANIFEST.md promises."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.coldchain.analysis.assessment import assess
from app.coldchain.analysis.errors import LoggerFileError
from app.coldchain.analysis.profiles import seed_profile
from app.coldchain.analysis.registry import import_trace, sniff_format

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "temp-loggers"
HOBO = CORPUS / "onset-hobo"
BERLINGER = CORPUS / "berlinger-fridgetag2"

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"temperature-logger corpus not present at {CORPUS}"
)


def load(path: Path, fmt: str | None = None):  # type: ignore[no-untyped-def]
    raw = path.read_bytes()
    return import_trace(raw, path.name, fmt)


# file, data rows (manifest), readings with a temperature, first reading UTC, first °C
HOBO_FILES = [
    ("QU5_Mooring_15m_20392468_20210803.csv", 5896, 5894, "2021-06-16T21:35:28", 32.587),
    ("703_PT_20409269_20220105_corrected.csv", 11951, 11951, "2021-05-13T19:00:00", 9.077),
    ("pruth_pocket_11013016_20200816_rawdata.csv", 1, 0, None, None),
    (
        "foggy_seaweed_high_20387235_20210525_rawdata_daylight_saving.csv",
        50684,  # manifest: ~50,680
        50670,
        "2020-06-07T16:10:00",
        13.02,
    ),
]


@pytest.mark.parametrize(("name", "rows", "readings", "first_utc", "first_c"), HOBO_FILES)
def test_hobo_rows_and_utc_from_header_offset(
    name: str, rows: int, readings: int, first_utc: str | None, first_c: float | None
) -> None:
    path = HOBO / name
    assert sniff_format(path.read_bytes()) == "hobo"
    trace = load(path)
    assert trace.rows_read == rows
    assert len(trace) == readings
    if first_utc is not None:
        assert trace.times_utc[0] == np.datetime64(first_utc)
        assert trace.temps_c[0] == pytest.approx(first_c)
        assert trace.sensor_id == name.split("_")[-2] or trace.sensor_id.isdigit()


def test_hobo_daylight_saving_file_is_sorted_and_noted() -> None:
    trace = load(HOBO / HOBO_FILES[3][0])
    assert bool(np.all(np.diff(trace.times_s) >= 0))
    assert any("backwards" in note and "line 21129" in note for note in trace.notes)


def test_hobo_single_empty_row_has_no_readings_to_assess() -> None:
    trace = load(HOBO / "pruth_pocket_11013016_20200816_rawdata.csv")
    with pytest.raises(ValueError, match="no temperature readings"):
        assess(trace, seed_profile("fresh-2-8"))


def test_hobo_turbidity_file_rejected_with_no_temperature() -> None:
    path = HOBO / "SGTEUS1_Turbidity_313311_20211021_corrected.csv"
    for fmt in (None, "generic"):
        with pytest.raises(LoggerFileError, match="no temperature"):
            load(path, fmt)


REAL_BERLINGER = {
    "160400343949_202503171012.txt": 5,
    "160400343949_202504070923.txt": 26,
    "160400343949_202511281530.txt": 60,
    "160400343951_202506111034_20250611T083422Z.txt": 60,
}


@pytest.mark.parametrize(("name", "days"), REAL_BERLINGER.items())
def test_berlinger_real_exports(name: str, days: int) -> None:
    path = BERLINGER / "data" / "input" / name
    assert sniff_format(path.read_bytes()) == "berlinger"
    trace = load(path)
    assert trace.rows_read == days
    assert len(trace) == 2 * days  # no missing values in these exports
    assert trace.sensor_id == name[:12]
    result = assess(trace, seed_profile("fresh-2-8"))
    assert result.verdict in {"incomplete", "excursion"}  # daily summaries leave gaps


def test_berlinger_first_real_export_values() -> None:
    trace = load(BERLINGER / "data" / "input" / "160400343949_202503171012.txt")
    assert trace.times_utc[-1] == np.datetime64("2025-03-17T07:47")
    assert trace.temps_c[-1] == 7.0
    assert trace.temps_c.max() == pytest.approx(13.2)


VALID = ["minimal", "single_record", "full", "alarm_breaches", "missing_temps", "negative_temps"]


@pytest.mark.parametrize("name", VALID)
def test_berlinger_valid_fixtures_parse(name: str) -> None:
    trace = load(BERLINGER / "tests" / "fixtures" / "valid" / f"{name}.txt")
    assert len(trace) >= 1
    if name == "alarm_breaches":
        assert any("accumulated 180 min" in n for n in trace.notes)
    if name == "missing_temps":
        assert (trace.rows_read, len(trace)) == (3, 3)
    if name == "negative_temps":
        assert trace.temps_c.max() < 0


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("empty", "empty"),
        ("truncated", "truncated"),
        ("bad_indent", "indented"),
        ("malformed_temp", "'abc' is not a temperature"),
    ],
)
def test_berlinger_invalid_fixtures_rejected(name: str, problem: str) -> None:
    with pytest.raises(LoggerFileError, match=problem):
        load(BERLINGER / "tests" / "fixtures" / "invalid" / f"{name}.txt", "berlinger")


EPCIS_EXAMPLES = CORPUS.parent / "epcis2" / "examples"
# example, readings with a value (MANIFEST: sensor examples; summaries-only ones are rejected)
EPCIS_READINGS = {
    "SensorDataExample1.jsonld": 3,
    "SensorDataExample1b.jsonld": 3,
    "SensorDataExample4.jsonld": 1,
    "SensorDataExample5.jsonld": 6,
    "SensorDataExample7.jsonld": 1,
    "object_event_all_possible_fields.jsonld": 1,
}


@pytest.mark.skipif(not EPCIS_EXAMPLES.is_dir(), reason="EPCIS 2.0 example corpus not present")
@pytest.mark.parametrize(("name", "readings"), EPCIS_READINGS.items())
def test_epcis_sensor_examples(name: str, readings: int) -> None:
    path = EPCIS_EXAMPLES / name
    assert sniff_format(path.read_bytes()) == "epcis"
    trace = load(path)
    assert len(trace) == readings
    assert trace.temps_c[0] == 26.0


@pytest.mark.skipif(not EPCIS_EXAMPLES.is_dir(), reason="EPCIS 2.0 example corpus not present")
def test_epcis_summary_only_and_no_sensor_documents_rejected() -> None:
    with pytest.raises(LoggerFileError, match="interval summaries"):
        load(EPCIS_EXAMPLES / "SensorDataExample2.jsonld")
    with pytest.raises(LoggerFileError, match="no temperature"):
        load(EPCIS_EXAMPLES / "Example_9.6.1-ObjectEvent.jsonld")
