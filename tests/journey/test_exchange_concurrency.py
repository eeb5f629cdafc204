"""Two sessions importing the same thing at the same moment (PostgreSQL), and a bundle whose file
cannot be written (both backends): a clear refusal, nothing written twice, nothing recorded.

The race is made, not hoped for: each import is held at a barrier after its duplicate check and
before its commit, so both pass the check; the database's unique keys then refuse the second.
"""

from __future__ import annotations

import errno
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import app.exchange.bundles as bundles_module
import app.exchange.epcis_import as epcis_import_module
from app.core import Database, ValidationFailed, open_database
from app.exchange import (
    AlreadyImported,
    BundleRefused,
    export_bundle,
    generate_site_key,
    import_bundle,
    import_epcis,
    load_site_key,
    register_partner_key,
)
from db.models import AuditEvent, ExchangeBundle, PartnerEvent
from tests.journey.test_epcis import PARTNER_EVENT_ID, _partner_document, _who
from tests.support.journeyed import (
    infused_coi,
    journeyed_postgres_template,  # noqa: F401 - fixture
    journeyed_sqlite_template,  # noqa: F401 - fixture
    journeyed_url,  # noqa: F401 - fixture
    second_journeyed_url,  # noqa: F401 - fixture
)


def _race(
    monkeypatch: pytest.MonkeyPatch, module: Any, name: str, work: Callable[[], Any]
) -> list[Any]:
    """Run ``work`` in two threads, each held after ``module.name`` until both got there."""
    barrier = threading.Barrier(2, timeout=60)
    original = getattr(module, name)

    def held(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        barrier.wait()
        return result

    monkeypatch.setattr(module, name, held)
    results: list[Any] = [None, None]

    def run(index: int) -> None:
        try:
            results[index] = work()
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _count(database: Database, model: Any) -> int:
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_the_same_epcis_file_imported_twice_at_once_is_one_import_and_one_refusal(
    journeyed_url: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if journeyed_url.startswith("sqlite"):
        pytest.skip("SQLite lets one writer in at a time: the race needs PostgreSQL")
    database = open_database(journeyed_url)
    try:
        document = _partner_document(database)
        document["epcisBody"]["eventList"] = document["epcisBody"]["eventList"][:1]
        path = tmp_path / "partner.jsonld"
        path.write_text(json.dumps(document))
        actors = [_who(database, "asha.qa"), _who(database, "cora.coordinator")]
        before = _count(database, PartnerEvent)
        turn = iter(actors)
        lock = threading.Lock()

        def work() -> Any:
            with lock:
                actor = next(turn)
            return import_epcis(database, actor, path)

        results = _race(monkeypatch, epcis_import_module, "attach_events", work)
        refused = [r for r in results if isinstance(r, Exception)]
        done = [r for r in results if not isinstance(r, Exception)]
        assert len(done) == 1 and [o.outcome for o in done[0].outcomes] == ["imported"]
        assert len(refused) == 1 and isinstance(refused[0], AlreadyImported), refused
        assert "already imported" in refused[0].message and "nothing was written" in (
            refused[0].message
        )
        assert _count(database, PartnerEvent) == before + 1
        with database.read_session() as session:
            stored = session.scalars(select(PartnerEvent.event_id)).all()
        assert stored.count(PARTNER_EVENT_ID) == 1
    finally:
        database.dispose()


def test_the_same_bundle_imported_twice_at_once_is_one_import_and_one_refusal(
    journeyed_url: str,  # noqa: F811
    second_journeyed_url: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if journeyed_url.startswith("sqlite"):
        pytest.skip("SQLite lets one writer in at a time: the race needs PostgreSQL")
    clinic, maker = open_database(journeyed_url), open_database(second_journeyed_url)
    try:
        key = tmp_path / "nbh.pem"
        register_partner_key(maker, _who(maker, "admin"), "NBH", generate_site_key(key))
        path = tmp_path / "case.bundle"
        cora = _who(clinic, "cora.coordinator")
        export_bundle(clinic, cora, infused_coi(journeyed_url), "CTF", load_site_key(key), out=path)
        actors = iter([_who(maker, "asha.qa"), _who(maker, "asha.qa")])
        lock = threading.Lock()

        def work() -> Any:
            with lock:
                actor = next(actors)
            return import_bundle(maker, actor, path)

        results = _race(monkeypatch, bundles_module, "apply_records", work)
        refused = [r for r in results if isinstance(r, Exception)]
        assert len(refused) == 1 and isinstance(refused[0], BundleRefused), results
        assert "already imported" in refused[0].message
        assert _count(maker, ExchangeBundle) == 1
    finally:
        clinic.dispose()
        maker.dispose()


@pytest.mark.parametrize("failure", ["unwritable-folder", "disk-full"])
def test_a_bundle_whose_file_cannot_be_written_is_not_recorded_as_sent(
    journeyed_url: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: str,
) -> None:
    database = open_database(journeyed_url)
    try:
        key = tmp_path / "nbh.pem"
        generate_site_key(key)
        cora = _who(database, "cora.coordinator")
        coi = infused_coi(journeyed_url)
        if failure == "unwritable-folder":
            out = Path("/sys/coi-tracker-test.bundle")  # read-only even for root
            try:
                out.write_bytes(b"")
            except OSError:
                pass
            else:
                out.unlink()
                pytest.skip("/sys is writable here")
        else:
            out = tmp_path / "case.bundle"

            def full(descriptor: int) -> None:
                raise OSError(errno.ENOSPC, "No space left on device")

            monkeypatch.setattr(os, "fsync", full)
        with database.read_session() as session:
            audit_before = session.scalar(select(func.count()).select_from(AuditEvent))
        with pytest.raises(ValidationFailed, match="not recorded as sent"):
            export_bundle(database, cora, coi, "CTF", load_site_key(key), out=out)
        assert _count(database, ExchangeBundle) == 0
        with database.read_session() as session:
            assert session.scalar(select(func.count()).select_from(AuditEvent)) == audit_before
        assert not out.exists()
        assert not list(out.parent.glob(f".{out.name}.*")) if failure == "disk-full" else True
    finally:
        database.dispose()
