"""The chain-of-identity and custody report of a case: read, drawn, saved and recorded."""

from __future__ import annotations

import uuid
from pathlib import Path

from app.core import Actor, Database
from app.reports.custody_facts import read_custody_report
from app.reports.custody_pdf import render_custody_report
from app.reports.saving import RenderedReport, SavedFile, save_report


def custody_report_pdf(database: Database, actor: Actor, case_id: uuid.UUID) -> RenderedReport:
    """The report of a case ``actor`` may see (patient identity only for clinic roles)."""
    with database.read_session() as session:
        report = read_custody_report(session, actor, case_id)
    return RenderedReport(render_custody_report(report), report.detail.case.coi, report.seal)


def save_custody_report(
    database: Database, actor: Actor, case_id: uuid.UUID, path: Path
) -> SavedFile:
    """Write the case's report to ``path`` and record it in the audit trail."""
    return save_report(
        database,
        actor,
        case_id,
        path,
        render=lambda: custody_report_pdf(database, actor, case_id),
        action="print custody report",
        report="coc",
    )
