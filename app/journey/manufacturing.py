"""Stage 5: the batch record. Each step scans its inputs, records parameters, makes outputs
that inherit the COI, has their labels printed and scanned back, and is verified by a second
person who signs."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import ensure_second_person, require_role, require_site, visible_case
from app.core import Actor, Database, UnitOfWork, ValidationFailed, issue_din, load, now
from app.journey.parameters import check_parameters
from app.journey.products import autologous_product_code
from app.journey.records import custody, load_case_for, move_case, record_stage
from app.journey.stages import Operation
from app.journey.storage import ensure_not_in_storage
from app.journey.unit_clock import ensure_viable
from app.labelling import reconcile
from app.quality import sign
from app.scanning import Expectation, check_scan, checked_scan_text, scan_text_problem
from db.enums import (
    CustodyAction,
    Role,
    SideState,
    SignatureMeaning,
    StepStatus,
    UnitKind,
    UnitStatus,
)
from db.models import (
    Case,
    ManufacturingStep,
    Product,
    Site,
    StepTemplate,
    StepUnit,
    Unit,
    UnitParent,
)

FINAL_BAG_COUNT_PARAMETER = "bags"


@dataclass(frozen=True)
class StepView:
    """One step of a batch record."""

    id: uuid.UUID
    case_id: uuid.UUID
    position: int
    code: str
    name: str
    status: StepStatus
    parameters: dict[str, Any]
    parameter_spec: tuple[dict[str, Any], ...]
    output_kind: str | None
    inputs: tuple[uuid.UUID, ...]
    outputs: tuple[uuid.UUID, ...]
    performed_by_id: uuid.UUID | None
    verified_by_id: uuid.UUID | None
    performed_at: datetime | None
    verified_at: datetime | None
    version: int


@dataclass(frozen=True)
class StepRecord:
    """What the operator records for a step: scanned inputs and parameters."""

    input_scans: tuple[str, ...]
    parameters: dict[str, Any] = field(default_factory=dict)


def step_view(session: Session, step: ManufacturingStep) -> StepView:
    """The frozen view of one step with its inputs and outputs."""
    template = load(session, StepTemplate, step.step_template_id, "step template")
    links = list(session.scalars(select(StepUnit).where(StepUnit.step_id == step.id)))
    return StepView(
        id=step.id,
        case_id=step.case_id,
        position=step.position,
        code=template.code,
        name=template.name,
        status=step.status,
        parameters=json.loads(step.parameters),
        parameter_spec=tuple(json.loads(template.parameters)),
        output_kind=template.output_kind,
        inputs=tuple(link.unit_id for link in links if link.direction == "input"),
        outputs=tuple(link.unit_id for link in links if link.direction == "output"),
        performed_by_id=step.performed_by_id,
        verified_by_id=step.verified_by_id,
        performed_at=step.performed_at,
        verified_at=step.verified_at,
        version=step.version,
    )


def steps_of_case(database: Database, actor: Actor, case_id: uuid.UUID) -> list[StepView]:
    """The batch record of a case ``actor`` may see, in order."""
    with database.read_session() as session:
        visible_case(session, actor, case_id)
        return step_views(session, case_id)


def step_views(session: Session, case_id: uuid.UUID) -> list[StepView]:
    """The batch record of a case, in order, read in the caller's session."""
    steps = session.scalars(
        select(ManufacturingStep)
        .where(ManufacturingStep.case_id == case_id)
        .order_by(ManufacturingStep.position)
    )
    return [step_view(session, step) for step in steps]


def start_manufacture(database: Database, actor: Actor, case_id: uuid.UUID) -> list[StepView]:
    """Open the batch record from the product's step template (manufacturing operator)."""
    require_role(actor, Role.MFG_OPERATOR, doing="start manufacture")
    with UnitOfWork(database, actor) as uow:
        case = load_case_for(uow, case_id, Operation.START_MANUFACTURE)
        require_site(actor, case.manufacturing_site_id, doing="start manufacture")
        bags = list(
            uow.session.scalars(
                select(Unit).where(Unit.case_id == case.id, Unit.kind == UnitKind.APHERESIS_BAG)
            )
        )
        usable = [
            b for b in bags if b.status is UnitStatus.AVAILABLE and b.side_state is SideState.NONE
        ]
        if not usable:
            raise ValidationFailed(
                "No starting material is available: the receipt has not been accepted, or "
                "the bags are quarantined or rejected."
            )
        templates = uow.session.scalars(
            select(StepTemplate)
            .where(StepTemplate.product_id == case.product_id)
            .order_by(StepTemplate.position)
        ).all()
        steps = []
        for template in templates:
            step = ManufacturingStep(
                case_id=case.id,
                step_template_id=template.id,
                position=template.position,
                status=StepStatus.PENDING,
            )
            uow.add(step)
            steps.append(step)
        move_case(uow, case, Operation.START_MANUFACTURE)
        record_stage(uow, case, "manufacture started", details={"steps": len(steps)})
        uow.flush()
        views = [step_view(uow.session, step) for step in steps]
        uow.commit()
    return views


def _step_for(uow: UnitOfWork, step_id: uuid.UUID) -> tuple[ManufacturingStep, Case]:
    step = load(uow.session, ManufacturingStep, step_id, "manufacturing step")
    case = load_case_for(uow, step.case_id, Operation.MANUFACTURING_STEP)
    require_site(uow.actor, case.manufacturing_site_id, doing="work on this batch record")
    return step, case


def _ensure_in_order(session: Session, step: ManufacturingStep) -> None:
    earlier = session.scalars(
        select(ManufacturingStep).where(
            ManufacturingStep.case_id == step.case_id,
            ManufacturingStep.position < step.position,
            ManufacturingStep.status != StepStatus.VERIFIED,
        )
    ).first()
    if earlier is not None:
        raise ValidationFailed(
            f"Step {earlier.position} is not verified yet: steps are done in order."
        )


def _available_inputs(session: Session, case: Case) -> frozenset[uuid.UUID]:
    return frozenset(
        session.scalars(
            select(Unit.id).where(
                Unit.case_id == case.id,
                Unit.status.in_([UnitStatus.AVAILABLE]),
                Unit.kind != UnitKind.QC_SAMPLE,
            )
        )
    )


VOLUME_PARAMETER = "volume_per_bag_ml"


def _make_outputs(
    uow: UnitOfWork,
    case: Case,
    kind: UnitKind,
    parents: list[Unit],
    parameters: dict[str, Any],
) -> list[Unit]:
    cois = {parent.coi for parent in parents}
    if cois != {case.coi}:  # the invariant this software exists for: never mix patients
        raise ValidationFailed("Inputs of different COIs can never be combined.")
    site = load(uow.session, Site, case.manufacturing_site_id, "site")
    product = load(uow.session, Product, case.product_id, "product")
    starts = [p.collection_start for p in parents if p.collection_start is not None]
    ends = [p.collection_end for p in parents if p.collection_end is not None]
    count = _output_count(uow.session, case, kind, parameters)
    volume = parameters.get(VOLUME_PARAMETER)
    outputs = []
    for _ in range(count):  # derived units inherit the COI and the collection time
        unit = Unit(
            case_id=case.id,
            coi=case.coi,
            kind=kind,
            status=UnitStatus.AVAILABLE,
            din=issue_din(uow.session, site).din,
            site_id=site.id,
            created_by_id=uow.actor.user_id,
            collection_start=min(starts) if starts else None,
            collection_end=max(ends) if ends else None,
            volume_ml=volume if isinstance(volume, int | float) else None,
        )
        if kind is UnitKind.FINAL_PRODUCT_BAG:
            unit.product_code = autologous_product_code(product)
            if product.shelf_life_days:
                unit.expires_at = now() + timedelta(days=product.shelf_life_days)
        uow.add(unit, action="make unit")
        uow.flush()
        for parent in parents:
            uow.add(UnitParent(child_id=unit.id, parent_id=parent.id))
        custody(uow, unit, CustodyAction.COMMISSIONED, site_id=site.id)
        outputs.append(unit)
    return outputs


def _output_count(session: Session, case: Case, kind: UnitKind, parameters: dict[str, Any]) -> int:
    if kind is not UnitKind.FINAL_PRODUCT_BAG:
        return 1
    product = load(session, Product, case.product_id, "product")
    count = parameters.get(FINAL_BAG_COUNT_PARAMETER)
    if not isinstance(count, int) or not product.min_final_bags <= count <= product.max_final_bags:
        raise ValidationFailed(
            f"Fill between {product.min_final_bags} and {product.max_final_bags} final bags."
        )
    return count


def _input_expectation(session: Session, step: ManufacturingStep, case: Case) -> Expectation:
    """What a scan of the step's input must be: an available container of the case."""
    template = load(session, StepTemplate, step.step_template_id, "step template")
    return Expectation(
        purpose=f"step {template.code}",
        description=f"step {step.position} ({template.name})",
        coi=case.coi,
        unit_ids=_available_inputs(session, case),
    )


def refuse_unreadable_input(
    database: Database, actor: Actor, step_id: uuid.UUID, raw_scan: str
) -> None:
    """Record at once a scan of a step's input that is text no code could be, and raise its
    `ScanMismatch`: it never joins the step's inputs (it was listed among them until the step
    was recorded; issue 16 review). A readable scan is refused as not for this call."""
    require_role(actor, Role.MFG_OPERATOR, doing="perform manufacturing steps")
    if scan_text_problem(raw_scan) is None:
        raise ValidationFailed("This scan can be read: it is checked when the step is recorded.")
    with UnitOfWork(database, actor) as uow:
        step, case = _step_for(uow, step_id)
        checked_scan_text(uow, raw_scan, _input_expectation(uow.session, step, case))


def perform_step(
    database: Database, actor: Actor, step_id: uuid.UUID, record: StepRecord
) -> StepView:
    """Record a step as performed: inputs scanned and matched, parameters, outputs made."""
    require_role(actor, Role.MFG_OPERATOR, doing="perform manufacturing steps")
    if not record.input_scans:
        raise ValidationFailed("Scan the input container(s) of this step.")
    with UnitOfWork(database, actor) as uow:
        step, case = _step_for(uow, step_id)
        if step.status is not StepStatus.PENDING:
            raise ValidationFailed(f"Step {step.position} is already {step.status.value}.")
        _ensure_in_order(uow.session, step)
        template = load(uow.session, StepTemplate, step.step_template_id, "step template")
        parameters = check_parameters(json.loads(template.parameters), record.parameters)
        expected = _input_expectation(uow.session, step, case)
        inputs: list[Unit] = []
        for raw in record.input_scans:
            unit = check_scan(uow, raw, expected)
            assert unit is not None  # a match on a unit expectation always names a unit
            if unit in inputs:
                raise ValidationFailed(f"Container {unit.din} was scanned twice.")
            ensure_viable(uow, unit, doing=f"use it in step {step.position} ({template.name})")
            ensure_not_in_storage(uow.session, unit, doing=f"use it in step {step.position}")
            inputs.append(unit)
            uow.add(StepUnit(step_id=step.id, unit_id=unit.id, direction="input"))
        if template.output_kind is not None:
            kind = UnitKind(template.output_kind)
            for unit in _make_outputs(uow, case, kind, inputs, parameters):
                uow.add(StepUnit(step_id=step.id, unit_id=unit.id, direction="output"))
            for unit in inputs:
                unit.status = UnitStatus.CONSUMED
        step.status = StepStatus.PERFORMED
        step.parameters = json.dumps(parameters, sort_keys=True, ensure_ascii=False)
        step.performed_by_id = actor.user_id
        step.performed_at = now()
        uow.annotate(step, action="perform step")
        record_stage(
            uow,
            case,
            f"step {step.position} performed",
            details={"step": template.name, "inputs": [u.din for u in inputs]},
        )
        uow.flush()
        view = step_view(uow.session, step)
        uow.commit()
    return view


def verify_step(database: Database, actor: Actor, step_id: uuid.UUID, password: str) -> StepView:
    """A second person verifies a performed step and signs; the last one completes the batch."""
    require_role(actor, Role.MFG_VERIFIER, doing="verify manufacturing steps")
    with UnitOfWork(database, actor) as uow:
        step, case = _step_for(uow, step_id)
        if step.status is not StepStatus.PERFORMED:
            raise ValidationFailed(f"Step {step.position} is {step.status.value}, not performed.")
        ensure_second_person(step.performed_by_id, actor.user_id)
        outputs = uow.session.scalars(
            select(StepUnit.unit_id).where(
                StepUnit.step_id == step.id, StepUnit.direction == "output"
            )
        ).all()
        for unit_id in outputs:
            labels = reconcile(uow.session, unit_id)
            if not labels.reconciled:
                unit = load(uow.session, Unit, unit_id, "container")
                raise ValidationFailed(
                    f"The step cannot close: the labels of {unit.din} do not reconcile "
                    f"({labels.issued} printed, {labels.applied} scanned back, "
                    f"{labels.voided} voided)."
                )
        step.status = StepStatus.VERIFIED
        step.verified_by_id = actor.user_id
        step.verified_at = now()
        uow.annotate(step, action="verify step")
        sign(uow, step, SignatureMeaning.VERIFIED, password)
        template = load(uow.session, StepTemplate, step.step_template_id, "step template")
        record_stage(
            uow,
            case,
            f"step {step.position} verified",
            performed_by=step.performed_by_id,
            verified_by=actor.user_id,
            details={"step": template.name},
        )
        remaining = uow.session.scalars(
            select(ManufacturingStep.id).where(
                ManufacturingStep.case_id == case.id,
                ManufacturingStep.status != StepStatus.VERIFIED,
            )
        ).first()
        if remaining is None:
            move_case(uow, case, Operation.MANUFACTURING_STEP)
            record_stage(uow, case, "batch record complete")
        view = step_view(uow.session, step)
        uow.commit()
    return view
