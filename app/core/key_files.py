"""Secret key files outside the database (the audit key, the clinic key): read, write, import.

A key is 32 random bytes in a file of mode 0600. Reads are cached by the file's stamp (mtime,
size, inode), so a key imported while the application runs is seen at the next read.
"""

from __future__ import annotations

import os
from pathlib import Path

from app.core.errors import CoiError, ValidationFailed

KEY_BYTES = 32

_CACHE: dict[Path, tuple[tuple[int, int, int], bytes]] = {}


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
