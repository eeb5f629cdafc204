"""Exports of the audit trail as CSV (every field) and PDF (a printable table) (DESIGN.md §6).

An export holds every event the filter matches and the exporter may see (app.audit.queries),
oldest first. The file is written beside its final name and moved into place when complete;
the export itself is then recorded as an audit event (action ``export``) carrying the filter,
the number of events, the SHA-256 of the file and the seal of the audit chain's head when the
export was read (``COI-AUDIT-SEAL v1 seq=N hash=H``: printed in every PDF page footer and as the
CSV's last row, to be checked later with ``coi audit verify --seal``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, LongTable, Paragraph, SimpleDocTemplate, Table, TableStyle

from app.audit.queries import EXPORT_RECORD_TYPE, AuditEntry, AuditFilter, iter_audit
from app.core import (
    BOLD,
    FONT,
    FOOTER_SPACE,
    MONO,
    Actor,
    Database,
    UnitOfWork,
    chain_head,
    register_fonts,
    report_pages,
    seal_text,
)
from db.types import utc_now

CSV_COLUMNS = (
    "seq",
    "time_utc",
    "user_name",
    "username",
    "station",
    "action",
    "action_in_words",
    "record_type",
    "record_id",
    "reason",
    "old_values",
    "new_values",
)
PAGE = landscape(A4)
MARGIN = 14 * mm
CONTENT_WIDTH = PAGE[0] - 2 * MARGIN - 12  # platypus frames pad 6 pt on each side
ROWS_PER_TABLE = 250
"""Rows per table flowable: a long export is many tables, each split across pages as needed."""


@dataclass(frozen=True)
class AuditExport:
    """A finished export: where, how many events, and the file's SHA-256."""

    path: Path
    format: str
    events: int
    sha256: str
    seal: str = ""
    """The audit chain's head when the export was read (``COI-AUDIT-SEAL v1 ...``)."""


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(partial(handle.read, 1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_beside(path: Path, write: Callable[[Path], int]) -> int:
    """Run ``write(temporary path)`` beside ``path`` and move the result into place."""
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(descriptor)
    partial_file = Path(name)
    try:
        count = write(partial_file)
        partial_file.replace(path)
    except BaseException:
        partial_file.unlink(missing_ok=True)
        raise
    return count


def _record(
    database: Database, actor: Actor, audit_filter: AuditFilter, export: AuditExport
) -> AuditExport:
    with UnitOfWork(database, actor) as uow:
        uow.record_event(
            "export",
            EXPORT_RECORD_TYPE,
            export.sha256,
            new={
                "format": export.format,
                "filter": audit_filter.as_dict(),
                "events": export.events,
                "file_name": export.path.name,
                "sha256": export.sha256,
                "seal": export.seal,
            },
        )
        uow.commit()
    return export


# ---------------------------------------------------------------- CSV


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet reads a cell starting with one of these as a formula (CSV injection)."""


def inert(text: str) -> str:
    """``text`` made safe to open in a spreadsheet: a leading apostrophe before a formula start.

    The apostrophe is the spreadsheet convention for "this is text"; the value after it is
    unchanged, and the audit trail in the database keeps the exact original.
    """
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _csv_row(entry: AuditEntry) -> tuple[Any, ...]:
    return (
        entry.seq,
        _iso(entry.at),
        inert(entry.user_name),
        inert(entry.username),
        inert(entry.station),
        inert(entry.action),
        inert(entry.action_words),
        inert(entry.record_type),
        inert(entry.record_id),
        inert(entry.reason or ""),
        _json(entry.old_values),
        _json(entry.new_values),
    )


def _json(values: dict[str, Any]) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def export_audit_csv(
    database: Database, actor: Actor, audit_filter: AuditFilter, path: Path
) -> AuditExport:
    """Write every matching event to ``path`` as CSV and record the export.

    UTF-8 with a byte-order mark (so spreadsheets read the encoding right), one header row,
    text cells that a spreadsheet would take for a formula made inert (see :func:`inert`).
    """
    path = Path(path)
    seals: list[str] = []

    def write(target: Path) -> int:
        count = 0
        with (
            database.read_session() as session,
            target.open("w", newline="", encoding="utf-8-sig") as out,
        ):
            seals.append(seal_text(chain_head(session.connection())))
            _scope, entries = iter_audit(session, actor, audit_filter)
            writer = csv.writer(out)
            writer.writerow(CSV_COLUMNS)
            for entry in entries:
                writer.writerow(_csv_row(entry))
                count += 1
            writer.writerow((seals[-1],) + ("",) * (len(CSV_COLUMNS) - 1))
        return count

    events = _write_beside(path, write)
    export = AuditExport(path, "csv", events, _sha256(path), seals[-1])
    return _record(database, actor, audit_filter, export)


# ---------------------------------------------------------------- PDF


def _style(size: float = 7.5, *, font: str = FONT, **extra: Any) -> ParagraphStyle:
    return ParagraphStyle(
        f"audit-{font}-{size}", fontName=font, fontSize=size, leading=size * 1.25, **extra
    )


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text(value: str, size: float = 7.5, *, font: str = FONT) -> Paragraph:
    return Paragraph(_escape(value), _style(size, font=font))


PDF_COLUMNS = (
    "Seq",
    "Time (UTC)",
    "User · station",
    "Action",
    "Record",
    "Reason",
    "Old → new values",
)
WIDTHS = (30.0, 92.0, 100.0, 136.0, 100.0, 96.0)
"""A row's first line holds its seq, its time to the second and the longest action up to its
arrow (``stage Received at manufacturer →``): neither is broken inside its words."""
COLUMN_WIDTHS = [*WIDTHS, CONTENT_WIDTH - sum(WIDTHS)]
MAX_VALUE_CHARACTERS = 160
"""A value longer than this (a label's ZPL, a scanned text) is cut in the PDF (the CSV has it)."""


def _cut(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_VALUE_CHARACTERS else f"{flat[:MAX_VALUE_CHARACTERS]}…"


def _values_cell(entry: AuditEntry) -> Paragraph:
    """Each field on its own line: ``Label: old → new`` (a new record shows only its values)."""
    lines = []
    for change in entry.readable:
        label = f"<b>{_escape(change.label)}</b>"
        if change.old_stored is None and not entry.old_values:
            lines.append(f"{label}: {_escape(_cut(change.new))}")
        else:
            lines.append(f"{label}: {_escape(_cut(change.old))} → {_escape(_cut(change.new))}")
    return Paragraph("<br/>".join(lines) or "—", _style(6.5))


def _pdf_row(entry: AuditEntry) -> list[Any]:
    record = (
        f"{_escape(entry.record_words)}<br/>"
        f"<font name='{MONO}' size='6.5'>{_escape(entry.record_id)}</font>"
    )
    user = f"{_escape(entry.who)}<br/><font color='#4b5563'>{_escape(entry.station)}</font>"
    return [
        str(entry.seq),
        _text(_utc(entry.at).removesuffix(" UTC")),
        Paragraph(user, _style()),
        _text(entry.action_words),
        Paragraph(record, _style()),
        _text(entry.reason or "—"),
        _values_cell(entry),
    ]


def _table(rows: list[list[Any]], *, empty: bool = False) -> LongTable:
    header = [_text(title, font=BOLD) for title in PDF_COLUMNS]
    table = LongTable([header, *rows], colWidths=COLUMN_WIDTHS, repeatRows=1, hAlign="LEFT")
    spans = [("SPAN", (0, 1), (-1, 1))] if empty else []
    table.setStyle(
        TableStyle(
            [
                *spans,
                ("FONT", (0, 0), (-1, -1), FONT, 7.5),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3e8ee")),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f5f7fa")]),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c7ced6")),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _tables(entries: Iterable[AuditEntry], counter: list[int]) -> Iterator[Flowable]:
    rows: list[list[Any]] = []
    for entry in entries:
        rows.append(_pdf_row(entry))
        counter[0] += 1
        if len(rows) == ROWS_PER_TABLE:
            yield _table(rows)
            rows = []
    if rows:
        yield _table(rows)
    elif counter[0] == 0:  # one line across the table, never wrapped in a narrow column
        empty = [_text("No events match the filter."), *[""] * (len(PDF_COLUMNS) - 1)]
        yield _table([empty], empty=True)


def _header(audit_filter: AuditFilter, scope: str, actor: Actor, at: datetime) -> list[Flowable]:
    facts = [
        ("Filter", audit_filter.describe()),
        ("Events shown", f"{scope}, oldest first"),
        ("Exported", f"{_utc(at)} by {actor.full_name} ({actor.username}) at {actor.station}"),
        (
            "Values",
            "Old → new values in words: people by name, fields by label, digests and record ids "
            "shortened, long values cut. The CSV export of the same filter holds every value "
            "exactly as stored.",
        ),
    ]
    cells = [[_text(key, 8.5, font=BOLD), _text(value, 8.5)] for key, value in facts]
    table = Table(cells, colWidths=[30 * mm, CONTENT_WIDTH - 30 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    title = Paragraph("Audit trail", _style(15, font=BOLD, spaceAfter=3 * mm))
    return [title, table, Paragraph("", _style(4, spaceAfter=3 * mm))]


def export_audit_pdf(
    database: Database, actor: Actor, audit_filter: AuditFilter, path: Path
) -> AuditExport:
    """Write every matching event to ``path`` as an A4 landscape PDF table and record it."""
    path = Path(path)
    register_fonts()
    exported_at = utc_now()
    counter = [0]
    seals: list[str] = []

    def write(target: Path) -> int:
        with database.read_session() as session:
            seals.append(seal_text(chain_head(session.connection())))
            footer = f"COI Tracker audit trail · {audit_filter.describe()}"
            scope, entries = iter_audit(session, actor, audit_filter)
            document = SimpleDocTemplate(
                str(target),
                pagesize=PAGE,
                leftMargin=MARGIN,
                rightMargin=MARGIN,
                topMargin=MARGIN,
                bottomMargin=MARGIN + FOOTER_SPACE,
                title="Audit trail",
                author=f"{actor.full_name} ({actor.username})",
                subject=f"Audit trail export: {audit_filter.describe()}",
                creator="COI Tracker",
            )
            story = [
                *_header(audit_filter, scope, actor, exported_at),
                *_tables(entries, counter),
            ]
            document.build(
                story,
                canvasmaker=report_pages(footer, seal=seals[-1], margin=MARGIN),
            )
        return counter[0]

    events = _write_beside(path, write)
    export = AuditExport(path, "pdf", events, _sha256(path), seals[-1])
    return _record(database, actor, audit_filter, export)
