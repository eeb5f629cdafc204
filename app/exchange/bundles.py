"""Exchange bundles: one case's records carried between a clinic's and a manufacturer's databases.

A bundle file is JSON ``{"format", "public_key", "payload", "signature"}``: ``payload`` is the
base64 of canonical JSON (sorted keys, no spaces) and ``signature`` the sending site's Ed25519
signature over those bytes; the bundle's digest is the payload's SHA-256. The payload names the
case (``coi``), the sending and receiving sites, a unique ``bundle_id``, ``previous`` (the digest
of the last bundle of this case the sender sent or received; null for the first), the case's
EPCIS document, and the records the receiver needs (units with their DINs, shipments, the
release decision): never patient identity.

The receiver refuses a bundle whose key is not registered for its sending site (unknown
sender), whose signature does not verify (tampered), addressed to another site, seen before
(replay: same id or digest), or whose ``previous`` is not the last bundle it holds for the case
(not continuing the case's history). An accepted bundle is stored with its digest in the audit
trail, and its EPCIS events that name a case here are attached (as ``coi import epcis`` does).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.access import require_role
from app.casefile import visible_cases
from app.core import Actor, Database, NotPermitted, UnitOfWork, ValidationFailed, now
from app.exchange.bundle_file import write_whole
from app.exchange.bundle_records import BundleRefused, apply_records, records_of
from app.exchange.epcis_document import epcis_document_of
from app.exchange.epcis_export import epcis_time, export_epcis, normalised_coi
from app.exchange.epcis_import import IMPORT_ROLES, EventOutcome, attach_events
from db.enums import Role
from db.models import Case, ExchangeBundle, PartnerKey, Site

FORMAT = "coi-tracker-exchange/1"
KEY_VARIABLE = "COI_SITE_KEY"
"""The environment variable naming this site's private key file (PEM)."""
MAX_BYTES = 50 * 1024 * 1024

SEND_ROLES = IMPORT_ROLES
"""Who sends a case's bundle to its partner site: those who import one (QA, clinic coordinator)."""


# ---------------------------------------------------------------------------- keys
def generate_site_key(out: Path) -> str:
    """Write a new Ed25519 private key (PEM, mode 0600) to ``out``; its public key, hex."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ValidationFailed(f"{out} exists; a site key is never overwritten.") from None
    except OSError as exc:
        raise ValidationFailed(f"Cannot write {out}: {exc.strerror or exc}.") from None
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(pem)
    return public_key_hex(key.public_key())


def public_key_hex(key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key as 64 hex digits."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def load_site_key(path: Path) -> Ed25519PrivateKey:
    """The sending site's private key from a PEM file."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise ValidationFailed(f"Cannot read the site key {path}: {exc.strerror or exc}.") from None
    except (ValueError, TypeError):
        raise ValidationFailed(f"{path.name} is not an unencrypted PEM private key.") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValidationFailed(f"{path.name} is not an Ed25519 key.")
    return key


@dataclass(frozen=True)
class PartnerKeyView:
    """A registered partner key."""

    site_code: str
    public_key: str


def register_partner_key(
    database: Database, actor: Actor, site_code: str, public_key: str
) -> PartnerKeyView:
    """Register a partner site's Ed25519 public key (64 hex digits); administrators only."""
    require_role(actor, Role.ADMIN, doing="register a partner's key")
    code, text = site_code.strip(), public_key.strip().lower()
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))
    except ValueError:
        raise ValidationFailed(
            "The public key must be 64 hex digits (an Ed25519 key, as `coi exchange keygen` "
            "prints it)."
        ) from None
    if not code or len(code) > 32:
        raise ValidationFailed("The partner's site code must be 1 to 32 characters.")
    with UnitOfWork(database, actor) as uow:
        known = uow.session.scalar(select(PartnerKey).where(PartnerKey.public_key == text))
        if known is not None:
            raise ValidationFailed(f"That key is already registered, for site {known.site_code}.")
        uow.add(PartnerKey(site_code=code, public_key=text, active=True), action="register key")
        uow.commit()
    return PartnerKeyView(code, text)


# ---------------------------------------------------------------------------- export
@dataclass(frozen=True)
class BundleExport:
    """A written bundle: its file content, digest, id, and what it carries."""

    content: bytes
    digest: str
    bundle_id: str
    coi: str
    to_site: str
    previous: str | None
    events: int


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _last_digest(session: Session, coi: str) -> str | None:
    return session.scalar(
        select(ExchangeBundle.digest)
        .where(ExchangeBundle.coi == coi)
        .order_by(ExchangeBundle.recorded_at.desc(), ExchangeBundle.id)
        .limit(1)
    )


def export_bundle(
    database: Database,
    actor: Actor,
    coi: str,
    to_site: str,
    key: Ed25519PrivateKey,
    *,
    out: Path,
) -> BundleExport:
    """Sign the bundle of case ``coi`` for the partner site ``to_site``, write it to ``out``,
    then record it as sent.

    The sender is QA or a clinic coordinator (``SEND_ROLES``, those who import a partner's
    bundle) of the actor's site, which must be the case's clinic or manufacturer; the
    receiver must be the other one. The file is written whole (beside its name, then moved)
    inside the transaction that records the sending: a failed write records nothing.
    """
    require_role(actor, *SEND_ROLES, doing="send a case's bundle to its partner site")
    document = export_epcis(database, actor, coi=coi).document
    with UnitOfWork(database, actor) as uow:
        session = uow.session
        case = session.scalar(
            select(Case).where(Case.coi == normalised_coi(coi), visible_cases(actor))
        )
        if case is None:  # export_epcis refused it already, unless it went since
            raise ValidationFailed(f"No case you may see has the COI {coi}.")
        sites = {s.id: s.code for s in session.scalars(select(Site))}
        own = sites.get(actor.site_id) if actor.site_id else None
        parties = {case.clinic_site_id: case.manufacturing_site_id}
        parties[case.manufacturing_site_id] = case.clinic_site_id
        if actor.site_id not in parties or own is None:
            raise NotPermitted("Only the case's clinic or manufacturer sends its bundle.")
        partner = sites[parties[actor.site_id]]
        if to_site.strip() != partner:
            raise ValidationFailed(
                f"The bundle of case {case.coi} can go only to its partner site {partner}, "
                f"not to {to_site.strip()[:32]!r}."
            )
        previous = _last_digest(session, case.coi)
        bundle_id = str(uuid.uuid4())
        payload = {
            "format": FORMAT,
            "bundle_id": bundle_id,
            "coi": case.coi,
            "from_site": own,
            "to_site": partner,
            "created_at": epcis_time(now()),
            "previous": previous,
            "records": records_of(session, case, sites),
            "epcis": document,
        }
        body = _canonical(payload)
        digest = hashlib.sha256(body).hexdigest()
        uow.add(
            ExchangeBundle(
                bundle_id=bundle_id,
                digest=digest,
                coi=case.coi,
                direction="sent",
                from_site=own,
                to_site=partner,
                previous=previous,
                payload=body.decode(),
                recorded_by_id=actor.user_id,
            ),
            action="send bundle",
            reason=f"bundle sha256 {digest} to {partner}",
        )
        envelope = {
            "format": FORMAT,
            "public_key": public_key_hex(key.public_key()),
            "payload": base64.b64encode(body).decode(),
            "signature": base64.b64encode(key.sign(body)).decode(),
        }
        content = (json.dumps(envelope, indent=2) + "\n").encode()
        written = write_whole(out, content)
        try:
            uow.commit()
        except BaseException:
            written.unlink(missing_ok=True)  # not recorded as sent: no file either
            raise
    events = len(document["epcisBody"]["eventList"])
    return BundleExport(content, digest, bundle_id, case.coi, partner, previous, events)


@dataclass(frozen=True)
class BundlePartner:
    """Where the actor's site sends a case's bundle: the case's other site."""

    coi: str
    site_code: str
    site_name: str
    is_manufacturer: bool


def bundle_partner(database: Database, actor: Actor, coi: str) -> BundlePartner | None:
    """The partner site the actor's site sends case ``coi``'s bundle to (None: the actor's site
    is neither the case's clinic nor its manufacturer, or the case is not visible)."""
    with database.read_session() as session:
        case = session.scalar(
            select(Case).where(Case.coi == normalised_coi(coi), visible_cases(actor))
        )
        if case is None or actor.site_id not in {case.clinic_site_id, case.manufacturing_site_id}:
            return None
        to_maker = actor.site_id == case.clinic_site_id
        site = session.get(Site, case.manufacturing_site_id if to_maker else case.clinic_site_id)
        if site is None:
            return None
        return BundlePartner(case.coi, site.code, site.name, to_maker)


def may_send_bundles(actor: Actor) -> bool:
    """Whether the actor's roles may send a case's bundle to its partner (QA, clinic
    coordinator): the screens offer "Send to …" to them only."""
    return bool(actor.roles & set(SEND_ROLES))


def may_import_bundles(actor: Actor) -> bool:
    """Whether the actor's roles may import a partner's bundle (QA, clinic coordinator)."""
    return bool(actor.roles & set(IMPORT_ROLES))


# ---------------------------------------------------------------------------- import
@dataclass(frozen=True)
class BundleImport:
    """An accepted bundle and what became of its events."""

    digest: str
    bundle_id: str
    coi: str
    from_site: str
    outcomes: tuple[EventOutcome, ...]
    created: tuple[str, ...] = ()
    """What the bundle made here, in words (``case CHZ… (shipped_to_manufacturer)``, …)."""
    updated: tuple[str, ...] = ()
    """What it brought up to date here, in words."""
    from_site_name: str = ""
    """The sending site's name (its code when this database does not know the site)."""


def _envelope(path: Path) -> tuple[str, bytes, bytes]:
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        raise BundleRefused(f"Cannot read {path.name}: {exc.strerror or exc}.") from None
    try:
        envelope = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BundleRefused(f"{path.name} is not a bundle: it is not JSON.") from None
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise BundleRefused(f"{path.name} is not a COI Tracker exchange bundle ({FORMAT}).")
    try:
        body = base64.b64decode(str(envelope["payload"]), validate=True)
        signature = base64.b64decode(str(envelope["signature"]), validate=True)
        public_key = str(envelope["public_key"]).lower()
    except (KeyError, binascii.Error):
        raise BundleRefused(f"{path.name} is damaged: payload or signature unreadable.") from None
    return public_key, body, signature


def import_bundle(database: Database, actor: Actor, path: Path) -> BundleImport:
    """Verify and store a partner's bundle for the actor's site; refused whole otherwise."""
    public_key, body, signature = _envelope(path)
    require_role(actor, *IMPORT_ROLES, doing="import a partner's bundle")
    try:
        return _import(database, actor, public_key, body, signature)
    except IntegrityError:
        # Another session stored the same bundle (or its records) between our checks and our
        # commit: the database's unique keys refused ours whole.
        raise BundleRefused(
            "This bundle was imported at the same moment by another session (already imported); "
            "nothing was written."
        ) from None


def _import(
    database: Database, actor: Actor, public_key: str, body: bytes, signature: bytes
) -> BundleImport:
    digest = hashlib.sha256(body).hexdigest()
    with UnitOfWork(database, actor) as uow:
        session = uow.session
        sender = session.scalar(
            select(PartnerKey).where(PartnerKey.public_key == public_key, PartnerKey.active)
        )
        if sender is None:
            raise BundleRefused(
                "The sender is unknown: the bundle's key is not a registered partner key "
                "(an administrator registers it with `coi exchange trust`)."
            )
        try:
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key)).verify(signature, body)
        except (InvalidSignature, ValueError):
            raise BundleRefused(
                f"The signature does not match the bundle: it was changed after {sender.site_code} "
                "signed it, or not signed by that site. Nothing was imported."
            ) from None
        payload = json.loads(body)
        if payload.get("from_site") != sender.site_code:
            raise BundleRefused(
                f"The bundle says it comes from {str(payload.get('from_site'))[:32]!r} but is "
                f"signed with the key of {sender.site_code}."
            )
        own = session.get(Site, actor.site_id) if actor.site_id else None
        if own is None or payload.get("to_site") != own.code:
            raise BundleRefused(
                f"The bundle is for another site ({str(payload.get('to_site'))[:32]}), not "
                f"yours ({own.code if own else 'none'})."
            )
        seen = session.scalar(
            select(ExchangeBundle.id).where(
                (ExchangeBundle.digest == digest)
                | (ExchangeBundle.bundle_id == str(payload.get("bundle_id")))
            )
        )
        if seen is not None:
            raise BundleRefused("This bundle was imported before (a replay); nothing was written.")
        coi = str(payload.get("coi", ""))[:15]
        last = _last_digest(session, coi)
        if payload.get("previous") != last:
            raise BundleRefused(
                f"The bundle does not continue case {coi}'s history: it follows "
                f"{payload.get('previous') or 'nothing'}, the last bundle here is "
                f"{last or 'none'}. Import the earlier bundles first."
            )
        records = payload.get("records")
        parties = (
            {records.get("clinic"), records.get("manufacturer")}
            if isinstance(records, dict)
            else set()
        )
        if parties != {sender.site_code, own.code}:
            raise BundleRefused(
                f"Case {coi} is not between {sender.site_code} and {own.code}: the bundle names "
                "other sites."
            )
        applied = apply_records(uow, records, coi, digest, sender.site_code)
        uow.add(
            ExchangeBundle(
                bundle_id=str(payload["bundle_id"])[:36],
                digest=digest,
                coi=coi,
                direction="received",
                from_site=sender.site_code,
                to_site=own.code,
                previous=last,
                payload=body.decode(),
                recorded_by_id=actor.user_id,
            ),
            action="import bundle",
            reason=f"bundle sha256 {digest} from {sender.site_code}",
        )
        document = epcis_document_of(f"bundle {digest[:12]}", digest, payload["epcis"])
        outcomes = attach_events(uow, actor, document)
        sender_name = session.scalar(select(Site.name).where(Site.code == sender.site_code))
        uow.commit()
    return BundleImport(
        digest,
        str(payload["bundle_id"]),
        coi,
        sender.site_code,
        tuple(outcomes),
        tuple(applied.created),
        tuple(applied.updated),
        from_site_name=sender_name or sender.site_code,
    )
