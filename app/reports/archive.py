"""The archive of a case: its reports, its audit events, its FHIR bundle (and any part another
context adds, such as an EPCIS document), with a manifest ``SHA256SUMS`` that ``sha256sum -c``
checks without the application.

Made by QA or the QP (the audit events are theirs to read) into a new or empty folder; nothing
already there is overwritten. A part the actor may not make, or that does not exist yet (the
certificate of a batch not certified), is left out and named in ``archive.json`` with the reason.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.access import require_role
from app.audit import AuditFilter, export_audit_csv
from app.core import Actor, CoiError, Database, ValidationFailed, current_seal
from app.exchange import export_epcis
from app.reports.certificate import save_certificate
from app.reports.custody_report import save_custody_report
from app.reports.fhir_export import save_fhir_bundle
from app.reports.saving import SavedFile, check_writable, record_made, write_file
from db.enums import Role
from db.models import Case
from db.types import utc_now

ARCHIVE_ROLES = (Role.QA, Role.QP)
MANIFEST = "SHA256SUMS"
SUMMARY = "archive.json"

PartWriter = Callable[[Database, Actor, uuid.UUID, Path], object]
"""Writes one part of the archive to the path given (the file's name is the part's)."""


@dataclass(frozen=True)
class ArchivePart:
    """One file of the archive: its name (``{coi}`` is replaced) and the writer that makes it."""

    name: str
    write: PartWriter
    required: bool = True
    """A required part that fails stops the archive; an optional one is named as left out."""


@dataclass(frozen=True)
class CaseArchive:
    """A finished archive: its folder, the files in the manifest and those left out (why)."""

    folder: Path
    files: dict[str, str]
    """File name → SHA-256, as in ``SHA256SUMS``."""
    left_out: dict[str, str] = field(default_factory=dict)
    seal: str = ""


def _audit_csv(database: Database, actor: Actor, case_id: uuid.UUID, path: Path) -> object:
    return export_audit_csv(database, actor, AuditFilter(case_id=case_id), path)


def _epcis(database: Database, actor: Actor, case_id: uuid.UUID, path: Path) -> object:
    """The case's EPCIS 2.0 document (no patient identity), recorded like the reports."""
    check_writable(path)
    with database.read_session() as session:
        case = session.get(Case, case_id)
        coi = case.coi if case is not None else ""
    export = export_epcis(database, actor, coi=coi)
    saved = write_file(path, export.json_bytes(), current_seal(database))
    record_made(database, actor, case_id, "export EPCIS document", saved, coi=coi, report="epcis")
    return saved


def standard_parts() -> tuple[ArchivePart, ...]:
    """The parts every archive holds (the certificate only once the batch is certified)."""
    return (
        ArchivePart("coc-report-{coi}.pdf", save_custody_report),
        ArchivePart("release-certificate-{coi}.pdf", save_certificate, required=False),
        ArchivePart("audit-events-{coi}.csv", _audit_csv),
        ArchivePart("fhir-{coi}.json", save_fhir_bundle),
        ArchivePart("epcis-{coi}.jsonld", _epcis),
    )


def _empty_folder(folder: Path) -> Path:
    target = Path(folder).expanduser().absolute()
    if target.exists() and not target.is_dir():
        raise ValidationFailed(f"{target} is a file, not a folder; nothing was written.")
    if target.is_dir() and any(target.iterdir()):
        raise ValidationFailed(
            f"The folder {target} is not empty: an archive goes into a new or empty folder, "
            "so nothing in it is overwritten."
        )
    if not target.parent.is_dir():
        raise ValidationFailed(f"The folder {target.parent} does not exist; nothing was written.")
    try:
        target.mkdir(exist_ok=True)
    except OSError as exc:
        raise ValidationFailed(
            f"The folder {target} cannot be made ({exc.strerror or exc}); nothing was written."
        ) from exc
    return target


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_archive(
    database: Database,
    actor: Actor,
    case_id: uuid.UUID,
    coi: str,
    folder: Path,
    *,
    extra_parts: Sequence[ArchivePart] = (),
) -> CaseArchive:
    """Write every part of the case's archive into ``folder`` and its manifest last."""
    require_role(actor, *ARCHIVE_ROLES, doing="archive cases")
    target = _empty_folder(folder)
    files: dict[str, str] = {}
    left_out: dict[str, str] = {}
    try:
        for part in (*standard_parts(), *extra_parts):
            name = part.name.format(coi=coi)
            try:
                part.write(database, actor, case_id, target / name)
            except CoiError as refusal:
                if part.required:
                    raise
                left_out[name] = refusal.message
                continue
            files[name] = _sha256(target / name)
    except BaseException:
        for name in files:  # no half archive is left behind
            (target / name).unlink(missing_ok=True)
        raise
    seal = current_seal(database)
    summary = {
        "coi": coi,
        "made_at": utc_now().isoformat(),
        "made_by": f"{actor.full_name} ({actor.username})",
        "seal": seal,
        "files": files,
        "left_out": left_out,
        "check": f"sha256sum -c {MANIFEST}",
    }
    summary_bytes = json.dumps(summary, ensure_ascii=False, indent=2).encode("utf-8")
    write_file(target / SUMMARY, summary_bytes, seal)
    files[SUMMARY] = hashlib.sha256(summary_bytes).hexdigest()
    manifest = "".join(f"{digest}  {name}\n" for name, digest in sorted(files.items()))
    saved: SavedFile = write_file(target / MANIFEST, manifest.encode("utf-8"), seal)
    record_made(
        database,
        actor,
        case_id,
        "archive case",
        saved,
        coi=coi,
        files=sorted(files),
        report="archive",
    )
    return CaseArchive(target, files, left_out, seal)
