"""EPCIS 2.0 export and import on a case driven from enrolment to infusion (SQLite, PostgreSQL).

The export validates against GS1's EPCIS 2.0 JSON schema and each eventID equals what GS1's
reference ``epcis-event-hash-generator`` computes from the written file; no patient identity is
in it. The import attaches a partner's shipping and sensor events by identifiers we hold,
reports the rest, never stores an event twice, and loads all 18 GS1 example documents.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from epcis_event_hash_generator.__main__ import epcis_hash_from_file
from sqlalchemy import func, select

from app.access import authenticate
from app.core import Database, NotPermitted, ValidationFailed, open_database
from app.exchange import InvalidEpcisFile, export_epcis, import_epcis
from app.exchange.epcis_export import epcis_time
from db.models import AuditEvent, Case, PartnerEvent, Shipment, Unit
from tests.conftest import CORPORA, PASSWORD
from tests.support.journeyed import (
    PATIENT,
    journeyed_postgres_template,  # noqa: F401 - fixture
    journeyed_sqlite_template,  # noqa: F401 - fixture
    journeyed_url,  # noqa: F401 - fixture
)

EPCIS = CORPORA / "epcis2"
SCHEMA = EPCIS / "schema" / "EPCIS-JSON-Schema.json"
EXAMPLES = sorted((EPCIS / "examples").glob("*.jsonld"))
needs_corpus = pytest.mark.skipif(
    not SCHEMA.exists(), reason="the GS1 EPCIS corpus (../shared/corpora/epcis2) is absent"
)
DEMO_PASSWORD = "demo-password"
PARTNER_EVENT_ID = "urn:uuid:6f1c2a7e-1b7d-4c1e-9a57-0d3f5b8e2c41"


@pytest.fixture
def db(journeyed_url: str) -> Any:  # noqa: F811 - the fixture imported above
    database = open_database(journeyed_url)
    yield database
    database.dispose()


def _who(database: Database, username: str) -> Any:
    password = PASSWORD if username in {"admin", "olga.qa"} else DEMO_PASSWORD
    return authenticate(database, username, password, "test-station")


def _infused(database: Database) -> Case:
    with database.read_session() as session:
        return session.scalars(select(Case).order_by(Case.enrolled_at)).first()  # type: ignore[return-value]


def _counts(database: Database) -> tuple[int, int]:
    with database.read_session() as session:
        events = session.scalar(select(func.count()).select_from(PartnerEvent)) or 0
        audit = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    return events, audit


@needs_corpus
def test_export_is_valid_epcis_with_standard_event_hashes(db: Database, tmp_path: Path) -> None:
    case = _infused(db)
    export = export_epcis(db, _who(db, "asha.qa"), coi=case.coi)
    out = tmp_path / "case.jsonld"
    out.write_bytes(export.json_bytes())
    document = json.loads(out.read_text())
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))
    assert [e.message for e in validator.iter_errors(document)] == []
    events = document["epcisBody"]["eventList"]
    hashes, _prehashes = epcis_hash_from_file(str(out))
    assert [e["eventID"] for e in events] == hashes
    assert all(h.startswith("ni:///sha-256;") for h in hashes)
    shape = [(e["type"], e.get("bizStep")) for e in events]
    assert shape.count(("ObjectEvent", "commissioning")) == 1
    assert shape.count(("AggregationEvent", "packing")) == 2
    assert shape.count(("AssociationEvent", "assembling")) == 2
    assert shape.count(("ObjectEvent", "shipping")) == 2
    assert shape.count(("ObjectEvent", "receiving")) == 2
    assert shape.count(("TransformationEvent", None)) == 9
    assert shape.count(("ObjectEvent", "inspecting")) == 1
    assert shape.count(("ObjectEvent", "dispensing")) == 2  # both bags of the dose infused
    assert shape.count(("ObjectEvent", "sensor_reporting")) == 2
    assert [e["eventTime"] for e in events] == sorted(e["eventTime"] for e in events)
    commissioning = events[0]
    assert commissioning["ilmd"]["coi:chainOfIdentity"] == case.coi
    assert commissioning["ilmd"]["coi:collectionEnd"].endswith("Z")
    assert commissioning["epcList"][0].startswith("urn:coi-tracker:isbt128:din:")
    shipping = next(e for e in events if e.get("bizStep") == "shipping")
    assert shipping["epcList"][0].startswith("https://id.gs1.org/00/")
    assert shipping["sourceList"][0]["source"] == "https://id.gs1.org/414/5901234123457"
    assert shipping["destinationList"][0]["destination"] == "https://id.gs1.org/414/4012345000016"
    sensor = next(e for e in events if e.get("bizStep") == "sensor_reporting")
    report = sensor["sensorElementList"][0]["sensorReport"][0]
    assert report["type"] == "Temperature" and report["uom"] == "CEL"
    assert sensor["coi:verdict"] == "within_limits" and "coi:disposition" not in sensor
    steps = [e for e in events if e["type"] == "TransformationEvent"]
    assert steps[1]["inputEPCList"] != steps[1]["outputEPCList"]  # selection makes a new unit


def test_no_patient_identity_even_for_a_user_who_may_see_it(db: Database) -> None:
    case = _infused(db)
    text = export_epcis(db, _who(db, "cora.coordinator"), coi=case.coi).json_bytes().decode()
    for fact in (PATIENT.family, PATIENT.given, PATIENT.mrn, PATIENT.born.isoformat()):
        assert fact not in text
    assert case.coi in text


def test_export_scope_since_and_refusals(db: Database) -> None:
    qa = _who(db, "asha.qa")
    everything = export_epcis(db, qa)
    assert len(everything.cois) == 2
    events = everything.document["epcisBody"]["eventList"]
    middle = events[len(events) // 2]["eventTime"]
    since = export_epcis(db, qa, since=_parse(middle))
    assert 0 < since.event_count < everything.event_count
    assert all(e["eventTime"] >= middle for e in since.document["epcisBody"]["eventList"])
    with pytest.raises(ValidationFailed, match="No case you may see has the COI CH"):
        export_epcis(db, qa, coi="CHX000000000000")
    with pytest.raises(ValidationFailed, match="is not a COI"):
        export_epcis(db, qa, coi="hello")
    with pytest.raises(ValidationFailed, match="No case you may see"):  # another site's case
        export_epcis(db, _who(db, "olga.qa"), coi=_infused(db).coi)
    with pytest.raises(NotPermitted):
        export_epcis(db, _who(db, "admin"))


def _parse(text: str) -> Any:
    from datetime import datetime  # noqa: PLC0415

    return datetime.fromisoformat(text)


def _partner_document(database: Database) -> dict[str, Any]:
    """What the manufacturer's system would send about the first shipment, plus noise."""
    with database.read_session() as session:
        shipment = session.scalars(select(Shipment).order_by(Shipment.packed_at)).first()
        assert shipment is not None and shipment.received_at is not None and shipment.logger_giai
        sscc, giai, received = shipment.sscc, shipment.logger_giai, shipment.received_at
    at = epcis_time(received + timedelta(minutes=1))
    base = {"eventTime": at, "eventTimeZoneOffset": "+00:00", "action": "OBSERVE"}
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": at,
        "epcisBody": {
            "eventList": [
                {  # arriving at the partner, with an identifier we do not hold
                    "type": "ObjectEvent",
                    "eventID": PARTNER_EVENT_ID,
                    **base,
                    "epcList": [
                        f"https://id.gs1.org/00/{sscc}",
                        "https://id.gs1.org/01/09520123456788/21/12345",
                    ],
                    "bizStep": "arriving",
                    "readPoint": {"id": "https://id.gs1.org/414/4012345000016"},
                },
                {  # the partner's own sensor report from our logger, without an eventID
                    "type": "ObjectEvent",
                    **base,
                    "epcList": [f"https://id.gs1.org/00/{sscc}"],
                    "bizStep": "sensor_reporting",
                    "readPoint": {"id": "https://id.gs1.org/414/4012345000016"},
                    "sensorElementList": [
                        {
                            "sensorMetadata": {"deviceID": f"https://id.gs1.org/8004/{giai}"},
                            "sensorReport": [{"type": "Temperature", "value": 5.1, "uom": "CEL"}],
                        }
                    ],
                },
                {  # a shipment we never heard of
                    "type": "ObjectEvent",
                    **base,
                    "epcList": ["https://id.gs1.org/00/000000000000000000"],
                    "bizStep": "shipping",
                },
                {  # ours, but not a shipping or sensor event
                    "type": "ObjectEvent",
                    **base,
                    "epcList": [f"https://id.gs1.org/00/{sscc}"],
                    "bizStep": "inspecting",
                },
            ]
        },
    }


def _write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document))
    return path


def test_import_attaches_known_events_reports_unknown_and_never_twice(
    db: Database, tmp_path: Path
) -> None:
    qa = _who(db, "asha.qa")
    document = _partner_document(db)
    path = _write(tmp_path / "partner.jsonld", document)
    schema = SCHEMA if SCHEMA.exists() else None
    before = _counts(db)
    result = import_epcis(db, qa, path, schema=schema)
    outcomes = [(o.outcome, o.reason) for o in result.outcomes]
    assert [o for o, _ in outcomes] == ["imported", "imported", "skipped", "skipped"]
    assert "none of its identifiers" in outcomes[2][1]
    assert "not a shipping or sensor event" in outcomes[3][1]
    assert result.outcomes[0].unknown == ("https://id.gs1.org/01/09520123456788/21/12345",)
    assert result.outcomes[0].coi == _infused(db).coi
    assert result.outcomes[0].event_id == PARTNER_EVENT_ID  # kept as sent
    assert result.outcomes[1].event_id is not None
    assert result.outcomes[1].event_id.startswith("ni:///sha-256;")  # computed: none was sent
    events, audit = _counts(db)
    assert events == before[0] + 2
    with db.read_session() as session:
        trail = list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == "import epcis event"))
        )
        stored = list(session.scalars(select(PartnerEvent)))
    assert len(trail) == 2
    assert all(result.sha256 in (t.reason or "") for t in trail)
    assert {json.loads(s.body)["bizStep"] for s in stored} == {"arriving", "sensor_reporting"}
    again = import_epcis(db, qa, path, schema=schema)
    assert [o.outcome for o in again.outcomes] == ["duplicate", "duplicate", "skipped", "skipped"]
    assert _counts(db) == (events, audit)
    # the same event twice in one document is stored once
    doubled = copy.deepcopy(document)
    later = doubled["epcisBody"]["eventList"][1]
    later["eventTime"] = epcis_time(_infused(db).enrolled_at + timedelta(days=2))
    doubled["epcisBody"]["eventList"].append(later)
    twice = import_epcis(db, qa, _write(tmp_path / "twice.jsonld", doubled))
    assert [o.outcome for o in twice.outcomes][-1] == "duplicate"
    assert _counts(db)[0] == events + 1


def test_import_refuses_other_sites_cases_other_roles_and_mixed_cases(
    db: Database, tmp_path: Path
) -> None:
    path = _write(tmp_path / "partner.jsonld", _partner_document(db))
    before = _counts(db)
    foreign = import_epcis(db, _who(db, "olga.qa"), path)
    assert {o.outcome for o in foreign.outcomes} == {"skipped"}
    assert "a case you may not see" in foreign.outcomes[0].reason
    assert all(o.coi is None for o in foreign.outcomes)
    with pytest.raises(NotPermitted, match="import a partner's EPCIS events"):
        import_epcis(db, _who(db, "ivy.infusion"), path)
    with db.read_session() as session:
        first, second = (
            session.scalars(
                select(Unit.din).where(Unit.case_id == c.id, Unit.din.is_not(None))
            ).first()
            for c in session.scalars(select(Case).order_by(Case.enrolled_at))
        )
    mixed = _partner_document(db)
    mixed["epcisBody"]["eventList"][0]["epcList"] = [
        f"urn:coi-tracker:isbt128:din:{first}",
        f"urn:coi-tracker:isbt128:din:{second}",
    ]
    result = import_epcis(db, _who(db, "asha.qa"), _write(tmp_path / "mixed.jsonld", mixed))
    assert "more than one case" in result.outcomes[0].reason
    assert result.outcomes[0].outcome == "skipped"
    assert _counts(db)[0] == before[0] + 1  # only the sensor event of the first shipment


def test_an_unknown_json_ld_context_is_never_fetched(db: Database, tmp_path: Path) -> None:
    document = _partner_document(db)
    document["@context"] = [*document["@context"], "https://contexts.example.invalid/x.jsonld"]
    result = import_epcis(db, _who(db, "asha.qa"), _write(tmp_path / "ctx.jsonld", document))
    sensor = result.outcomes[1]  # the one without an eventID: its hash needs the context
    assert sensor.outcome == "skipped"
    assert "is not one this app knows; it is not fetched" in sensor.reason
    assert result.outcomes[0].outcome == "imported"  # it brought its own eventID: no hash


@needs_corpus
@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_gs1_example_loads_and_nothing_unknown_is_written(
    db: Database, example: Path
) -> None:
    qa = _who(db, "asha.qa")
    before = _counts(db)
    result = import_epcis(db, qa, example, schema=SCHEMA)
    assert result.outcomes
    for outcome in result.outcomes:
        assert outcome.outcome == "skipped"
        assert "none of its identifiers is held" in outcome.reason
        assert outcome.unknown  # every identifier reported, none guessed
    assert _counts(db) == before


def test_eighteen_examples_in_the_corpus() -> None:
    if not SCHEMA.exists():
        pytest.skip("the GS1 EPCIS corpus (../shared/corpora/epcis2) is absent")
    assert len(EXAMPLES) == 18


def _mutated(name: str, change: Any) -> Any:
    document = json.loads((EPCIS / "examples" / name).read_text())
    change(document)
    return document


BAD_FILES: dict[str, tuple[Any, str]] = {
    "not-json": (b"<epcis:EPCISDocument/>", "is not JSON"),
    "array": ([1, 2], "not an EPCIS document (not an object)"),
    "fhir": (
        {"resourceType": "Bundle", "type": "collection"},
        "its type is 'collection', not 'EPCISDocument'",
    ),
    "query": ({"type": "EPCISQueryDocument"}, "an EPCIS query document"),
    "version-1": ({"type": "EPCISDocument", "schemaVersion": "1.2"}, "only version 2.0"),
    "no-events": (
        {"type": "EPCISDocument", "schemaVersion": "2.0", "@context": [], "epcisBody": {}},
        "no epcisBody.eventList",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_files_that_are_not_epcis_are_refused_whole(
    db: Database, tmp_path: Path, name: str
) -> None:
    content, message = BAD_FILES[name]
    path = tmp_path / f"{name}.jsonld"
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
    qa = _who(db, "asha.qa")
    before = _counts(db)
    with pytest.raises(InvalidEpcisFile, match=re.escape(message)):
        import_epcis(db, qa, path)
    assert _counts(db) == before


@needs_corpus
@pytest.mark.parametrize(
    ("change", "schema_says", "we_say"),
    [
        (
            lambda d: d["epcisBody"]["eventList"][0].pop("eventTime"),
            "does not validate against EPCIS-JSON-Schema.json.*'eventTime' is a required",
            "event 1 has no valid eventTime",
        ),
        (  # GS1's schema lets an extension event type through; we do not
            lambda d: d["epcisBody"]["eventList"][0].update(type="FooEvent"),
            "event 1 has the type 'FooEvent'",
            "event 1 has the type 'FooEvent'",
        ),
    ],
    ids=["no-event-time", "foo-event"],
)
def test_mutated_gs1_examples_are_refused_with_and_without_the_schema(
    db: Database, tmp_path: Path, change: Any, schema_says: str, we_say: str
) -> None:
    path = _write(tmp_path / "mutated.jsonld", _mutated("SensorDataExample5.jsonld", change))
    qa = _who(db, "asha.qa")
    with pytest.raises(InvalidEpcisFile, match=schema_says):
        import_epcis(db, qa, path, schema=SCHEMA)
    with pytest.raises(InvalidEpcisFile, match=we_say):
        import_epcis(db, qa, path)


def test_unreadable_file_and_schema(db: Database, tmp_path: Path) -> None:
    qa = _who(db, "asha.qa")
    with pytest.raises(InvalidEpcisFile, match=r"Cannot read missing\.jsonld"):
        import_epcis(db, qa, tmp_path / "missing.jsonld")
    with pytest.raises(InvalidEpcisFile, match="Cannot read"):
        import_epcis(db, qa, tmp_path)
    path = _write(tmp_path / "partner.jsonld", _partner_document(db))
    with pytest.raises(ValidationFailed, match=r"Cannot use the schema nope\.json"):
        import_epcis(db, qa, path, schema=tmp_path / "nope.json")
