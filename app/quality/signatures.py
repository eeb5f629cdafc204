"""Electronic signatures (21 CFR Part 11, EU GMP Annex 11): re-authenticate, sign, verify."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from app.access import ensure_may_sign_in, refuse_wrong_password, verify_password
from app.core import (
    NotPermitted,
    UnitOfWork,
    ValidationFailed,
    canonical_json,
    plain_canonical_json,
    record_key,
)
from db.base import Base
from db.enums import Role, SignatureMeaning
from db.models import Signature, User
from db.types import utc_now


@dataclass(frozen=True)
class SignatureView:
    """A signature as shown on screens and printouts, with its current integrity."""

    id: uuid.UUID
    signer_name: str
    signer_username: str
    signed_at: datetime
    meaning: SignatureMeaning
    record_type: str
    record_id: str
    intact: bool

    @property
    def manifestation(self) -> str:
        """Printed name, UTC date-time and meaning, as Part 11 §11.50 asks."""
        when = self.signed_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        state = "" if self.intact else " — BROKEN: record changed after signing"
        return f"{self.signer_name} · {when} · {self.meaning.label}{state}"


def _covered(info: dict[str, Any], meaning: SignatureMeaning | None) -> bool:
    if not info.get("signed", True):
        return False
    only_by = info.get("signed_by")
    return meaning is None or only_by is None or meaning.value in only_by


@cache
def signed_keys(model: type[Base], meaning: SignatureMeaning | None = None) -> tuple[str, ...]:
    """The attributes of ``model`` a signature with ``meaning`` covers.

    Every column except bookkeeping ones, and except those a later signed act fills in
    (``signed_only_by`` in ``db.base``) unless ``meaning`` is that act's.
    """
    mapper = inspect(model)
    return tuple(
        attr.key for attr in mapper.column_attrs if _covered(attr.columns[0].info, meaning)
    )


def signed_content(record: Base, meaning: SignatureMeaning | None = None) -> dict[str, Any]:
    """The record's content a signature with ``meaning`` covers (``signed_keys``)."""
    return {key: getattr(record, key) for key in signed_keys(type(record), meaning)}


def record_digest(record: Base, meaning: SignatureMeaning | None = None) -> str:
    """SHA-256 of the canonical JSON of the content a signature with ``meaning`` covers."""
    return values_digest(type(record).__tablename__, signed_content(record, meaning))


def signed_values(
    model: type[Base], values: Mapping[str, Any], meaning: SignatureMeaning | None = None
) -> dict[str, Any]:
    """``signed_content`` of a row read as ``{attribute: value}`` (no ORM object needed)."""
    return {key: values[key] for key in signed_keys(model, meaning)}


def values_digest(record_type: str, content: Mapping[str, Any], *, canonical: bool = False) -> str:
    """The digest of ``content`` (a record's signed content) of a ``record_type`` record;
    ``canonical``: its values are already in canonical form (not converted again)."""
    document = {"record_type": record_type, "content": dict(content)}
    text = plain_canonical_json(document) if canonical else canonical_json(document)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def signature_digest(
    model: type[Base], values: Mapping[str, Any], meaning: SignatureMeaning
) -> str:
    """The digest a ``meaning`` signature of the row ``values`` (in canonical form, as
    reconciliation reads them) holds: the ``app.core.SignatureDigest`` it checks with."""
    content = signed_values(model, values, meaning)
    return values_digest(str(model.__tablename__), content, canonical=True)


def _reauthenticate(uow: UnitOfWork, password: str) -> None:
    """The acting person may sign and typed their password again (else nothing is kept)."""
    actor = uow.actor
    if actor.user_id is None:
        raise NotPermitted("Only a signed-in person can sign a record.")
    if actor.has_role(Role.ADMIN) and len(actor.roles) == 1:
        raise NotPermitted("Administrators manage the system; they do not sign GMP records.")
    signer = ensure_may_sign_in(uow.session.get(User, actor.user_id))
    if not verify_password(signer.password_hash, password):
        # Nothing of this transaction is kept; the failure is counted in a transaction of its own.
        uow.session.rollback()
        refuse_wrong_password(uow.database, actor.user_id, actor.username, actor.station)


def set_digest(records: Sequence[Base], meaning: SignatureMeaning, set_type: str) -> str:
    """The digest of one signature over several records: each record's table, key and the
    digest its own ``meaning`` signature would hold, sorted by table and key."""
    listed = sorted(
        [type(record).__tablename__, record_key(record), record_digest(record, meaning)]
        for record in records
    )
    return values_digest(set_type, {"records": listed})


def sign_together(
    uow: UnitOfWork,
    records: Sequence[Base],
    meaning: SignatureMeaning,
    password: str,
    *,
    set_type: str,
    set_id: str,
    listing: str,
    signature_id: uuid.UUID | None = None,
    signed_at: datetime | None = None,
) -> SignatureView:
    """One signature over several records after one re-entry of the password.

    The signature names the set (``set_type``/``set_id``, e.g. a case's QC review), its comment
    lists each record as the signer saw it (the manifestation), and its digest covers every
    record's signed content (:func:`set_digest`), so a change to any of them after signing shows
    the signature broken (:func:`verify_set_signature`). ``signature_id`` may be chosen first
    so the records' audit events can name the signature that covers them, and ``signed_at``
    so the records can carry the moment of the signature that covers them.
    """
    if not records:
        raise ValidationFailed("Choose at least one record to sign.")
    if not isinstance(meaning, SignatureMeaning):
        raise ValidationFailed(f"{meaning!r} is not a signature meaning.")
    _reauthenticate(uow, password)
    uow.flush()  # the digest covers the records as they will be committed
    actor = uow.actor
    assert actor.user_id is not None  # _reauthenticate refused anyone else
    signature = Signature(
        id=signature_id or uuid.uuid4(),
        signer_id=actor.user_id,
        signer_name=actor.full_name,
        signer_username=actor.username,
        signed_at=signed_at or utc_now(),
        meaning=meaning,
        record_type=set_type,
        record_id=set_id,
        record_digest=set_digest(records, meaning, set_type),
        comment=listing,
        station=actor.station,
    )
    uow.add(signature, action="sign", reason=listing)
    uow.flush()
    return _view(signature, intact=True)


def verify_set_signature(signature: Signature, records: Sequence[Base]) -> SignatureView:
    """A signature over several records, intact only if every one still has its signed digest."""
    digest = set_digest(records, signature.meaning, signature.record_type)
    return _view(signature, intact=signature.record_digest == digest)


def sign(
    uow: UnitOfWork,
    record: Base,
    meaning: SignatureMeaning,
    password: str,
    *,
    comment: str | None = None,
) -> SignatureView:
    """Sign ``record`` as the acting user after re-entry of their password."""
    actor = uow.actor
    if not isinstance(meaning, SignatureMeaning):
        raise ValidationFailed(f"{meaning!r} is not a signature meaning.")
    _reauthenticate(uow, password)
    assert actor.user_id is not None  # _reauthenticate refused anyone else
    uow.flush()  # the digest covers the record as it will be committed
    signature = Signature(
        signer_id=actor.user_id,
        signer_name=actor.full_name,
        signer_username=actor.username,
        signed_at=utc_now(),
        meaning=meaning,
        record_type=type(record).__tablename__,
        record_id=record_key(record),
        record_digest=record_digest(record, meaning),
        comment=comment,
        station=actor.station,
    )
    uow.add(signature, action="sign", reason=comment)
    uow.flush()
    return _view(signature, intact=True)


def _view(signature: Signature, *, intact: bool) -> SignatureView:
    return SignatureView(
        id=signature.id,
        signer_name=signature.signer_name,
        signer_username=signature.signer_username,
        signed_at=signature.signed_at,
        meaning=signature.meaning,
        record_type=signature.record_type,
        record_id=signature.record_id,
        intact=intact,
    )


def verify_signature(signature: Signature, record: Base) -> SignatureView:
    """The signature as shown, intact only if ``record`` still has the digest that was signed.

    ``record`` must be the signed record (same table and key); its digest is recomputed from
    its current content, so any change after signing shows as a broken signature.
    """
    if (signature.record_type, signature.record_id) != (
        type(record).__tablename__,
        record_key(record),
    ):
        raise ValueError(f"signature {signature.id} is not on {type(record).__tablename__}")
    intact = signature.record_digest == record_digest(record, signature.meaning)
    return _view(signature, intact=intact)


def signatures_of(session: Session, record: Base) -> list[SignatureView]:
    """Every signature on ``record``, each checked against the record's current content."""
    rows = session.scalars(
        select(Signature)
        .where(
            Signature.record_type == type(record).__tablename__,
            Signature.record_id == record_key(record),
        )
        .order_by(Signature.signed_at)
    )
    return [
        _view(row, intact=row.record_digest == record_digest(record, row.meaning)) for row in rows
    ]
