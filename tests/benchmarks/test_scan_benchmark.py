"""Benchmark: parse + verify one scan against 10 000 cases and 100 000 units.

Target: the real verification path, `app.scanning.service.verify_scan` (parse, look the DIN up,
judge, and record the Scan row with its audit event in a transaction of its own: what one scan
at a station costs), within 5x its floor measured in the same run: parse + the same SELECT and
two INSERTs + COMMIT on the bare DBAPI (the read floor and the write floor below, scan by scan).
The ratio is recorded (`tests/perf/run.py` checks it), never an absolute time. Timed beside it:
- the pure part: `parse_scan` + `identify` + one ORM `SELECT unit WHERE din = ?` + `judge`;
- the floor, measured in the same run: `parse_scan` + the same SELECT (the SQL SQLAlchemy
  compiles for it) through the bare DBAPI connection (sqlite3 / psycopg), no ORM, no write;
- a wrong-patient scan, whose refusal is recorded with a deviation (a rarer, dearer path).
The database is a copy of the migrated template on each backend, filled by Core executemany.
Scans mix what the stations send: a DIN bar code with and without its AIM prefix, and the
2-D compound message (DIN + COI) of our labels.
Run with `python tests/perf/run.py --only scan` (or pytest -m slow on this file, -s to see it).
"""

from __future__ import annotations

import gc
import itertools
import random
import re
import statistics
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import bindparam, func, insert, select, text

from app.core.actor import Actor
from app.core.database import Database
from app.scanning.rules import Expectation, KnownUnit, identify, judge
from app.scanning.service import UNIT_KIND_NAMES, ScanVerdict, verify_scan
from db.enums import CaseStage, ScanOutcome, SideState, SiteKind, UnitKind, UnitStatus
from db.models import AuditEvent, Case, Deviation, Patient, Product, Scan, Site, Unit
from db.types import utc_now
from labels.isbt128 import build_coi, build_din, parse_din
from labels.isbt128.compose import coi_structure, compound_message, din_structure
from labels.scan import parse_scan
from tests.perf.results import quick, record

CASES = 2_000 if quick() else 10_000
UNITS_PER_CASE = 10
SCANS = 300 if quick() else 2_000
WARM_UP = 50 if quick() else 100
MISMATCHES = 50 if quick() else 200
TARGET_RATIO = 5.0  # verify_scan against parse + SELECT + 2 INSERTs + COMMIT on bare DBAPI
REFUSAL_TARGET_RATIO = 12.0  # a refusal also writes its deviation (and its audit events)
CLINIC_FIN, MANUFACTURER_FIN = "G1234", "G5678"
KINDS = (
    UnitKind.APHERESIS_BAG,
    *[UnitKind.INTERMEDIATE] * 5,
    UnitKind.QC_SAMPLE,
    UnitKind.RETENTION_SAMPLE,
    UnitKind.FINAL_PRODUCT_BAG,
    UnitKind.FINAL_PRODUCT_BAG,
)
assert len(KINDS) == UNITS_PER_CASE


ScanInput = tuple[str, Expectation]  # what the scanner sent, what the screen expects


@dataclass(frozen=True)
class Target:
    """A stored unit a scan will name."""

    unit_id: uuid.UUID
    din: str
    coi: str


# ---------------------------------------------------------------- the data


def _rows(
    admin: Actor, how_many: int = CASES, *, units_too: bool = True
) -> tuple[dict[str, list[dict[str, Any]]], list[Target]]:
    """Two sites, a product, and per case a patient, the case and its ten units."""
    now = utc_now()
    common = {"version": 1, "created_at": now, "updated_at": now, "updated_by_id": admin.user_id}
    clinic, manufacturer, product = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    sites = [
        dict(common, id=clinic, code="BCL", name="Bench clinic", kind=SiteKind.CLINIC),
        dict(
            common, id=manufacturer, code="BMF", name="Bench facility", kind=SiteKind.MANUFACTURER
        ),
    ]
    sites[0]["fin"], sites[1]["fin"] = CLINIC_FIN, MANUFACTURER_FIN
    products = [dict(common, id=product, code="S1234", name="CD19 CAR-T (autologous), bench")]
    patients, cases, units, targets = [], [], [], []
    for number in range(1, how_many + 1):
        patient, case = uuid.uuid4(), uuid.uuid4()
        coi = build_coi(CLINIC_FIN, 2025, number)
        patients.append(dict(common, id=patient, clinic_site_id=clinic))
        cases.append(
            dict(
                common,
                id=case,
                coi=coi.code,
                coi_check=coi.check_character,
                patient_id=patient,
                product_id=product,
                clinic_site_id=clinic,
                manufacturing_site_id=manufacturer,
                stage=CaseStage.IN_MANUFACTURE,
                side_state=SideState.NONE,
                enrolled_at=now,
                enrolled_by_id=admin.user_id,
            )
        )
        for position, kind in enumerate(KINDS if units_too else ()):
            fin = CLINIC_FIN if kind is UnitKind.APHERESIS_BAG else MANUFACTURER_FIN
            din = build_din(fin, 25, (number - 1) * UNITS_PER_CASE + position).din
            unit = uuid.uuid4()
            units.append(
                dict(
                    common,
                    id=unit,
                    case_id=case,
                    coi=coi.code,
                    kind=kind,
                    status=UnitStatus.AVAILABLE,
                    side_state=SideState.NONE,
                    din=din,
                    site_id=manufacturer,
                    created_by_id=admin.user_id,
                )
            )
            targets.append(Target(unit, din, coi.code))
    tables = {"site": sites, "product": products, "patient": patients}
    return tables | {"therapy_case": cases, "unit": units}, targets


def build_database(database: Database, admin: Actor) -> list[Target]:
    """Bulk-insert the cases and units; return every unit a scan may name."""
    tables, targets = _rows(admin)
    models = {"site": Site, "product": Product, "patient": Patient}
    models |= {"therapy_case": Case, "unit": Unit}
    with database.engine.begin() as connection:
        for name, rows in tables.items():
            connection.execute(insert(models[name]), rows)
    if database.backend == "postgresql":  # what autovacuum would have done by now
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE unit"))
            conn.execute(text("VACUUM ANALYZE therapy_case"))
    return targets


def _raw(target: Target, style: int) -> str:
    """What a scanner sends: DIN Code 128 with / without AIM prefix, or our 2-D message."""
    din = parse_din(f"{target.din}00")
    if style == 0:
        return f"]C0{din_structure(din)}"
    if style == 1:
        return din_structure(din) + "\r"
    coi = build_coi(target.coi[2:7], target.coi[7:9], target.coi[9:])
    return "]Q1" + compound_message([din_structure(din), coi_structure(coi)])


def _expectation(target: Target, coi: str | None = None) -> Expectation:
    """The label-check expectation: this unit of this case (as `unit_expectation` builds it)."""
    return Expectation(
        purpose="label check",
        description=f"the container {target.din}",
        coi=coi or target.coi,
        unit_ids=frozenset({target.unit_id}),
        allow_quarantined=True,
    )


# ---------------------------------------------------------------- timing


@dataclass(frozen=True)
class Timing:
    """Per-call wall times of one path, and this process's CPU time, in milliseconds."""

    name: str
    ms: tuple[float, ...]
    cpu_ms: tuple[float, ...]

    @property
    def median(self) -> float:
        """The median call."""
        return statistics.median(self.ms)

    @property
    def p99(self) -> float:
        """The 99th percentile call."""
        return statistics.quantiles(self.ms, n=100, method="inclusive")[98]

    def line(self, floor: Timing | None = None) -> str:
        """One report line; with ``floor``, the ratios to it."""
        words = (
            f"  {self.name:<52} median {self.median:6.3f} ms  p99 {self.p99:6.3f} ms  "
            f"(CPU median {statistics.median(self.cpu_ms):6.3f} ms)"
        )
        if floor is not None:
            words += f"  x{self.median / floor.median:5.1f} / x{self.p99 / floor.p99:5.1f} floor"
        return words


def timed(name: str, call: Callable[[ScanInput], object], items: Iterable[ScanInput]) -> Timing:
    """Time ``call`` once per item: wall clock, and CPU time (what waiting does not count)."""
    gc.collect()
    wall, cpu = time.perf_counter, time.process_time
    times, cpu_times = [], []
    for item in items:
        started, started_cpu = wall(), cpu()
        call(item)
        times.append((wall() - started) * 1000)
        cpu_times.append((cpu() - started_cpu) * 1000)
    return Timing(name, tuple(times), tuple(cpu_times))


def _count(database: Database, model: type, *where: Any) -> int:
    with database.read_session() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


# ---------------------------------------------------------------- the paths timed
# Each phase owns its connections and ends them, so that no read snapshot stays open while
# another phase writes (on SQLite an open reader would hold back the WAL checkpoints).


def time_pure_part(database: Database, warm: list[ScanInput], scans: list[ScanInput]) -> Timing:
    """Parse, identify, one ORM SELECT of the unit by DIN, judge: no write."""
    with database.read_session() as session:

        def pure(scan: ScanInput) -> None:
            scanned = identify(parse_scan(scan[0]))
            unit = session.scalar(select(Unit).where(Unit.din == scanned.din))
            assert unit is not None and unit.din is not None
            known = KnownUnit(
                unit.id, unit.din, unit.coi, unit.side_state, UNIT_KIND_NAMES[unit.kind]
            )
            assert judge(scanned, known, scan[1]) == ()

        timed("warm-up", pure, warm)
        return timed("pure part (parse, identify, ORM SELECT, judge)", pure, scans)


def _floor_query(database: Database) -> tuple[str, Callable[[str], Any]]:
    """The SQL SQLAlchemy sends for `select(Unit).where(Unit.din == ...)`, and its parameters."""
    statement = select(Unit).where(Unit.din == bindparam("din"))
    compiled = statement.compile(dialect=database.engine.dialect)
    if compiled.positional:
        return str(compiled), lambda din: (din,)
    return str(compiled), lambda din: {"din": din}


_FLOOR_TABLES = {"scan": "bench_scan", "audit_event": "bench_audit_event"}


def _copy_tables(database: Database, cursor: Any) -> None:
    """Empty copies of ``scan`` and ``audit_event``: the same columns, keys, unique and foreign
    keys and indexes (what each INSERT maintains), under other names."""
    if database.backend == "postgresql":
        for table, copy in _FLOOR_TABLES.items():
            cursor.execute(f"CREATE TABLE {copy} (LIKE {table} INCLUDING ALL)")
        for column, parent in (
            ("case_id", "therapy_case"),
            ("unit_id", "unit"),
            ("label_id", "label"),
        ):
            cursor.execute(
                f"ALTER TABLE bench_scan ADD FOREIGN KEY ({column}) REFERENCES {parent} (id)"
            )
        return
    for table, copy in _FLOOR_TABLES.items():
        cursor.execute(  # (its triggers refuse UPDATE and DELETE: nothing an INSERT runs)
            "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
            "AND type IN ('table', 'index') ORDER BY type DESC",  # the table before its indexes
            (table,),
        )
        for kind, sql in cursor.fetchall():
            if kind == "table":
                copied = re.sub(rf'^CREATE TABLE "?{table}"? \(', f"CREATE TABLE {copy} (", sql)
            else:
                copied = re.sub(
                    r"^CREATE (UNIQUE )?INDEX (\w+) ON \w+ ",
                    rf"CREATE \1INDEX bench_\2 ON {copy} ",
                    sql,
                )
            assert copied != sql
            cursor.execute(copied)


class Floor:
    """The floor on the bare DBAPI connection (sqlite3 / psycopg), on the engine's connection
    settings (SQLite: WAL, synchronous FULL; PostgreSQL: the server's): parse + the same
    SELECT the path sends; and a transaction writing the same two rows a matched scan writes
    (its scan row and its audit event, read back from those the path stored) into copies of
    their tables (same keys, foreign keys and indexes), then COMMIT."""

    def __init__(self, database: Database) -> None:
        self.sqlite = database.backend == "sqlite"
        self.mark = "?" if self.sqlite else "%s"
        self.select, self.parameters = _floor_query(database)
        self.connection = database.engine.raw_connection()
        self.cursor = self.connection.cursor()
        self.sequence = itertools.count(1)
        self._begin()
        _copy_tables(database, self.cursor)
        self.scan_columns = self._columns("scan")
        self.event_columns = self._columns("audit_event")
        self._commit()
        marks = ", ".join
        self.insert_scan = (
            f"INSERT INTO bench_scan ({', '.join(self.scan_columns)}) "
            f"VALUES ({marks([self.mark] * len(self.scan_columns))})"
        )
        self.insert_event = (
            f"INSERT INTO bench_audit_event ({', '.join(self.event_columns)}) "
            f"VALUES ({marks([self.mark] * len(self.event_columns))})"
        )

    def _begin(self, immediate: bool = False) -> None:
        if self.sqlite:  # the engine hands pysqlite autocommit mode: BEGIN is ours
            self.cursor.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")

    def _commit(self) -> None:
        if self.sqlite:
            self.cursor.execute("COMMIT")
        else:
            self.connection.commit()

    def _columns(self, table: str) -> list[str]:
        self.cursor.execute(f"SELECT * FROM {table} WHERE 1 = 0")
        self.cursor.fetchall()
        return [d[0] for d in self.cursor.description]

    def stored(self, scan_id: uuid.UUID) -> tuple[list[Any], list[Any]]:
        """The scan row ``scan_id`` and the newest audit event, as the DBAPI returns them."""
        key = scan_id.hex if self.sqlite else scan_id
        self.cursor.execute(f"SELECT * FROM scan WHERE id = {self.mark}", (key,))
        scan_row = self.cursor.fetchone()
        self.cursor.execute("SELECT * FROM audit_event ORDER BY seq DESC LIMIT 1")
        event_row = self.cursor.fetchone()
        self.connection.rollback()
        assert scan_row is not None and event_row is not None
        return list(scan_row), list(event_row)

    def read(self, scan: ScanInput) -> None:
        """Parse + the same SELECT, fetched to the end (untimed: ending its snapshot)."""
        self.cursor.execute(self.select, self.parameters(parse_scan(scan[0]).fields["din"]))
        assert len(self.cursor.fetchall()) == 1

    def end_read(self) -> None:
        """End the read's transaction (PostgreSQL; SQLite's autocommit read has none)."""
        self.connection.rollback()

    def write(self, rows: tuple[list[Any], list[Any]]) -> None:
        """The two INSERTs and the COMMIT (new keys: the id and hash are unique)."""
        scan_row, event_row = list(rows[0]), list(rows[1])
        scan_row[self.scan_columns.index("id")] = uuid.uuid4().hex if self.sqlite else uuid.uuid4()
        event_row[self.event_columns.index("hash")] = uuid.uuid4().hex * 2
        event_row[self.event_columns.index("seq")] = next(self.sequence)
        self._begin(immediate=True)
        self.cursor.execute(self.insert_scan, scan_row)
        self.cursor.execute(self.insert_event, event_row)
        self._commit()

    def close(self) -> None:
        """Roll back anything open and give the connection back."""
        self.connection.rollback()
        self.connection.close()


@dataclass
class Paired:
    """Per-call times of the path and of its floor, measured scan by scan, interleaved."""

    path: list[float]
    path_cpu: list[float]
    read: list[float]
    write: list[float]
    verdicts: list[ScanVerdict]
    rows: list[tuple[list[Any], list[Any]]]
    """What the floor wrote for each scan."""

    def timing(self, name: str) -> Timing:
        """The path's `Timing`."""
        return Timing(name, tuple(self.path), tuple(self.path_cpu))


def time_paired(
    database: Database,
    actor: Actor,
    floor: Floor,
    scans: list[ScanInput],
    rows: list[tuple[list[Any], list[Any]]] | None = None,
) -> Paired:
    """Each scan: `verify_scan` (timed), then the floor's read and write (timed), in turn, so
    that the machine's load falls on both alike. The floor writes the rows this scan stored,
    or, for a refusal, ``rows`` (those of earlier matched scans, in turn)."""
    gc.collect()
    wall, cpu = time.perf_counter, time.process_time
    paired = Paired([], [], [], [], [], [])
    for number, scan in enumerate(scans):
        started, started_cpu = wall(), cpu()
        verdict = verify_scan(database, actor, scan[0], scan[1])
        paired.path.append((wall() - started) * 1000)
        paired.path_cpu.append((cpu() - started_cpu) * 1000)
        paired.verdicts.append(verdict)
        stored = rows[number % len(rows)] if rows else floor.stored(verdict.scan_id)
        paired.rows.append(stored)
        started = wall()
        floor.read(scan)
        paired.read.append((wall() - started) * 1000)
        floor.end_read()
        started = wall()
        floor.write(stored)
        paired.write.append((wall() - started) * 1000)
    return paired


# ---------------------------------------------------------------- the benchmark


@pytest.mark.slow
def test_verifying_a_scan_against_100k_units(database: Database, admin: Actor) -> None:
    started = time.perf_counter()
    targets = build_database(database, admin)
    build_s = time.perf_counter() - started
    assert _count(database, Unit) == CASES * UNITS_PER_CASE
    assert _count(database, Case) == CASES

    sample = random.Random(20_250_731)  # noqa: S311 - a reproducible sample, not a secret
    chosen = sample.sample(targets, WARM_UP + SCANS + MISMATCHES)
    scans = [(_raw(t, i % 3), _expectation(t)) for i, t in enumerate(chosen[: WARM_UP + SCANS])]
    warm, measured = scans[:WARM_UP], scans[WARM_UP:]
    wrong = [  # another patient's unit scanned where this one is expected
        (_raw(t, 0), _expectation(t, coi=chosen[i].coi))
        for i, t in enumerate(chosen[WARM_UP + SCANS :])
    ]
    assert all(t.coi != e.coi for (_r, e), t in zip(wrong, chosen[WARM_UP + SCANS :], strict=True))

    floor = Floor(database)
    try:
        warmed = time_paired(database, admin, floor, warm)
        matched = time_paired(database, admin, floor, measured)
        wrongs = time_paired(database, admin, floor, wrong, rows=warmed.rows)
    finally:
        floor.close()
    verdicts, refusals = matched.verdicts, wrongs.verdicts
    verify = matched.timing("verify_scan (parse, look up, judge, record, commit)")
    refused = wrongs.timing("verify_scan, wrong patient (refused, deviation)")
    pure = time_pure_part(database, warm, measured)
    read_floor = Timing("floor: parse + the same SELECT", tuple(matched.read), tuple(matched.read))
    write_floor = Timing(
        "floor: the same 2 INSERTs + COMMIT", tuple(matched.write), tuple(matched.write)
    )
    bare = [read + write for read, write in zip(matched.read, matched.write, strict=True)]
    bare_refused = [read + write for read, write in zip(wrongs.read, wrongs.write, strict=True)]
    floor_timing = Timing("floor: SELECT + 2 INSERTs + COMMIT", tuple(bare), tuple(bare))

    print(
        f"\n{database.backend}: {CASES:,} cases, {CASES * UNITS_PER_CASE:,} units built in "
        f"{build_s:.1f} s; {SCANS:,} scans per path (after {WARM_UP} warm-up), "
        f"{MISMATCHES} wrong-patient scans, each beside the bare DBAPI floor (CPU columns of "
        "the floors are their wall times); ratios are to the whole floor"
    )
    for timing in (verify, refused, pure, read_floor, write_floor, floor_timing):
        print(timing.line(None if timing is floor_timing else floor_timing))

    assert all(v.matched for v in verdicts)
    assert [v.unit_id for v in verdicts] == [t.unit_id for t in chosen[WARM_UP : WARM_UP + SCANS]]
    assert [v.outcome for v in refusals] == [ScanOutcome.MISMATCH] * MISMATCHES
    stored = _count(database, Scan, Scan.outcome == ScanOutcome.MATCH)
    assert stored == WARM_UP + SCANS  # every matched scan was recorded …
    assert _count(database, AuditEvent, AuditEvent.action == "scan matched") == stored  # … audited
    assert _count(database, Deviation, Deviation.kind == "scan_mismatch") == MISMATCHES
    name = f"scan verify {database.backend}"
    record(name, verify.ms, bare, TARGET_RATIO)
    record(f"{name}, refused", refused.ms, bare_refused, REFUSAL_TARGET_RATIO)
