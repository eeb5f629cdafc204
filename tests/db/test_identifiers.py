"""Identifiers issued from database counters: never reused, even from concurrent workstations."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from app.core.actor import Actor
from app.core.database import Database, open_database
from app.core.identifiers import issue_coi, issue_deviation_number, issue_din, issue_sscc
from app.core.unit_of_work import UnitOfWork
from db.models import Site
from labels.gs1.keys import has_valid_check_digit
from labels.isbt128 import parse_coi

WORKERS = 8
PER_WORKER = 10


def _site(database: Database) -> Site:
    with UnitOfWork(database, Actor.system()) as uow:
        site = Site(
            code="S1", name="Site", kind="clinic", fin="G1234", gs1_company_prefix="5901234"
        )
        uow.add(site)
        uow.commit()
    return site


def _issue_many(url: str, site_id: object) -> list[str]:
    database = open_database(url, upgrade=False)
    issued = []
    try:
        for _ in range(PER_WORKER):
            with UnitOfWork(database, Actor.system()) as uow:
                site = uow.session.scalar(select(Site).where(Site.id == site_id))
                assert site is not None
                issued.append(issue_coi(uow.session, site).code)
                uow.commit()
    finally:
        database.dispose()
    return issued


def test_concurrent_coi_issuing_never_repeats(database: Database) -> None:
    site = _site(database)
    with ThreadPoolExecutor(WORKERS) as pool:
        batches = list(pool.map(lambda _: _issue_many(database.url, site.id), range(WORKERS)))
    issued = [coi for batch in batches for coi in batch]
    assert len(issued) == len(set(issued)) == WORKERS * PER_WORKER
    sequences = sorted(int(parse_coi(coi).sequence) for coi in issued)
    assert sequences == list(range(1, WORKERS * PER_WORKER + 1))


def test_a_rolled_back_issue_leaves_no_trace(database: Database) -> None:
    site = _site(database)
    with UnitOfWork(database, Actor.system()) as uow:
        first = issue_coi(uow.session, uow.session.merge(site))
        uow.commit()
    with UnitOfWork(database, Actor.system()) as uow:
        issue_coi(uow.session, uow.session.merge(site))  # rolled back: never committed
    with UnitOfWork(database, Actor.system()) as uow:
        second = issue_coi(uow.session, uow.session.merge(site))
        uow.commit()
    assert int(second.sequence) == int(first.sequence) + 1


def test_din_sscc_and_deviation_numbers(database: Database) -> None:
    site = _site(database)
    with UnitOfWork(database, Actor.system()) as uow:
        site = uow.session.merge(site)
        dins = [issue_din(uow.session, site).din for _ in range(3)]
        ssccs = [issue_sscc(uow.session, site) for _ in range(2)]
        numbers = [issue_deviation_number(uow.session) for _ in range(2)]
        uow.commit()
    assert [d[-6:] for d in dins] == ["000001", "000002", "000003"]
    assert all(len(s) == 18 and has_valid_check_digit(s) for s in ssccs)
    assert ssccs[0].startswith("05901234") and ssccs[0] != ssccs[1]
    assert numbers[0].endswith("-0001") and numbers[1].endswith("-0002")
