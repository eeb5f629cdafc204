"""Storage of final product bags and intermediates (issue 14, point 4), attacked.

One case driven to release once per backend (two final product bags at the manufacturer);
each test gets a copy. Put-away and retrieval by scan; a
position holds one container, a container one position; a retrieval from the wrong position
or of a container not there is refused and writes nothing; a stored bag cannot be packed; the
database refuses a second container in an occupied position even when the service is bypassed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.casefile import case_detail
from app.core import (
    Actor,
    Database,
    NotPermitted,
    ScanMismatch,
    ValidationFailed,
    open_database,
)
from app.demo.journey import JourneyDriver
from app.journey import (
    create_shipment,
    pack_unit,
    parse_location,
    put_away,
    take_out,
    where_stored,
)
from db.enums import CaseStage, ShipmentDirection, UnitKind
from db.models import AuditEvent, Base, StageRecord, StoragePlacement, Unit
from tests.conftest import BACKENDS, database_copy, demo_source

PLACE = "DEWAR-3/B/12/A1"


class Store:
    """The copied database, the driver's people and the two cases' final bags."""

    def __init__(self, database: Database, driver: JourneyDriver, cases: dict[str, uuid.UUID]):
        self.database, self.driver, self.cases = database, driver, cases
        self.otto: Actor = driver.who("otto.operator")
        with database.read_session() as session:
            self.bags = {
                name: [
                    f"={din}00"
                    for din in session.scalars(
                        select(Unit.din)
                        .where(Unit.case_id == case, Unit.kind == UnitKind.FINAL_PRODUCT_BAG)
                        .order_by(Unit.din)
                    )
                ]
                for name, case in cases.items()
            }

    def written(self) -> tuple[int, int, int]:
        """Placements, stage records and audit events (sign-ins happened before)."""
        with self.database.read_session() as session:
            return (
                session.scalar(select(func.count()).select_from(StoragePlacement)) or 0,
                session.scalar(select(func.count()).select_from(StageRecord)) or 0,
                session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
            )


@pytest.fixture(scope="module", params=BACKENDS)
def store_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, dict[str, uuid.UUID]]]:
    """Drive the two cases once per backend."""
    out = tmp_path_factory.mktemp("storage")
    source, url = demo_source(request, out)
    database = open_database(url)
    driver = JourneyDriver(database, out)
    released = driver.run_to(
        driver.enrol("NBH400001", "Roe", "Sam", date(1966, 1, 2)), CaseStage.RELEASED
    )
    database.dispose()
    yield request.param, source, {"released": released.id}


@pytest.fixture
def store(
    store_template: tuple[str, str, dict[str, uuid.UUID]],
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> Iterator[Store]:
    backend, source, cases = store_template
    with database_copy(request, backend, source, tmp_path) as database:
        yield Store(database, JourneyDriver(database, tmp_path), cases)


def test_put_away_where_and_take_out_by_scan(store: Store) -> None:
    case, (first, second) = store.cases["released"], store.bags["released"]
    stored = put_away(store.database, store.otto, case, first, PLACE)
    assert (stored.location.code, stored.taken_at) == (PLACE, None)
    put_away(store.database, store.otto, case, second, " dewar-3 / b / 12 / a2 ")  # any case
    where = where_stored(store.database, store.otto, case)
    assert [(w.din, w.location.code) for w in where] == [
        (first[1:14], PLACE),
        (second[1:14], "DEWAR-3/B/12/A2"),
    ]
    # The case screen shows where each unit is.
    nodes = {n.din: n for n in case_detail(store.database, store.otto, case).genealogy}
    shown = nodes[first[1:14]].stored_at or ""
    assert shown.startswith("DEWAR-3, rack B, box 12, position A1 at ")
    assert nodes[second[1:14]].stored_at is not None
    taken = take_out(store.database, store.otto, case, first, "dewar-3/b/12/a1")
    assert taken.taken_at is not None and taken.taken_by
    assert [w.din for w in where_stored(store.database, store.otto, case)] == [second[1:14]]
    nodes = {n.din: n for n in case_detail(store.database, store.otto, case).genealogy}
    assert nodes[first[1:14]].stored_at is None
    # The position is free again: the other bag may go there once taken out of its own.
    take_out(store.database, store.otto, case, second, "DEWAR-3/B/12/A2")
    put_away(store.database, store.otto, case, second, PLACE)


def test_one_container_per_position_and_one_position_per_container(store: Store) -> None:
    case, (first, second) = store.cases["released"], store.bags["released"]
    put_away(store.database, store.otto, case, first, PLACE)
    before = store.written()
    for scan, place, says in [
        (second, PLACE, "already holds"),
        (second, "dewar-3/b/12/a1", "already holds"),  # wrong case: the same position
        (first, "DEWAR-3/B/12/A9", "already stored"),  # the same bag twice
    ]:
        with pytest.raises(ValidationFailed, match=says):
            put_away(store.database, store.otto, case, scan, place)
    assert store.written() == before


def test_retrieval_from_the_wrong_position_or_of_a_unit_not_there_is_refused(
    store: Store,
) -> None:
    case, (first, second) = store.cases["released"], store.bags["released"]
    put_away(store.database, store.otto, case, first, PLACE)
    before = store.written()
    with pytest.raises(ValidationFailed, match="WRONG LOCATION"):
        take_out(store.database, store.otto, case, first, "DEWAR-3/B/12/A2")
    with pytest.raises(ValidationFailed, match="not recorded in storage"):
        take_out(store.database, store.otto, case, second, PLACE)
    for bad in (
        "DEWAR-3/B/12",
        "DEWAR-3/B/12/A1/X",
        "DEWAR-3//12/A1",
        "D\x07/B/1/A",
        "X" * 21 + "/B/1/A",
    ):
        with pytest.raises(ValidationFailed):
            take_out(store.database, store.otto, case, first, bad)
    assert store.written() == before
    assert parse_location("dewar-3/b/12/a1") == parse_location(PLACE)


def test_a_stored_bag_is_not_packed_until_taken_out(store: Store) -> None:
    case, bags = store.cases["released"], store.bags["released"]
    put_away(store.database, store.otto, case, bags[0], PLACE)
    shipment = create_shipment(store.database, store.otto, case, ShipmentDirection.TO_CLINIC)
    with pytest.raises(ValidationFailed, match="still recorded in storage"):
        pack_unit(store.database, store.otto, shipment.id, bags[0])
    take_out(store.database, store.otto, case, bags[0], PLACE)
    packed = pack_unit(store.database, store.otto, shipment.id, bags[0])
    assert len(packed.packed_units) == 1
    # A packed bag is away from its shelf: it cannot be put away.
    with pytest.raises(ScanMismatch):
        put_away(store.database, store.otto, case, bags[0], PLACE)


def test_wrong_kind_wrong_role_and_wrong_site_are_refused(store: Store) -> None:
    case = store.cases["released"]
    with store.database.read_session() as session:
        sample = session.scalar(
            select(Unit.din).where(Unit.case_id == case, Unit.kind == UnitKind.QC_SAMPLE)
        )
    if sample is not None:
        with pytest.raises(ScanMismatch):
            put_away(store.database, store.otto, case, f"={sample}00", PLACE)
    with pytest.raises(NotPermitted):
        put_away(
            store.database, store.driver.who("quinn.qc"), case, store.bags["released"][0], PLACE
        )
    with pytest.raises(NotPermitted):  # a clinic nurse cannot put away the manufacturer's bag
        put_away(
            store.database, store.driver.who("ivy.infusion"), case, store.bags["released"][0], PLACE
        )


def test_the_database_refuses_a_second_unit_in_an_occupied_position(store: Store) -> None:
    case, (first, second) = store.cases["released"], store.bags["released"]
    stored = put_away(store.database, store.otto, case, first, PLACE)
    with store.database.read_session() as session:
        row = session.scalar(
            select(StoragePlacement).where(StoragePlacement.unit_id == stored.unit_id)
        )
        assert row is not None
        other_unit = session.scalar(select(Unit.id).where(Unit.din == second[1:14]))
        values = {
            "site_id": row.site_id, "store": row.store, "rack": row.rack, "box": row.box,
            "position": row.position, "put_at": row.put_at, "put_by_id": row.put_by_id,
            "version": 1, "created_at": row.put_at, "updated_at": row.put_at,
        }  # fmt: skip
    table = Base.metadata.tables["storage_placement"]
    with pytest.raises(IntegrityError), store.database.engine.begin() as conn:
        conn.execute(table.insert().values(id=uuid.uuid4(), unit_id=other_unit, **values))
    with pytest.raises(IntegrityError), store.database.engine.begin() as conn:  # the same unit
        conn.execute(
            table.insert().values(
                id=uuid.uuid4(), unit_id=stored.unit_id, **{**values, "position": "Z9"}
            )
        )
