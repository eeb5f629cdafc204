"""Secret key files outside the database (the audit key, the clinic key): read, write, import.

A key is 32 random bytes in a file of mode 0600. Reads are cached by the file's stamp (mtime,
size, inode), so a key imported while the application runs is seen at the next read.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from app.core.errors import CoiError, ValidationFailed

KEY_BYTES = 32

_CACHE: dict[Path, tuple[tuple[int, int, int], bytes]] = {}


def key_id_of(secret: bytes, label: bytes) -> str:
    """The id of a key: the first 16 hex digits of ``HMAC(key, label)``, ``label`` fixed per
    kind of key."""
    return hmac.digest(secret, label, hashlib.sha256).hex()[:16]


@dataclass(frozen=True)
class KeyFile:
    """A secret key and where it was read from; its id is safe to store and show."""

    ID_LABEL: ClassVar[bytes]
    """The fixed label the id of this kind of key is made with."""

    secret: bytes
    path: Path

    @property
    def key_id(self) -> str:
        """16 hex digits that name the key without revealing it."""
        return key_id_of(self.secret, self.ID_LABEL)


def read_key_file(path: Path, *, name: str, problem: type[CoiError], hint: str) -> bytes | None:
    """The secret in ``path`` (None: no such file); ``problem`` when unreadable or damaged.

    ``name`` names the key in messages ("audit key"), ``hint`` says how to put it right.
    """
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise problem(f"The {name} {path} cannot be read: {exc}.") from exc
    stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    cached = _CACHE.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        secret = path.read_bytes()
    except OSError as exc:
        raise problem(f"The {name} {path} cannot be read: {exc}.") from exc
    if len(secret) != KEY_BYTES:
        raise problem(
            f"The {name} file {path} is damaged: it holds {len(secret)} bytes, a key holds "
            f"{KEY_BYTES}. {hint}"
        )
    _CACHE[path] = (stamp, secret)
    return secret


def read_key_to_import(source: Path, *, a_key: str, made_by: str) -> bytes:
    """The secret in a key file to import; a clear refusal when it is none (``a_key``: "an
    audit key", "a clinic key")."""
    try:
        secret = source.read_bytes()
    except OSError as exc:
        raise ValidationFailed(f"The key file {source} cannot be read: {exc}.") from exc
    if len(secret) != KEY_BYTES:
        raise ValidationFailed(
            f"{source} is not {a_key}: it holds {len(secret)} bytes, a key holds "
            f"{KEY_BYTES} (made by `{made_by}`)."
        )
    return secret


def write_key_file(path: Path, secret: bytes) -> None:
    """Write ``secret`` to a new file ``path`` (mode 0600); an existing file is refused."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(descriptor, secret)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    path.chmod(0o600)


def export_key_file(key: KeyFile, target: Path) -> None:
    """Copy ``key`` to ``target`` (a new file, mode 0600); an existing file is refused."""
    if target.exists():
        raise ValidationFailed(f"{target} exists already; choose a new file name.")
    try:
        write_key_file(target, key.secret)
    except OSError as exc:
        raise ValidationFailed(f"The key cannot be written to {target}: {exc}.") from exc


def install_key_file(
    path: Path,
    secret: bytes,
    current: KeyFile | None,
    *,
    replace_existing: bool,
    name: str,
    needed_by: str,
) -> Path | None:
    """Install ``secret`` at ``path``, where ``current`` is installed (None: no key yet); where
    a different old key went.

    The same key is left as it is. A different one is kept unless ``replace_existing``; then it
    is moved aside (``<file>.<key id>.replaced``), never deleted: ``needed_by`` need it.
    """
    moved = None
    if current is not None:
        if current.secret == secret:
            return None
        if not replace_existing:
            raise ValidationFailed(
                f"A different {name} (key id {current.key_id}) is installed at {path}; "
                f"{needed_by} need it. Nothing was changed. To replace it, give --replace "
                "(the old key is kept beside it)."
            )
        moved = path.with_name(f"{path.name}.{current.key_id}.replaced")
        path.rename(moved)
    write_key_file(path, secret)
    return moved
