"""Saving a logger file's cold-chain excursion report where the user chooses (Save as…).

The report is drawn by ``app.coldchain.excursion_report_pdf`` (who may print it is checked
there), written beside its final name and moved into place, and recorded in the audit trail on
the logger file with the file's SHA-256 and the seal of the audit chain's head it was made at.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from app.coldchain import excursion_report_pdf
from app.core import Actor, Database, UnitOfWork, chain_head, seal_text
from app.reports.saving import SavedFile, check_writable, write_file

LOGGER_FILE = "logger_file"


def save_excursion_report(
    database: Database, actor: Actor, logger_file_id: uuid.UUID, path: Path
) -> SavedFile:
    """Write the excursion report of ``logger_file_id`` to ``path`` and record that it was made."""
    check_writable(path)
    with database.read_session() as session:
        seal = seal_text(chain_head(session.connection()))
    saved = write_file(path, excursion_report_pdf(database, actor, logger_file_id), seal)
    with UnitOfWork(database, actor) as uow:
        uow.record_event(
            "print excursion report",
            LOGGER_FILE,
            str(logger_file_id),
            new={"file_name": saved.path.name, "sha256": saved.sha256, "seal": saved.seal},
        )
        uow.commit()
    return saved
