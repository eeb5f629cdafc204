"""Bad input at every scan field: a clear refusal, on record, and nothing else changed.

A hostile tester scans nothing, a megabyte, control characters, lone surrogates (invalid UTF-8
read with ``surrogateescape``) and a valid code of the wrong kind into every service that takes
scan text (`tests.journey.scan_services`). Each must refuse in words that do not repeat the
junk, record the refused scan (a bounded, escaped copy of the text, never the megabyte) with its
audit event, and change nothing else; arbitrary text (hypothesis) gives only domain errors.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from app.core.clinic_sealing import opened_scan_text
from app.core.errors import CoiError, ScanMismatch
from app.scanning import LONGEST_SCAN, ScanVerdict, scan_text_problem
from db.enums import ScanOutcome
from db.models import AuditEvent, Deviation, Scan
from labels.isbt128.compose import patient_id_structure
from labels.redaction import redact_identity, scrubbed
from tests.conftest import BACKENDS, Demo
from tests.journey.scan_services import SCAN_SERVICES, STAGE, ScanPoint, enrolled, ready, ready_at
from tests.support.identity_keys import keys_of
from tests.support.stage_snapshots import Snapshots, copy_at, take_snapshots

BAD_TEXT = {
    "empty": "",
    "only spaces": "   ",
    "one megabyte": "=" + "G" * 1_000_000,
    "control characters": "\x00\x07\x1b[2J\x7f",
    "NUL inside a DIN": "=G123426000001\x00",
    "a lone surrogate": "=G1234\udcff",
    "invalid UTF-8": b"=G12\xc3\x28".decode("utf-8", "surrogateescape"),
    "a surrogate in a patient identifier": patient_id_structure("NBH20000") + "\udcff",
}
WRONG_KIND = {
    "an SSCC (a shipper's code)": "(00)095011010000000018",
    "a GTIN": "(01)09501101530003",
}
FAST_EXAMPLES = 5  # per service and backend: 100 in the default suite
SLOW_EXAMPLES = 300
UNCHANGED_BY_A_REFUSAL = {"scan", "audit_event", "deviation", "counter"}
"""A refused scan adds its scan record, audit events and (a wrong container) a deviation with
its number; every other table must be exactly as it was."""


def _fingerprint(database: Any) -> dict[str, str]:
    """A digest of every table's rows, but those a refusal adds to."""
    digests = {}
    with database.read_session() as session:
        names = [
            name
            for name in session.connection().dialect.get_table_names(session.connection())
            if name not in UNCHANGED_BY_A_REFUSAL and name != "alembic_version"
        ]
        for name in sorted(names):
            rows = session.execute(text(f'SELECT * FROM "{name}"')).all()
            lines = sorted(json.dumps([str(v) for v in row]) for row in rows)
            digests[name] = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    return digests


def _scan_count(database: Any) -> int:
    with database.read_session() as session:
        return int(session.scalar(select(func.count()).select_from(Scan)) or 0)


def _refusal_of(point: ScanPoint, scan: str) -> tuple[str, Any]:
    """The refusal's words and the id of the scan on record (a verify_scan verdict is
    returned, every other service raises)."""
    try:
        result = point.scan(scan)
    except ScanMismatch as refusal:
        return refusal.message, refusal.scan_id
    assert isinstance(result, ScanVerdict), f"{point.name} accepted {scan[:40]!r}"
    assert not result.matched
    return " ".join(result.reasons), result.scan_id


def _assert_recorded(point: ScanPoint, scan_id: Any, raw: str, outcome: ScanOutcome) -> None:
    database = point.database
    with database.read_session() as session:
        scan = session.get(Scan, scan_id)
        assert scan is not None
        assert scan.purpose == point.purpose and scan.case_id == point.case_id
        assert scan.outcome is outcome
        stored = opened_scan_text(keys_of(database), scan.id, scan.raw_text)  # a wristband: sealed
        assert len(stored) <= LONGEST_SCAN + 50  # never the megabyte
        assert "\x00" not in stored
        stored.encode("utf-8")  # lone surrogates were written out
        if len(raw) <= LONGEST_SCAN and "\x00" not in raw and raw.isprintable():
            assert stored == raw
        events = session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.record_type == "scan", AuditEvent.record_id == str(scan_id)
            )
        ).all()
        assert list(events) == ["scan refused"]
        deviation = session.scalar(select(Deviation.id).where(Deviation.scan_id == scan_id))
        if outcome is ScanOutcome.UNREADABLE or point.name in {"data logger", "pre-labelled DIN"}:
            assert deviation is None  # text that is no code is no mix-up


def _clear(message: str, raw: str) -> None:
    assert 20 < len(message) < 1_000
    assert "\x00" not in message and message.encode("utf-8")
    if len(raw) > 100:
        assert raw[50:150] not in message  # the junk is not repeated


@pytest.fixture(scope="module", params=BACKENDS)
def snapshots(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Snapshots:
    """The scan points' case driven once per backend, copied at each stage."""
    return take_snapshots(request, tmp_path_factory.mktemp("bad-scan-input"), enrolled)


@pytest.mark.parametrize("service", SCAN_SERVICES)
def test_bad_text_at_every_scan_field_is_a_clear_recorded_refusal(
    snapshots: Snapshots, request: pytest.FixtureRequest, tmp_path: Path, service: str
) -> None:
    with copy_at(request, snapshots, STAGE[service], tmp_path) as database:
        _bad_text_is_refused(
            service, Demo(database), ready_at(service, database, snapshots.case, tmp_path)
        )


def _bad_text_is_refused(service: str, demo: Demo, point: ScanPoint) -> None:
    before = _fingerprint(demo.database)
    for what, raw in BAD_TEXT.items():
        scans = _scan_count(demo.database)
        message, scan_id = _refusal_of(point, raw)
        _clear(message, raw)
        problem = scan_text_problem(raw)
        assert problem is not None, what
        # A refusal never quotes a patient identifier it read (issue 13): it says the kind.
        assert message.startswith(scrubbed(problem, redact_identity(raw).values)), what
        assert "NBH20000" not in message, what
        assert "Nothing was checked" in message, what
        if service == "bedside wristband":
            assert "scan the patient's wristband (hospital number)" in message
        _assert_recorded(point, scan_id, raw, ScanOutcome.UNREADABLE)
        assert _scan_count(demo.database) == scans + 1, what
    for what, raw in WRONG_KIND.items():
        message, scan_id = _refusal_of(point, raw)
        _clear(message, raw)
        assert "scan" in message.lower(), what  # says what to scan instead
        _assert_recorded(point, scan_id, raw, ScanOutcome.MISMATCH)
    assert _fingerprint(demo.database) == before
    # GS, RS and EOT (ISO/IEC 15434 envelopes) and a trailing CR LF are parsed, not refused as
    # control characters: the rule above must not turn away real codes.
    for raw in ("(00)095011010000000018\r\n", "[)>\x1e06\x1d00095011010000000018\x1e\x04"):
        assert scan_text_problem(raw) is None
        message, _scan_id = _refusal_of(point, raw)
        assert "control character" not in message and "Nothing was checked" not in message
    _fuzz(point, FAST_EXAMPLES)


@pytest.mark.slow
@pytest.mark.parametrize("service", SCAN_SERVICES)
def test_any_text_at_any_scan_field_gives_only_domain_errors(
    demo, tmp_path: Path, service: str
) -> None:
    _fuzz(ready(service, demo, tmp_path), SLOW_EXAMPLES)


def _fuzz(point: ScanPoint, examples: int) -> None:
    """Arbitrary text (lone surrogates included) gives a result or a domain error, never
    another exception."""

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(
        st.one_of(
            st.text(max_size=80),
            st.text(alphabet=st.characters(codec=None), max_size=30),
            st.sampled_from(["=", "&", "(01)", "]C1", "&/CH", "&#", "[)>\x1e06\x1d"]).flatmap(
                lambda head: st.text(max_size=40).map(lambda tail: head + tail)
            ),
        )
    )
    def scan_anything(raw: str) -> None:
        try:
            point.scan(raw)
        except CoiError as refusal:
            assert refusal.message and "\x00" not in refusal.message
            refusal.message.encode("utf-8")

    scan_anything()
