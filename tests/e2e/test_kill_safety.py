"""kill -9 at random moments of a writer doing journey operations loses and half-writes nothing.

The writer (tests/support/kill_writer.py) runs the real services in its own process and prints
``ACK ...`` after each service call returned, i.e. after its commit. The test kills it with
SIGKILL after a seeded random delay, then checks the database: every acknowledged operation is
stored, at most the one operation in flight was committed unacknowledged, every record has its
audit event (each transaction all-or-nothing), the keyed chain verifies (the database may be
*ahead* of its anchor: a kill between commit and anchor write, never behind or different), and
every record reconciles with its audit trail. The next writer then continues on the same database
(SQLite journal recovery, PostgreSQL server-side rollback). Both backends; the default run kills
4 times per backend, ``slow`` 20 times.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from app.audit import reconcile_database
from app.core import Database, PatientKeys, bound_to, clinic_key, open_database, verify_database
from app.core.audit_anchor import read_anchor

ROOT = Path(__file__).resolve().parents[2]
WRITER = ROOT / "tests" / "support" / "kill_writer.py"
OPERATIONS = ("enrol", "collect", "print", "confirm", "verify")


@dataclass
class Acknowledged:
    """What the writers acknowledged over every run, and what the checks saw."""

    lines: list[list[str]] = field(default_factory=list)
    kills: int = 0
    ahead_seen: int = 0
    checks: int = 0

    def of(self, operation: str) -> list[list[str]]:
        """The ids of every acknowledged ``operation``."""
        return [line[1:] for line in self.lines if line[0] == operation]

    def counts(self) -> Counter[str]:
        """Acknowledged operations by kind."""
        return Counter(line[0] for line in self.lines)


def _key(value: object) -> str:
    """An id as both backends can compare it (SQLite keeps UUIDs without hyphens)."""
    return str(value).replace("-", "").lower()


def _start(url: str, tag: str, stderr: Path) -> subprocess.Popen[str]:
    """A writer on ``url``, signed in and about to write."""
    process = subprocess.Popen(
        [sys.executable, str(WRITER), url, tag],
        stdout=subprocess.PIPE,
        stderr=stderr.open("w"),
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    assert first == "READY\n", f"the writer did not start: {first!r}\n{stderr.read_text()}"
    return process


def _kill(process: subprocess.Popen[str], stderr: Path) -> list[list[str]]:
    """SIGKILL the writer; the complete ACK lines it printed (without ``ACK``)."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, (
        f"the writer stopped on its own ({process.returncode}):\n{stderr.read_text()}"
    )
    assert process.stdout is not None
    rest = process.stdout.read()
    process.stdout.close()
    lines = [line.split() for line in rest.split("\n")[:-1]]  # a cut last line is no ACK
    assert all(line[0] == "ACK" and line[1] in OPERATIONS for line in lines), lines
    return [line[1:] for line in lines]


def _hospital_numbers(connection: Connection, *, prefix: str) -> list[str]:
    """The stored hospital numbers that begin with ``prefix`` (opened: they are sealed)."""
    clinic = clinic_key()
    assert clinic is not None  # the run's clinic key (conftest), the writer's too
    key = PatientKeys(clinic, connection)
    rows = connection.execute(text("SELECT id, hospital_number FROM patient_identity"))
    opened = (
        key.open(number, bound_to("patient_identity", "hospital_number", uuid.UUID(str(row_id))))
        for row_id, number in rows
    )
    return [_key(number) for number in opened if number.startswith(prefix)]


def _column(connection: Connection, sql: str) -> list[str]:
    return [_key(row[0]) for row in connection.execute(text(sql))]


def _check(url: str, acked: Acknowledged) -> None:
    """Everything acknowledged is stored, nothing is half-written, the chain and records hold."""
    database = open_database(url)  # a fresh open: SQLite recovers its journal here
    try:
        _check_records(database, acked)
        verification = verify_database(database)
        assert verification.chain.ok, verification.problems
        assert verification.anchor.matches is not False, verification.problems
        assert verification.triggers_ok, verification.problems
        acked.ahead_seen += verification.anchor.ahead > 0
        reconciliation = reconcile_database(database)
        assert reconciliation.ok, reconciliation.words()
        acked.checks += 1
    finally:
        database.dispose()


def _check_records(database: Database, acked: Acknowledged) -> None:
    with database.engine.connect() as connection:
        cases = set(_column(connection, "SELECT id FROM therapy_case"))
        units = set(_column(connection, "SELECT id FROM unit"))
        labels = set(_column(connection, "SELECT id FROM label"))
        applied = set(_column(connection, "SELECT id FROM label WHERE applied_at IS NOT NULL"))
        scanned = set(_column(connection, "SELECT label_id FROM scan WHERE label_id IS NOT NULL"))
        collected = set(
            _column(connection, "SELECT id FROM therapy_case WHERE stage = 'collected'")
        )
        collected_records = set(
            _column(connection, "SELECT case_id FROM stage_record WHERE stage = 'collected'")
        )
        enrolled_numbers = _hospital_numbers(connection, prefix="K")
        audited = {
            (row[0], _key(row[1]))
            for row in connection.execute(text("SELECT record_type, record_id FROM audit_event"))
        }
    # every acknowledged operation is stored
    for case_id, hospital_number in acked.of("enrol"):
        assert _key(case_id) in cases, f"acknowledged case {case_id} is missing"
        assert _key(hospital_number) in enrolled_numbers, hospital_number
    for case_id, unit_id in acked.of("collect"):
        assert _key(unit_id) in units, f"acknowledged bag {unit_id} of case {case_id} is missing"
    for unit_id, label_id in acked.of("print"):
        assert _key(label_id) in labels, f"acknowledged label {label_id} of {unit_id} is missing"
    for unit_id, label_id in acked.of("confirm"):
        assert _key(label_id) in applied, f"acknowledged scan-back of {unit_id} is not stored"
    for (case_id,) in acked.of("verify"):
        assert _key(case_id) in collected, f"acknowledged verification of {case_id} is lost"
    # nothing beyond the acknowledged but the one operation in flight at each kill
    for stored, operation in ((enrolled_numbers, "enrol"), (units, "collect"), (labels, "print")):
        extra = len(stored) - len(acked.of(operation))
        assert 0 <= extra <= acked.kills, (operation, len(stored), acked.counts(), acked.kills)
    assert len(set(enrolled_numbers)) == len(enrolled_numbers), "an enrolment stored twice"
    # all-or-nothing: each record with its audit event, each state change with its record
    for kind, ids in (("therapy_case", cases), ("unit", units), ("label", labels)):
        unaudited = [record_id for record_id in ids if (kind, record_id) not in audited]
        assert not unaudited, f"{kind} without its audit event: {unaudited}"
    assert applied <= scanned, f"labels applied without their scan: {applied - scanned}"
    assert collected == collected_records, "a case collected without its stage record, or back"


def _run(url: str, kills: int, seed: int, tmp_path: Path) -> Acknowledged:
    """Start, kill at a seeded random moment and check, ``kills`` times; then a full cycle."""
    rng = random.Random(seed)  # noqa: S311 - seeded kill moments, not cryptography
    acked = Acknowledged()
    stderr = tmp_path / "writer.err"
    for run in range(kills):
        process = _start(url, f"{run:02d}", stderr)
        time.sleep(rng.uniform(0.0, 1.2))
        acked.lines.extend(_kill(process, stderr))
        acked.kills += 1
        _check(url, acked)
    # the database is still usable after the last kill: one more writer completes a full cycle
    process = _start(url, f"{kills:02d}", stderr)
    assert process.stdout is not None
    done = [process.stdout.readline().split()[1:] for _ in OPERATIONS]
    assert [line[0] for line in done] == list(OPERATIONS), done
    acked.lines.extend(done)
    acked.lines.extend(_kill(process, stderr))
    acked.kills += 1
    _check(url, acked)
    return acked


@pytest.mark.parametrize("kills", [4, pytest.param(20, marks=pytest.mark.slow)])
def test_kill_9_loses_and_half_writes_nothing(
    demo_database_url: str, kills: int, tmp_path: Path
) -> None:
    backend = demo_database_url.split(":", 1)[0]
    acked = _run(demo_database_url, kills, seed=20261206 + kills, tmp_path=tmp_path)
    counts = acked.counts()
    print(  # the figures for the report (pytest -s)
        f"\nkill -9 [{backend}]: {acked.kills} kills, {len(acked.lines)} acknowledged "
        f"operations {dict(counts)}, {acked.checks} checks passed, "
        f"database ahead of its anchor after {acked.ahead_seen} kills"
    )
    assert counts["verify"] >= 1


def test_the_checks_see_a_lost_or_half_written_operation(
    demo_database_url: str, tmp_path: Path
) -> None:
    """The kill checks are not vacuous: a lost ACK or a change behind the app is caught."""
    acked = _run(demo_database_url, 0, seed=1, tmp_path=tmp_path)
    lost = Acknowledged([*acked.lines, ["enrol", str(uuid.uuid4()), "K9900001"]], kills=acked.kills)
    with pytest.raises(AssertionError, match=r"acknowledged case .* is missing"):
        _check(demo_database_url, lost)
    database = open_database(demo_database_url)
    try:
        with database.engine.begin() as connection:  # the stage undone behind the app
            connection.execute(
                text("UPDATE therapy_case SET stage = 'enrolled' WHERE stage = 'collected'")
            )
    finally:
        database.dispose()
    unverified = Acknowledged([line for line in acked.lines if line[0] != "verify"], acked.kills)
    with pytest.raises(AssertionError, match="collected without its stage record"):
        _check(demo_database_url, unverified)


@pytest.mark.parametrize("mode", ["before-anchor", "mid-anchor"])
def test_a_kill_between_commit_and_anchor_shows_the_database_ahead(
    demo_database_url: str, mode: str, tmp_path: Path
) -> None:
    """The writer kills itself right after a commit, before (or halfway through) its anchor line:
    verify shows the database ahead of the anchor, not tampering, and the next writer goes on."""
    stderr = tmp_path / "writer.err"
    process = subprocess.Popen(
        [sys.executable, str(WRITER), demo_database_url, "00", mode, "3"],
        stdout=subprocess.PIPE,
        stderr=stderr.open("w"),
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    output, _ = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL, stderr.read_text()
    lines = output.split("\n")[:-1]
    assert lines[0] == "READY"
    acked = Acknowledged([line.split()[1:] for line in lines[1:]], kills=1)
    assert acked.lines, "no operation was acknowledged before the cut anchor write"
    database = open_database(demo_database_url)
    try:
        anchor_file = read_anchor(database.engine.url)
        assert anchor_file is not None
        raw = anchor_file.path.read_bytes()
        assert raw.endswith(b"\n") == (mode == "before-anchor"), raw[-80:]
        cut = raw.rsplit(b"\n", 1)[1]  # the half line (empty before-anchor)
        verification = verify_database(database)
        assert verification.anchor.ahead >= 1, verification.as_dict()
        assert verification.ok, verification.problems
    finally:
        database.dispose()
    _check(demo_database_url, acked)
    # the next writer continues; its anchor lines follow the cut one and verify holds
    process = _start(demo_database_url, "01", stderr)
    assert process.stdout is not None
    done = [process.stdout.readline().split()[1:] for _ in OPERATIONS]
    acked.lines.extend(done)
    acked.lines.extend(_kill(process, stderr))
    acked.kills += 1
    _check(demo_database_url, acked)
    database = open_database(demo_database_url)
    try:
        anchor_file = read_anchor(database.engine.url)
        assert anchor_file is not None
        assert bool(anchor_file.damaged_lines) == (mode == "mid-anchor")
        # the cut line was ended before the next: it alone is unreadable, the next one is whole
        assert len(anchor_file.damaged_lines) <= 1
        anchor_lines = anchor_file.path.read_bytes().split(b"\n")
        if cut:
            assert cut in anchor_lines, "the next anchor line was glued to the cut one"
        assert verify_database(database).anchor.matches is True
    finally:
        database.dispose()
