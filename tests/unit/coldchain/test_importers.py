"""Vendor importers (Berlinger, HOBO, EPCIS), the registry and analyze_file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.coldchain.analysis.berlinger import import_berlinger
from app.coldchain.analysis.errors import LoggerFileError
from app.coldchain.analysis.registry import analyze_file, import_trace, sniff_format

FRIDGE_TAG = """Device: Q-tag Fridge-tag 2
Vers: 0.5
Conf:
 Serial: 160400000009
 Temp unit: C
Hist:
 TS Actv: 2025-01-01 00:00
 1:
  Date: 2025-01-02
  Min T: +4.0, TS Min T: 18:00
  Max T: +9.5, TS Max T: 06:00
  Avrg T: +5.0
  Alarm:
   0:
    t Acc: 0
   1:
    t Acc: 75, TS A: 2025-01-02 05:30, C A: 1
  Events: 0
 2:
  Date: 2025-01-01
  Min T: ---, TS Min T: ---
  Max T: +6.0, TS Max T: 12:00
  Avrg T: +5.0
"""

HOBO = (
    '\ufeff"Plot Title: 123"\n'
    '"#","Date Time, GMT-07:00","Temp, °C (LGR S/N: 123, SEN S/N: 123)","Stopped (LGR S/N: 123)"\n'
    "1,06/16/21 02:35:28 PM,32.587,\n"
    "2,06/16/21 02:45:28 PM,30.000,\n"
    "3,06/16/21 02:46:00 PM,,Logged\n"
)

EPCIS = {
    "type": "EPCISDocument",
    "schemaVersion": "2.0",
    "epcisBody": {
        "eventList": [
            {
                "type": "ObjectEvent",
                "eventTime": "2025-03-01T09:30:00+01:00",
                "sensorElementList": [
                    {
                        "sensorMetadata": {"deviceID": "urn:epc:id:giai:4000001.111"},
                        "sensorReport": [
                            {"type": "Temperature", "time": "2025-03-01T09:00:00+01:00",
                             "value": 41.0, "uom": "FAH"},
                            {"type": "gs1:Temperature", "time": "2025-03-01T08:10:00Z",
                             "value": 279.15, "uom": "KEL"},
                            {"type": "Humidity", "value": 50},
                        ],
                    }
                ],
            }
        ]
    },
}  # fmt: skip


def test_berlinger_daily_min_max_become_readings() -> None:
    trace = import_berlinger(FRIDGE_TAG.encode(), "tag.txt", utc_offset_min=60)
    assert trace.sensor_id == "160400000009"
    assert trace.rows_read == 2
    assert list(trace.temps_c) == [6.0, 9.5, 4.0]  # day 1 max; day 2 max (06:00), min (18:00)
    assert trace.times_utc[0] == np.datetime64("2025-01-01T11:00:00")
    assert any("alarm 1 accumulated 75 min" in n for n in trace.notes)
    assert not any("backwards" in n for n in trace.notes)


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("", None, "empty"),
        (FRIDGE_TAG.replace("+4.0", "abc"), 10, "'abc' is not a temperature"),
        (FRIDGE_TAG.replace("Conf:\n Serial", "Conf:\nSerial"), 3, "no indented entries"),
        (FRIDGE_TAG.split("  Min T", maxsplit=1)[0], 8, "truncated"),
        (FRIDGE_TAG.replace("Hist:", "History:"), None, "no 'Hist:'"),
    ],
)
def test_berlinger_rejections(text: str, line: int | None, problem: str) -> None:
    with pytest.raises(LoggerFileError, match=problem) as caught:
        import_berlinger(text.encode(), "tag.txt")
    assert caught.value.line == line


def test_hobo_offset_events_and_serial() -> None:
    raw = HOBO.encode()
    assert sniff_format(raw) == "hobo"
    trace = import_trace(raw, "hobo.csv")
    assert (trace.rows_read, len(trace), trace.sensor_id) == (3, 2, "123")
    assert trace.times_utc[0] == np.datetime64("2021-06-16T21:35:28")


def test_hobo_without_temperature_is_rejected() -> None:
    raw = HOBO.replace("Temp, °C", "Turbidity, NTU").encode()
    with pytest.raises(LoggerFileError, match="no temperature"):
        import_trace(raw, "hobo.csv")


def test_epcis_temperatures_units_and_offsets() -> None:
    raw = json.dumps(EPCIS).encode()
    assert sniff_format(raw) == "epcis"
    trace = import_trace(raw, "doc.jsonld")
    assert trace.temps_c == pytest.approx([5.0, 6.0])
    assert list(trace.times_utc.astype(str)) == [
        "2025-03-01T08:00:00.000000",
        "2025-03-01T08:10:00.000000",
    ]
    assert trace.sensor_id == "urn:epc:id:giai:4000001.111"


def test_epcis_rejections() -> None:
    with pytest.raises(LoggerFileError, match="not valid JSON"):
        import_trace(b"{", "doc.json", "epcis")
    no_temp = json.loads(json.dumps(EPCIS))
    no_temp["epcisBody"]["eventList"][0]["sensorElementList"][0]["sensorReport"] = []
    with pytest.raises(LoggerFileError, match="no temperature"):
        import_trace(json.dumps(no_temp).encode(), "doc.json")


def test_registry_sniffs_and_rejects_unknown_names() -> None:
    assert sniff_format(FRIDGE_TAG.encode()) == "berlinger"
    assert sniff_format(b"time,temp\n2025-03-01T08:00:00Z,5\n") == "generic"
    with pytest.raises(LoggerFileError, match="unknown logger format 'xml'"):
        import_trace(b"", "x", "xml")


def test_analyze_file_returns_the_report(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("time,temp\n2025-03-01T08:00:00Z,6\n2025-03-01T08:10:00Z,10\n")
    report = analyze_file(path, "fresh-2-8")
    assert report["verdict"] == "excursion"
    assert report["excursions"][0]["start"] == "2025-03-01T08:05:00Z"
    with pytest.raises(LoggerFileError, match="cannot read"):
        analyze_file(tmp_path / "missing.csv", "fresh-2-8")
