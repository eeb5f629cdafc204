"""Writing a finished report or export to its file, and recording that it was made.

A file is written beside its final name and moved into place when complete, so a reader never
sees half a report; a folder that does not exist or cannot be written is refused in words
before anything is drawn. Each report made is an audit event carrying the file's SHA-256 and the
seal it was made at.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core import Actor, Database, UnitOfWork, ValidationFailed

REPORT_RECORD_TYPE = "case_report"
"""The record type of the events that record a report or export made for a case."""


@dataclass(frozen=True)
class RenderedReport:
    """A report drawn in memory: the PDF, the case's COI and the seal it was made at."""

    pdf: bytes
    coi: str
    seal: str


@dataclass(frozen=True)
class SavedFile:
    """A report or export written to disk: where, its SHA-256 and the seal it was made at."""

    path: Path
    sha256: str
    seal: str
    size: int


def check_writable(path: Path) -> Path:
    """``path`` made absolute, refused in words when its folder is missing or not writable."""
    target = Path(path).expanduser().absolute()
    folder = target.parent
    if target.is_dir():
        raise ValidationFailed(f"{target} is a folder; name the file to write, e.g. report.pdf.")
    if not folder.is_dir():
        raise ValidationFailed(f"The folder {folder} does not exist; nothing was written.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValidationFailed(f"The folder {folder} cannot be written to; nothing was written.")
    return target


def write_file(path: Path, data: bytes, seal: str) -> SavedFile:
    """Write ``data`` to ``path`` (beside it first, then moved into place)."""
    target = check_writable(path)
    try:
        descriptor, name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".part", dir=target.parent
        )
        partial_file = Path(name)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            partial_file.replace(target)
        except BaseException:
            partial_file.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ValidationFailed(
            f"{target} could not be written ({exc.strerror or exc}); nothing was saved."
        ) from exc
    return SavedFile(target, hashlib.sha256(data).hexdigest(), seal, len(data))


def record_made(
    database: Database,
    actor: Actor,
    case_id: uuid.UUID,
    action: str,
    saved: SavedFile,
    **extra: Any,
) -> None:
    """Record in the audit trail that ``actor`` made this file for the case."""
    with UnitOfWork(database, actor) as uow:
        uow.record_event(
            action,
            REPORT_RECORD_TYPE,
            str(case_id),
            new={
                "file_name": saved.path.name,
                "sha256": saved.sha256,
                "seal": saved.seal,
                **extra,
            },
        )
        uow.commit()


def save_report(
    database: Database,
    actor: Actor,
    case_id: uuid.UUID,
    path: Path,
    *,
    render: Callable[[], RenderedReport],
    action: str,
    **extra: Any,
) -> SavedFile:
    """Write the report ``render`` draws to ``path`` (a folder that cannot take it is refused
    before anything is drawn) and record ``action`` for the case in the audit trail."""
    check_writable(path)
    rendered = render()
    saved = write_file(path, rendered.pdf, rendered.seal)
    record_made(database, actor, case_id, action, saved, coi=rendered.coi, **extra)
    return saved
