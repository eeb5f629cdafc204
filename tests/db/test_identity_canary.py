"""The database canary: a patient goes vein to vein; no form of their identity is stored plain.

A patient with a name, date of birth and hospital number found nowhere else is enrolled and
driven through the whole journey (labels printed with identity, the bag's QR scanned at the
manufacturer, the wristband scanned at the bedside). Then the raw SQLite file (with its WAL)
or PostgreSQL's ``pg_dump`` text is searched for each canary string in every form: as typed,
upper and lower case, the date as ``YYYYMMDD``, ``YYYY-MM-DD`` and ``DD/MM/YYYY``.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text

from app.demo.journey import JourneyDriver
from db.engine import sqlite_path
from db.enums import CaseStage

FAMILY, GIVEN, NUMBER, BORN = "Quillfeather", "Ysolde", "CNRY58K2", date(1933, 2, 17)


def canary_forms() -> tuple[str, ...]:
    """Every form the canary may take in storage."""
    words = [FAMILY, GIVEN, NUMBER, f"{FAMILY.upper()}, {GIVEN}"]
    cased = {form for word in words for form in (word, word.upper(), word.lower())}
    dates = {f"{BORN:%Y%m%d}", BORN.isoformat(), f"{BORN:%d/%m/%Y}"}
    return tuple(sorted(cased | dates))


def stored_text(database: Any) -> str:
    """The SQLite file's bytes (and its WAL) as text; PostgreSQL's ``pg_dump`` (every row as
    text, where pg_dump is not installed)."""
    path = sqlite_path(database.engine.url)
    if path is not None:
        files = [path, path.with_name(path.name + "-wal")]
        return b"".join(f.read_bytes() for f in files if f.exists()).decode("latin-1")
    if shutil.which("pg_dump"):
        libpq = database.engine.url.set(drivername="postgresql")
        dump = subprocess.run(
            ["pg_dump", "--no-owner", f"--dbname={libpq.render_as_string(hide_password=False)}"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return dump.stdout
    with database.engine.connect() as conn:
        names = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        ).scalars()
        return "\n".join(
            repr(conn.execute(text(f'SELECT * FROM "{name}"')).all()) for name in names
        )


def test_no_form_of_the_patients_identity_is_stored_in_the_database(
    demo: Any, tmp_path: Path
) -> None:
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.enrol(NUMBER, FAMILY, GIVEN, BORN)
    driver.run_to(case, CaseStage.INFUSED)
    assert driver.wristband(case).endswith(NUMBER)  # the identity opens with the clinic key
    stored = stored_text(demo.database)
    assert "coi-enc2:" in stored  # what the search reads is the database itself
    found = [form for form in canary_forms() if form in stored]
    assert found == [], f"the patient's identity is stored in plain text: {found}"


def test_the_canary_search_finds_plain_text(demo: Any) -> None:
    """The search can fail: a canary string written plain is found in the same reading."""
    with demo.database.engine.begin() as conn:
        conn.execute(
            text("UPDATE site SET address = :text WHERE code = 'CTF'"),
            {"text": f"c/o {FAMILY.lower()} {BORN:%d/%m/%Y}"},
        )
    stored = stored_text(demo.database)
    assert [form for form in canary_forms() if form in stored] == [
        f"{BORN:%d/%m/%Y}",
        FAMILY.lower(),
    ]
