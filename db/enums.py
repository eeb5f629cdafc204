"""Closed vocabularies stored in the database (as checked strings, not native enums)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum


class Role(StrEnum):
    """User roles (DESIGN.md §5, §7)."""

    ADMIN = "admin"
    CLINIC_COORDINATOR = "clinic_coordinator"
    APHERESIS_NURSE = "apheresis_nurse"
    INFUSION_NURSE = "infusion_nurse"
    MFG_OPERATOR = "mfg_operator"
    MFG_VERIFIER = "mfg_verifier"
    QC_ANALYST = "qc_analyst"
    QA = "qa"
    QP = "qp"


class SiteKind(StrEnum):
    """What a site does in the journey."""

    CLINIC = "clinic"
    MANUFACTURER = "manufacturer"


class SlotKind(StrEnum):
    """What a booked slot is for: the clinic's apheresis chair or the manufacturer's line."""

    APHERESIS = "apheresis"
    MANUFACTURING = "manufacturing"


class CaseStage(StrEnum):
    """The ten stages of the vein-to-vein journey, in order (DESIGN.md §1)."""

    ENROLLED = "enrolled"
    COLLECTED = "collected"
    SHIPPED_TO_MANUFACTURER = "shipped_to_manufacturer"
    RECEIVED_AT_MANUFACTURER = "received_at_manufacturer"
    IN_MANUFACTURE = "in_manufacture"
    QC_PENDING_RELEASE = "qc_pending_release"
    RELEASED = "released"
    SHIPPED_TO_CLINIC = "shipped_to_clinic"
    RECEIVED_AT_CLINIC = "received_at_clinic"
    INFUSED = "infused"


class SideState(StrEnum):
    """States a case or unit can enter beside its stage."""

    NONE = "none"
    ON_HOLD = "on_hold"
    QUARANTINED = "quarantined"
    REJECTED = "rejected"
    DESTROYED = "destroyed"
    CANCELLED = "cancelled"


class SideStateCause(StrEnum):
    """Why a unit is in its side state: what put it there decides what may lift it."""

    MANUAL = "manual"  # a person held, quarantined, rejected or destroyed it; QA lifts it
    RECEIPT_PENDING = "receipt_pending"  # received; quarantined until QA accepts the receipt
    COLD_CHAIN = "cold_chain"  # the logger's verdict (quarantine) or QA's rejection of it
    CASE = "case"  # its case was rejected, destroyed or cancelled, and the unit with it
    POST_RELEASE = "post_release"  # a result recorded after release failed; QA lifts it by name
    RECALL = "recall"  # the QP recalled its batch; QA lifts it by name


class UnitKind(StrEnum):
    """Every container is a unit."""

    APHERESIS_BAG = "apheresis_bag"
    INTERMEDIATE = "intermediate"
    QC_SAMPLE = "qc_sample"
    RETENTION_SAMPLE = "retention_sample"
    FINAL_PRODUCT_BAG = "final_product_bag"
    SHIPPER = "shipper"


class UnitStatus(StrEnum):
    """Where a unit is in its own life."""

    REGISTERED = "registered"
    PACKED = "packed"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    AVAILABLE = "available"
    CONSUMED = "consumed"
    RELEASED = "released"
    STORED = "stored"
    INFUSED = "infused"


class CustodyAction(StrEnum):
    """A custody event: a handover is two events (given, received)."""

    COMMISSIONED = "commissioned"
    GIVEN = "given"
    RECEIVED = "received"
    STORED = "stored"
    MOVED = "moved"
    DISPENSED = "dispensed"
    DESTROYED = "destroyed"


class ShipmentDirection(StrEnum):
    """Which leg of the journey a shipment is."""

    TO_MANUFACTURER = "to_manufacturer"
    TO_CLINIC = "to_clinic"


class ShipmentStatus(StrEnum):
    """Life of a shipment."""

    OPEN = "open"
    PACKED = "packed"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class ReceiptOutcome(StrEnum):
    """How an expected or scanned item was found at receipt."""

    RECEIVED = "received"
    MISSING = "missing"
    UNEXPECTED = "unexpected"
    MISMATCHED = "mismatched"


class LabelStatus(StrEnum):
    """A printed label: issued, then applied (scanned back) or voided."""

    ISSUED = "issued"
    APPLIED = "applied"
    VOIDED = "voided"


class ScanOutcome(StrEnum):
    """Verification result of one scan against what the screen expected."""

    MATCH = "match"
    MISMATCH = "mismatch"
    UNREADABLE = "unreadable"


class StepStatus(StrEnum):
    """A manufacturing step of a batch record."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    PERFORMED = "performed"
    VERIFIED = "verified"


class QcOutcome(StrEnum):
    """A QC result judged against its specification."""

    PENDING = "pending"
    PASS = "pass"  # noqa: S105 - not a password, a QC verdict
    FAIL = "fail"
    OUT_OF_SPECIFICATION = "oos"


class DeviationStatus(StrEnum):
    """A deviation is open until QA closes it with a signature."""

    OPEN = "open"
    CLOSED = "closed"


class Verdict(StrEnum):
    """Cold-chain verdict of a logger trace (DESIGN.md §4)."""

    WITHIN_LIMITS = "within_limits"
    EXCURSION = "excursion"
    INCOMPLETE = "incomplete"


class Disposition(StrEnum):
    """QA's decision on an excursion or quarantined material."""

    ACCEPT = "accept"
    REJECT = "reject"


class ReleaseDecision(StrEnum):
    """The QP's decision."""

    CERTIFIED = "certified"
    REFUSED = "refused"


class SignatureMeaning(StrEnum):
    """The fixed list of meanings an electronic signature can carry (Part 11 §11.50)."""

    PERFORMED = "performed"
    VERIFIED = "verified"
    REVIEWED = "reviewed"
    APPROVED = "approved"
    CERTIFIED_FOR_RELEASE = "certified for release"
    DISPOSITIONED = "dispositioned"
    ACKNOWLEDGED = "acknowledged"
    RECALLED = "recalled"
    RELEASED_OUT_OF_SPECIFICATION = "released out of specification"

    @property
    def label(self) -> str:
        """The meaning as printed beside the signer's name."""
        return self.value.capitalize()


class ProductStatus(StrEnum):
    """Life of a product version: only the approved one is used for new cases."""

    DRAFT = "draft"
    APPROVED = "approved"
    RETIRED = "retired"


class PrinterKind(StrEnum):
    """How a label reaches paper."""

    SYSTEM = "system"
    ZPL = "zpl"


def enum_column(enum: type[StrEnum], name: str) -> Enum:
    """A string column checked against ``enum`` on every backend."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum),
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )
