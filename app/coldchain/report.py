"""The excursion report of a stored logger file: numbers, plot, disposition and signatures."""

from __future__ import annotations

import uuid

from app.access import require_role
from app.coldchain.assessed import AssessedTrace, assessed_logger_file
from app.coldchain.disposition_words import disposition_words
from app.core import Actor, Database, chain_head, coi_text, load, seal_text, sscc_text
from app.quality import signatures_of
from db.enums import Role
from db.models import Case, LoggerFile, Shipment
from db.types import utc_now

REPORT_ROLES = tuple(r for r in Role if r is not Role.ADMIN)


def excursion_report_pdf(database: Database, actor: Actor, logger_file_id: uuid.UUID) -> bytes:
    """The cold-chain report of a logger file as stored: the same window, profile and readings."""
    # The renderer draws with matplotlib: it loads when a report is drawn, not with the package.
    from app.coldchain.analysis.report_pdf import (  # noqa: PLC0415
        ReportHeader,
        render_excursion_report,
    )

    require_role(actor, *REPORT_ROLES, doing="print cold-chain reports")
    with database.read_session() as session:
        row = load(session, LoggerFile, logger_file_id, "logger file")
        assessed = assessed_logger_file(session, row.id)
        shipment = session.get(Shipment, row.shipment_id) if row.shipment_id else None
        case = session.get(Case, shipment.case_id) if shipment and shipment.case_id else None
        lines = []
        if row.disposition is not None:
            lines.append(
                f"Disposition: {disposition_words(row.disposition)} — "
                f"{row.disposition_justification or ''}"
            )
        lines.extend(view.manifestation for view in signatures_of(session, row))
        header = ReportHeader(
            title="Cold-chain excursion report",
            logger_file_name=row.file_name,
            raw_sha256=row.sha256,
            importer=row.format,
            sensor_id=row.sensor_id or "",
            generated_at=utc_now(),
            generated_by=actor.full_name,
            # both as printed on their labels, never the stored CHG1234… or 18 digits
            sscc=sscc_text(shipment.sscc) if shipment else None,
            coi=coi_text(case.coi, case.coi_check) if case else None,
            window_start=row.window_start,
            window_end=row.window_end,
            signatures=tuple(lines),
            seal=seal_text(chain_head(session.connection())),
        )
    return render_excursion_report(
        assessed.trace, assessed.profile, assessed.assessment, header=header
    )


def trace_plot_png(
    assessed: AssessedTrace, *, width_in: float, height_in: float, dpi: int = 150
) -> bytes:
    """The plot of an assessed logger file (trace, limit bands, excursions) as PNG bytes."""
    from app.coldchain.analysis.plot import render_trace_png  # noqa: PLC0415 - matplotlib

    return render_trace_png(
        assessed.trace,
        assessed.profile,
        assessed.assessment,
        width_in=width_in,
        height_in=height_in,
    )
