"""Reading a case: lists, history, timeline, signatures, stages, cold chain, release and shipments,
work queue.
"""

from __future__ import annotations

from app.casefile.cold_chain import ColdChainVerdict
from app.casefile.history import CaseDetail, GenealogyNode, case_detail
from app.casefile.queries import (
    PAGE_SIZE,
    CasePage,
    CaseRow,
    CaseStage,
    SideState,
    list_cases,
    may_view_cases,
    stage_counts,
)
from app.casefile.release import (
    DeviationStatus,
    Disposition,
    PendingDisposition,
    QcOutcome,
    QcSpecView,
    ReleaseRecord,
    Role,
    SignatureMeaning,
    SiteDeviation,
    Verdict,
    awaiting_disposition,
    open_deviations,
    qc_signatures,
    qc_specifications,
    release_record,
)
from app.casefile.shipments import (
    ExpectedUnit,
    ReceiptStatus,
    ShipmentDirection,
    ShipmentView,
    open_shipment,
    receipt_status,
    shipments_for_receipt,
)
from app.casefile.stages import StepStatus, UnitKind, post_thaw_minutes, units_of
from app.casefile.timeline import TimelineEntry
from app.casefile.work_queue import Alert, AlertKind, WorkItem, alerts, work_queue
from app.journey import LookAlike, case_look_alikes

__all__ = [
    "PAGE_SIZE",
    "Alert",
    "AlertKind",
    "CaseDetail",
    "CasePage",
    "CaseRow",
    "CaseStage",
    "ColdChainVerdict",
    "DeviationStatus",
    "Disposition",
    "ExpectedUnit",
    "GenealogyNode",
    "LookAlike",
    "PendingDisposition",
    "QcOutcome",
    "QcSpecView",
    "ReceiptStatus",
    "ReleaseRecord",
    "Role",
    "ShipmentDirection",
    "ShipmentView",
    "SideState",
    "SignatureMeaning",
    "SiteDeviation",
    "StepStatus",
    "TimelineEntry",
    "UnitKind",
    "Verdict",
    "WorkItem",
    "alerts",
    "awaiting_disposition",
    "case_detail",
    "case_look_alikes",
    "list_cases",
    "may_view_cases",
    "open_deviations",
    "open_shipment",
    "post_thaw_minutes",
    "qc_signatures",
    "qc_specifications",
    "receipt_status",
    "release_record",
    "shipments_for_receipt",
    "stage_counts",
    "units_of",
    "work_queue",
]
