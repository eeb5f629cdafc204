"""Migrations build the whole schema on both backends, round-trip, and match the models."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, String, Text, Uuid, column, inspect, table, text, update
from sqlalchemy.exc import IntegrityError

from app.core.database import open_database
from app.core.errors import SchemaMissing, SchemaTooNew
from db.engine import make_engine
from db.migrate import alembic_config, downgrade_to_base, head_revision, upgrade_to_head
from db.models import Base


def test_one_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert heads == [head_revision()]


def test_upgrade_downgrade_upgrade_without_drift(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        upgrade_to_head(engine)
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        downgrade_to_base(engine)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade_to_head(engine)
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diffs == []
    finally:
        engine.dispose()


def test_schema_newer_than_app_is_refused_and_untouched(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_from_the_future'"))
    engine.dispose()
    with pytest.raises(SchemaTooNew, match="newer version of COI Tracker"):
        open_database(database_url)
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == (
            "ffff_from_the_future"
        )
    engine.dispose()


def test_reading_an_empty_database_asks_for_init(empty_database_url: str) -> None:
    with pytest.raises(SchemaMissing, match="coi init"):
        open_database(empty_database_url, upgrade=False)


def test_sqlite_file_is_backed_up_before_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE note (text TEXT)")
        conn.execute("INSERT INTO note VALUES ('keep me')")
    engine = make_engine(f"sqlite:///{path}")
    backup = upgrade_to_head(engine)
    engine.dispose()
    assert backup is not None
    assert backup.parent == tmp_path
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT text FROM note").fetchall() == [("keep me",)]
        assert conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'audit_event'"
        ).fetchone() == (0,)
    engine = make_engine(f"sqlite:///{path}")
    assert upgrade_to_head(engine) is None  # already at head: no second backup
    engine.dispose()
    fresh = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    assert upgrade_to_head(fresh) is None  # a brand-new empty file has nothing to back up
    fresh.dispose()
    assert sorted(p.name for p in tmp_path.glob("*.bak.db")) == [backup.name]


def test_alembic_command_line_round_trip_and_check(empty_database_url: str) -> None:
    """The README's hand commands: upgrade, downgrade base, upgrade, check, from the repo root."""
    repo = Path(__file__).resolve().parents[2]
    for step in (["upgrade", "head"], ["downgrade", "base"], ["upgrade", "head"], ["check"]):
        result = subprocess.run(
            [sys.executable, "-m", "alembic", "-x", f"db={empty_database_url}", *step],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"alembic {' '.join(step)}: {result.stderr}"
    assert "No new upgrade operations detected" in result.stdout + result.stderr


# Reasons the application wrote before 0004, and the cause the back-fill must read from each.
# Only the exact texts of a receipt, a cold-chain verdict or rejection and a case's decision
# count; anything else is MANUAL, however it begins (the old prefix match lifted some of these).
_BACKFILLED = [
    ("none", None, None),
    ("quarantined", "received in 123456789012345678; awaiting acceptance", "receipt_pending"),
    ("quarantined", "cold-chain excursion in shipment 123456789012345678", "cold_chain"),
    ("rejected", "cold chain of 123456789012345678 rejected by QA: too warm", "cold_chain"),
    ("rejected", "case rejected: consent withdrawn", "case"),
    ("cancelled", "case cancelled: patient unwell", "case"),
    ("quarantined", "received in dock 4 with a cracked seal", "manual"),
    ("quarantined", "cold-chain doubts: hold for QA", "manual"),
    ("on_hold", "received in 123456789012345678; awaiting acceptance", "manual"),
]


def test_side_state_cause_is_back_filled_from_the_reasons_on_a_populated_database(demo) -> None:
    from alembic import command  # noqa: PLC0415 - only this test steps one revision

    from tests.journey.steps import collect, enrol  # noqa: PLC0415

    bags = collect(demo, enrol(demo), bags=len(_BACKFILLED))
    url = demo.database.engine.url
    demo.database.dispose()
    engine = make_engine(url.render_as_string(hide_password=False))
    unit = table(
        "unit",
        column("id", Uuid()),
        column("side_state", String()),
        column("side_state_reason", Text()),
    )
    try:
        config = alembic_config()
        with engine.begin() as connection:  # down with rows in the unit table and its children
            config.attributes["connection"] = connection
            command.downgrade(config, "0003")
            for bag, (state, reason, _cause) in zip(bags, _BACKFILLED, strict=True):
                connection.execute(
                    update(unit)
                    .where(unit.c.id == bag.id)
                    .values(side_state=state, side_state_reason=reason)
                )
        upgrade_to_head(engine)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, side_state_cause FROM unit")).all()
            causes = {row[0]: row[1] for row in rows}
            found = [causes[_key(engine, bag.id)] for bag in bags]
        assert found == [cause for _state, _reason, cause in _BACKFILLED]
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text("UPDATE unit SET side_state_cause = 'whim'"))
    finally:
        engine.dispose()


def _key(engine: Engine, value: uuid.UUID) -> object:
    """The id as the raw driver returns it (SQLite keeps a UUID as 32 hex characters)."""
    return value.hex if engine.dialect.name == "sqlite" else value


def test_0005_raises_din_counters_above_the_cois_issued_before(empty_database_url: str) -> None:
    """Existing databases: DINs drawn after 0005 never equal a digits-only COI drawn before."""
    engine = make_engine(empty_database_url)
    config = alembic_config()
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0003")
        insert_sequence = text(
            "INSERT INTO coi_sequence (fin, year, last_value, version, created_at, updated_at, id)"
            " VALUES (:fin, 26, :value, 1, :now, :now, :id)"
        )
        insert_counter = text(
            "INSERT INTO counter (name, last_value, version, created_at, updated_at, id)"
            " VALUES (:name, :value, 1, :now, :now, :id)"
        )
        now = datetime.now(UTC).replace(tzinfo=None)
        with engine.begin() as conn:
            for fin, value in (("G1234", 120), ("H1111", 3), ("J2222", 50)):
                conn.execute(insert_sequence, {"fin": fin, "value": value, "now": now,
                                               "id": uuid.uuid4().hex})  # fmt: skip
            for name, value in (("din:G1234:26", 40), ("din:H1111:26", 90)):
                conn.execute(insert_counter, {"name": name, "value": value, "now": now,
                                              "id": uuid.uuid4().hex})  # fmt: skip
        upgrade_to_head(engine)
        with engine.connect() as conn:
            counters = dict(conn.execute(text("SELECT name, last_value FROM counter")).all())
        assert counters["din:G1234:26"] == 120  # raised to the COI counter
        assert counters["din:H1111:26"] == 90  # already above it: unchanged
        assert counters["din:J2222:26"] == 50  # created at the COI counter
    finally:
        engine.dispose()


def test_0007_gives_existing_sites_no_wristband_rules(demo) -> None:
    """Sites registered before 0007 read ISBT 128 025 and GS1 8018 wristbands only."""
    url = demo.database.engine.url
    demo.database.dispose()
    engine = make_engine(url.render_as_string(hide_password=False))
    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0006_must_change_password")
        with engine.connect() as connection:
            assert "wristband_mrn_pattern" not in {
                c["name"] for c in inspect(connection).get_columns("site")
            }
        upgrade_to_head(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT code, wristband_mrn_pattern, wristband_carries_coi FROM site")
            ).all()
        assert sorted((code, pattern, bool(coi)) for code, pattern, coi in rows) == [
            ("CTF", None, False),
            ("NBH", None, False),
        ]
    finally:
        engine.dispose()


def test_0019_allows_the_two_hold_causes_and_keeps_every_row(demo) -> None:
    """From 0018 with units and the rows that point at them: the upgrade keeps every unit as it
    was and its references whole, accepts 'post_release' and 'recall', still refuses a made-up
    cause; the downgrade turns the two back into 'manual'."""
    from alembic import command  # noqa: PLC0415 - only this test steps one revision

    from tests.journey.steps import collect, enrol  # noqa: PLC0415

    bags = collect(demo, enrol(demo), bags=3)
    url = demo.database.engine.url
    demo.database.dispose()
    engine = make_engine(url.render_as_string(hide_password=False))
    rows_sql = text("SELECT * FROM unit ORDER BY id")
    referencing = text(
        "SELECT (SELECT count(*) FROM custody_event), (SELECT count(*) FROM label),"
        " (SELECT count(*) FROM stage_record WHERE unit_id IS NOT NULL)"
    )
    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0018_audit_search_indexes")
            connection.execute(
                text(
                    "UPDATE unit SET side_state = 'on_hold', side_state_cause = 'manual',"
                    " side_state_reason = 'held by hand' WHERE id = :id"
                ),
                {"id": _key(engine, bags[0].id)},
            )
            with pytest.raises(IntegrityError), connection.begin_nested():
                connection.execute(text("UPDATE unit SET side_state_cause = 'recall'"))
            before = connection.execute(rows_sql).all()
            references = connection.execute(referencing).one()
        assert references[0] > 0 and references[1] > 0
        upgrade_to_head(engine)
        with engine.begin() as connection:
            assert connection.execute(rows_sql).all() == before
            assert connection.execute(referencing).one() == references
            if engine.dialect.name == "sqlite":
                assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
            for cause, bag in zip(("post_release", "recall"), bags[1:], strict=True):
                connection.execute(
                    text(
                        "UPDATE unit SET side_state = 'on_hold', side_state_cause = :cause"
                        " WHERE id = :id"
                    ),
                    {"cause": cause, "id": _key(engine, bag.id)},
                )
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text("UPDATE unit SET side_state_cause = 'whim'"))
        with pytest.raises(IntegrityError), engine.begin() as connection:  # still a parent
            connection.execute(text("DELETE FROM unit"))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0018_audit_search_indexes")
            causes = connection.execute(
                text("SELECT side_state_cause FROM unit WHERE side_state_cause IS NOT NULL")
            ).scalars()
            assert sorted(causes) == ["manual", "manual", "manual"]
        upgrade_to_head(engine)
    finally:
        engine.dispose()
