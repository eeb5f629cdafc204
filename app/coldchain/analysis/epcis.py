"""GS1 EPCIS 2.0 JSON / JSON-LD documents: temperature `sensorReport`s of `sensorElementList`.

Each Temperature report with a `value` is a reading at the report's `time`, else its sensor
element's `sensorMetadata.time`, else the event's `eventTime`. Interval summaries
(`minValue`/`maxValue`/`meanValue` without `value`) are not readings and are skipped (noted);
a document with only summaries is rejected. Units: CEL, FAH, KEL.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from app.coldchain.analysis.errors import LoggerFileError
from app.coldchain.analysis.trace import Trace, make_trace

TEMPERATURE_TYPES = {"Temperature", "gs1:Temperature", "https://gs1.org/voc/Temperature"}
_TO_CELSIUS = {
    "CEL": lambda v: v,
    "FAH": lambda v: (v - 32.0) * 5.0 / 9.0,
    "KEL": lambda v: v - 273.15,
}


def looks_like_epcis(raw: bytes) -> bool:
    """True for an EPCIS 2.0 JSON document."""
    head = raw[:8192].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{") and (b"EPCISDocument" in raw or b"epcisBody" in raw)


def import_epcis(raw: bytes, name: str, *, utc_offset_min: float | None = None) -> Trace:
    """Read the temperature readings of an EPCIS 2.0 document (times carry their own offsets)."""
    del utc_offset_min  # EPCIS times always carry an offset
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise LoggerFileError(f"not valid JSON: {exc}", file_name=name, line=line) from None
    events = _events(document, name)
    times: list[float] = []
    temps: list[float] = []
    sensors: set[str] = set()
    summaries = 0
    for e_index, event in enumerate(events, start=1):
        for s_index, element in enumerate(event.get("sensorElementList") or [], start=1):
            meta = element.get("sensorMetadata") or {}
            for r_index, report in enumerate(element.get("sensorReport") or [], start=1):
                if report.get("type") not in TEMPERATURE_TYPES:
                    continue
                where = f"event {e_index}, sensor element {s_index}, report {r_index}"
                if "value" not in report:
                    summaries += 1
                    continue
                stamp = report.get("time") or meta.get("time") or event.get("eventTime")
                times.append(_epoch(stamp, where, name))
                temps.append(_celsius(report, where, name))
                sensors.add(str(report.get("deviceID") or meta.get("deviceID") or ""))
    if not times:
        problem = (
            "only interval summaries (minValue/maxValue), no time-stamped temperature values"
            if summaries
            else "no temperature: no sensorReport of type Temperature"
        )
        raise LoggerFileError(problem, file_name=name)
    named = sorted(s for s in sensors if s)
    if len(named) > 1:
        raise LoggerFileError(
            f"temperatures from {len(named)} sensors ({', '.join(named)}); one per import",
            file_name=name,
        )
    notes = [f"{summaries} interval summary report(s) skipped"] if summaries else []
    return make_trace(
        times,
        temps,
        sensor_id=named[0] if named else "",
        source_name=name,
        sha256=hashlib.sha256(raw).hexdigest(),
        importer="epcis",
        rows_read=len(times) + summaries,
        notes=tuple(notes),
    )


def _events(document: Any, name: str) -> list[dict[str, Any]]:
    body = document.get("epcisBody") if isinstance(document, dict) else None
    if not isinstance(body, dict):
        raise LoggerFileError("not an EPCIS document: no epcisBody", file_name=name)
    events = body.get("eventList")
    if events is None and isinstance(body.get("queryResults"), dict):
        events = body["queryResults"].get("resultsBody", {}).get("eventList")
    if not isinstance(events, list):
        raise LoggerFileError("not an EPCIS document: no eventList", file_name=name)
    return [e for e in events if isinstance(e, dict)]


def _epoch(stamp: Any, where: str, name: str) -> float:
    try:
        moment = datetime.fromisoformat(str(stamp).replace("z", "Z"))
    except ValueError:
        raise LoggerFileError(f"{where}: time {stamp!r} is not ISO 8601", file_name=name) from None
    if moment.tzinfo is None:
        raise LoggerFileError(f"{where}: time {stamp!r} has no offset", file_name=name)
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()


def _celsius(report: dict[str, Any], where: str, name: str) -> float:
    value, uom = report.get("value"), report.get("uom", "CEL")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LoggerFileError(f"{where}: value {value!r} is not a number", file_name=name)
    convert = _TO_CELSIUS.get(uom)
    if convert is None:
        raise LoggerFileError(f"{where}: unknown temperature unit {uom!r}", file_name=name)
    return float(convert(float(value)))
