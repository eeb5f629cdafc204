"""A backup taken while another workstation writes is consistent: rows, counts and chain agree."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import make_url

from app.access.users import authenticate
from app.admin import backup_database, restore_database
from app.admin.sites import create_site
from app.audit import reconcile_database
from app.core.database import open_database
from app.core.unit_of_work import UnitOfWork
from db.enums import SiteKind
from tests.conftest import PASSWORD, Demo, PostgresServer

WAIT = 120.0  # seconds before a stuck writer fails the test (never reached when it works)


def test_a_backup_taken_while_sites_are_added_restores_whole(
    demo: Demo, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    database = demo.database
    admin = authenticate(database, "admin", PASSWORD, "test-station")
    stop, written = threading.Event(), threading.Semaphore(0)
    failures: list[BaseException] = []

    def write() -> None:
        number = 0
        try:
            while not stop.is_set():
                number += 1
                with UnitOfWork(database, admin) as uow:
                    create_site(
                        uow, code=f"W{number:04d}", name=f"Site {number}", kind=SiteKind.CLINIC
                    )
                    uow.commit()
                written.release()
        except BaseException as exc:
            failures.append(exc)
            written.release()

    writer = threading.Thread(target=write, name="second workstation")
    writer.start()
    try:
        for _ in range(3):  # the writer is under way before the backup starts
            assert written.acquire(timeout=WAIT)
        backup = backup_database(database, tmp_path / "busy.backup")
        for _ in range(3):  # ... and goes on after it
            assert written.acquire(timeout=WAIT)
    finally:
        stop.set()
        writer.join(WAIT)
    assert not failures, failures

    if make_url(database.url).get_backend_name() == "sqlite":
        target = f"sqlite:///{tmp_path / 'restored.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        target = server.create().render_as_string(hide_password=False)
    result = restore_database(backup.file, target)
    assert result.ok, result.as_dict()
    counts = backup.manifest_data["counts"]
    assert result.data["counts"] == counts
    assert counts["site"] >= 2 + 3  # the demo's two sites and the writer's first ones
    restored = open_database(target, upgrade=False)
    try:
        assert reconcile_database(restored).mismatches == ()  # rows and events of one moment
    finally:
        restored.dispose()
