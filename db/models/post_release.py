"""The QP's exceptions: clinic alerts, recalls, out-of-specification releases."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Versioned, signed_only_by

ACKNOWLEDGEMENT = signed_only_by("acknowledged")
"""Filled in by the clinic's signed acknowledgement: not part of anything signed before it."""


class ClinicAlert(Versioned, Base):
    """A notice to the treating clinic that a released product failed (or was recalled).

    ``infused`` says the product had already reached the patient when the alert was raised:
    the clinic must then inform the treating physician, and the acknowledgement names who.
    """

    __tablename__ = "clinic_alert"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("therapy_case.id"), index=True)
    clinic_site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"), index=True)
    qc_result_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("qc_result.id"))
    deviation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("deviation.id"))
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    infused: Mapped[bool] = mapped_column()
    raised_at: Mapped[datetime] = mapped_column()
    raised_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(info=ACKNOWLEDGEMENT)
    acknowledged_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_user.id"), info=ACKNOWLEDGEMENT
    )
    physician_informed: Mapped[str | None] = mapped_column(String(200), info=ACKNOWLEDGEMENT)
    """The treating physician the clinic informed (an infused product's alert only)."""
    acknowledgement_note: Mapped[str | None] = mapped_column(Text, info=ACKNOWLEDGEMENT)


class Recall(Versioned, Base):
    """The QP's recall of a released batch, with its reason (signed "recalled")."""

    __tablename__ = "product_recall"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("therapy_case.id"), index=True)
    deviation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("deviation.id"))
    reason: Mapped[str] = mapped_column(Text)
    recalled_at: Mapped[datetime] = mapped_column()
    recalled_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))


class OosAcceptance(Versioned, Base):
    """The treating physician's written acceptance of an out-of-specification product.

    The scanned document's bytes are stored in ``document`` (kept out of the audit trail and
    of signatures, which hold its SHA-256 instead); ``document_sha256`` is checked against
    the bytes whenever the acceptance is used or shown. ``release_id`` is set when the QP
    certifies the batch "released out of specification".
    """

    __tablename__ = "oos_acceptance"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("therapy_case.id"), index=True)
    deviation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deviation.id"))
    results: Mapped[str] = mapped_column(Text)
    """The out-of-specification results accepted, one ``test: value`` per line."""
    physician_name: Mapped[str] = mapped_column(String(200))
    accepted_on: Mapped[date] = mapped_column()
    document_name: Mapped[str] = mapped_column(String(255))
    document_sha256: Mapped[str] = mapped_column(String(64))
    document: Mapped[bytes] = mapped_column(LargeBinary, info={"secret": True, "signed": False})
    recorded_at: Mapped[datetime] = mapped_column()
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    release_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("batch_release.id"), info=signed_only_by("released out of specification")
    )
