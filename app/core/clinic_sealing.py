"""The clinic key: seals patient identity in the database (AES-256-GCM) and keys its look-ups.

The key is 32 random bytes in a file (mode 0600) in the per-user config directory, made by
``coi init`` and moved between the clinic's workstations with ``coi key export --clinic`` /
``coi key import --clinic``; it never enters the database. Two keys are derived from it
(HKDF-SHA256): one for AES-GCM, one for the HMAC-SHA256 look-up columns (a hospital number
is found by its keyed hash, never its text). A sealed value is
``coi-enc1:<key id>:<base64 of nonce + ciphertext>``, its associated data the table, column
and row it belongs to: copied onto another row it no longer opens. A workstation without the
key (a manufacturing site) reads ``[identity hidden — no clinic key]`` and works on.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.core.config import clinic_key_path, load_settings, save_settings
from app.core.errors import ClinicKeyProblem, IdentityUnreadable
from app.core.key_files import (
    KEY_BYTES,
    KeyFile,
    export_key_file,
    install_key_file,
    read_key_file,
    read_key_to_import,
    write_key_file,
)

NONCE_BYTES = 12
SEALED_PREFIX = "coi-enc1:"
PATIENT_SEALED_PREFIX = "coi-enc2:"
"""The prefix of a value sealed with a patient's data key (``app.core.patient_keys``)."""
IDENTITY_HIDDEN = "[identity hidden — no clinic key]"
"""What a workstation without the clinic key shows in place of a patient's identity."""
IDENTITY_ALTERED = "identity of this patient cannot be read: it was altered"
_KEY_ID_LABEL = b"COI-CLINIC-KEY-ID v1"
_IMPORT_HINT = (
    "`coi init` creates it at the clinic; on another clinic workstation import it with "
    "`coi key import --clinic FILE` (exported with `coi key export --clinic FILE`)."
)


class Opener(Protocol):
    """Anything that opens a sealed value for its row and column (a `ClinicKey`, or
    ``app.core.patient_keys.PatientKeys``, which opens patient-key values too)."""

    def open(self, stored: str, where: str) -> str:
        """The plain text of ``stored`` sealed for ``where``."""
        ...


class Sealer(Protocol):
    """Anything that seals a value for its row and column."""

    def seal(self, text: str, where: str) -> str:
        """``text`` sealed and bound to ``where``."""
        ...


@dataclass(frozen=True)
class ClinicKey(KeyFile):
    """The clinic's secret and where it was read from."""

    ID_LABEL = _KEY_ID_LABEL

    @cached_property
    def _aead(self) -> AESGCM:
        return AESGCM(_derive(self.secret, b"COI clinic identity encryption v1"))

    @cached_property
    def _lookup_key(self) -> bytes:
        return _derive(self.secret, b"COI clinic identity look-up v1")

    def seal(self, text: str, where: str) -> str:
        """``text`` encrypted and bound to ``where`` (see `bound_to`)."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, text.encode("utf-8"), associated_data(where))
        body = base64.b64encode(nonce + sealed).decode("ascii")
        return f"{SEALED_PREFIX}{self.key_id}:{body}"

    def open(self, stored: str, where: str) -> str:
        """The text sealed in ``stored`` for ``where``; `IdentityUnreadable` when it cannot be."""
        key_id, body = _parts(stored)
        if key_id != self.key_id:
            raise IdentityUnreadable(
                f"The identity of this patient was sealed with another clinic key (key id "
                f"{key_id}); this workstation's clinic key is {self.key_id} ({self.path}). "
                "Nothing was changed: import the clinic's key with `coi key import --clinic "
                "FILE --replace`."
            )
        try:
            raw = base64.b64decode(body, validate=True)
            plain = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], where.encode("utf-8"))
            return plain.decode("utf-8")
        except (binascii.Error, ValueError, InvalidTag):
            raise IdentityUnreadable(altered_message()) from None

    @cached_property
    def _wrapping(self) -> AESGCM:
        return AESGCM(_derive(self.secret, b"COI patient key wrapping v1"))

    def wrap(self, secret: bytes, where: bytes) -> str:
        """A patient's data key wrapped (AES-GCM) and bound to ``where``: ``<key id>:<b64>``."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        body = base64.b64encode(nonce + self._wrapping.encrypt(nonce, secret, where))
        return f"{self.key_id}:{body.decode('ascii')}"

    def unwrap(self, wrapped: str, where: bytes) -> bytes:
        """The data key in ``wrapped`` (`IdentityUnreadable` under another key or altered)."""
        key_id, _, body = wrapped.partition(":")
        if key_id != self.key_id:  # wrapped with another clinic key: named, not "altered"
            raise IdentityUnreadable(
                f"The identity of this patient was sealed with another clinic key (its patient "
                f"key is wrapped with key id {key_id}); this workstation's clinic key is "
                f"{self.key_id} ({self.path}). Nothing was changed: import the clinic's key with "
                "`coi key import --clinic FILE --replace`."
            )
        try:
            raw = base64.b64decode(body, validate=True)
            return self._wrapping.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], where)
        except (binascii.Error, ValueError, InvalidTag):
            raise IdentityUnreadable(altered_message()) from None

    def lookup(self, text: str) -> str:
        """``HMAC-SHA256(look-up key, text)`` as hex: the value of a look-up column."""
        return hmac.digest(self._lookup_key, text.encode("utf-8"), hashlib.sha256).hex()


def associated_data(where: str) -> bytes:
    """AES-GCM's associated data: the row and column a value is sealed for."""
    return where.encode("utf-8")


def altered_message() -> str:
    """Why a stored identity value that does not open is not shown."""
    return (
        f"The {IDENTITY_ALTERED} (the stored value does not open for this record). Nothing "
        "was changed; report it to the quality unit."
    )


def _parts(stored: str) -> tuple[str, str]:
    if not stored.startswith(SEALED_PREFIX):
        raise IdentityUnreadable(altered_message())
    key_id, _, body = stored[len(SEALED_PREFIX) :].partition(":")
    if not body:
        raise IdentityUnreadable(altered_message())
    return key_id, body


def symbol_mac(key: ClinicKey, text: str) -> str:
    """The look-up hash of one printed symbol's text (a sealed label is found by it)."""
    return key.lookup("label symbol:" + text)


def sealed_payload(
    key: ClinicKey, label_id: object, payload: str, sealer: Sealer | None = None
) -> str:
    """A label's payload (JSON of its symbols' texts) sealed, with its symbols' look-up hashes.

    The label is still found by a scan of one of its symbols (`symbol_mac`), its content
    opened only with the clinic key.
    """
    symbols = json.loads(payload)
    texts = symbols.values() if isinstance(symbols, dict) else ()
    macs = sorted({symbol_mac(key, text) for text in texts if isinstance(text, str)})
    sealed = (sealer or key).seal(payload, bound_to("label", "payload", label_id))
    return json.dumps({"sealed": sealed, "symbol_macs": macs}, sort_keys=True)


def opened_payload(key: Opener | None, label_id: object, stored: str) -> str:
    """A label's payload JSON as printed: opened when sealed (`IdentityUnreadable` without
    the key or when altered), as stored when not."""
    if not stored.startswith('{"sealed"'):
        return stored
    if key is None:
        raise IdentityUnreadable(f"This label's content is sealed: {IDENTITY_HIDDEN}.")
    return key.open(json.loads(stored)["sealed"], bound_to("label", "payload", label_id))


def opened_scan_text(key: Opener | None, scan_id: object, stored: str) -> str:
    """A scan's text as read: opened when sealed (`IdentityUnreadable` without the key or when
    altered), as stored when not."""
    if not is_sealed(stored):
        return stored
    if key is None:
        raise IdentityUnreadable(f"This scan's text is sealed: {IDENTITY_HIDDEN}.")
    return key.open(stored, bound_to("scan", "raw_text", scan_id))


def is_sealed(value: object) -> bool:
    """Whether ``value`` is a sealed (encrypted) text: with the clinic key or a patient key."""
    return isinstance(value, str) and value.startswith((SEALED_PREFIX, PATIENT_SEALED_PREFIX))


def bound_to(table: str, column: str, row_id: object) -> str:
    """The associated data that binds a sealed value to one column of one row."""
    return f"{table}.{column}/{row_id}"


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


_KEYS: dict[tuple[Path, bytes], ClinicKey] = {}


def _read(path: Path) -> ClinicKey | None:
    secret = read_key_file(
        path,
        name="clinic key",
        problem=ClinicKeyProblem,
        hint=f"Nothing was changed. {_IMPORT_HINT}",
    )
    if secret is None:
        return None
    if (path, secret) not in _KEYS:  # one object per key: its derived keys are made once
        _KEYS[(path, secret)] = ClinicKey(secret, path)
    return _KEYS[(path, secret)]


def clinic_key(path: Path | None = None) -> ClinicKey | None:
    """This workstation's clinic key; None where there is none (a manufacturing site)."""
    return _read(path or clinic_key_path())


def require_clinic_key(doing: str) -> ClinicKey:
    """The clinic key, or a clear refusal to do ``doing`` without it."""
    key = clinic_key()
    if key is None:
        raise ClinicKeyProblem(
            f"This workstation has no clinic key ({clinic_key_path()}), so it cannot {doing}: "
            f"patient identity is sealed with it. Nothing was saved. {_IMPORT_HINT}"
        )
    return key


def ensure_clinic_key(*, record_in_settings: bool = True) -> tuple[ClinicKey, bool]:
    """The configured clinic key, created (random, mode 0600) when there is none; and if new."""
    path = clinic_key_path()
    created = not path.exists()
    if created:
        write_key_file(path, secrets.token_bytes(KEY_BYTES))
        if record_in_settings:
            _record_path(path)
    key = _read(path)
    assert key is not None  # just written or found
    return key, created


def _record_path(path: Path) -> None:
    settings = load_settings()
    if settings.clinic_key_file != str(path):
        save_settings(replace(settings, clinic_key_file=str(path)))


def export_clinic_key(target: Path) -> ClinicKey:
    """Copy the clinic key to ``target`` (a new file, mode 0600)."""
    key = require_clinic_key("export the clinic key")
    export_key_file(key, target)
    return key


def import_clinic_key(
    source: Path, *, replace_existing: bool = False
) -> tuple[ClinicKey, Path | None]:
    """Install the clinic key in ``source``; return it and where a different old one went.

    A different key already installed is kept unless ``replace_existing``; then it is moved
    aside (``clinic.key.<key id>.replaced``), never deleted: identities sealed with it need it.
    """
    secret = read_key_to_import(
        source, a_key="a clinic key", made_by="coi key export --clinic FILE"
    )
    path = clinic_key_path()
    moved = install_key_file(
        path,
        secret,
        _read(path) if path.exists() else None,
        replace_existing=replace_existing,
        name="clinic key",
        needed_by="the patient identities sealed with it",
    )
    _record_path(path)
    key = _read(path)
    assert key is not None
    return key, moved
