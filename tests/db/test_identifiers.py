"""Identifiers issued from database counters: never reused, even from concurrent workstations."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from app.core.actor import Actor
from app.core.database import Database, open_database
from app.core.identifiers import (
    din_counter_name,
    issue_coi,
    issue_deviation_number,
    issue_din,
    issue_print_serial,
    issue_sscc,
)
from app.core.unit_of_work import UnitOfWork
from db.models import CoiSequence, Counter, Site
from db.types import utc_now
from labels.gs1.keys import has_valid_check_digit
from labels.isbt128 import parse_coi
from labels.isbt128.sequences import coi_number, din_number, hamming

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
    sequences = sorted(coi_number(parse_coi(coi).sequence) or 0 for coi in issued)
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
    assert coi_number(second.sequence) == (coi_number(first.sequence) or 0) + 1


def test_din_sscc_and_deviation_numbers(database: Database) -> None:
    site = _site(database)
    with UnitOfWork(database, Actor.system()) as uow:
        site = uow.session.merge(site)
        dins = [issue_din(uow.session, site).din for _ in range(3)]
        ssccs = [issue_sscc(uow.session, site) for _ in range(2)]
        numbers = [issue_deviation_number(uow.session) for _ in range(2)]
        uow.commit()
    assert [d[-6:] for d in dins] == ["000011", "000022", "000033"]  # 5 digits + parity
    assert all(len(s) == 18 and has_valid_check_digit(s) for s in ssccs)
    assert ssccs[0].startswith("05901234") and ssccs[0] != ssccs[1]
    assert numbers[0].endswith("-0001") and numbers[1].endswith("-0002")


ISSUES = 10_000


def test_10000_cois_and_dins_never_share_or_nearly_share_13_characters(database: Database) -> None:
    """No COI's 13 characters equal a DIN's of the same facility; none is one character away."""
    site = _site(database)
    with UnitOfWork(database, Actor.system()) as uow:
        site = uow.session.merge(site)
        cois = [issue_coi(uow.session, site).checked_text for _ in range(ISSUES)]
        dins = [issue_din(uow.session, site).din for _ in range(ISSUES)]
        uow.commit()
    assert len(set(cois)) == len(set(dins)) == ISSUES
    assert not set(cois) & set(dins)
    # The sequences are the only part that differs (same FIN and year): group by all but one
    # position, so two identifiers one character apart would land in one bucket.
    buckets: dict[tuple[int, str], list[str]] = {}
    for text in cois + dins:
        for position in range(len(text)):
            buckets.setdefault((position, text[:position] + text[position + 1 :]), []).append(text)
    assert all(len(texts) == 1 for texts in buckets.values())
    assert min(hamming(cois[0], d) for d in dins) >= 2


def test_existing_counters_continue_in_their_range(database: Database) -> None:
    """A database whose counters issued bare numbers (before 0005) keeps clear of them."""
    site = _site(database)
    year = utc_now().year % 100
    old_cois = [f"G1234{year:02d}{n:06d}" for n in range(1, 121)]  # 120 COIs issued before
    old_dins = [f"G1234{year:02d}{n:06d}" for n in range(1, 41)]  # 40 DINs issued before
    with UnitOfWork(database, Actor.system()) as uow:
        # What migration 0005 leaves behind: the DIN counter raised to the COI counter.
        uow.session.add(CoiSequence(fin="G1234", year=year, last_value=120))
        uow.session.add(Counter(name=din_counter_name("G1234", year), last_value=120))
        uow.commit()
    with UnitOfWork(database, Actor.system()) as uow:
        site = uow.session.merge(site)
        cois = [issue_coi(uow.session, site).checked_text for _ in range(500)]
        dins = [issue_din(uow.session, site).din for _ in range(500)]
        uow.commit()
    issued = set(cois) | set(dins)
    assert len(issued) == 1000 and not issued & (set(old_cois) | set(old_dins))
    assert din_number(dins[0][7:]) == 121 and coi_number(cois[0][7:]) == 121


def test_print_serials_are_18_characters_under_the_site_fin(database: Database) -> None:
    site = _site(database)
    with UnitOfWork(database, Actor.system()) as uow:
        site = uow.session.merge(site)
        serials = [issue_print_serial(uow.session, site) for _ in range(3)]
        without_fin = issue_print_serial(uow.session, None)
        uow.commit()
    assert serials == [f"G1234{n:013d}" for n in (1, 2, 3)]
    assert without_fin == f"00000{1:013d}"
