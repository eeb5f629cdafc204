"""The journey state machine, played by a hostile or careless user (docs/SAFETY.md).

`HazardMachine` extends `JourneyMachine` (its random journeys and its invariants all still run)
with the actions of docs/SAFETY.md's hazards, on a prepared database where two cases already
wait at the bedside and one has just been collected:

- scanning another case's bag, or another patient's wristband, at the bedside;
- scanning the same code as wristband and bag;
- scanning a voided label (reprint, then scan the old print's 2-D text) at the label check, the
  scan station and the bedside;
- deactivating a user mid-session, then having them act with the sign-in they still hold;
- an administrator granting themselves a role, or creating an administrator with a GMP role;
- the performer of a step, or the nurse who did the bedside check, signing as its verifier.

After every step these hold, besides the journey's own:

- no infusion without the case's own stored, released final-product bag;
- no scan of a voided (or never issued, or another container's) label print is accepted;
- no matched scan names a container of another case;
- nobody signs a record they may not (role, separation of duties, administrators never);
- a deactivated user writes nothing; nobody grants themselves access; no account holds the
  administrator role with a GMP role.

Time passing (expiry, post-thaw, collection → receipt) is tested at each limit in
`tests/journey/test_viability_clock.py`; here the bags at the bedside are thawed when the
database is prepared. The wristband carries the hospital number (ISBT 128 025).
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, multiple, rule, run_state_machine_as_test
from sqlalchemy import select

from app.access.duties import batch_participants
from app.access.users import authenticate, create_user
from app.admin.users import (
    add_account,
    change_access,
    deactivate_account,
    list_accounts,
    reactivate_account,
)
from app.core.actor import GMP_ROLES, Actor
from app.core.audit_chain import PendingEvent, append_events
from app.core.clinic_sealing import opened_payload
from app.core.database import open_database
from app.core.errors import CoiError
from app.core.unit_of_work import UnitOfWork
from app.demo.journey import DEMO_PASSWORD, JourneyDriver
from app.journey import infusion, manufacturing
from app.journey.side_states import set_unit_side_state
from app.journey.views import CaseView
from app.labelling.printing import print_unit_label
from app.labelling.records import confirm_label, unit_expectation
from app.scanning import verify_scan
from app.scanning.rules import NEVER_USABLE
from db.engine import make_engine
from db.enums import (
    CaseStage,
    LabelStatus,
    Role,
    ScanOutcome,
    SideState,
    SignatureMeaning,
    StepStatus,
    UnitKind,
    UnitStatus,
)
from db.models import (
    AuditEvent,
    Label,
    ManufacturingStep,
    Release,
    Scan,
    Signature,
    StageRecord,
    Unit,
    User,
    UserRole,
)
from db.types import utc_now
from labels.scan import parse_scan
from labels.templates import load_template
from tests.conftest import PASSWORD
from tests.journey.steps import thaw_final_bags
from tests.journey.test_journey_state_machine import PEOPLE, JourneyMachine
from tests.support.identity_keys import keys_of

BAG_CODE_IS_NO_WRISTBAND = True
"""A bag's own code is refused as a wristband (app/scanning/wristband.py)."""

SIGNERS: dict[tuple[str, SignatureMeaning], frozenset[Role]] = {
    ("batch_release", SignatureMeaning.CERTIFIED_FOR_RELEASE): frozenset({Role.QP}),
    ("manufacturing_step", SignatureMeaning.VERIFIED): frozenset({Role.MFG_VERIFIER}),
    ("qc_result", SignatureMeaning.REVIEWED): frozenset({Role.QA}),
    ("qc_result", SignatureMeaning.APPROVED): frozenset({Role.QA}),
    ("stage_record", SignatureMeaning.VERIFIED): frozenset(
        {Role.APHERESIS_NURSE, Role.CLINIC_COORDINATOR, Role.INFUSION_NURSE, Role.MFG_VERIFIER}
    ),
}
"""Who may sign what (DESIGN.md §7); any other signature needs a GMP role at least."""

PRINTERS = ("alex.apheresis", "otto.operator")
SCAN_PLACES = ("label check", "scan station", "bedside")
DEFAULT_EXAMPLES, DEFAULT_STEPS = 5, 50
SLOW_EXAMPLES, SLOW_STEPS = 30, 100


def _prepare(template: Path, target: Path) -> tuple[CaseView, ...]:
    """Two cases at the bedside, one just collected, on a copy of the demo database."""
    shutil.copyfile(template, target)
    database = open_database(f"sqlite:///{target}", upgrade=False)
    driver = JourneyDriver(database, target.parent, station="hazards")
    cases = []
    for number, (stage, family) in enumerate(
        (
            (CaseStage.RECEIVED_AT_CLINIC, "Hazard"),
            (CaseStage.RECEIVED_AT_CLINIC, "Peril"),
            (CaseStage.COLLECTED, "Risk"),
        ),
        start=1,
    ):
        case = driver.enrol(f"HZ{number}", family, "Pat", date(1950 + number, number, number))
        case = driver.run_to(case, stage)
        if stage is CaseStage.RECEIVED_AT_CLINIC:
            thaw_final_bags(driver, case)
        cases.append(case)
    database.dispose()
    engine = make_engine(f"sqlite:///{target}")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return tuple(cases)


@pytest.fixture(scope="module")
def hazard_template(
    demo_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, tuple[CaseView, ...]]]:
    target = tmp_path_factory.mktemp("hazards") / "hazards.db"
    yield target, _prepare(demo_sqlite_template, target)


class HazardMachine(JourneyMachine):
    """The random journeys of `JourneyMachine`, with a hostile user's actions besides."""

    prepared: tuple[CaseView, ...] = ()
    steps_run = 0
    rules_run = 0
    refused: dict[str, int] = {}  # noqa: RUF012 - a tally over the whole run

    def __init__(self) -> None:
        super().__init__()
        self.enrolled = 2  # one fresh case besides the prepared ones keeps the steps cheap
        self._admin: Actor | None = None
        # The machine's checks read as a QA person no rule deactivates: asha.qa may be.
        with UnitOfWork(self.database, self.admin) as uow:
            create_user(
                uow,
                username="olga.observer",
                full_name="Olga Observer",
                password=PASSWORD,
                roles=[Role.QA],
                site_code="CTF",
            )
            uow.commit()
        self.observer = "olga.observer"

    # ------------------------------------------------------------------ helpers
    def _tally(self, name: str, refused: bool) -> None:
        HazardMachine.rules_run += 1
        if refused:
            HazardMachine.refused[name] = HazardMachine.refused.get(name, 0) + 1

    def _refused(self, action: object, *args: object, **kwargs: object) -> bool:
        """Run ``action``; True when it was refused with a domain error."""
        try:
            action(*args, **kwargs)  # type: ignore[operator]
        except CoiError:
            return True
        return False

    @property
    def admin(self) -> Actor:
        if self._admin is None:
            self._admin = authenticate(self.database, "admin", PASSWORD, "machine")
        return self._admin

    def _wristband(self, case: CaseView) -> str:
        return self.driver.wristband(case)

    def _stage(self, case: CaseView) -> CaseStage:
        return self._case(case).stage

    def _stored_bag(self, case: CaseView) -> Unit | None:
        bags = self._units(case.id, kind=UnitKind.FINAL_PRODUCT_BAG, status=UnitStatus.STORED)
        return bags[0] if bags else None

    def _current_label(self, unit_id: uuid.UUID) -> Label | None:
        with self.database.read_session() as session:
            label = session.scalar(
                select(Label)
                .where(Label.unit_id == unit_id, Label.status != LabelStatus.VOIDED)
                .order_by(Label.printed_at.desc())
            )
            if label is not None:
                session.expunge(label)
            return label

    def _two_d(self, label: Label) -> str:
        """The 2-D symbol's text of a recorded print, as the scanner reads it."""
        payloads: dict[str, str] = json.loads(
            opened_payload(keys_of(self.database), label.id, label.payload)
        )
        template = load_template(label.template)
        return next(payloads[s.name] for s in template.symbols if s.data == "compound")

    def _account(self, username: str) -> tuple[uuid.UUID, int]:
        account = next(
            a for a in list_accounts(self.database, self.admin) if a.username == username
        )
        return account.id, account.version

    # ------------------------------------------------------------------ the prepared cases
    @initialize(target=JourneyMachine.cases)
    def prepared_cases(self) -> object:
        return multiple(*self.prepared)

    # ------------------------------------------------------------------ hostile bedside
    @rule(case=JourneyMachine.cases, other=JourneyMachine.cases, two_d=st.booleans())
    def bedside_with_another_cases_bag(self, case: CaseView, other: CaseView, two_d: bool) -> None:
        bags = self._units(other.id, kind=UnitKind.FINAL_PRODUCT_BAG)
        if other.id == case.id or not bags or self._stage(case) is not CaseStage.RECEIVED_AT_CLINIC:
            return
        label = self._current_label(bags[0].id)
        bag_scan = self._two_d(label) if two_d and label else f"={bags[0].din}00"
        refused = self._refused(
            infusion.bedside_check,
            self.database,
            self.driver.who("ivy.infusion"),
            case.id,
            wristband_scan=self._wristband(case),
            bag_scan=bag_scan,
        )
        self._tally("another case's bag", refused)
        assert refused, "another case's bag passed the bedside check"

    @rule(case=JourneyMachine.cases, other=JourneyMachine.cases)
    def bedside_with_another_patients_wristband(self, case: CaseView, other: CaseView) -> None:
        bag = self._stored_bag(case)
        if other.id == case.id or bag is None:
            return
        refused = self._refused(
            infusion.bedside_check,
            self.database,
            self.driver.who("ivy.infusion"),
            case.id,
            wristband_scan=self._wristband(other),
            bag_scan=f"={bag.din}00",
        )
        self._tally("another patient's wristband", refused)
        assert refused, "another patient's wristband passed the bedside check"

    @rule(case=JourneyMachine.cases, two_d=st.booleans())
    def bedside_with_the_same_code_twice(self, case: CaseView, two_d: bool) -> None:
        bag = self._stored_bag(case)
        label = self._current_label(bag.id) if bag is not None else None
        if bag is None or self._stage(case) is not CaseStage.RECEIVED_AT_CLINIC:
            return
        code = self._two_d(label) if two_d and label else f"={bag.din}00"
        refused = self._refused(
            infusion.bedside_check,
            self.database,
            self.driver.who("ivy.infusion"),
            case.id,
            wristband_scan=code,
            bag_scan=code,
        )
        self._tally("the same code twice", refused)
        if BAG_CODE_IS_NO_WRISTBAND or not two_d:
            assert refused, "one code served as both wristband and bag"

    # ------------------------------------------------------------------ voided labels
    @rule(case=JourneyMachine.cases, place=st.sampled_from(SCAN_PLACES))
    def scan_a_voided_label(self, case: CaseView, place: str) -> None:
        """Reprint a label of the case, then scan the old print's 2-D text."""
        units = [u for u in self._units(case.id) if u.din and self._current_label(u.id)]
        if place == "bedside":
            units = [u for u in units if u.status is UnitStatus.STORED]
        if not units:
            return
        unit = units[0]
        old = self._current_label(unit.id)
        assert old is not None
        old_text, printed = self._two_d(old), None
        for person in PRINTERS:
            try:
                printed = print_unit_label(
                    self.database, self.driver.who(person), unit.id, reprint_reason="smudged"
                )
                break
            except CoiError:
                continue
        if printed is None:
            return
        db, printer = self.database, self.driver.who(person)
        if place == "label check":
            refused = self._refused(confirm_label, db, printer, unit.id, old_text)
        elif place == "scan station":
            verdict = verify_scan(db, printer, old_text, unit_expectation(unit, "scan station"))
            refused = not verdict.matched
        else:
            refused = self._refused(
                infusion.bedside_check,
                db,
                self.driver.who("ivy.infusion"),
                case.id,
                wristband_scan=self._wristband(case),
                bag_scan=old_text,
            )
        self._tally(f"a voided label at the {place}", refused)
        assert refused, f"a voided label was accepted at the {place}"
        # The current print is applied by its own 2-D code, so the journey goes on (a rejected
        # or destroyed unit's label is never applied: the scan-back refuses it).
        applied = not self._refused(confirm_label, db, printer, unit.id, printed.two_d_scan)
        assert applied or unit.side_state in NEVER_USABLE

    # ------------------------------------------------------------------ people
    @rule(person=st.sampled_from(PEOPLE), case=JourneyMachine.cases, other=JourneyMachine.cases)
    def deactivate_mid_session_then_act(self, person: str, case: CaseView, other: CaseView) -> None:
        """An administrator deactivates a signed-in person, who then goes on working."""
        stale = self.driver.who(person)
        user_id, version = self._account(person)
        deactivate_account(self.database, self.admin, user_id, reason="left", seen_version=version)
        db, units = self.database, self._units(case.id)
        attempts = [
            self._refused(authenticate, db, person, DEMO_PASSWORD, "machine"),
            self._refused(verify_scan, db, stale, f"&/{case.coi}", unit_expectation(units[0], "x"))
            if units
            else True,
            self._refused(print_unit_label, db, stale, units[-1].id, reprint_reason="x")
            if units
            else True,
            self._refused(
                set_unit_side_state,
                db,
                stale,
                units[-1].id,
                SideState.REJECTED,
                "gone",
                password=DEMO_PASSWORD,
            )
            if units
            else True,
        ]
        events = self._events_by(person)
        getattr(self, f"_at_{self._stage(case).value}")(case, other, person, False, False)
        assert self._events_by(person) == events, "a deactivated user's work was recorded"
        self._tally("a deactivated user acts", all(attempts))
        assert all(attempts), "a deactivated user was let act"
        user_id, version = self._account(person)
        reactivate_account(db, self.admin, user_id, reason="back", seen_version=version)
        self.driver._actors.pop(person, None)  # the old sign-in ended with the deactivation

    def _events_by(self, username: str) -> int:
        with self.database.read_session() as session:
            return len(
                session.scalars(select(AuditEvent.seq).where(AuditEvent.username == username)).all()
            )

    @rule(role=st.sampled_from(sorted(GMP_ROLES)))
    def admin_grants_themselves_a_role(self, role: Role) -> None:
        user_id, version = self._account("admin")
        db = self.database
        attempts = [
            self._refused(
                change_access,
                db,
                self.admin,
                user_id,
                roles={Role.ADMIN, role},
                site_code="CTF",
                reason="I need it",
                seen_version=version,
            ),
            self._refused(
                change_access,
                db,
                self.admin,
                user_id,
                roles={role},
                site_code="CTF",
                reason="I need it",
                seen_version=version,
            ),
            self._refused(
                add_account,
                db,
                self.admin,
                username=f"second.admin.{role.value}",
                full_name="Second Admin",
                password="a long enough password 1",
                roles={Role.ADMIN, role},
                site_code="CTF",
            ),
        ]
        self._tally("an administrator grants themselves a role", all(attempts))
        assert all(attempts), "an administrator granted themselves a GMP role"

    @rule(case=JourneyMachine.cases)
    def performer_signs_as_verifier(self, case: CaseView) -> None:
        """The person who did the work (step or bedside check) signs as its verifier."""
        db = self.database
        with db.read_session() as session:
            steps = list(
                session.execute(
                    select(ManufacturingStep.id, User.username)
                    .join(User, User.id == ManufacturingStep.performed_by_id)
                    .where(
                        ManufacturingStep.case_id == case.id,
                        ManufacturingStep.status == StepStatus.PERFORMED,
                    )
                )
            )
            checks = list(
                session.execute(
                    select(StageRecord.id, User.username)
                    .join(User, User.id == StageRecord.performed_by_id)
                    .where(
                        StageRecord.case_id == case.id,
                        StageRecord.action == infusion.BEDSIDE_CHECK,
                    )
                )
            )
        attempts = [
            self._refused(
                manufacturing.verify_step, db, self.driver.who(who), step_id, DEMO_PASSWORD
            )
            for step_id, who in steps
        ]
        attempts += [
            self._refused(
                infusion.confirm_infusion,
                db,
                self.driver.who(who),
                check_id,
                started_at=self._now_minus(1),
                ended_at=self._now_minus(0),
                password=DEMO_PASSWORD,
            )
            for check_id, who in checks
        ]
        if attempts:
            self._tally("the performer signs as verifier", all(attempts))
        assert all(attempts), "the performer signed as their own verifier"

    @staticmethod
    def _now_minus(minutes: int) -> datetime:
        return utc_now() - timedelta(minutes=minutes)

    # ------------------------------------------------------------------ hazard invariants
    @invariant()
    def count_the_step(self) -> None:
        """Not a property: invariants run after every step, so this counts them."""
        HazardMachine.steps_run += 1

    @invariant()
    def no_infusion_without_the_cases_own_stored_released_final_bag(self) -> None:
        with self.database.read_session() as session:
            for unit in session.scalars(select(Unit).where(Unit.status == UnitStatus.INFUSED)):
                assert unit.kind is UnitKind.FINAL_PRODUCT_BAG, "infused something not a bag"
                assert unit.side_state not in {SideState.REJECTED, SideState.DESTROYED}
                records = session.scalars(
                    select(StageRecord).where(
                        StageRecord.action == infusion.INFUSION, StageRecord.unit_id == unit.id
                    )
                ).all()
                assert len(records) == 1, "a bag infused twice, or without its record"
                assert records[0].case_id == unit.case_id, "a bag infused into another case"
                check = session.get(StageRecord, uuid.UUID(json.loads(records[0].details)["check"]))
                assert check is not None and check.unit_id == unit.id
                assert check.case_id == unit.case_id
                release = session.scalar(select(Release).where(Release.case_id == unit.case_id))
                assert release is not None and release.decision == "certified"
                statuses = [
                    json.loads(e.new_values).get("status")
                    for e in session.scalars(
                        select(AuditEvent)
                        .where(
                            AuditEvent.record_type == "unit", AuditEvent.record_id == str(unit.id)
                        )
                        .order_by(AuditEvent.seq)
                    )
                ]
                statuses = [s for s in statuses if s is not None]
                assert "released" in statuses, "infused a bag never released"
                assert statuses[-2:] == ["stored", "infused"], "infused a bag not stored"

    @invariant()
    def no_voided_or_foreign_print_is_ever_matched(self) -> None:
        with self.database.read_session() as session:
            for scan in session.scalars(select(Scan).where(Scan.outcome == ScanOutcome.MATCH)):
                serial = parse_scan(scan.raw_text).fields.get("print_serial")
                if serial is None:
                    continue
                label = session.scalar(select(Label).where(Label.serial == serial))
                assert label is not None, "a print never issued was accepted"
                assert label.unit_id == scan.unit_id, "another container's print was accepted"
                voided = label.voided_at
                assert voided is None or voided > scan.recorded_at, "a voided print was accepted"

    @invariant()
    def no_matched_scan_names_another_cases_container(self) -> None:
        with self.database.read_session() as session:
            cases = dict(session.execute(select(Unit.id, Unit.case_id)).all())
            for scan in session.scalars(
                select(Scan).where(Scan.outcome == ScanOutcome.MATCH, Scan.unit_id.is_not(None))
            ):
                assert cases[scan.unit_id] == scan.case_id, scan.purpose

    @invariant()
    def nobody_signs_what_they_may_not(self) -> None:
        with self.database.read_session() as session:
            roles: dict[uuid.UUID, set[Role]] = {}
            for user_id, role in session.execute(select(UserRole.user_id, UserRole.role)):
                roles.setdefault(user_id, set()).add(role)
            for sig in session.scalars(select(Signature)):
                held = roles.get(sig.signer_id, set())
                assert Role.ADMIN not in held, "an administrator signed"
                allowed = SIGNERS.get((sig.record_type, sig.meaning), GMP_ROLES)
                assert held & allowed, f"{sig.signer_username} signed {sig.record_type}"
                key = uuid.UUID(sig.record_id) if "/" not in sig.record_id else None
                if sig.record_type == "manufacturing_step" and key is not None:
                    step = session.get(ManufacturingStep, key)
                    assert step is not None and step.performed_by_id != sig.signer_id
                if sig.record_type == "stage_record" and key is not None:
                    record = session.get(StageRecord, key)
                    assert record is not None
                    assert record.performed_by_id != record.verified_by_id
                    assert sig.meaning is not SignatureMeaning.VERIFIED or (
                        record.performed_by_id != sig.signer_id
                    ), "the performer signed as verifier"
                if sig.record_type == "batch_release" and key is not None:
                    release = session.get(Release, key)
                    assert release is not None
                    assert sig.signer_id not in batch_participants(session, release.case_id)

    @invariant()
    def a_deactivated_user_writes_nothing(self) -> None:
        with self.database.read_session() as session:
            names = dict(session.execute(select(User.id, User.username)).all())
            inactive: set[str] = set()
            for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
                if event.record_type == "app_user" and event.action in {"deactivate", "reactivate"}:
                    who = names[uuid.UUID(event.record_id)]
                    (inactive.add if event.action == "deactivate" else inactive.discard)(who)
                    continue
                assert event.username not in inactive, f"{event.username} wrote {event.action}"

    @invariant()
    def nobody_grants_themselves_access_or_combines_admin_with_gmp(self) -> None:
        with self.database.read_session() as session:
            roles: dict[uuid.UUID, set[Role]] = {}
            for user_id, role in session.execute(select(UserRole.user_id, UserRole.role)):
                roles.setdefault(user_id, set()).add(role)
            assert not any(Role.ADMIN in r and r & GMP_ROLES for r in roles.values())
            for event in session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action.in_(("grant role", "change access", "reactivate"))
                )
            ):
                target = event.record_id.split("/")[0]
                assert target != event.user_id, f"{event.username} changed their own access"


def _run(template: tuple[Path, tuple[CaseView, ...]], examples: int, steps: int) -> None:
    HazardMachine.template, HazardMachine.prepared = template
    HazardMachine.steps_run, HazardMachine.rules_run, HazardMachine.refused = 0, 0, {}
    run_state_machine_as_test(
        HazardMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def test_hostile_actions_never_break_a_safety_property(
    hazard_template: tuple[Path, tuple[CaseView, ...]],
) -> None:
    """At least 200 steps (default suite): hostile actions tried, every control holds."""
    _run(hazard_template, examples=DEFAULT_EXAMPLES, steps=DEFAULT_STEPS)
    assert HazardMachine.steps_run >= 200, HazardMachine.steps_run
    assert HazardMachine.refused, "no hostile action was ever tried"


@pytest.mark.slow
def test_hostile_actions_never_break_a_safety_property_2000_steps(
    hazard_template: tuple[Path, tuple[CaseView, ...]],
) -> None:
    """At least 2 000 steps (slow suite)."""
    _run(hazard_template, examples=SLOW_EXAMPLES, steps=SLOW_STEPS)
    assert HazardMachine.steps_run >= 2000, HazardMachine.steps_run
    print(f"{HazardMachine.steps_run} steps; refused: {HazardMachine.refused}")


def test_the_hazard_invariants_catch_what_they_name(
    hazard_template: tuple[Path, tuple[CaseView, ...]],
) -> None:
    """Each hazard invariant fails on a record that breaks it (written behind the services)."""
    HazardMachine.template, HazardMachine.prepared = hazard_template
    machine = HazardMachine()
    try:
        assert _broken(machine) == []
        first, second, third = machine.prepared
        db, admin = machine.database, machine.admin
        bag = machine._stored_bag(second)
        apheresis = machine._units(third.id)[0]
        assert bag is not None
        old_print = machine._current_label(apheresis.id)
        assert old_print is not None
        print_unit_label(db, machine.driver.who("alex.apheresis"), apheresis.id, reprint_reason="x")

        def matched(unit: Unit, case_id: uuid.UUID, raw: str) -> None:
            with UnitOfWork(db, machine.driver.who("ivy.infusion")) as uow:
                uow.add(
                    Scan(
                        station="x",
                        raw_text=raw,
                        parsed_kind="isbt128",
                        purpose="pack",
                        outcome=ScanOutcome.MATCH,
                        case_id=case_id,
                        unit_id=unit.id,
                    )
                )
                uow.commit()

        matched(bag, first.id, f"={bag.din}00")
        assert _broken(machine) == ["no_matched_scan_names_another_cases_container"]
        machine.teardown()
        machine = HazardMachine()
        db, admin = machine.database, machine.admin
        print_unit_label(db, machine.driver.who("alex.apheresis"), apheresis.id, reprint_reason="x")
        matched(apheresis, third.id, machine._two_d(old_print))
        assert _broken(machine) == ["no_voided_or_foreign_print_is_ever_matched"]

        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "UPDATE unit SET status = 'infused' WHERE id = ?", (bag.id.hex,)
            )
        assert "no_infusion_without_the_cases_own_stored_released_final_bag" in _broken(machine)
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "UPDATE unit SET status = 'stored' WHERE id = ?", (bag.id.hex,)
            )

        alex = machine.driver.who("alex.apheresis")
        user_id, version = machine._account("alex.apheresis")
        deactivate_account(db, admin, user_id, reason="left", seen_version=version)
        with db.engine.begin() as connection:
            append_events(connection, alex, [PendingEvent("print label", "label", "x")])
        assert _broken(machine)[-1:] == ["a_deactivated_user_writes_nothing"]

        with UnitOfWork(db, machine.driver.who("asha.qa")) as uow:
            uow.add(UserRole(user_id=admin.user_id, role=Role.QP))
            uow.add(
                Signature(
                    signer_id=admin.user_id,
                    signer_name="Ada Admin",
                    signer_username="admin",
                    signed_at=utc_now(),
                    meaning=SignatureMeaning.REVIEWED,
                    record_type="qc_result",
                    record_id=str(uuid.uuid4()),
                    record_digest="0" * 64,
                    station="x",
                )
            )
            uow.commit()
        assert {
            "nobody_signs_what_they_may_not",
            "nobody_grants_themselves_access_or_combines_admin_with_gmp",
        } <= set(_broken(machine))
    finally:
        machine.teardown()


HAZARD_INVARIANTS = (
    "no_infusion_without_the_cases_own_stored_released_final_bag",
    "no_voided_or_foreign_print_is_ever_matched",
    "no_matched_scan_names_another_cases_container",
    "nobody_signs_what_they_may_not",
    "nobody_grants_themselves_access_or_combines_admin_with_gmp",
    "a_deactivated_user_writes_nothing",
)


def _broken(machine: HazardMachine) -> list[str]:
    failed = []
    for name in HAZARD_INVARIANTS:
        try:
            getattr(machine, name)()
        except AssertionError:
            failed.append(name)
    return failed
