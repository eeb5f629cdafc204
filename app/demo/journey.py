"""A complete vein-to-vein journey driven through the services, as the demo people would.

Used by ``coi demo`` (one full journey, with a refused wrong-patient scan and a short excursion
that QA accepts), by ``run.sh`` (cases left at every stage for the screens) and by the tests.
Every step is a real service call with the real role checks, scans and signatures.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from app.access import authenticate
from app.coldchain import disposition_logger_file, import_logger_file
from app.core import Actor, Database, ScanMismatch, identity_keys, now, opened_payload
from app.journey import (
    CaseView,
    CollectedBag,
    Enrolment,
    ShipmentView,
    StepRecord,
    UnitView,
    accept_receipt,
    approve_qc_exception,
    attach_logger,
    bedside_check,
    certify_release,
    complete_receipt,
    confirm_infusion,
    create_shipment,
    enrol_patient,
    enter_qc_result,
    find_case,
    hand_over,
    pack_unit,
    perform_step,
    qc_results_of_case,
    receive_unit,
    record_thaw,
    register_collection,
    review_qc_result,
    stage_index,
    start_manufacture,
    verify_collection,
    verify_step,
)
from app.labelling import (
    apply_shipper_label,
    confirm_label,
    print_shipper_label,
    print_unit_label,
)
from app.quality import close_deviation, deviations_of_case
from db.enums import CaseStage, DeviationStatus, Disposition, ShipmentDirection
from db.models import Label
from db.types import utc_now
from labels.isbt128.compose import patient_id_structure

DEMO_PASSWORD = "demo-password"  # noqa: S105 - the documented password of the demo users

STEP_PARAMETERS: dict[str, dict[str, object]] = {
    "receipt": {"bag_intact": True, "volume_ml": 248.0},
    "selection": {"input_cells": 6.1e9, "output_cells": 2.2e9},
    "activation": {"reagent_lot": "ACT-24-117"},
    "transduction": {"vector_lot": "LV-CD19-0042", "moi": 5},
    "expansion": {"daily_viable_cell_count": [2.2e8, 4.1e8, 9.0e8, 1.8e9, 3.5e9]},
    "harvest": {"total_viable_cells": 3.4e9, "viability_pct": 91.5},
    "formulation_fill": {"bags": 2, "volume_per_bag_ml": 70.0, "dose_car_cells": 1.1e8},
    "freezing": {"freezer_run_id": "CRF-0913", "end_temperature_c": -90.0},
    "ln2_storage": {"position": "Dewar 3 / rack B / slot 12"},
    # the second shipped product, S4321 (autologous gene-modified HSC)
    "mpb_receipt": {"bag_intact": True, "volume_ml": 310.0, "cd34_count": 8.4e8},
    "cd34_selection": {
        "device_run_id": "CLQ-2291",
        "cd34_recovered": 6.2e8,
        "cd34_purity_pct": 94.2,
    },
    "prestimulation": {"cytokine_lot": "CYT-25-031", "hours": 24.0},
    "lv_transduction": {"vector_lot": "LV-ARSA-0007", "moi": 40, "enhancer_lot": "ENH-118"},
    "wash_formulation": {"bags": 2, "volume_per_bag_ml": 40.0, "cd34_dose_per_kg": 1.1e7},
    "cryopreservation": {"freezer_run_id": "CRF-1024", "end_temperature_c": -95.0},
}
QC_RESULTS: dict[str, str] = {
    "sterility": "pending",
    "mycoplasma": "not detected",
    "endotoxin": "0.12",
    "viability": "91.5",
    "cd3_identity": "97.1",
    "car_expression": "38.4",
    "vcn": "2.1",
    "dose": "1.1",
}
HSC_QC_RESULTS: dict[str, str] = {
    "sterility": "pending",
    "mycoplasma": "not detected",
    "endotoxin": "0.08",
    "viability": "93.4",
    "cd34_purity": "94.2",
    "vcn": "2.4",
    "transduction_efficiency": "78",
    "rcl": "not detected",
    "dose": "11.0",
}
QC_RESULTS_OF: dict[str, dict[str, str]] = {"S1234": QC_RESULTS, "S4321": HSC_QC_RESULTS}
"""The demo's QC results of each shipped product (by product code)."""


def write_logger_csv(
    path: Path,
    *,
    start: datetime,
    end: datetime,
    base_c: float,
    excursion: tuple[timedelta, timedelta, float] | None = None,
    step: timedelta = timedelta(minutes=5),
) -> Path:
    """Write a generic-CSV logger trace from ``start`` to ``end``.

    ``excursion`` is (offset from start, duration, temperature) of a plateau out of limits.
    """
    rows = []
    moment = start
    while moment <= end:
        temperature = base_c
        if excursion and excursion[0] <= moment - start <= excursion[0] + excursion[1]:
            temperature = excursion[2]
        rows.append((moment.strftime("%Y-%m-%dT%H:%M:%SZ"), f"{temperature:.2f}"))
        moment += step
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("Time", "Temperature (°C)"))
        writer.writerows(rows)
    return path


@dataclass
class JourneyLog:
    """What a driven journey did: stages reached, files written, scans refused."""

    stages: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    refused_scans: list[str] = field(default_factory=list)


class JourneyDriver:
    """Drives cases through the journey with the demo users (password ``demo-password``)."""

    def __init__(
        self,
        database: Database,
        out_dir: Path,
        *,
        station: str = "demo",
        people: str = "",
        receive_by_two_d_code: bool = False,
    ) -> None:
        self.database = database
        self.out_dir = out_dir
        self.station = station
        self.people = people
        """Appended to each demo user name: the load test's stations each have their own."""
        self.receive_by_two_d_code = receive_by_two_d_code
        """Scan each unit in by its label's 2-D code (which may carry the patient's identity)
        instead of its DIN bar code."""
        self.log = JourneyLog()
        self._actors: dict[str, Actor] = {}

    def who(self, username: str) -> Actor:
        """The demo user, signed in once."""
        if username not in self._actors:
            self._actors[username] = authenticate(
                self.database, username + self.people, DEMO_PASSWORD, self.station
            )
        return self._actors[username]

    def _reached(self, case: CaseView) -> None:
        current = find_case(self.database, self.who("asha.qa"), case.id)
        self.log.stages[current.stage.value] = utc_now().isoformat()

    # ------------------------------------------------------------------ labels
    def label(self, unit: UnitView, username: str) -> None:
        """Print the unit's label (saved as PDF) and scan it back on the container."""
        actor = self.who(username)
        printed = print_unit_label(self.database, actor, unit.id)
        name = f"label-{unit.kind.value}-{unit.din}.pdf"
        (self.out_dir / name).write_bytes(printed.pdf)
        self.log.files.append(name)
        confirm_label(self.database, actor, unit.id, printed.din_scan)

    def two_d_code(self, unit: UnitView) -> str:
        """What the 2-D code of the unit's latest label carries, as a scanner sends it."""
        with self.database.read_session() as session:
            label = session.execute(
                select(Label.id, Label.payload)
                .where(Label.unit_id == unit.id)
                .order_by(Label.printed_at.desc())
            ).first()
            # A label that carries the patient's identity is stored sealed with the patient's
            # key (which the clinic key unwraps).
            keys = identity_keys(session)
            payload = opened_payload(keys, label.id, label.payload) if label else "{}"
        symbols = json.loads(payload)
        return str(symbols.get("compound") or f"={unit.din}00")

    # ------------------------------------------------------------------ stages
    def enrol(
        self,
        hospital_number: str,
        family: str,
        given: str,
        born: date,
        *,
        same_patient: bool | None = False,
        product_code: str = "S1234",
    ) -> CaseView:
        """Stage 1 (Cora Coordinator). The demo's people are invented: one who shares a name
        and date of birth with another is a look-alike (``same_patient=False``)."""
        case = enrol_patient(
            self.database,
            self.who("cora.coordinator"),
            Enrolment(
                family_name=family,
                given_name=given,
                date_of_birth=born,
                hospital_number=hospital_number,
                product_code=product_code,
                manufacturing_site_code="CTF",
                planned_collection_date=utc_now().date(),
                manufacturing_slot_date=utc_now().date() + timedelta(days=1),
                treating_physician="Dr Helen Marsh",
                same_patient=same_patient,
            ),
        )
        self._reached(case)
        return case

    def wristband(self, case: CaseView) -> str:
        """The patient's wristband as scanned: the hospital number as ISBT 128 structure 025."""
        patient = find_case(self.database, self.who("ivy.infusion"), case.id).patient
        assert patient is not None  # a clinic nurse reads the identity
        return patient_id_structure(patient.hospital_number)

    def collect(self, case: CaseView) -> UnitView:
        """Stage 2: Alex registers and labels the bag, Ana verifies."""
        end = utc_now() - timedelta(hours=2)
        bag = register_collection(
            self.database,
            self.who("alex.apheresis"),
            case.id,
            CollectedBag(248.0, "ACD-A", end - timedelta(hours=3), end),
        )
        self.label(bag, "alex.apheresis")
        verify_collection(self.database, self.who("ana.apheresis"), case.id, DEMO_PASSWORD)
        self._reached(case)
        return bag

    def ship(
        self,
        case: CaseView,
        units: list[UnitView],
        direction: ShipmentDirection,
        *,
        sender: str,
        wrong_scan: str | None = None,
    ) -> ShipmentView:
        """Stage 3 or 8: pack (after one refused wrong scan, if given), logger, hand over."""
        actor = self.who(sender)
        shipment = create_shipment(self.database, actor, case.id, direction)
        if wrong_scan is not None:
            try:
                pack_unit(self.database, actor, shipment.id, wrong_scan)
            except ScanMismatch as refusal:
                self.log.refused_scans.append(refusal.message)
        for unit in units:
            pack_unit(self.database, actor, shipment.id, f"={unit.din}00")
        prefix = "5901234" if direction is ShipmentDirection.TO_MANUFACTURER else "4012345"
        attach_logger(self.database, actor, shipment.id, f"(8004){prefix}LOG{shipment.sscc[-6:]}")
        print_shipper_label(self.database, actor, shipment.id)
        apply_shipper_label(self.database, actor, shipment.id, f"(00){shipment.sscc}")
        shipment = hand_over(
            self.database,
            actor,
            shipment.id,
            courier_name="Sam Driver",
            courier_organisation="Cryo Couriers Ltd",
        )
        self._reached(case)
        return shipment

    def receive(
        self,
        case: CaseView,
        shipment: ShipmentView,
        units: list[UnitView],
        *,
        receiver: str,
        verifier: str,
        logger: Path,
    ) -> ShipmentView:
        """Stage 4 or 9: scan every unit in, import the logger file, verify the receipt."""
        for unit in units:
            scan = self.two_d_code(unit) if self.receive_by_two_d_code else f"={unit.din}00"
            receive_unit(self.database, self.who(receiver), shipment.id, scan)
        trip = (utc_now() - timedelta(hours=11, minutes=55), utc_now())
        import_logger_file(self.database, self.who(receiver), shipment.id, logger, window=trip)
        self.log.files.append(logger.name)
        shipment = complete_receipt(self.database, self.who(verifier), shipment.id, DEMO_PASSWORD)
        self._reached(case)
        return shipment

    def qa_accepts(self, case: CaseView, shipment: ShipmentView) -> ShipmentView:
        """QA dispositions the excursion (accept, signed), closes the deviations, accepts."""
        qa = self.who("asha.qa")
        from app.coldchain import logger_files_of_shipment  # noqa: PLC0415

        for logger in logger_files_of_shipment(self.database, qa, shipment.id):
            if logger.verdict is not None and logger.verdict.value != "within_limits":
                disposition_logger_file(
                    self.database,
                    qa,
                    logger.id,
                    Disposition.ACCEPT,
                    "Excursion of 20 min at 9.5 °C is within the validated stability data "
                    "for fresh leukapheresis (report STB-014).",
                    DEMO_PASSWORD,
                )
        self.close_deviations(case)
        if shipment.receipt_accepted:
            return shipment
        return accept_receipt(
            self.database, qa, shipment.id, DEMO_PASSWORD, "Cold chain dispositioned; receipt OK."
        )

    def close_deviations(self, case: CaseView) -> None:
        """QA closes every open deviation of the case with its investigation outcome."""
        for deviation in deviations_of_case(self.database, self.who("asha.qa"), case.id):
            if deviation.status is DeviationStatus.OPEN:
                close_deviation(
                    self.database,
                    self.who("asha.qa"),
                    deviation.id,
                    closure="Investigated: the wrong item was set aside before use; "
                    "no impact on the material."
                    if deviation.kind == "scan_mismatch"
                    else "Investigated and dispositioned; no impact on product quality.",
                    password=DEMO_PASSWORD,
                )

    def manufacture(self, case: CaseView) -> list[UnitView]:
        """Stage 5: every step performed by Otto and verified by Vera; labels for outputs."""
        from app.journey import unit_view, units_of_case  # noqa: PLC0415

        steps = start_manufacture(self.database, self.who("otto.operator"), case.id)
        self._reached(case)
        for step in steps:
            with self.database.read_session() as session:
                available = [
                    unit_view(u)
                    for u in units_of_case(session, case.id)
                    if u.status.value == "available" and u.kind.value != "qc_sample"
                ]
            performed = perform_step(
                self.database,
                self.who("otto.operator"),
                step.id,
                StepRecord(
                    tuple(f"={u.din}00" for u in available), dict(STEP_PARAMETERS[step.code])
                ),
            )
            with self.database.read_session() as session:
                made = [unit_view(u) for u in units_of_case(session, case.id)]
            for unit in made:
                if unit.id in performed.outputs:
                    self.label(unit, "otto.operator")
            verify_step(self.database, self.who("vera.verifier"), step.id, DEMO_PASSWORD)
        self._reached(case)
        with self.database.read_session() as session:
            return [
                unit_view(u)
                for u in units_of_case(session, case.id)
                if u.kind.value == "final_product_bag"
            ]

    def qc_and_release(self, case: CaseView) -> None:
        """Stages 6-7: Quinn enters QC, Asha reviews (sterility exception), Petra certifies."""
        for test, value in QC_RESULTS_OF.get(case.product_code, QC_RESULTS).items():
            enter_qc_result(self.database, self.who("quinn.qc"), case.id, test, value)
        for result in qc_results_of_case(self.database, self.who("asha.qa"), case.id):
            review_qc_result(self.database, self.who("asha.qa"), result.id, DEMO_PASSWORD)
            if result.outcome.value == "pending":
                approve_qc_exception(
                    self.database,
                    self.who("asha.qa"),
                    result.id,
                    "Sterility (14-day) pending; release on negative 7-day read per SOP-QA-12.",
                    DEMO_PASSWORD,
                )
        self.close_deviations(case)
        certify_release(self.database, self.who("petra.qp"), case.id, DEMO_PASSWORD)
        self._reached(case)

    def thaw(self, bag: UnitView) -> None:
        """Stage 10, first: Ivy records that the bag's thaw started now."""
        record_thaw(self.database, self.who("ivy.infusion"), bag.id, now())

    def infuse(self, case: CaseView, bag: UnitView) -> None:
        """Stage 10: Ivy records the thaw, scans wristband and bag, Ian confirms the infusion."""
        self.thaw(bag)
        check = bedside_check(
            self.database,
            self.who("ivy.infusion"),
            case.id,
            wristband_scan=self.wristband(case),
            bag_scan=f"={bag.din}00",
        )
        started = now()  # the demo's bag arrived moments ago: thaw, check and infuse now
        confirm_infusion(
            self.database,
            self.who("ian.infusion"),
            check.id,
            started_at=started,
            ended_at=started + timedelta(minutes=1),
            password=DEMO_PASSWORD,
        )
        self._reached(case)

    # ------------------------------------------------------------------ whole journeys
    def logger_file(self, name: str, base_c: float, *, excursion: bool) -> Path:
        """A logger trace covering the last 12 hours up to now (+5 min)."""
        end = utc_now() + timedelta(minutes=5)
        plateau = (timedelta(hours=6), timedelta(minutes=20), 9.5) if excursion else None
        return write_logger_csv(
            self.out_dir / name,
            start=end - timedelta(hours=12),
            end=end,
            base_c=base_c,
            excursion=plateau,
        )

    def run_to(
        self,
        case: CaseView,
        stage: CaseStage,
        *,
        wrong_scan: str | None = None,
        excursion: bool = False,
        leave_for_qa: bool = False,
        on_stage: Callable[[CaseStage], None] | None = None,
    ) -> CaseView:
        """Drive ``case`` from enrolment up to ``stage`` (inclusive).

        With ``leave_for_qa`` a receipt at the manufacturer is left for QA to disposition.
        ``on_stage`` is called with each stage the case reached on the way (the tests copy the
        database there, to start from any stage without driving the journey again).
        """
        reached = on_stage or (lambda _stage: None)
        target = stage_index(stage)

        def wants(next_stage: CaseStage) -> bool:
            return stage_index(next_stage) <= target

        if wants(CaseStage.COLLECTED):
            bag = self.collect(case)
            reached(CaseStage.COLLECTED)
        if wants(CaseStage.SHIPPED_TO_MANUFACTURER):
            inbound = self.ship(
                case,
                [bag],
                ShipmentDirection.TO_MANUFACTURER,
                sender="alex.apheresis",
                wrong_scan=wrong_scan,
            )
            reached(CaseStage.SHIPPED_TO_MANUFACTURER)
        if wants(CaseStage.RECEIVED_AT_MANUFACTURER):
            logger = self.logger_file(f"logger-{inbound.sscc}.csv", 5.0, excursion=excursion)
            inbound = self.receive(
                case,
                inbound,
                [bag],
                receiver="otto.operator",
                verifier="vera.verifier",
                logger=logger,
            )
            if not leave_for_qa:
                self.qa_accepts(case, inbound)
            reached(CaseStage.RECEIVED_AT_MANUFACTURER)
        if wants(CaseStage.IN_MANUFACTURE):
            finals = self.manufacture(case) if wants(CaseStage.QC_PENDING_RELEASE) else []
            if not wants(CaseStage.QC_PENDING_RELEASE):
                start_manufacture(self.database, self.who("otto.operator"), case.id)
            reached(CaseStage.QC_PENDING_RELEASE if finals else CaseStage.IN_MANUFACTURE)
        if wants(CaseStage.RELEASED):
            self.qc_and_release(case)
            reached(CaseStage.RELEASED)
        if wants(CaseStage.SHIPPED_TO_CLINIC):
            outbound = self.ship(case, finals, ShipmentDirection.TO_CLINIC, sender="otto.operator")
            reached(CaseStage.SHIPPED_TO_CLINIC)
        if wants(CaseStage.RECEIVED_AT_CLINIC):
            logger = self.logger_file(f"logger-{outbound.sscc}.csv", -185.0, excursion=False)
            self.receive(
                case,
                outbound,
                finals,
                receiver="ivy.infusion",
                verifier="cora.coordinator",
                logger=logger,
            )
            reached(CaseStage.RECEIVED_AT_CLINIC)
        if wants(CaseStage.INFUSED):
            for bag in finals:  # the dose: every bag is given
                self.infuse(case, bag)
            reached(CaseStage.INFUSED)
        return find_case(self.database, self.who("cora.coordinator"), case.id)
