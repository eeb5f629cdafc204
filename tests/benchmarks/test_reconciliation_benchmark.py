"""Benchmark: reconciliation of 10 000 cases and 1 000 000 audit events with their records.

The cases are written straight into the tables in bulk, each with its patient and identity,
4 units, 8 custody events, 20 stage records, 5 QC results and 10 signatures (500 000 records),
and every record's audit events as the unit of work writes them (a create with every column,
then updates naming the changed columns: 100 events per case, chained with real hashes), so
the trail reconciles and verifies. Two ratios are recorded (``tests/perf/run.py`` checks them):

- full reconciliation (``reconcile_database``: every row and every signature) against reading
  the same rows and events bare (target: at most 8x);
- ``verify_with_records`` (the chain, anchor and triggers checked and every record and
  signature reconciled, in one walk over the events) against a bare HMAC-SHA256 chain over the
  same event rows read with a bare cursor (target: at most 2x).

Run with `python tests/perf/run.py --only reconciliation`.
"""

from __future__ import annotations

import hmac
import os
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, insert, select

from app.audit import reconcile_database, verify_with_records
from app.audit.case_reconciliation import reconcile_cases
from app.core.audit_chain import event_content, keyed_hash, row_content, values_of
from app.core.audit_key import load_key
from app.core.canonical import canonical_json
from app.core.database import Database
from app.core.record_reconciliation import audited_plans
from app.quality.signatures import signed_values, values_digest
from db.base import Base
from db.enums import (
    CaseStage,
    CustodyAction,
    QcOutcome,
    SideState,
    SignatureMeaning,
    UnitKind,
    UnitStatus,
)
from db.models import (
    GENESIS_HASH,
    AuditEvent,
    Case,
    CustodyEvent,
    Patient,
    PatientIdentity,
    Product,
    QcResult,
    QcSpecification,
    Signature,
    Site,
    StageRecord,
    Unit,
    User,
)
from tests.conftest import Demo
from tests.perf.results import quick
from tests.perf.results import record as record_result

CASES = int(os.environ.get("COI_BENCH_CASES", "500" if quick() else "10000"))
CASES_PER_BATCH = 250
RECONCILE_RATIO_TARGET = 8.0
CHAIN_RATIO_TARGET = 2.0
START = datetime(2026, 1, 1, tzinfo=UTC)
ORDER = (Patient, PatientIdentity, Case, Unit, CustodyEvent, StageRecord, QcResult, Signature)


class _Filler:
    """Builds rows and their audit events as the unit of work would, and inserts them in bulk."""

    def __init__(self, conn: Connection, refs: dict[str, Any]) -> None:
        self.conn = conn
        self.refs = refs
        self.key = load_key()
        self.rows: dict[type[Base], list[dict[str, Any]]] = {model: [] for model in ORDER}
        self.events: list[dict[str, Any]] = []
        head = conn.execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
        self.seq, self.prev = (head.seq, head.hash) if head else (0, GENESIS_HASH)
        self.at = START

    def _event(self, action: str, model: type[Base], record_id: str, old: Any, new: Any) -> None:
        self.seq += 1
        self.at += timedelta(seconds=1)
        row = {
            "seq": self.seq,
            "at": self.at,
            "user_id": self.refs["user_id_text"],
            "username": "otto.operator",
            "station": "bench",
            "action": action,
            "record_type": model.__tablename__,
            "record_id": record_id,
            "old_values": canonical_json(values_of(old)),
            "new_values": canonical_json(values_of(new)),
            "reason": None,
            "prev_hash": self.prev,
        }
        content = event_content(**row_content(row))
        row["hash"] = self.prev = keyed_hash(self.key, content, self.prev)
        self.events.append(row)

    def create(self, model: type[Base], **values: Any) -> dict[str, Any]:
        row: dict[str, Any] = {"id": uuid.uuid4(), **values}
        if "version" in model.__table__.c:
            row.update(version=1, created_at=self.at, updated_at=self.at)
            row["updated_by_id"] = self.refs["user_id"]
        else:
            row.update(recorded_at=self.at, recorded_by_id=self.refs["user_id"])
        full = {column.name: row.get(column.name) for column in model.__table__.c}
        self.rows[model].append(full)
        self._event("create", model, str(full["id"]), {}, full)
        return full

    def update(self, model: type[Base], row: dict[str, Any], **changes: Any) -> None:
        old = {key: row[key] for key in changes}
        row.update(changes)
        row["version"] += 1
        self._event("update", model, str(row["id"]), old, changes)

    def sign(self, model: type[Base], row: dict[str, Any], meaning: SignatureMeaning) -> None:
        digest = values_digest(model.__tablename__, signed_values(model, row, meaning))
        self.create(
            Signature,
            signer_id=self.refs["user_id"],
            signer_name="Asha QA",
            signer_username="asha.qa",
            signed_at=self.at,
            meaning=meaning,
            record_type=model.__tablename__,
            record_id=str(row["id"]),
            record_digest=digest,
            comment=None,
            station="bench",
        )

    def flush(self) -> None:
        for model in ORDER:
            if self.rows[model]:
                self.conn.execute(insert(model.__table__), self.rows[model])
                self.rows[model] = []
        if self.events:
            self.conn.execute(insert(AuditEvent.__table__), self.events)
        self.events = []


def _case(filler: _Filler, n: int) -> None:
    refs = filler.refs
    user = refs["user_id"]
    patient = filler.create(Patient, clinic_site_id=refs["clinic"])
    filler.create(
        PatientIdentity,
        patient_id=patient["id"],
        clinic_site_id=refs["clinic"],
        family_name=f"Family{n}",
        given_name="Bench",
        date_of_birth=(date(1970, 1, 1) + timedelta(days=n % 9000)).isoformat(),
        hospital_number=f"BENCH{n:08d}",
    )
    case = filler.create(
        Case,
        coi=f"W9999{n:010d}",
        coi_check="A",
        patient_id=patient["id"],
        product_id=refs["product"],
        clinic_site_id=refs["clinic"],
        manufacturing_site_id=refs["manufacturer"],
        stage=CaseStage.ENROLLED,
        side_state=SideState.NONE,
        side_state_reason=None,
        planned_collection_date=date(2026, 2, 1),
        manufacturing_slot_date=date(2026, 2, 3),
        enrolled_at=filler.at,
        enrolled_by_id=user,
    )
    units = [
        filler.create(
            Unit,
            case_id=case["id"],
            coi=case["coi"],
            kind=list(UnitKind)[k % len(UnitKind)],
            status=UnitStatus.REGISTERED,
            side_state=SideState.NONE,
            product_code="S1234",
            volume_ml=250.0 + k,
            anticoagulant="ACD-A",
            collection_start=filler.at,
            collection_end=filler.at + timedelta(hours=3),
            expires_at=filler.at + timedelta(days=2),
            site_id=refs["clinic"],
            created_by_id=user,
        )
        for k in range(4)
    ]
    for k in range(8):
        filler.create(
            CustodyEvent,
            unit_id=units[k % 4]["id"],
            action=list(CustodyAction)[k % len(CustodyAction)],
            custodian_name="Otto Operator",
            custodian_user_id=user,
            organisation="Bench",
            site_id=refs["clinic"],
            occurred_at=filler.at,
            condition="",
        )
    records = [
        filler.create(
            StageRecord,
            case_id=case["id"],
            stage=list(CaseStage)[k % len(CaseStage)],
            action=f"bench action {k}",
            performed_by_id=user,
            verified_by_id=None,
            site_id=refs["clinic"],
            occurred_at=filler.at,
            details='{"bench":true}',
        )
        for k in range(20)
    ]
    results = [
        filler.create(
            QcResult,
            case_id=case["id"],
            sample_unit_id=units[0]["id"],
            specification_id=refs["specifications"][k % len(refs["specifications"])],
            value_text=None,
            value_numeric=90.5 + k,
            outcome=QcOutcome.PENDING,
            entered_by_id=user,
            entered_at=filler.at,
        )
        for k in range(5)
    ]
    stages = list(CaseStage)
    for k in range(10):  # 20 updates of the case
        filler.update(Case, case, stage=stages[(k + 1) % len(stages)])
        filler.update(Case, case, side_state_reason=f"bench note {k}")
    statuses = list(UnitStatus)
    for unit in units:  # 20 updates of the units
        for k in range(5):
            filler.update(Unit, unit, status=statuses[k % len(statuses)])
    for result in results:  # 10 updates of the QC results
        filler.update(QcResult, result, outcome=QcOutcome.PASS)
        filler.update(QcResult, result, reviewed_by_id=user, reviewed_at=filler.at)
    for result in results:
        filler.sign(QcResult, result, SignatureMeaning.REVIEWED)
    for record in records[:5]:
        filler.sign(StageRecord, record, SignatureMeaning.VERIFIED)


def _fill(database: Database) -> int:
    with database.read_session() as session:
        user = session.scalar(select(User).where(User.username == "otto.operator"))
        assert user is not None
        refs = {
            "user_id": user.id,
            "user_id_text": str(user.id),
            "clinic": session.scalar(select(Site.id).where(Site.code == "NBH")),
            "manufacturer": session.scalar(select(Site.id).where(Site.code == "CTF")),
            "product": session.scalar(select(Product.id).limit(1)),
            "specifications": list(session.scalars(select(QcSpecification.id))),
        }
    with database.engine.begin() as conn:
        filler = _Filler(conn, refs)
        for n in range(CASES):
            _case(filler, n)
            if (n + 1) % CASES_PER_BATCH == 0:
                filler.flush()
        filler.flush()
        return filler.seq


def _timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    outcome = work()
    return time.perf_counter() - started, outcome


def _bare_rows(database: Database) -> None:
    """The floor of reconciliation: the same events and rows read with a bare cursor."""
    options = {"stream_results": True, "yield_per": 5000}
    with database.engine.connect() as conn:
        sql = "SELECT record_type, record_id, old_values, new_values FROM audit_event ORDER BY seq"
        for _rows in conn.exec_driver_sql(sql, execution_options=options).partitions(5000):
            pass
        for plan in audited_plans():
            sql = f"SELECT * FROM {plan.name}"
            for _rows in conn.exec_driver_sql(sql, execution_options=options).partitions(5000):
                pass


def _bare_hmac_chain(database: Database) -> str:
    """The floor of verify: the event rows read with a bare cursor, each row's text (its
    fields joined) HMAC-SHA256'd after the previous hash, nothing else."""
    key = b"k" * 32
    prev = GENESIS_HASH
    sql = (
        "SELECT seq, at, user_id, username, station, action, record_type, record_id, "
        "old_values, new_values, reason FROM audit_event ORDER BY seq"
    )
    options = {"stream_results": True, "yield_per": 5000}
    with database.engine.connect() as conn:
        for rows in conn.exec_driver_sql(sql, execution_options=options).partitions(5000):
            for row in rows:
                text = "|".join(map(str, row)) + prev
                prev = hmac.digest(key, text.encode("utf-8"), "sha256").hex()
    return prev


@pytest.mark.slow
def test_reconciliation_of_ten_thousand_cases_and_a_million_events(demo: Demo) -> None:
    database = demo.database
    fill_s, events = _timed(lambda: _fill(database))
    backend = f"{database.backend:10}"
    print(f"\n{backend} filled {CASES} cases, {events} events in {fill_s:.1f} s")

    bare_s = min(_timed(lambda: _bare_rows(database))[0] for _ in range(2))
    reconcile_s, result = _timed(lambda: reconcile_database(database))
    assert result.mismatches == (), result.mismatches[:3]
    assert result.signatures == CASES * 10 + 2  # and the seed's two product approvals
    print(
        f"{backend} reconciliation {reconcile_s:6.2f} s  {result.records} records, "
        f"{result.signatures} signatures; bare read {bare_s:5.2f} s  "
        f"ratio {reconcile_s / bare_s:5.1f}"
    )

    with database.read_session() as session:
        some_case = session.scalar(select(Case.id).where(Case.coi == f"W9999{CASES // 2:010d}"))
    assert some_case is not None
    qa = demo["asha.qa"]  # signed in before the clock starts
    first_s, scoped = _timed(lambda: reconcile_cases(database, qa, [some_case]))
    assert scoped.mismatches == () and scoped.records == 50 and scoped.signatures == 10
    again_s = _timed(lambda: reconcile_cases(database, qa, [some_case]))[0]
    print(
        f"{backend} one case's check (case screen) {first_s * 1000:6.1f} ms the first time, "
        f"{again_s * 1000:6.1f} ms the next"
    )

    chain_s = min(_timed(lambda: _bare_hmac_chain(database))[0] for _ in range(2))
    both_s, verified = _timed(lambda: verify_with_records(database))
    assert verified.ok and verified.events >= events  # and the sign-in of the case check
    assert verified.reconciliation is not None
    assert verified.reconciliation.signatures == result.signatures  # as the full reconciliation
    print(
        f"{backend} verify + reconciliation in one walk {both_s:6.2f} s; bare HMAC chain "
        f"{chain_s:5.2f} s  ratio {both_s / chain_s:5.2f}"
    )
    name = f"reconciliation {database.backend} {CASES:,} cases"
    record_result(name, [reconcile_s * 1000], [bare_s * 1000], RECONCILE_RATIO_TARGET)
    record_result(
        f"{name}, verify + reconcile", [both_s * 1000], [chain_s * 1000], CHAIN_RATIO_TARGET
    )
