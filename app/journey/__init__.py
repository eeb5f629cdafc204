"""The vein-to-vein journey as services: one transaction per operation, guarded by stage,
role, site and separation of duties (DESIGN.md §1, §5, §7)."""

from __future__ import annotations

from app.journey.alert_acknowledgement import AcknowledgedAlert, acknowledge_clinic_alert
from app.journey.checklist import Checklist, ChecklistItem
from app.journey.collection import CollectedBag, register_collection, verify_collection
from app.journey.dose import (
    BAG_NOT_GIVEN,
    BagAccount,
    account_of,
    bags_left_to_account_for,
    bags_still_to_give,
    dose_accounts,
    not_given_units,
    record_bag_not_given,
)
from app.journey.duplicates import DuplicatePatient, KnownCase, KnownPatient
from app.journey.enrolment import Enrolment, enrol_patient, enrolment_problems, find_case
from app.journey.erasure import IdentityErasure, erase_identity
from app.journey.infusion import BEDSIDE_CHECK, BedsideCheckView, bedside_check, confirm_infusion
from app.journey.legs import LEGS
from app.journey.look_alikes import LookAlike, case_look_alikes, look_alike_line, look_alikes
from app.journey.manufacturing import (
    StepRecord,
    StepView,
    perform_step,
    refuse_unreadable_input,
    start_manufacture,
    step_views,
    steps_of_case,
    verify_step,
)
from app.journey.oos_release import (
    RELEASED_OOS,
    OosAcceptanceView,
    acceptance_view,
    certify_oos_release,
    checklist_with_acceptance,
    current_acceptance,
    record_oos_acceptance,
    released_out_of_specification,
)
from app.journey.post_release import (
    LateResultView,
    RecallView,
    recall_batch,
    record_late_result,
)
from app.journey.products import current_product, current_products
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
    shipment_sscc_text,
    shipment_view,
)
from app.journey.side_states import (
    cancel_case,
    lift_unit_side_state,
    set_case_side_state,
    set_unit_side_state,
)
from app.journey.slots import (
    SITE_KIND_OF,
    SLOT_NAMES,
    SlotCalendar,
    SlotDay,
    slot_calendar,
    slot_days,
)
from app.journey.specifications import parse_lab_number
from app.journey.stages import FINAL_SIDE_STATES, STAGE_NAMES, STAGE_ORDER, stage_index
from app.journey.storage import (
    PlacementView,
    put_away,
    stored_places,
    take_out,
    where_stored,
)
from app.journey.storage_places import StorageLocation, parse_location
from app.journey.thaw import ThawView, record_thaw, thaws_of_case
from app.journey.unit_clock import THAW_STARTED
from app.journey.unit_states import (
    AUTOMATIC_CAUSES,
    CAUSE_WORDS,
    SPENT_STATUSES,
    cause_of,
    enter_partner_side_state,
    enter_side_state,
    lift_side_state,
    side_state_words,
)
from app.journey.views import CaseView, UnitView, case_view, unit_view
from db.enums import SlotKind

__all__ = [
    "AUTOMATIC_CAUSES",
    "BAG_NOT_GIVEN",
    "BEDSIDE_CHECK",
    "CAUSE_WORDS",
    "FINAL_SIDE_STATES",
    "LEGS",
    "RELEASED_OOS",
    "SITE_KIND_OF",
    "SLOT_NAMES",
    "SPENT_STATUSES",
    "STAGE_NAMES",
    "STAGE_ORDER",
    "THAW_STARTED",
    "AcknowledgedAlert",
    "BagAccount",
    "BedsideCheckView",
    "CaseView",
    "Checklist",
    "ChecklistItem",
    "CollectedBag",
    "DuplicatePatient",
    "Enrolment",
    "IdentityErasure",
    "KnownCase",
    "KnownPatient",
    "LateResultView",
    "LookAlike",
    "OosAcceptanceView",
    "PlacementView",
    "QcEarlierValue",
    "QcResultView",
    "RecallView",
    "ShipmentView",
    "SlotCalendar",
    "SlotDay",
    "SlotKind",
    "StepRecord",
    "StepView",
    "StorageLocation",
    "ThawView",
    "UnitView",
    "accept_receipt",
    "acceptance_view",
    "account_of",
    "acknowledge_clinic_alert",
    "approve_qc_exception",
    "attach_logger",
    "bags_left_to_account_for",
    "bags_still_to_give",
    "bedside_check",
    "blocking_reasons",
    "cancel_case",
    "case_look_alikes",
    "case_view",
    "cause_of",
    "certify_oos_release",
    "certify_release",
    "checklist_of",
    "checklist_with_acceptance",
    "complete_receipt",
    "confirm_infusion",
    "correct_qc_result",
    "create_shipment",
    "current_acceptance",
    "current_product",
    "current_products",
    "dose_accounts",
    "enrol_patient",
    "enrolment_problems",
    "enter_partner_side_state",
    "enter_qc_result",
    "enter_side_state",
    "erase_identity",
    "find_case",
    "hand_over",
    "lift_side_state",
    "lift_unit_side_state",
    "look_alike_line",
    "look_alikes",
    "not_given_units",
    "pack_unit",
    "parse_lab_number",
    "parse_location",
    "perform_step",
    "put_away",
    "qc_result_views",
    "qc_results_of_case",
    "recall_batch",
    "receive_unit",
    "record_bag_not_given",
    "record_late_result",
    "record_oos_acceptance",
    "record_stage",
    "record_thaw",
    "refuse_unreadable_input",
    "register_collection",
    "release_checklist",
    "released_out_of_specification",
    "review_qc_result",
    "review_qc_results",
    "review_sets",
    "set_case_side_state",
    "set_unit_side_state",
    "shipment_sscc_text",
    "shipment_units",
    "shipment_view",
    "side_state_words",
    "slot_calendar",
    "slot_days",
    "stage_index",
    "start_manufacture",
    "step_views",
    "steps_of_case",
    "stored_places",
    "take_out",
    "thaws_of_case",
    "unit_view",
    "units_of_case",
    "verify_collection",
    "verify_step",
    "where_stored",
]
