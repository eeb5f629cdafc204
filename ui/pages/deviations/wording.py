"""What the deviations page says of deviations and logger files, and the report file it opens.

The page's data comes in one call (``app.casefile.deviations_screen``).
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from app.casefile import DeviationStatus, PendingDisposition, Verdict
from app.coldchain import excursion_report_pdf
from app.core import Actor, Database

KIND_NAMES = {
    "reported": "Reported",
    "cold_chain": "Cold chain",
    "scan_mismatch": "Scan mismatch",
}
VERDICT_NAMES = {
    Verdict.WITHIN_LIMITS: "✔ Within limits",
    Verdict.EXCURSION: "✖ Excursion",
    Verdict.INCOMPLETE: "⚠ Incomplete data",
}


def status_words(status: DeviationStatus) -> str:
    """A deviation's status in words, with a sign that does not rely on colour."""
    return "● Open" if status is DeviationStatus.OPEN else "✔ Closed"


def counted(count: int, noun: str) -> str:
    """``1 logger file``, ``2 logger files``: never "file(s)" (issue 16 review)."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def excursion_summary(pending: PendingDisposition) -> str:
    """One line of what the assessment found."""
    report = pending.logger.report
    excursions = report.get("excursions", [])
    gaps = report.get("gaps", [])
    parts = [counted(len(excursions), "excursion")]
    if excursions:
        peaks = [e["peak_c"] for e in excursions if "peak_c" in e]
        parts.append(f"longest {report.get('longest_excursion_min', 0):.0f} min")
        if peaks:
            parts.append(f"peak {max(peaks, key=abs):.1f} °C")
    parts.append(counted(len(gaps), "gap"))
    return ", ".join(parts)


def write_excursion_report(database: Database, actor: Actor, logger_file_id: uuid.UUID) -> Path:
    """Write a logger file's excursion report to a temporary PDF kept for a viewer to open."""
    pdf = excursion_report_pdf(database, actor, logger_file_id)
    folder = Path(tempfile.gettempdir()) / "coi-tracker-reports"
    folder.mkdir(exist_ok=True)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - kept for the viewer to open
        prefix="excursion-report-", suffix=".pdf", dir=folder, delete=False
    )
    with handle:
        handle.write(pdf)
    return Path(handle.name)
