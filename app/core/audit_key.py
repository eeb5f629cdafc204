"""The audit key: a secret outside the database that keys the audit chain (HMAC-SHA256).

The key is 32 random bytes in a file (mode 0600) in the per-user config directory, its path
in the settings file. The database stores only the key's id (an HMAC of a fixed label), so a
wrong key is told apart from tampering. On PostgreSQL every workstation needs the same key:
``coi key export`` / ``coi key import`` move it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from pathlib import Path

from app.core.config import audit_key_path, load_settings, save_settings
from app.core.errors import AuditKeyMismatch, AuditKeyMissing, AuditKeyProblem
from app.core.key_files import (
    KEY_BYTES,
    KeyFile,
    export_key_file,
    install_key_file,
    read_key_file,
    read_key_to_import,
    write_key_file,
)
from app.core.key_files import key_id_of as _key_id_of

_KEY_ID_LABEL = b"COI-AUDIT-KEY-ID v1"
_IMPORT_HINT = (
    "On the first workstation `coi init` creates it; on another workstation of a shared "
    "database import it with `coi key import FILE` (exported with `coi key export FILE`)."
)


@dataclass(frozen=True)
class AuditKey(KeyFile):
    """The secret, where it was read from, and its id (safe to store and show)."""

    ID_LABEL = _KEY_ID_LABEL

    def mac(self, message: str) -> str:
        """``HMAC-SHA256(key, message)`` as lowercase hex."""
        return hmac.digest(self.secret, message.encode("utf-8"), hashlib.sha256).hex()


def key_id_of(secret: bytes) -> str:
    """The id of a key: the first 16 hex digits of ``HMAC(key, fixed label)``."""
    return _key_id_of(secret, _KEY_ID_LABEL)


def _read(path: Path) -> AuditKey:
    secret = read_key_file(
        path,
        name="audit key",
        problem=AuditKeyProblem,
        hint="Import the key again with `coi key import FILE`.",
    )
    if secret is None:
        raise AuditKeyMissing(
            f"The audit key is missing: {path} does not exist. The audit trail is keyed with "
            f"it and is neither written nor verified without it. {_IMPORT_HINT}"
        )
    return AuditKey(secret, path)


def load_key(path: Path | None = None) -> AuditKey:
    """The audit key at ``path`` (default: the configured one); a clear error if absent."""
    return _read(path or audit_key_path())


def require_key(key_id: str, path: Path | None = None) -> AuditKey:
    """The configured key, checked to be the one named ``key_id`` (the database's)."""
    key = load_key(path)
    if key.key_id != key_id:
        raise AuditKeyMismatch(
            f"The audit key at {key.path} (key id {key.key_id}) is not the key this database's "
            f"audit trail is keyed with (key id {key_id}). Nothing was written. Import the "
            "database's key with `coi key import FILE --replace`."
        )
    return key


def ensure_key(*, record_in_settings: bool = True) -> tuple[AuditKey, bool]:
    """The configured key, created (random, mode 0600) when there is none; and whether new.

    A new key's path is written to the settings file so that it is found again.
    """
    path = audit_key_path()
    if not path.exists():
        write_key_file(path, secrets.token_bytes(KEY_BYTES))
        if record_in_settings:
            _record_path(path)
        return load_key(path), True
    return load_key(path), False


def _record_path(path: Path) -> None:
    settings = load_settings()
    if settings.audit_key_file != str(path):
        save_settings(replace(settings, audit_key_file=str(path)))


def export_key(target: Path) -> AuditKey:
    """Copy the configured key to ``target`` (a new file, mode 0600)."""
    key = load_key()
    export_key_file(key, target)
    return key


def import_key(source: Path, *, replace_existing: bool = False) -> tuple[AuditKey, Path | None]:
    """Install the key in ``source`` as this workstation's; return it and where an old one went.

    A different key already installed is kept unless ``replace_existing``; then it is moved
    aside (``audit.key.<key id>.replaced``), never deleted.
    """
    secret = read_key_to_import(source, a_key="an audit key", made_by="coi key export FILE")
    path = audit_key_path()
    moved = install_key_file(
        path,
        secret,
        _read(path) if path.exists() else None,
        replace_existing=replace_existing,
        name="audit key",
        needed_by="the databases keyed with it",
    )
    _record_path(path)
    return load_key(path), moved
