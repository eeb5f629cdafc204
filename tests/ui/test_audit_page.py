"""The Audit trail screen on a trail written by a real journey, used as QA and an administrator
would: typing filters, pressing Enter, scrolling, reading an event, exporting, verifying.

Expectations come from the audit table and the query service; the save dialog is answered by a
stand-in for ``QFileDialog.getSaveFileName``. The screenshot goes to
tests/artifacts/screens/audit-trail.png.
"""

from __future__ import annotations

import csv
import json
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDateTime, Qt, QTimeZone
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select, text

from app.audit import export_audit_csv
from app.audit.queries import AuditFilter, search_audit
from app.core.actor import Actor
from app.core.database import Database
from db import audit_triggers
from db.models import AuditEvent
from tests.conftest import ARTIFACTS
from tests.support import audit_trail
from tests.support.audit_trail import Trail
from tests.support.page_driving import main_window
from tests.support.pdf_words import plain
from tests.ui.fit import (
    PAGE_AREA_1280,
    PAGE_AREA_1920,
    PAGE_AREAS,
    assert_fits_1280,
    save_both_sizes,
    save_shot,
)
from ui.pages.audit.page import AuditTrailPage
from ui.shell.style import apply_style
from ui.tasks.runner import TaskRunner

trail_template = audit_trail.trail_template
trail = audit_trail.trail

SCREENS = ARTIFACTS / "screens"
PDF_PAGES = ARTIFACTS / "audit"
UTC_ZONE = QTimeZone.utc()


def _styled() -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_style(app)


def _idle(qtbot: QtBot, page: AuditTrailPage) -> None:
    qtbot.waitUntil(lambda: not page.runner.busy and page.model.total is not None, timeout=20_000)
    QApplication.processEvents()


def _page(
    qtbot: QtBot, runner: TaskRunner, database: Database, actor: Actor, **options: int
) -> AuditTrailPage:
    page = AuditTrailPage(database, actor, runner, **options)
    qtbot.addWidget(page)
    page.resize(1100, 760)
    page.show()
    _idle(qtbot, page)
    return page


def _count(database: Database) -> int:
    with database.read_session() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def _shown(page: AuditTrailPage) -> list[int]:
    return [row.seq for row in page.model.rows]


def _row_of(page: AuditTrailPage, action: str) -> int:
    return next(i for i, row in enumerate(page.model.rows) if row.action == action)


def test_case_filter_shows_the_case_events_and_one_event_in_full(
    qtbot: QtBot, trail: Trail
) -> None:
    _styled()
    qa = trail["asha.qa"]
    window = main_window(qtbot, trail.database, qa)
    page = window.show_section("audit")
    assert isinstance(page, AuditTrailPage)
    _idle(qtbot, page)
    assert page.scope.text() == (f"You see events of the users at {qa.site_name}. Newest first.")

    qtbot.keyClicks(page.case_field, trail.case_a.coi_eye_readable)
    qtbot.keyClick(page.case_field, Qt.Key.Key_Return)
    _idle(qtbot, page)
    expected = search_audit(
        trail.database, qa, AuditFilter(case=trail.case_a.coi_eye_readable), limit=1000
    )
    assert _shown(page) == [row.seq for row in expected.rows]
    assert page.count.text() == f"{expected.total} of {expected.total} events shown"
    assert {row.username for row in page.model.rows} <= {
        "otto.operator", "vera.verifier", "quinn.qc", "asha.qa", "petra.qp",
    }  # fmt: skip

    # QA's signed acceptance of the excursion: its old and new values side by side.
    row = _row_of(page, "disposition accept")
    page.table.selectRow(row)
    entry = page.model.rows[row]
    summary = page.detail.summary.text()
    assert f"Event {entry.seq}" in summary
    assert "Asha Quality (asha.qa)" in summary
    assert "validated stability data" in summary  # the reason
    # the record by what it is, never its raw id in the text (issue 16 review); id in the tip
    assert entry.record_words in summary and str(entry.record_id) not in summary
    assert str(entry.record_id) in page.detail.summary.toolTip()
    assert entry.record_words.startswith("Logger file · logger-")  # by its name, not its id
    # Issue 16: the stage record it made, by its stage and case, its action in the timeline's
    # words; never "Stage record · 3f2a9c1e…" and "cold chain dispositioned accept"
    staged = page.model.rows[_row_of(page, "cold chain dispositioned accept")]
    assert staged.action_words == "cold chain accepted by QA"
    assert staged.record_words.startswith("Stage record · ")
    assert staged.record_words.endswith(f" · COI {trail.case_a.coi_eye_readable}")
    assert staged.record_id[:8] not in staged.record_words
    changes = page.detail.changes
    fields = {
        changes.item(r, 0).text(): (changes.item(r, 1).text(), changes.item(r, 2).text())
        for r in range(changes.rowCount())
    }
    # Fields by their label, people by name, never a user id or column name.
    # issue 16 review: "Disposition: accept"; in the words the timeline and report use
    assert fields["Disposition"] == ("—", "Accepted")
    assert entry.action_words == "accepted by QA"
    assert fields["Dispositioned by"] == ("—", "Asha Quality")
    assert "dispositioned_by_id" not in fields
    tips = {}
    for r in range(changes.rowCount()):
        label, new = changes.item(r, 0), changes.item(r, 2)
        assert label is not None and new is not None
        tips[label.text()] = (label.toolTip(), new.toolTip())
    assert tips["Dispositioned by"] == (
        "As stored: dispositioned_by_id",
        f"As stored: {qa.user_id}",
    )
    assert page.detail.record_trail.isEnabled()
    assert [label.text() for label in page.findChildren(QLabel, "errorMessage")
            if label.isVisible()] == []  # fmt: skip

    SCREENS.mkdir(parents=True, exist_ok=True)
    save_shot(window, "audit-trail.png", (1280, 800))
    for width, height in ((1280, 800), (1920, 1080)):  # the values in words at both sizes
        window.resize(width, height)
        QApplication.processEvents()
        save_shot(window, f"audit-trail-values-{width}.png", (width, height))

    # "Trail of this record" narrows the list to the logger file's own events.
    qtbot.mouseClick(page.detail.record_trail, Qt.MouseButton.LeftButton)
    _idle(qtbot, page)
    assert page.record_id_field.text() == entry.record_id
    assert page.record_type.currentData() == "logger_file"
    assert {row.record_id for row in page.model.rows} == {entry.record_id}
    assert _shown(page) == [
        r.seq for r in search_audit(trail.database, qa, AuditFilter(record_id=entry.record_id)).rows
    ]


def test_user_record_type_and_time_filters(qtbot: QtBot, runner: TaskRunner, trail: Trail) -> None:
    admin = trail["admin"]
    page = _page(qtbot, runner, trail.database, admin, page_size=1000)
    assert page.model.total == _count(trail.database) == len(page.model.rows)

    qtbot.keyClicks(page.user_field, "otto.operator")
    page.record_type.setCurrentIndex(page.record_type.findData("scan"))
    qtbot.keyClick(page.user_field, Qt.Key.Key_Return)
    _idle(qtbot, page)
    scans = search_audit(
        trail.database, admin, AuditFilter(username="otto.operator", record_type="scan"), limit=1000
    )
    assert scans.total > 0
    assert _shown(page) == [row.seq for row in scans.rows]
    assert {(r.username, r.record_type) for r in page.model.rows} == {("otto.operator", "scan")}

    # A time window of whole minutes, "to" included, set in the editors (UTC).
    page.clear_filter()
    _idle(qtbot, page)
    with trail.database.read_session() as session:
        first = session.scalar(select(func.min(AuditEvent.at)))
        last = session.scalar(select(func.max(AuditEvent.at)))
    assert first is not None and last is not None
    qtbot.mouseClick(page.from_check, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.to_check, Qt.MouseButton.LeftButton)
    assert page.from_time.isEnabled() and page.to_time.isEnabled()

    def search_between(since: datetime, to_minute: datetime) -> None:
        page.from_time.setDateTime(QDateTime.fromSecsSinceEpoch(int(since.timestamp()), UTC_ZONE))
        page.to_time.setDateTime(QDateTime.fromSecsSinceEpoch(int(to_minute.timestamp()), UTC_ZONE))
        page.to_time.setFocus()
        qtbot.keyClick(page.to_time, Qt.Key.Key_Return)  # Enter in a date field searches too
        _idle(qtbot, page)

    minute = first.replace(second=0, microsecond=0)
    search_between(minute, minute)
    in_minute = AuditFilter(since=minute, until=minute + timedelta(minutes=1))
    expected = search_audit(trail.database, admin, in_minute, limit=1000)
    assert expected.total > 0
    assert _shown(page) == [row.seq for row in expected.rows]
    assert all(minute <= row.at < minute + timedelta(minutes=1) for row in page.model.rows)

    after = last.replace(second=0, microsecond=0) + timedelta(minutes=1)
    search_between(after, after + timedelta(hours=1))
    assert page.model.rows == []
    assert page.count.text() == "0 of 0 events shown"


def test_long_trails_load_a_page_at_a_time(qtbot: QtBot, runner: TaskRunner, trail: Trail) -> None:
    admin = trail["admin"]
    page = _page(qtbot, runner, trail.database, admin, page_size=20)
    total = _count(trail.database)
    assert total > 100
    assert len(page.model.rows) == 20
    assert page.count.text() == f"20 of {total} events shown"
    assert page.load_more.isEnabled()

    qtbot.mouseClick(page.load_more, Qt.MouseButton.LeftButton)
    _idle(qtbot, page)
    assert len(page.model.rows) == 40

    page.table.scrollToBottom()  # the view asks the model for more as it reaches the end
    qtbot.waitUntil(lambda: len(page.model.rows) >= 60, timeout=20_000)
    _idle(qtbot, page)
    shown = _shown(page)
    assert shown == sorted(shown, reverse=True) and len(set(shown)) == len(shown)
    newest = search_audit(trail.database, admin, AuditFilter(), limit=len(shown))
    assert shown == [row.seq for row in newest.rows]


def test_a_long_scroll_holds_a_window_and_reads_the_newest_back(
    qtbot: QtBot, runner: TaskRunner, trail: Trail
) -> None:
    admin = trail["admin"]
    page = _page(qtbot, runner, trail.database, admin, page_size=20, window=40)
    total = _count(trail.database)
    everything = [
        r.seq for r in search_audit(trail.database, admin, AuditFilter(), limit=total).rows
    ]
    assert total > 100 and len(everything) == total

    for _ in range(total // 20 + 2):  # scrolled to the end again and again: the trail's end
        if not page.model.canFetchMore():
            break
        page.table.scrollToBottom()  # the view asks for more as it reaches the end
        qtbot.waitUntil(lambda: not page.model.loading, timeout=20_000)
        _idle(qtbot, page)
        assert len(page.model.rows) <= 40
    assert len(page.model.rows) == 40 and page.model.above == total - 40  # never all of them
    assert _shown(page) == everything[-40:]
    assert page.count.text() == f"{total - 39}–{total} of {total} events shown"
    assert not page.model.canFetchMore()

    for _ in range(total // 20 + 2):  # scrolled back up, the dropped events are read back
        if not page.model.above:
            break
        page.table.scrollToTop()
        qtbot.waitUntil(lambda: not page.model.loading, timeout=20_000)
        _idle(qtbot, page)
        assert len(page.model.rows) <= 40
        first = everything.index(page.model.rows[0].seq)
        assert _shown(page) == everything[first : first + len(page.model.rows)]
    assert page.model.above == 0 and _shown(page) == everything[:40]
    assert page.count.text() == f"40 of {total} events shown"
    assert page.model.canFetchMore()  # and down again from there


def _answer_save_dialog(monkeypatch: pytest.MonkeyPatch, path: Path | None) -> list[str]:
    asked: list[str] = []

    def answer(parent: QWidget, caption: str, suggested: str, kinds: str) -> tuple[str, str]:
        asked.append(f"{caption} | {Path(suggested).name} | {kinds}")
        return (str(path) if path else "", "")

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer))
    return asked


def test_exports_through_the_save_dialog_are_recorded(
    qtbot: QtBot, runner: TaskRunner, trail: Trail, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _styled()
    petra = trail["petra.qp"]
    page = _page(qtbot, runner, trail.database, petra)
    qtbot.keyClicks(page.case_field, trail.case_a.coi)
    qtbot.keyClicks(page.action_field, "sign")
    qtbot.keyClick(page.action_field, Qt.Key.Key_Enter)
    _idle(qtbot, page)
    total = page.model.total
    assert total is not None and total > 0
    events_before = _count(trail.database)

    # Cancelling the dialog exports nothing.
    asked = _answer_save_dialog(monkeypatch, None)
    qtbot.mouseClick(page.export_csv, Qt.MouseButton.LeftButton)
    assert asked and asked[0].startswith("Save the audit trail as CSV | audit-trail-")
    assert not page.runner.busy
    assert _count(trail.database) == events_before

    _answer_save_dialog(monkeypatch, tmp_path / "signatures")  # no suffix typed
    assert page.export_csv.text() == "Save as CSV…" and not page.export_progress.isVisible()
    qtbot.mouseClick(page.export_csv, Qt.MouseButton.LeftButton)
    # Issue 16: a busy bar while the file is written off the GUI thread, the buttons held.
    assert page.export_progress.isVisible() and not page.export_csv.isEnabled()
    assert page.message.text() == f"Exporting {total} events of this search…"
    SCREENS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 800), (1920, 1080)):
        page.resize(*PAGE_AREAS[f"{width}x{height}"])  # the page area of such a window
        save_shot(page, f"audit-exporting-{width}x{height}.png", (width, height))
    qtbot.waitUntil(lambda: page.last_export is not None, timeout=20_000)
    assert not page.export_progress.isVisible() and page.export_csv.isEnabled()
    exported = tmp_path / "signatures.csv"
    with exported.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))[:-1]  # the last row is the audit seal
    assert len(rows) == total
    assert sorted(int(r["seq"]) for r in rows) == sorted(_shown(page))
    assert page.message.isVisible()
    assert page.message.text().startswith(f"✔ {total} events exported to {exported}")

    page.last_export = None
    _answer_save_dialog(monkeypatch, tmp_path / "signatures.pdf")
    qtbot.mouseClick(page.export_pdf, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.last_export is not None, timeout=20_000)
    pdf = tmp_path / "signatures.pdf"
    words = plain(
        subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
    )
    assert f"case {trail.case_a.coi}; action contains sign" in words
    assert "by Dr Petra Qualified (petra.qp)" in words
    oldest = page.model.rows[-1]
    assert f"{oldest.seq}" in words and oldest.action in words
    PDF_PAGES.mkdir(parents=True, exist_ok=True)
    for old in PDF_PAGES.glob(f"audit-page-export-{trail.database.backend}*.png"):
        old.unlink()
    stem = PDF_PAGES / f"audit-page-export-{trail.database.backend}"
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "1", str(pdf), str(stem)],
                   check=True)  # fmt: skip
    assert list(PDF_PAGES.glob(f"{stem.name}*.png"))
    # The values are in the PDF, in words: the signer by name, the digest shortened and labelled.
    cells = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = " ".join(plain(cells).split())
    assert "Signed by: Asha Quality" in flat and "Signer username: asha.qa" in flat
    assert "Signed record digest: SHA-256 " in flat
    assert "signer_id" not in flat and "record_digest" not in flat

    with trail.database.read_session() as session:
        recorded = list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == "export")
                            .order_by(AuditEvent.seq))
        )  # fmt: skip
    assert [json.loads(e.new_values)["format"] for e in recorded] == ["csv", "pdf"]
    assert {e.username for e in recorded} == {"petra.qp"}
    assert json.loads(recorded[0].new_values)["filter"] == {
        "case": trail.case_a.coi, "action": "sign",
    }  # fmt: skip
    assert json.loads(recorded[0].new_values)["events"] == total


def _tamper(database: Database, statement: str) -> None:
    """Edit the trail behind the triggers' back, as tests/db/test_audit_trail.py does."""
    with database.engine.begin() as conn:
        audit_triggers.remove(conn)
        conn.execute(text(statement))
        audit_triggers.install(conn)


def test_verify_the_chain_intact_then_broken(
    qtbot: QtBot, runner: TaskRunner, trail: Trail
) -> None:
    _styled()
    page = _page(qtbot, runner, trail.database, trail["asha.qa"])
    button = page.findChild(QPushButton, "verifyChain")
    assert button is not None and button.text() == "Verify the audit chain"

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(page.ok_result.isVisible, timeout=20_000)
    count = _count(trail.database)
    assert page.result is page.ok_result
    assert page.result.objectName() == "okMessage"
    assert page.result.text().startswith(f"✔ Intact: all {count} audit events verify.")
    assert "keyed with audit key" in page.result.text()
    assert "The append-only triggers are in place." in page.result.text()
    assert "records match their audit trail and all" in page.result.text()

    victim = count // 2
    _tamper(trail.database, f"UPDATE audit_event SET reason = 'edited' WHERE seq = {victim}")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.result is page.broken_result and page.result.isVisible(),
                    timeout=20_000)  # fmt: skip
    assert page.result.objectName() == "errorMessage"
    assert page.result.text().startswith(
        f"✖ Broken at event {victim}: its content does not match its keyed hash"
    )
    assert not page.ok_result.isVisible()

    newest = _count(trail.database)  # the sign-ins above were anchored on this workstation
    _tamper(trail.database, f"DELETE FROM audit_event WHERE seq = {newest}")
    page.result.hide()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(page.broken_result.isVisible, timeout=20_000)
    assert (
        f"Against this workstation's anchor: event {newest} is missing: the database ends at "
        f"{newest - 1}, the anchor at {newest}."
    ) in page.result.text()
    # Issue 16, build point 3: the broken chain, its largest alarm, fits 1280 × 800.
    assert_fits_1280(qtbot, page, f"audit-chain-broken-fit-1280-{trail.database.backend}.png")


def test_verify_reports_a_record_edited_behind_the_application(
    qtbot: QtBot, runner: TaskRunner, trail: Trail
) -> None:
    page = _page(qtbot, runner, trail.database, trail["asha.qa"])
    with trail.database.engine.begin() as conn:
        conn.execute(
            text("UPDATE app_user SET full_name = 'Eve Intruder' WHERE username = 'otto.operator'")
        )
    qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.result is page.broken_result and page.result.isVisible(),
                    timeout=20_000)  # fmt: skip
    shown = page.result.text()
    assert shown.startswith("✖ 1 record differs from the audit trail: app_user ")
    assert 'column full_name is "Eve Intruder" but the audit trail recorded' in shown
    assert shown.endswith("Report this to QA at once.")
    assert page.last_verification is not None and page.last_verification.chain.ok
    assert page.last_verification.triggers_ok and not page.last_verification.ok
    assert page.last_reconciliation is not None and not page.last_reconciliation.ok
    assert_fits_1280(qtbot, page, f"audit-record-edited-fit-1280-{trail.database.backend}.png")


def test_refusals_and_mistyped_filters_are_explained(
    qtbot: QtBot, runner: TaskRunner, trail: Trail
) -> None:
    operator = _page(qtbot, runner, trail.database, trail["otto.operator"])
    assert operator.message.isVisible()
    assert "Not permitted" in operator.message.text()
    assert "QA, the Qualified Person and administrators" in operator.message.text()
    assert operator.model.rows == []

    page = _page(qtbot, runner, trail.database, trail["admin"])
    qtbot.keyClicks(page.case_field, "CH G1234 26")
    qtbot.keyClick(page.case_field, Qt.Key.Key_Return)
    _idle(qtbot, page)
    assert page.message.isVisible()
    assert "is not a whole COI" in page.message.text()
    assert page.model.rows == []


def columns_share_the_width(page: AuditTrailPage) -> None:
    """Actions and records in words are long: where they do not all fit, the widest share a
    cut no narrower than 210 px, the wider window giving them more, and at 1920 the Reason
    keeps its room."""
    table = page.table
    widths = {}
    for area in (PAGE_AREA_1920, PAGE_AREA_1280):
        page.resize(*area)
        QApplication.processEvents()
        for column in (2, 3, 4):
            assert table.columnWidth(column) >= min(210, table.sizeHintForColumn(column)), column
        if area == PAGE_AREA_1920:
            assert table.columnWidth(5) >= 240
        assert sum(table.columnWidth(c) for c in range(6)) <= table.viewport().width() + 1
        widths[area] = sum(table.columnWidth(c) for c in (2, 3, 4))
    assert widths[PAGE_AREA_1920] > widths[PAGE_AREA_1280]


def test_the_table_says_actions_in_words_and_records_by_what_they_are(
    qtbot: QtBot, runner: TaskRunner, trail: Trail, tmp_path: Path
) -> None:
    """Issue 16: no ``sign_in`` nor a bare UUID in the table; the CSV keeps the stored values."""
    _styled()
    admin = trail["admin"]
    page = _page(qtbot, runner, trail.database, admin)
    coded = [i for i, row in enumerate(page.model.rows) if "_" in row.action]
    assert coded, "the journey writes actions such as sign_in"
    model = page.model
    for row in coded:
        entry = page.model.rows[row]
        shown = model.data(model.index(row, 3))
        assert shown == entry.action_words
        assert "_" not in shown and "->" not in shown
    stages = [i for i, row in enumerate(model.rows) if row.action.startswith("stage ")]
    assert stages, "the journey moves cases from stage to stage"
    for row in stages:  # issue 16 review: "stage in_manufacture -> qc_pending_release"
        shown = model.data(model.index(row, 3))
        assert shown.startswith("stage ") and " → " in shown, shown
        assert "->" not in shown and "_" not in shown
    accounts = [i for i, row in enumerate(page.model.rows) if row.record_type == "app_user"]
    assert accounts
    for row in accounts:
        entry = page.model.rows[row]
        record = model.data(model.index(row, 4))
        assert record == f"User account · {entry.people[entry.record_id]}"
        assert entry.record_id not in record and entry.record_id[:8] not in record
        assert entry.record_id in model.data(model.index(row, 4), Qt.ItemDataRole.ToolTipRole)
    # Issue 16: signatures and QC specifications by what they are, not "Signature · 2ea9f1cd…"
    signed = [i for i, row in enumerate(page.model.rows) if row.record_type == "signature"]
    assert signed, "the journey signs"
    for row in signed:
        entry = page.model.rows[row]
        record = model.data(model.index(row, 4))
        assert record.startswith("Signature · ") and " by " in record, record
        assert entry.record_id[:8] not in record
        assert entry.record_id in model.data(model.index(row, 4), Qt.ItemDataRole.ToolTipRole)
    specs = [i for i, row in enumerate(page.model.rows) if row.record_type == "qc_specification"]
    for row in specs:
        record = model.data(model.index(row, 4))
        assert page.model.rows[row].record_id[:8] not in record, record
    page.table.selectRow(coded[0])
    QApplication.processEvents()
    assert f"<b>{page.model.rows[coded[0]].action_words}</b>" in page.detail.summary.text()
    # the user shown once: "COI Tracker (system)", never "COI Tracker (system) (system)"
    assert all("(system) (system)" not in row.who for row in page.model.rows)
    system = [row for row in page.model.rows if row.username == "system"]
    assert all(row.who == "COI Tracker (system)" for row in system)
    for row in accounts[:1]:  # the record by what it is, never a bare UUID (it is in the tip)
        entry = page.model.rows[row]
        page.table.selectRow(row)
        QApplication.processEvents()
        summary = page.detail.summary.text()
        assert f"on User account · {entry.people[entry.record_id]}" in summary
        assert entry.record_id not in summary
        assert entry.record_id in page.detail.summary.toolTip()
    # Issue 16 review: at 1920 the Reason took half the table while the user, action and
    # record were cut to its benefit.
    columns_share_the_width(page)
    save_both_sizes(page, "audit-trail-in-words")
    # Issue 16: a stage record by its stage and case (where the column cuts them, they show
    # whole below the table when selected, and in its tooltip)
    staged = [i for i, row in enumerate(model.rows) if row.record_type == "stage_record"]
    assert staged, "the journey records its stages"
    page.resize(*PAGE_AREAS["1920x1080"])
    QApplication.processEvents()
    for row in staged:
        record = model.data(model.index(row, 4))
        assert record.startswith("Stage record · ") and " · COI CH " in record, record
        assert page.model.rows[row].record_id[:8] not in record
    for kind in ("manufacturing_step", "scan", "unit", "shipment"):  # named, not "Scan · 7e83…"
        for row in [i for i, r in enumerate(model.rows) if r.record_type == kind]:
            assert page.model.rows[row].record_id[:8] not in model.data(model.index(row, 4))

    cases = [i for i, row in enumerate(model.rows) if row.record_type == "therapy_case"]
    assert cases
    for row in cases:  # issue 16 review: "Case · d6961dc0…", now the case by its COI
        record = model.data(model.index(row, 4))
        assert record.startswith("Case · CH G1234 ") and record.endswith("]"), record
    signed = next(i for i, row in enumerate(model.rows) if row.record_type == "signature")
    page.table.selectRow(signed)  # a signature's own id and its record type: never raw
    QApplication.processEvents()
    changes = page.detail.changes
    values = {
        changes.item(r, 0).text(): changes.item(r, 2).text() for r in range(changes.rowCount())
    }
    entry = model.rows[signed]
    assert values["Id"] == f"{entry.record_id[:8]}…"
    assert "_" not in values["Record type"], values["Record type"]
    exported = export_audit_csv(trail.database, admin, AuditFilter(), tmp_path / "trail.csv")
    with exported.path.open(newline="", encoding="utf-8-sig") as handle:
        actions = {row["action"] for row in csv.DictReader(handle)}
    assert {page.model.rows[i].action for i in coded} <= actions
