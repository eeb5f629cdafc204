"""Random journeys over several cases at once, with wrong people and wrong scans.

A hypothesis `RuleBasedStateMachine` drives the real services: each rule tries the next step of
a case as a randomly chosen person (often the wrong one), scanning a container that is often
another patient's. Refusals are expected; after every step the safety properties must hold:

- a unit's COI always equals its case's and its parents';
- no infusion without a matching wristband and bag scan, a certified release and a receipt;
- a case never skips a stage;
- no release with an open checklist item;
- a rejected or destroyed unit is never packed, processed, released or infused afterwards.
"""

from __future__ import annotations

import itertools
import json
import shutil
import tempfile
import uuid
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from app.coldchain.records import disposition_logger_file, import_logger_file
from app.coldchain.storage import logger_files_of_shipment
from app.core.database import open_database
from app.core.errors import CoiError
from app.demo.journey import DEMO_PASSWORD, QC_RESULTS, STEP_PARAMETERS, JourneyDriver
from app.journey import (
    bags_left_to_account_for,
    bags_still_to_give,
    collection,
    dose,
    infusion,
    manufacturing,
    qc,
    release,
    shipping,
)
from app.journey.side_states import set_unit_side_state
from app.journey.stages import STAGE_ORDER
from app.journey.thaw import record_thaw
from app.journey.unit_clock import THAW_STARTED
from app.journey.views import CaseView
from app.labelling.printing import print_unit_label
from app.labelling.records import confirm_label
from app.labelling.shipper_label import (
    apply_shipper_label,
    print_shipper_label,
    shipper_label_state,
)
from app.quality.deviations import close_deviation, deviations_of_case
from db.enums import (
    CaseStage,
    DeviationStatus,
    Disposition,
    ScanOutcome,
    ShipmentDirection,
    ShipmentStatus,
    SideState,
    StepStatus,
    UnitKind,
    UnitStatus,
)
from db.models import (
    AuditEvent,
    Case,
    Label,
    Release,
    Scan,
    Shipment,
    StageRecord,
    Unit,
    UnitParent,
)
from db.types import utc_now
from tests.support.readers import reader

PEOPLE = (
    "cora.coordinator",
    "alex.apheresis",
    "ana.apheresis",
    "ivy.infusion",
    "ian.infusion",
    "otto.operator",
    "vera.verifier",
    "quinn.qc",
    "asha.qa",
    "petra.qp",
)
MAX_CASES = 3
FINAL_STATES = {SideState.REJECTED, SideState.DESTROYED, SideState.CANCELLED}
_numbers = itertools.count(1)


class JourneyMachine(RuleBasedStateMachine):
    """Several cases pushed through the journey by random people with random scans."""

    template: Path  # the seeded demo database, set by the test
    cases = Bundle("cases")

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="coi-machine-"))
        target = self.folder / "demo.db"
        shutil.copyfile(self.template, target)
        self.database = open_database(f"sqlite:///{target}", upgrade=False)
        self.driver = JourneyDriver(self.database, self.folder, station="machine")
        self.steps = 0
        self.enrolled = 0
        self.observer = "asha.qa"
        """Whose eyes the machine's own checks read with (QA at the manufacturer)."""

    def teardown(self) -> None:
        self.database.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    # ------------------------------------------------------------------ helpers
    def _try(self, action: object, *args: object, **kwargs: object) -> object | None:
        self.steps += 1
        try:
            return action(*args, **kwargs)  # type: ignore[operator]
        except CoiError:
            return None

    def _case(self, case: CaseView) -> Case:
        with self.database.read_session() as session:
            row = session.get(Case, case.id)
            assert row is not None
            session.expunge(row)
            return row

    def _units(self, case_id: object, **where: object) -> list[Unit]:
        with self.database.read_session() as session:
            query = select(Unit).where(Unit.case_id == case_id).order_by(Unit.created_at)
            for name, value in where.items():
                query = query.where(getattr(Unit, name) == value)
            rows = list(session.scalars(query))
            for row in rows:
                session.expunge(row)
            return rows

    def _scan_of(self, case: CaseView, source: CaseView, wrong: bool, **where: object) -> str:
        units = self._units((source if wrong else case).id, **where) or self._units(source.id)
        unit = units[0] if units else None
        return f"={unit.din}00" if unit is not None and unit.din else f"&/{source.coi}"

    def _shipment(self, case: CaseView, direction: ShipmentDirection) -> Shipment | None:
        with self.database.read_session() as session:
            row = session.scalar(
                select(Shipment)
                .where(Shipment.case_id == case.id, Shipment.direction == direction)
                .order_by(Shipment.created_at.desc())
            )
            if row is not None:
                session.expunge(row)
            return row

    # ------------------------------------------------------------------ rules
    @precondition(lambda self: self.enrolled < MAX_CASES)
    @rule(target=cases)
    def enrol(self) -> CaseView:
        self.enrolled += 1
        number = next(_numbers)
        return self.driver.enrol(f"M{number}", f"Patient{number}", "Test", date(1970, 1, 1))

    @rule(
        case=cases,
        other=cases,
        person=st.sampled_from(PEOPLE),
        right_person=st.integers(0, 4).map(lambda n: n != 0),
        wrong_scan=st.integers(0, 4).map(lambda n: n == 0),
        burst=st.integers(1, 12),
    )
    def advance(
        self,
        case: CaseView,
        other: CaseView,
        person: str,
        right_person: bool,
        wrong_scan: bool,
        burst: int,
    ) -> None:
        """Try the case's next steps ``burst`` times with the same choices."""
        for _ in range(burst):
            stage = self._case(case).stage
            step = getattr(self, f"_at_{stage.value}")
            step(case, other, person, right_person, wrong_scan)

    @rule(
        case=cases,
        person=st.sampled_from(("asha.qa", "otto.operator")),
        chance=st.integers(0, 9),
    )
    def reject_a_unit(self, case: CaseView, person: str, chance: int) -> None:
        units = self._units(case.id)
        if units and chance == 0:  # rare: most journeys should get far
            self._try(
                set_unit_side_state,
                self.database,
                self.driver.who(person),
                units[-1].id,
                SideState.REJECTED,
                "found damaged",
                password=DEMO_PASSWORD,
            )

    @rule(case=cases)
    def qa_closes_deviations(self, case: CaseView) -> None:
        for deviation in deviations_of_case(
            self.database, reader(self.database, self.observer), case.id
        ):
            if deviation.status is DeviationStatus.OPEN:
                self._try(
                    close_deviation,
                    self.database,
                    self.driver.who("asha.qa"),
                    deviation.id,
                    closure="investigated",
                    password=DEMO_PASSWORD,
                )

    # ------------------------------------------------------------------ one step per stage
    def _who(self, person: str, right: str, right_person: bool) -> str:
        return right if right_person else person

    def _at_enrolled(self, case, other, person, right_person, wrong_scan) -> None:
        bags = self._units(case.id, kind=UnitKind.APHERESIS_BAG)
        db = self.database
        if not bags:
            end = utc_now() - timedelta(hours=1)
            bag = collection.CollectedBag(200.0, "ACD-A", end - timedelta(hours=2), end)
            who = self._who(person, "alex.apheresis", right_person)
            self._try(collection.register_collection, db, self.driver.who(who), case.id, bag)
            return
        bag = bags[0]
        with db.read_session() as session:
            labels = list(session.scalars(select(Label).where(Label.unit_id == bag.id)))
        actor = self.driver.who(self._who(person, "alex.apheresis", right_person))
        if not labels:
            self._try(print_unit_label, db, actor, bag.id)
        elif not any(label.status.value == "applied" for label in labels):
            scan = self._scan_of(case, other, wrong_scan)
            self._try(confirm_label, db, actor, bag.id, scan)
        else:
            verifier = self._who(person, "ana.apheresis", right_person)
            self._try(
                collection.verify_collection, db, self.driver.who(verifier), case.id, DEMO_PASSWORD
            )

    def _ship(self, case, other, person, right_person, wrong_scan, direction, sender) -> None:
        db = self.database
        actor = self.driver.who(self._who(person, sender, right_person))
        shipment = self._shipment(case, direction)
        if shipment is None:
            self._try(shipping.create_shipment, db, actor, case.id, direction)
            return
        kind = (
            UnitKind.APHERESIS_BAG
            if direction is ShipmentDirection.TO_MANUFACTURER
            else UnitKind.FINAL_PRODUCT_BAG
        )
        ready = (
            UnitStatus.REGISTERED
            if direction is ShipmentDirection.TO_MANUFACTURER
            else UnitStatus.RELEASED
        )
        if self._units(case.id, kind=kind, status=ready):
            scan = self._scan_of(case, other, wrong_scan, kind=kind, status=ready)
            self._try(shipping.pack_unit, db, actor, shipment.id, scan)
        elif shipment.logger_giai is None:
            self._try(shipping.attach_logger, db, actor, shipment.id, "(8004)5901234LOG1")
        elif not self._labelled(shipment.id)[0]:
            self._try(print_shipper_label, db, actor, shipment.id)
        elif not self._labelled(shipment.id)[1]:
            self._try(apply_shipper_label, db, actor, shipment.id, f"(00){shipment.sscc}")
        else:
            self._try(
                shipping.hand_over,
                db,
                actor,
                shipment.id,
                courier_name="Sam",
                courier_organisation="Couriers",
            )

    def _labelled(self, shipment_id: uuid.UUID) -> tuple[bool, bool]:
        """Whether the shipper carries its current label, and whether it was scanned back."""
        with self.database.read_session() as session:
            return shipper_label_state(session, session.get_one(Shipment, shipment_id))

    def _receive(
        self, case, other, person, right_person, wrong_scan, direction, receiver, verifier, base_c
    ) -> None:
        db = self.database
        shipment = self._shipment(case, direction)
        assert shipment is not None
        who = self.driver.who(self._who(person, receiver, right_person))
        kind = (
            UnitKind.APHERESIS_BAG
            if direction is ShipmentDirection.TO_MANUFACTURER
            else UnitKind.FINAL_PRODUCT_BAG
        )
        waiting = self._units(case.id, kind=kind, status=UnitStatus.IN_TRANSIT)
        view = shipping.shipment_view
        with db.read_session() as session:
            received = view(session, shipment).received_units
        unscanned = [u for u in waiting if u.id not in received]
        if unscanned:
            source = self._scan_of(case, other, True) if wrong_scan else f"={unscanned[0].din}00"
            self._try(shipping.receive_unit, db, who, shipment.id, source)
        elif not logger_files_of_shipment(db, reader(db, self.observer), shipment.id):
            path = self.driver.logger_file(f"m-{shipment.sscc}.csv", base_c, excursion=wrong_scan)
            window = (utc_now() - timedelta(hours=11), utc_now())
            self._try(import_logger_file, db, who, shipment.id, path, window=window)
        else:
            checker = self.driver.who(self._who(person, verifier, right_person))
            self._try(shipping.complete_receipt, db, checker, shipment.id, DEMO_PASSWORD)

    def _at_collected(self, *args) -> None:
        self._ship(*args, ShipmentDirection.TO_MANUFACTURER, "alex.apheresis")

    def _at_shipped_to_manufacturer(self, *args) -> None:
        self._receive(
            *args, ShipmentDirection.TO_MANUFACTURER, "otto.operator", "vera.verifier", 5.0
        )

    def _qa_accepts(self, case: CaseView, direction: ShipmentDirection) -> bool:
        shipment = self._shipment(case, direction)
        if shipment is None or shipment.receipt_accepted:
            return True
        qa = self.driver.who("asha.qa")
        for logger in logger_files_of_shipment(
            self.database, reader(self.database, self.observer), shipment.id
        ):
            if logger.awaits_disposition:
                self._try(
                    disposition_logger_file,
                    self.database,
                    qa,
                    logger.id,
                    Disposition.ACCEPT,
                    "within stability data",
                    DEMO_PASSWORD,
                )
        self.qa_closes_deviations(case)
        self._try(shipping.accept_receipt, self.database, qa, shipment.id, DEMO_PASSWORD, "ok")
        return False

    def _at_received_at_manufacturer(self, case, other, person, right_person, wrong_scan) -> None:
        if self._qa_accepts(case, ShipmentDirection.TO_MANUFACTURER):
            who = self.driver.who(self._who(person, "otto.operator", right_person))
            self._try(manufacturing.start_manufacture, self.database, who, case.id)

    def _at_in_manufacture(self, case, other, person, right_person, wrong_scan) -> None:
        db = self.database
        steps = manufacturing.steps_of_case(db, reader(db, self.observer), case.id)
        step = next((s for s in steps if s.status is not StepStatus.VERIFIED), None)
        if step is None:
            return
        if step.status is StepStatus.PENDING:
            available = [
                u
                for u in self._units(case.id, status=UnitStatus.AVAILABLE)
                if u.kind is not UnitKind.QC_SAMPLE
            ]
            scans = tuple(f"={u.din}00" for u in available)
            if wrong_scan or not scans:
                scans = (self._scan_of(case, other, True),)
            who = self.driver.who(self._who(person, "otto.operator", right_person))
            record = manufacturing.StepRecord(scans, dict(STEP_PARAMETERS[step.code]))
            self._try(manufacturing.perform_step, db, who, step.id, record)
            return
        for unit_id in step.outputs:
            with db.read_session() as session:
                labels = list(session.scalars(select(Label).where(Label.unit_id == unit_id)))
                din = session.get(Unit, unit_id).din  # type: ignore[union-attr]
            operator = self.driver.who("otto.operator")
            if not labels:
                self._try(print_unit_label, db, operator, unit_id)
                return
            if not any(label.status.value == "applied" for label in labels):
                scan = self._scan_of(case, other, True) if wrong_scan else f"={din}00"
                self._try(confirm_label, db, operator, unit_id, scan)
                return
        who = self.driver.who(self._who(person, "vera.verifier", right_person))
        self._try(manufacturing.verify_step, db, who, step.id, DEMO_PASSWORD)

    def _at_qc_pending_release(self, case, other, person, right_person, wrong_scan) -> None:
        db = self.database
        results = qc.qc_results_of_case(db, reader(db, self.observer), case.id)
        entered = {r.test_code for r in results}
        missing = [t for t in QC_RESULTS if t not in entered]
        if missing:
            who = self.driver.who(self._who(person, "quinn.qc", right_person))
            self._try(qc.enter_qc_result, db, who, case.id, missing[0], QC_RESULTS[missing[0]])
            return
        for result in results:
            if not result.reviewed:
                who = self.driver.who(self._who(person, "asha.qa", right_person))
                self._try(qc.review_qc_result, db, who, result.id, DEMO_PASSWORD)
                return
            if result.outcome.value == "pending" and not result.exception_approved:
                self._try(
                    qc.approve_qc_exception,
                    db,
                    self.driver.who("asha.qa"),
                    result.id,
                    "SOP",
                    DEMO_PASSWORD,
                )
                return
        self.qa_closes_deviations(case)  # QA closes every investigation before the QP looks
        who = self.driver.who(self._who(person, "petra.qp", right_person))
        self._try(release.certify_release, db, who, case.id, DEMO_PASSWORD)

    def _at_released(self, *args) -> None:
        self._ship(*args, ShipmentDirection.TO_CLINIC, "otto.operator")

    def _at_shipped_to_clinic(self, *args) -> None:
        self._receive(
            *args, ShipmentDirection.TO_CLINIC, "ivy.infusion", "cora.coordinator", -185.0
        )

    def _thaw_bags(self, case) -> None:
        """Ivy records the thaw of the case's stored bags (once each) before the check."""
        with self.database.read_session() as session:
            bags = session.scalars(
                select(Unit).where(
                    Unit.case_id == case.id,
                    Unit.kind == UnitKind.FINAL_PRODUCT_BAG,
                    Unit.status == UnitStatus.STORED,
                )
            ).all()
            thawed = set(
                session.scalars(
                    select(StageRecord.unit_id).where(StageRecord.action == THAW_STARTED)
                )
            )
        for bag in bags:
            if bag.id not in thawed:
                self._try(
                    record_thaw, self.database, self.driver.who("ivy.infusion"), bag.id, utc_now()
                )

    def _at_received_at_clinic(self, case, other, person, right_person, wrong_scan) -> None:
        if not self._qa_accepts(case, ShipmentDirection.TO_CLINIC):
            return
        db = self.database
        with db.read_session() as session:
            check = session.scalar(
                select(StageRecord)
                .where(StageRecord.case_id == case.id, StageRecord.action == infusion.BEDSIDE_CHECK)
                .order_by(StageRecord.recorded_at.desc())
            )
        if check is None:
            self._thaw_bags(case)
            wristband = self.driver.wristband(other if wrong_scan else case)
            bag = self._scan_of(case, other, wrong_scan and right_person, status=UnitStatus.STORED)
            who = self.driver.who(self._who(person, "ivy.infusion", right_person))
            self._try(
                infusion.bedside_check, db, who, case.id, wristband_scan=wristband, bag_scan=bag
            )
            return
        who = self.driver.who(self._who(person, "ian.infusion", right_person))
        self._try(
            infusion.confirm_infusion,
            db,
            who,
            check.id,
            started_at=utc_now(),  # the thaw was recorded moments ago
            ended_at=utc_now() + timedelta(minutes=1),
            password=DEMO_PASSWORD,
        )

    def _at_infused(self, *args) -> None:
        return

    # ------------------------------------------------------------------ safety properties
    @invariant()
    def coi_never_differs_from_case_or_parent(self) -> None:
        with self.database.read_session() as session:
            cois = dict(session.execute(select(Case.id, Case.coi)).all())
            units = {u.id: u for u in session.scalars(select(Unit))}
            for unit in units.values():
                assert unit.coi == cois[unit.case_id]
            for edge in session.scalars(select(UnitParent)):
                assert units[edge.child_id].coi == units[edge.parent_id].coi

    @invariant()
    def an_infused_case_has_every_bag_accounted_for(self) -> None:
        """Every bag of an Infused case's dose is given or recorded as not given: one held by
        someone else counts as left too (``bags_still_to_give`` passed over it)."""
        with self.database.read_session() as session:
            for case in session.scalars(select(Case).where(Case.stage == CaseStage.INFUSED)):
                left = bags_left_to_account_for(session, case.id)
                assert left == [], "Infused with a bag not accounted for"

    @invariant()
    def no_infusion_without_its_checks(self) -> None:
        with self.database.read_session() as session:
            for unit in session.scalars(select(Unit).where(Unit.status == UnitStatus.INFUSED)):
                matched = session.scalars(
                    select(Scan).where(Scan.outcome == ScanOutcome.MATCH, Scan.unit_id == unit.id)
                ).all()
                bag_scans = [s for s in matched if s.purpose == "bedside bag"]
                assert bag_scans, "infused without a bedside bag scan"
                assert all(s.case_id == unit.case_id for s in bag_scans), "bag of another case"
                wristbands = session.scalars(
                    select(Scan).where(
                        Scan.outcome == ScanOutcome.MATCH,
                        Scan.purpose == "bedside wristband",
                        Scan.case_id == unit.case_id,
                    )
                ).all()
                assert wristbands, "infused without this patient's wristband scan"
                case = session.get(Case, unit.case_id)
                # a dose of several bags: the case is Infused once every bag is accounted for
                assert case is not None
                assert case.stage in (CaseStage.RECEIVED_AT_CLINIC, CaseStage.INFUSED)
                assert session.scalar(select(Release).where(Release.case_id == unit.case_id))
                received = session.scalar(
                    select(Shipment).where(
                        Shipment.case_id == unit.case_id,
                        Shipment.direction == ShipmentDirection.TO_CLINIC,
                        Shipment.status == ShipmentStatus.RECEIVED,
                    )
                )
                assert received is not None, "infused without a receipt at the clinic"

    @invariant()
    def no_stage_is_skipped(self) -> None:
        with self.database.read_session() as session:
            for event in session.scalars(
                select(AuditEvent).where(AuditEvent.action.like("stage %"))
            ):
                before, after = event.action.removeprefix("stage ").split(" -> ")
                assert (
                    STAGE_ORDER.index(CaseStage(after)) == STAGE_ORDER.index(CaseStage(before)) + 1
                )

    @invariant()
    def no_release_with_an_open_item(self) -> None:
        with self.database.read_session() as session:
            for row in session.scalars(select(Release)):
                assert all(item["satisfied"] for item in json.loads(row.checklist))

    @invariant()
    def rejected_units_are_never_used_afterwards(self) -> None:
        with self.database.read_session() as session:
            rejected_at = {}
            for event in session.scalars(
                select(AuditEvent).where(
                    AuditEvent.record_type == "unit",
                    AuditEvent.action.like("side state % -> rejected (%)"),
                )
            ):
                rejected_at.setdefault(event.record_id, event.at)
            uses = session.scalars(
                select(Scan).where(
                    Scan.outcome == ScanOutcome.MATCH,
                    Scan.purpose.in_(("pack", "bedside bag")) | Scan.purpose.like("step %"),
                )
            )
            for scan in uses:
                when = rejected_at.get(str(scan.unit_id))
                assert when is None or scan.recorded_at < when, scan.purpose


EXAMPLES = 3
"""Journeys in the default suite (450 steps); ``--slow`` plays 40 (6 000 steps)."""
SLOW_EXAMPLES = 40
STEPS = 150


def _play(template: Path, examples: int) -> None:
    JourneyMachine.template = template
    run_state_machine_as_test(
        JourneyMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )


def test_random_journeys_keep_every_safety_property(demo_sqlite_template: Path) -> None:
    _play(demo_sqlite_template, EXAMPLES)


@pytest.mark.slow
def test_many_random_journeys_keep_every_safety_property(demo_sqlite_template: Path) -> None:
    _play(demo_sqlite_template, SLOW_EXAMPLES)


def _violations(machine: JourneyMachine) -> list[str]:
    failed = []
    for name in (
        "coi_never_differs_from_case_or_parent",
        "no_infusion_without_its_checks",
        "no_stage_is_skipped",
        "no_release_with_an_open_item",
        "rejected_units_are_never_used_afterwards",
    ):
        try:
            getattr(machine, name)()
        except AssertionError:
            failed.append(name)
    return failed


def test_each_property_fails_on_the_violation_it_names(demo_sqlite_template: Path) -> None:
    """The invariants are not vacuous: each catches a record that breaks it."""
    from app.core.unit_of_work import UnitOfWork  # noqa: PLC0415

    JourneyMachine.template = demo_sqlite_template
    machine = JourneyMachine()
    try:
        first = machine.enrol()
        other = machine.enrol()
        bag = machine.driver.collect(first)
        assert _violations(machine) == []
        db, qa = machine.database, machine.driver.who("asha.qa")

        def change(statement: str, **values: object) -> None:
            with db.engine.begin() as connection:
                connection.exec_driver_sql(statement, values)

        change("UPDATE unit SET coi = :coi WHERE din = :din", coi=other.coi, din=bag.din)
        assert _violations(machine) == ["coi_never_differs_from_case_or_parent"]
        change(
            "UPDATE unit SET coi = :coi, status = 'infused' WHERE din = :din",
            coi=first.coi,
            din=bag.din,
        )
        assert _violations(machine) == ["no_infusion_without_its_checks"]
        change("UPDATE unit SET status = 'registered' WHERE din = :din", din=bag.din)
        with UnitOfWork(db, qa) as uow:
            uow.record_event("stage collected -> released", "therapy_case", str(first.id))
            uow.add(
                Release(
                    case_id=first.id,
                    decision="certified",
                    checklist=json.dumps([{"number": 1, "satisfied": False}]),
                    qp_id=qa.user_id,
                    decided_at=utc_now(),
                )
            )
            uow.commit()
        assert _violations(machine) == ["no_stage_is_skipped", "no_release_with_an_open_item"]
    finally:
        machine.teardown()


def test_a_unit_used_after_its_rejection_is_caught(demo_sqlite_template: Path) -> None:
    from app.core.unit_of_work import UnitOfWork  # noqa: PLC0415

    JourneyMachine.template = demo_sqlite_template
    machine = JourneyMachine()
    try:
        case = machine.enrol()
        bag = machine.driver.collect(case)
        db = machine.database
        set_unit_side_state(
            db,
            machine.driver.who("asha.qa"),
            bag.id,
            SideState.REJECTED,
            "torn",
            password=DEMO_PASSWORD,
        )
        assert _violations(machine) == []
        with UnitOfWork(db, machine.driver.who("alex.apheresis")) as uow:
            uow.add(
                Scan(
                    station="x",
                    raw_text=f"={bag.din}00",
                    parsed_kind="isbt128",
                    purpose="pack",
                    outcome=ScanOutcome.MATCH,
                    case_id=case.id,
                    unit_id=bag.id,
                )
            )
            uow.commit()
        assert _violations(machine) == ["rejected_units_are_never_used_afterwards"]
    finally:
        machine.teardown()


def test_the_dose_property_fails_when_the_dose_rule_is_broken(
    demo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the dose rule broken (the case Infused while a bag is left), the property names
    it; the bag left here is one QA held, which ``bags_still_to_give`` did not count."""
    monkeypatch.setattr(dose, "bags_left_to_account_for", lambda _session, _case_id: [])
    db, ivy = demo.database, demo["ivy.infusion"]
    driver = JourneyDriver(db, tmp_path)
    case = driver.enrol("NBH310099", "Dose", "Dora", date(1970, 1, 3))
    driver.run_to(case, CaseStage.RECEIVED_AT_CLINIC)
    with db.read_session() as session:
        first, second = (bag.id for bag in dose.final_bags(session, case.id))
        din = session.get_one(Unit, first).din
    set_unit_side_state(db, demo["asha.qa"], second, SideState.ON_HOLD, "particles seen")
    record_thaw(db, ivy, first, utc_now())
    check = infusion.bedside_check(
        db, ivy, case.id, wristband_scan=driver.wristband(case), bag_scan=f"={din}00"
    )
    start = utc_now() + timedelta(seconds=1)
    infusion.confirm_infusion(
        db,
        demo["ian.infusion"],
        check.id,
        started_at=start,
        ended_at=start + timedelta(minutes=3),
        password=DEMO_PASSWORD,
    )
    with db.read_session() as session:
        assert session.get_one(Case, case.id).stage is CaseStage.INFUSED  # the rule broken
        assert bags_still_to_give(session, case.id) == []  # what the property read before
    watcher = SimpleNamespace(database=db)
    with pytest.raises(AssertionError, match="not accounted for"):
        JourneyMachine.an_infused_case_has_every_bag_accounted_for(watcher)  # type: ignore[arg-type]
