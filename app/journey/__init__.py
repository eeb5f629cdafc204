"""The vein-to-vein journey as services: one transaction per operation, guarded by stage,
role, site and separation of duties (DESIGN.md §1, §5, §7)."""

from __future__ import annotations

from app.journey.checklist import Checklist, ChecklistItem
from app.journey.collection import CollectedBag, register_collection, verify_collection
from app.journey.duplicates import DuplicatePatient, KnownCase, KnownPatient
from app.journey.enrolment import Enrolment, enrol_patient, enrolment_problems, find_case
from app.journey.infusion import BedsideCheckView, bedside_check, confirm_infusion
from app.journey.legs import LEGS
from app.journey.look_alikes import LookAlike, case_look_alikes, look_alike_line, look_alikes
from app.journey.manufacturing import (
    StepRecord,
    StepView,
    perform_step,
    start_manufacture,
    step_views,
    steps_of_case,
    verify_step,
)
from app.journey.qc import (
    QcEarlierValue,
    QcResultView,
    approve_qc_exception,
    correct_qc_result,
    enter_qc_result,
    qc_result_views,
    qc_results_of_case,
    review_qc_result,
)
from app.journey.qc_review import review_qc_results, review_sets
from app.journey.records import record_stage, units_of_case
from app.journey.release import certify_release, checklist_of, release_checklist
from app.journey.shipment_state import blocking_reasons, shipment_units
from app.journey.shipping import (
    ShipmentView,
    accept_receipt,
    attach_logger,
    complete_receipt,
    create_shipment,
    hand_over,
    pack_unit,
    receive_unit,
    shipment_view,
)
from app.journey.side_states import cancel_case, set_case_side_state
from app.journey.slots import (
    SITE_KIND_OF,
    SLOT_NAMES,
    SlotCalendar,
    SlotDay,
    slot_calendar,
    slot_days,
)
from app.journey.stages import FINAL_SIDE_STATES, STAGE_NAMES, STAGE_ORDER, stage_index
from app.journey.thaw import ThawView, record_thaw, thaws_of_case
from app.journey.unit_clock import THAW_STARTED
from app.journey.unit_states import enter_side_state, lift_side_state
from app.journey.views import CaseView, UnitView, case_view, unit_view
from db.enums import SlotKind

__all__ = [
    "FINAL_SIDE_STATES",
    "LEGS",
    "SITE_KIND_OF",
    "SLOT_NAMES",
    "STAGE_NAMES",
    "STAGE_ORDER",
    "THAW_STARTED",
    "BedsideCheckView",
    "CaseView",
    "Checklist",
    "ChecklistItem",
    "CollectedBag",
    "DuplicatePatient",
    "Enrolment",
    "KnownCase",
    "KnownPatient",
    "LookAlike",
    "QcEarlierValue",
    "QcResultView",
    "ShipmentView",
    "SlotCalendar",
    "SlotDay",
    "SlotKind",
    "StepRecord",
    "StepView",
    "ThawView",
    "UnitView",
    "accept_receipt",
    "approve_qc_exception",
    "attach_logger",
    "bedside_check",
    "blocking_reasons",
    "cancel_case",
    "case_look_alikes",
    "case_view",
    "certify_release",
    "checklist_of",
    "complete_receipt",
    "confirm_infusion",
    "correct_qc_result",
    "create_shipment",
    "enrol_patient",
    "enrolment_problems",
    "enter_qc_result",
    "enter_side_state",
    "find_case",
    "hand_over",
    "lift_side_state",
    "look_alike_line",
    "look_alikes",
    "pack_unit",
    "perform_step",
    "qc_result_views",
    "qc_results_of_case",
    "receive_unit",
    "record_stage",
    "record_thaw",
    "register_collection",
    "release_checklist",
    "review_qc_result",
    "review_qc_results",
    "review_sets",
    "set_case_side_state",
    "shipment_units",
    "shipment_view",
    "slot_calendar",
    "slot_days",
    "stage_index",
    "start_manufacture",
    "step_views",
    "steps_of_case",
    "thaws_of_case",
    "unit_view",
    "units_of_case",
    "verify_collection",
    "verify_step",
]
