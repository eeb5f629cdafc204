"""Deviations and QA's cold-chain dispositions (DESIGN.md §4, §5, §7).

Anyone may raise a deviation; QA closes it with the investigation outcome and a signature,
and accepts or rejects each logger file whose verdict is an excursion or incomplete data.
Every service call runs through the task runner; refusals are shown in words on the page.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.casefile import (
    DeviationsScreen,
    DeviationStatus,
    Disposition,
    PendingDisposition,
    QuarantinedReceipt,
    Role,
    SignatureMeaning,
    SiteDeviation,
    WorkItem,
    WorkKind,
    deviations_screen,
)
from app.coldchain import (
    AssessedTrace,
    LoggerFileView,
    disposition_logger_file,
    disposition_words,
)
from app.core import Actor, Database, sscc_text
from app.journey import accept_receipt
from app.quality import close_deviation, raise_deviation
from app.reports import save_excursion_report
from ui.dialogs import (
    ReportSaver,
    StatementDialog,
    ask_justified_signature,
    ask_password,
    ask_statement,
)
from ui.pages.deviations.corrections import AcceptedReceipts
from ui.pages.deviations.pending_columns import OneLine, breakable, fit_columns, fitted
from ui.pages.deviations.wording import (
    KIND_NAMES,
    VERDICT_NAMES,
    counted,
    excursion_summary,
    status_words,
    write_excursion_report,
)
from ui.tasks import HELPER, Failure, ReadOp, TaskRunner, WriteOp, assessed_in_helper
from ui.widgets import (
    TemperaturePlot,
    cell,
    count_text,
    escape,
    message_line,
    show_failed,
    show_message,
    table,
    unbroken,
)

FILE_LIST_WIDEST = 640
"""The widest the waiting files' list and details get beside the plot (at 1920 × 1080 the
list's columns stood in a wide empty band while the plot had two fifths of the width)."""
DEVIATION_TABLE_HEIGHT = 112
"""The deviations list shows at least its header and four lines (two rows, or one row's
wrapped description)."""
DESCRIPTION = 5
"""The deviations list's description column, the last: it wraps."""
RECEIPTS_TAB = 1
"""QA's tab of receipts in quarantine, beside the cold-chain files to disposition."""
ACCEPTED_TAB = 2
"""QA's tab of accepted receipts, where a late logger file is attached as a correction."""


NBSP = "\xa0"
"""The no-break space inside an SSCC as printed: in the table it may wrap at a group."""


LONG_WORD = 24
"""A word longer than this (a logger file's name) may wrap after its hyphens and dots."""


def wrappable(description: str) -> str:
    """A description on one paragraph, its long words (file names) breakable after a hyphen,
    an underscore or a dot so that they wrap in the column instead of running past it."""
    return " ".join(
        breakable(word) if len(word) > LONG_WORD else word for word in description.split()
    )


class DeviationsPage(QWidget):
    """The site's deviations and the cold-chain dispositions waiting for QA."""

    def __init__(self, database: Database, actor: Actor, runner: TaskRunner) -> None:
        super().__init__()
        self.database = database
        self.actor = actor
        self.runner = runner
        self.is_qa = actor.has_role(Role.QA)
        if self.is_qa:
            HELPER.warm()  # QA's disposition plots load there; started while QA reads the list
        self.snapshot = DeviationsScreen((), (), (), ())
        self._pending_shown: bool | None = None
        """Whether the splitter's share was last set for a file waiting for QA."""
        self.last_report: Path | None = None
        self.focus_file: uuid.UUID | None = None
        self.wanted_receipt: str | None = None
        """The SSCC of the receipt in quarantine to select once the list is read (a work item)."""
        """The logger file to select once the list is read again (a correction just made)."""
        self.working = False
        self.setObjectName("page-deviations")
        layout = QVBoxLayout(self)
        title = QLabel("Deviations")
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        self.message = message_line()
        self.message.hide()
        layout.addWidget(self.message)
        # The two boxes share the page's height in a splitter (the user may move the line):
        # the whole page, the temperature plot included, fits 1280 × 800 without scrolling.
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("deviationsSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.deviations_box = self._deviations_box()
        self.splitter.addWidget(self.deviations_box)
        self.splitter.addWidget(self._cold_chain_box())
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        layout.addWidget(self.splitter, stretch=1)
        self.refresh()

    # ------------------------------------------------------------------ building
    def _button(self, text: str, name: str, slot: Any, *, qa_only: bool = False) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        button.setVisible(self.is_qa or not qa_only)
        return button

    def _deviations_box(self) -> QGroupBox:
        box = QGroupBox("Deviations at your site — open first")
        layout = QVBoxLayout(box)
        tools = QHBoxLayout()
        self.raise_button = self._button("Raise deviation…", "raiseDeviation", self.raise_new)
        self.close_button = self._button(
            "Close…", "closeDeviation", self.close_selected, qa_only=True
        )
        self.reload_button = self._button("Reload", "reloadDeviations", self.refresh)
        for button in (self.raise_button, self.close_button):
            tools.addWidget(button)
        tools.addStretch(1)
        tools.addWidget(self.reload_button)
        layout.addLayout(tools)
        self.deviation_table = table(
            "deviations", ("Number", "Kind", "Status", "Batch COI", "Raised", "Description")
        )
        header = self.deviation_table.horizontalHeader()
        for column in range(5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        # The description wraps, each row as tall as its text (issue 16: it was elided at
        # 1280 × 800); the other columns keep one line each, whole.
        self.deviation_table.setWordWrap(True)
        self.deviation_table.setTextElideMode(Qt.TextElideMode.ElideNone)
        one_line = OneLine(self.deviation_table)
        for column in range(DESCRIPTION):
            self.deviation_table.setItemDelegateForColumn(column, one_line)
        self.deviation_table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        # a row taller than the list (a long cold-chain verdict) scrolls line by line, not
        # past its end at once
        self.deviation_table.setVerticalScrollMode(QTableWidget.ScrollMode.ScrollPerPixel)
        self.deviation_table.itemSelectionChanged.connect(self._deviation_selected)
        self.deviation_table.setMinimumHeight(DEVIATION_TABLE_HEIGHT)
        layout.addWidget(self.deviation_table, stretch=1)
        self.details = QLabel("Select a deviation to read it in full.")
        self.details.setObjectName("deviationDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.details)
        return box

    def _cold_chain_box(self) -> QGroupBox:
        box = QGroupBox("Waiting for QA: cold chain and receipts")
        outer = QVBoxLayout(box)
        self.qa_tabs = QTabWidget()
        self.qa_tabs.setObjectName("qaWaitingTabs")
        outer.addWidget(self.qa_tabs)
        files = QWidget()
        self.qa_tabs.addTab(files, "Cold chain to disposition")
        self.qa_tabs.addTab(self._receipts_part(), "Receipts in quarantine")
        self.corrections = AcceptedReceipts(self.database, self.actor, self.runner)
        self.corrections.corrected.connect(self._corrected)
        self.qa_tabs.addTab(self.corrections, "Accepted receipts")
        for tab in (RECEIPTS_TAB, ACCEPTED_TAB):
            self.qa_tabs.setTabVisible(tab, self.is_qa)
        self.qa_tabs.currentChanged.connect(lambda _tab: self._share_height(self._waiting()))
        self._files_part(files)
        return box

    def _files_part(self, files: QWidget) -> None:
        """The logger files waiting for QA's disposition: tools, list, details and plot."""
        layout = QVBoxLayout(files)
        layout.setContentsMargins(4, 4, 4, 0)  # the tab's frame is the margin: 1280 × 800 fits
        tools = QHBoxLayout()
        self.accept_button = self._button(
            "Accept…", "acceptColdChain", lambda: self.disposition(Disposition.ACCEPT), qa_only=True
        )
        self.reject_button = self._button(
            "Reject…", "rejectColdChain", lambda: self.disposition(Disposition.REJECT), qa_only=True
        )
        self.report_button = self._button("Open report", "openReport", self.open_report)
        for button in (self.accept_button, self.reject_button, self.report_button):
            tools.addWidget(button)
        self.report_saver = ReportSaver(
            self.runner,
            "Save report as…",
            object_name="saveExcursionReport",
            dialog_title="Save the cold-chain excursion report as",
        )
        tools.addWidget(self.report_saver)
        tools.addStretch(1)
        layout.addLayout(tools)
        # The file's list and words beside its plot, in a splitter the user may move; the plot
        # gets the larger share (issue 16: at 1280 × 800 its data area was 325 × 99 px).
        left_part = QWidget()
        left = QVBoxLayout(left_part)
        left.setContentsMargins(0, 0, 0, 0)
        self.plot_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.plot_splitter.setObjectName("dispositionSplitter")
        self.plot_splitter.setChildrenCollapsible(False)
        self.plot_splitter.addWidget(left_part)
        self.plot_splitter.addWidget(self._plot_panel())
        self.plot_splitter.setStretchFactor(0, 3)
        self.plot_splitter.setStretchFactor(1, 2)
        left_part.setMaximumWidth(FILE_LIST_WIDEST)  # a wider window widens the plot
        self.plot_splitter.setSizes([600, 400])  # shares until the user moves the line
        layout.addWidget(self.plot_splitter, stretch=1)
        layout = left
        self.pending_table = table(
            "dispositions", ("Logger file · shipment", "Batch COI", "Verdict", "Found")
        )
        fitted(self.pending_table)  # batch, verdict and findings seen at 1280 × 800
        self.pending_table.itemSelectionChanged.connect(self._pending_selected)
        self.pending_table.setMinimumHeight(72)  # its header and a row; the details below
        layout.addWidget(self.pending_table, stretch=1)
        self.pending_note = QLabel()
        self.pending_note.setObjectName("pendingNote")
        self.pending_note.setWordWrap(True)
        layout.addWidget(self.pending_note)
        self.pending_details = QLabel()
        self.pending_details.setObjectName("dispositionDetails")
        self.pending_details.setWordWrap(True)
        self.pending_details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pending_details.hide()
        layout.addWidget(self.pending_details)

    def _receipts_part(self) -> QWidget:
        """QA's receipts in quarantine: each with what still blocks it, accepted with a
        justification and a signature once nothing does (issue 16: QA's work item "Accept the
        quarantined receipt" opened this page, which had no such action)."""
        self.receipts_part = QWidget()
        self.receipts_part.setObjectName("quarantinedReceipts")
        column = QVBoxLayout(self.receipts_part)
        column.setContentsMargins(4, 4, 4, 0)
        tools = QHBoxLayout()
        self.accept_receipt_button = self._button(
            "Accept receipt…", "acceptReceipt", self.accept_selected_receipt, qa_only=True
        )
        tools.addWidget(self.accept_receipt_button)
        note = QLabel(
            "A receipt's units stay in quarantine until QA accepts it; it may be accepted once "
            "nothing blocks it (its cold chain dispositioned, its deviations closed)."
        )
        note.setWordWrap(True)
        tools.addWidget(note, stretch=1)
        column.addLayout(tools)
        self.receipt_table = table(
            "quarantinedReceipts", ("Shipment", "Batch COI", "Received", "What still blocks it")
        )
        fitted(self.receipt_table)
        self.receipt_table.setWordWrap(True)
        self.receipt_table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.receipt_table.itemSelectionChanged.connect(self._update_buttons)
        self.receipt_table.setMinimumHeight(52)  # its header and one line
        column.addWidget(self.receipt_table, stretch=1)
        return self.receipts_part

    def _plot_panel(self) -> QWidget:
        """The selected logger file's trace against its limits, loaded in the helper process."""
        self.plot_panel = QWidget()
        self.plot_panel.setObjectName("dispositionPlotPanel")
        column = QVBoxLayout(self.plot_panel)
        column.setContentsMargins(0, 0, 0, 0)
        self.plot = TemperaturePlot()
        self.plot.setMinimumSize(300, 190)
        self.plot_note = QLabel()
        self.plot_note.setObjectName("dispositionPlotNote")
        self.plot_note.setWordWrap(True)
        column.addWidget(self.plot, stretch=1)
        column.addWidget(self.plot_note)
        self.plotted: uuid.UUID | None = None
        self.plot_panel.hide()
        return self.plot_panel

    def _show_plot(self, pending: PendingDisposition | None) -> None:
        self.plot_panel.setVisible(pending is not None)
        if pending is None or self.plotted == pending.logger.id:
            return
        logger = pending.logger
        self.plotted = logger.id
        self.plot.clear_trace()
        self.plot.setToolTip("")
        self.plot_note.show()
        self.plot_note.setText(f"Loading the trace ({count_text(logger.reading_count)} readings)…")
        url, actor, logger_file_id = self.database.url, self.actor, logger.id
        self.runner.read(
            lambda _task: HELPER.run(assessed_in_helper, url, actor, logger_file_id),
            self._plot_loaded,
            lambda error: self.plot_note.setText(f"✖ The trace could not be drawn: {error}"),
        )

    def _plot_loaded(self, result: AssessedTrace) -> None:
        pending = self.selected_pending()
        if pending is None or pending.logger.id != self.plotted:
            return  # another file was chosen meanwhile
        profile = result.profile
        self.plot.show_trace(result.trace, result.assessment, profile.lower_c, profile.upper_c)
        # Drawn: the note's words go to the plot's tooltip and the plot takes its line (the
        # profile and the count are in the file's details beside it).
        self.plot_note.setText(
            f"{count_text(len(result.trace))} readings plotted against "
            f"{pending.logger.profile_words or 'the profile'} · drag to pan, wheel to zoom"
        )
        self.plot.setToolTip(self.plot_note.text())
        self.plot_note.hide()

    # ------------------------------------------------------------------ reading
    def refresh(self) -> None:
        """Read the deviations and the waiting dispositions again."""
        ReadOp(
            partial(deviations_screen, self.database, self.actor),
            doing="The deviations could not be read",
        ).busy(self._set_busy).success(self._show_snapshot).failure(self._read_failed).run(
            self.runner
        )

    def _read_failed(self, failure: Failure) -> None:
        show_failed(self.message, failure)

    def _show_snapshot(self, snapshot: DeviationsScreen) -> None:
        selected = self.selected_deviation()
        was_pending = self.selected_pending()
        self.snapshot = snapshot
        self.working = False
        self.reload_button.setEnabled(True)
        rows = snapshot.deviations
        self.deviation_table.clearSelection()
        self.deviation_table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            view = row.deviation
            values = (
                view.number,
                KIND_NAMES.get(view.kind, view.kind.replace("_", " ").capitalize()),
                status_words(view.status),
                row.case_coi or "— no batch",
                f"{view.raised_at:%Y-%m-%d %H:%M} UTC",
                wrappable(view.description),
            )
            for column, text in enumerate(values):
                item = cell(text, view.description if column == DESCRIPTION else None)
                # on the first line of a wrapped description, not in the middle of its row
                item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                self.deviation_table.setItem(index, column, item)
            if selected is not None and view.id == selected.deviation.id:
                self.deviation_table.selectRow(index)
        focus, self.focus_file = self.focus_file, None
        if focus is not None and any(item.logger.id == focus for item in snapshot.pending):
            self.qa_tabs.setCurrentIndex(0)  # the corrected file, waiting for its disposition
        else:
            focus = was_pending.logger.id if was_pending else None
        self._show_pending(snapshot.pending, focus)
        self._show_receipts(snapshot.receipts)
        self.corrections.show_receipts(snapshot.accepted)
        self.qa_tabs.setTabText(ACCEPTED_TAB, f"Accepted receipts ({len(snapshot.accepted)})")
        self._share_height(self._waiting())
        self._deviation_selected()

    def _waiting(self) -> bool:
        """Something waits for QA in the lower box, or QA opened the accepted receipts."""
        snapshot = self.snapshot
        return bool(snapshot.pending or snapshot.receipts) or (
            self.qa_tabs.currentIndex() == ACCEPTED_TAB
        )

    def _share_height(self, pending: bool) -> None:
        """With nothing waiting for QA's disposition, the deviations take the height the empty
        cold-chain list took (issue 16: the list showed one row and the details were cut);
        with a file waiting, the cold chain and its plot get three quarters again. Only when
        that changes: a line the user moved stays where it is."""
        if pending == self._pending_shown:
            return
        self._pending_shown = pending
        total = sum(self.splitter.sizes()) or self.splitter.height()
        self.splitter.setStretchFactor(1, 3 if pending else 0)  # a resized window too
        # With a file waiting the list keeps a row or two, the plot below gets the height
        # (issue 16: at 1280 × 800 the plot's data area was 99 px high).
        table = self.deviation_table
        table.setMinimumHeight(
            table.horizontalHeader().sizeHint().height() + 2 * table.fontMetrics().lineSpacing()
            if pending
            else DEVIATION_TABLE_HEIGHT
        )
        if pending:
            least = self.deviations_box.minimumSizeHint().height()
            self.splitter.setSizes([least, total - least])
        else:  # the cold-chain box its least height (the splitter does not collapse it),
            # once its layout has let go of the plot just hidden
            splitter = self.splitter
            QTimer.singleShot(0, splitter, lambda: splitter.setSizes([sum(splitter.sizes()), 0]))

    def _show_pending(
        self, pending: Sequence[PendingDisposition], selected: uuid.UUID | None
    ) -> None:
        self.pending_table.clearSelection()
        self.pending_table.setRowCount(len(pending))
        for index, item in enumerate(pending):
            verdict = VERDICT_NAMES.get(item.logger.verdict) if item.logger.verdict else None
            shipment = sscc_text(item.sscc)
            values = (
                f"{breakable(item.logger.file_name)}\n{shipment.replace(NBSP, ' ')}",
                item.case_coi or "— no batch",
                verdict or "⚠ Not judged",
                excursion_summary(item),
            )
            tips = {0: f"{item.logger.file_name}\nshipment {shipment}"}
            for column, text in enumerate(values):
                self.pending_table.setItem(index, column, cell(text, tips.get(column)))
        fit_columns(self.pending_table)
        if pending:
            ids = [item.logger.id for item in pending]
            self.pending_table.selectRow(ids.index(selected) if selected in ids else 0)
            one = len(pending) == 1
            self.pending_note.setText(
                f"⚠ {counted(len(pending), 'logger file')} {'keeps' if one else 'keep'} "
                "their shipment's units in quarantine until QA accepts or rejects "
                f"{'it' if one else 'them'}."
            )
        else:
            self.pending_note.setText("✔ No cold-chain file is waiting for QA's disposition.")
        self._pending_selected()

    def _show_receipts(self, receipts: Sequence[QuarantinedReceipt]) -> None:
        was = self.selected_receipt()
        self.qa_tabs.setTabText(RECEIPTS_TAB, f"Receipts in quarantine ({len(receipts)})")
        self.qa_tabs.setTabText(0, f"Cold chain to disposition ({len(self.snapshot.pending)})")
        if self.qa_tabs.currentIndex() == ACCEPTED_TAB:
            pass  # QA chose the accepted receipts: a reload does not take them away
        elif not receipts:
            self.qa_tabs.setCurrentIndex(0)
        elif not self.snapshot.pending:  # the receipts are what is left to do
            self.qa_tabs.setCurrentIndex(RECEIPTS_TAB)
        self.receipt_table.clearSelection()
        self.receipt_table.setRowCount(len(receipts))
        for index, receipt in enumerate(receipts):
            blocking = " ".join(receipt.blocking) or "✔ Nothing: QA may accept it."
            values = (
                sscc_text(receipt.sscc),
                receipt.case_coi or "— no batch",
                f"{receipt.received_at:%Y-%m-%d %H:%M} UTC" if receipt.received_at else "—",
                blocking,
            )
            for column, text in enumerate(values):
                self.receipt_table.setItem(index, column, cell(text, blocking))
        fit_columns(self.receipt_table)
        wanted, self.wanted_receipt = self.wanted_receipt, None
        ssccs = [receipt.sscc for receipt in receipts]
        if wanted in ssccs:  # opened from QA's work item: that receipt, in its tab
            self.qa_tabs.setCurrentIndex(RECEIPTS_TAB)
            self.receipt_table.selectRow(ssccs.index(wanted))
        elif receipts:
            ids = [receipt.shipment_id for receipt in receipts]
            chosen = was.shipment_id if was is not None and was.shipment_id in ids else ids[0]
            self.receipt_table.selectRow(ids.index(chosen))

    def focus_work(self, item: WorkItem) -> None:
        """Opened from a work item: "Accept the quarantined receipt of …" shows the receipts in
        quarantine with that receipt selected (read again: it may have changed meanwhile)."""
        if item.kind is WorkKind.ACCEPT_RECEIPT and item.sscc is not None and self.is_qa:
            self.wanted_receipt = item.sscc
            self.refresh()

    # ------------------------------------------------------------------ selection
    def selected_receipt(self) -> QuarantinedReceipt | None:
        """The receipt selected in the list of receipts in quarantine."""
        rows = self.receipt_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.snapshot.receipts):
            return None
        return self.snapshot.receipts[rows[0].row()]

    def selected_deviation(self) -> SiteDeviation | None:
        """The deviation selected in the list."""
        rows = self.deviation_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.snapshot.deviations):
            return None
        return self.snapshot.deviations[rows[0].row()]

    def selected_pending(self) -> PendingDisposition | None:
        """The logger file selected in the dispositions list."""
        rows = self.pending_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.snapshot.pending):
            return None
        return self.snapshot.pending[rows[0].row()]

    def select_deviation(self, number: str) -> None:
        """Select the deviation ``number`` in the list."""
        for index, row in enumerate(self.snapshot.deviations):
            if row.deviation.number == number:
                self.deviation_table.selectRow(index)
                return
        raise LookupError(f"deviation {number} is not listed")

    def _deviation_selected(self) -> None:
        row = self.selected_deviation()
        if row is None:
            self.details.setText("Select a deviation to read it in full.")
        else:
            view = row.deviation
            coi = unbroken(row.case_coi or "—")
            lines = [
                f"<b>{view.number}</b> · {status_words(view.status)} · raised by "
                f"{escape(row.raised_by)} "
                f"at {view.raised_at:%Y-%m-%d %H:%M} UTC · batch {coi}",
                escape(view.description),
            ]
            if view.closure:
                lines.append(f"<b>Closure:</b> {escape(view.closure)}")
            lines.extend(f"Signed: {escape(line)}" for line in row.signatures)
            self.details.setText("<br>".join(lines))
        self._update_buttons()

    def _pending_selected(self) -> None:
        pending = self.selected_pending()
        self.pending_details.setVisible(pending is not None)
        # The file's details say what the note says, and more: one of the two at 1280 × 800
        self.pending_note.setVisible(pending is None)
        if pending is not None:
            logger = pending.logger
            direction = pending.direction.value.replace("_", " ")
            window = unbroken(
                f"{logger.window_start:%Y-%m-%d %H:%M} – {logger.window_end:%Y-%m-%d %H:%M} UTC"
                if logger.window_start and logger.window_end
                else "the shipment"
            )
            correction = " · <b>✎ QA correction</b>" if logger.correction else ""
            # not said of a correction: it never holds a unit already infused (C125)
            held = (
                ""
                if logger.correction
                else "<br>Its units stay in quarantine until QA accepts or rejects it."
            )
            how = "Attached as a correction" if logger.correction else "Imported"
            # QA's reason, whatever its length, where it cannot push the details out of sight
            self.pending_details.setToolTip(
                f"QA's reason for the correction: {logger.correction}" if logger.correction else ""
            )
            # What the list's row does not say (its file, shipment, batch and findings are
            # there): the plot beside needs the width (issue 16).
            self.pending_details.setText(
                f"Shipment {direction}{correction} · profile "
                f"{escape(logger.profile_words or '—')} · window {window}{held}<br>"
                f"{how} by {escape(logger.imported_by)} at "
                f"{logger.imported_at:%Y-%m-%d %H:%M} UTC · {logger.reading_count} readings · "
                f"SHA-256 {logger.sha256[:12]}…"
            )
            stem = Path(logger.file_name).stem or "logger"
            self.report_saver.offer(
                partial(save_excursion_report, self.database, self.actor, logger.id),
                f"excursion-report-{stem}.pdf",
            )
        else:
            self.report_saver.offer(None)
        self._show_plot(pending)
        self._update_buttons()

    def _update_buttons(self) -> None:
        deviation = self.selected_deviation()
        idle = not self.working
        self.close_button.setEnabled(
            idle and deviation is not None and deviation.deviation.status is DeviationStatus.OPEN
        )
        pending = self.selected_pending() is not None
        for button in (self.accept_button, self.reject_button, self.report_button):
            button.setEnabled(idle and pending)
        receipt = self.selected_receipt()
        self.accept_receipt_button.setEnabled(idle and receipt is not None and not receipt.blocking)

    def _set_busy(self, busy: bool) -> None:
        self.working = busy
        self.reload_button.setEnabled(not busy)
        self._update_buttons()

    # ------------------------------------------------------------------ actions
    def raise_new(self) -> None:
        """Ask what happened (and on which batch) and raise a deviation."""
        choices = [("— no batch", None)] + [
            (f"{case.coi_eye_readable} · {case.stage_name}", case.id)
            for case in self.snapshot.cases
        ]
        answer = ask_statement(
            StatementDialog(
                self,
                "Raise a deviation",
                "Describe what happened, where and when. QA investigates and closes it.",
                action="Raise deviation",
                choices=choices,
            )
        )
        if answer is None:
            return
        description, case_id = answer
        WriteOp(
            partial(
                raise_deviation, self.database, self.actor, description=description, case_id=case_id
            ),
            doing="The deviation was not raised",
            changes={"deviation"},
        ).busy(self._set_busy).success(
            lambda view: self._done(
                f"✔ Deviation {view.number} raised. QA has been given it to investigate."
            )
        ).failure(self._failed).run(self.runner)

    def close_selected(self) -> None:
        """QA closes the selected deviation with its outcome and a signature."""
        row = self.selected_deviation()
        if row is None:
            return
        view = row.deviation
        answer = ask_statement(
            StatementDialog(
                self,
                f"Close deviation {view.number}",
                f"<b>{view.number}</b>: {escape(view.description)}<br><br>"
                "State the outcome of the investigation (root cause, impact, actions).",
                action="Sign and close…",
            )
        )
        if answer is None:
            return
        closure = answer[0]
        password = ask_password(
            self,
            self.actor,
            SignatureMeaning.APPROVED,
            f"Closure of deviation {view.number} (batch {row.case_coi or 'none'}): {closure}",
        )
        if password is None:
            return
        WriteOp(
            partial(
                close_deviation,
                self.database,
                self.actor,
                view.id,
                closure=closure,
                password=password,
                seen_version=view.version,
            ),
            doing=f"Deviation {view.number} was not closed",
            changes={"deviation"},
        ).busy(self._set_busy).success(
            lambda closed: self._done(f"✔ Deviation {closed.number} closed with your signature.")
        ).failure(self._failed).run(self.runner)

    def disposition(self, decision: Disposition) -> None:
        """QA accepts or rejects the selected logger file with a justification and signature."""
        pending = self.selected_pending()
        if pending is None:
            return
        logger = pending.logger
        verb = "Accept" if decision is Disposition.ACCEPT else "Reject"
        consequence = (
            "The excursion is judged acceptable for the product."
            if decision is Disposition.ACCEPT
            else "Every unit of the shipment is rejected for good."
        )
        signed = ask_justified_signature(
            self,
            self.actor,
            SignatureMeaning.DISPOSITIONED,
            StatementDialog(
                self,
                f"{verb} the cold chain of {pending.sscc}",
                f"<b>{verb}</b> {escape(logger.file_name)} (shipment {pending.sscc}, batch "
                f"{pending.case_coi or '—'}): {excursion_summary(pending)}. {consequence}<br><br>"
                "Justify the decision (stability data, report reference).",
                action="Sign…",
            ),
            lambda justification: (
                f"Cold-chain disposition: {verb.upper()} {logger.file_name} of shipment "
                f"{pending.sscc} (batch {pending.case_coi or '—'}). Justification: "
                f"{justification}"
            ),
        )
        if signed is None:
            return
        justification, password = signed
        WriteOp(
            partial(
                disposition_logger_file,
                self.database,
                self.actor,
                logger.id,
                decision,
                justification,
                password,
                seen_version=logger.version,
            ),
            doing=f"{logger.file_name} was not dispositioned",
            changes={"logger file", "shipment", "unit"},
        ).busy(self._set_busy).success(
            lambda view: self._done(
                f"✔ {view.file_name}: cold chain {disposition_words(decision)} "
                "with your signature. Close its deviation once the investigation is complete."
            )
        ).failure(self._failed).run(self.runner)

    def accept_selected_receipt(self) -> None:
        """QA accepts the selected receipt, nothing blocking it, with a justification and a
        signature: its units leave quarantine."""
        receipt = self.selected_receipt()
        if receipt is None or receipt.blocking:
            return
        shipment, batch = sscc_text(receipt.sscc), receipt.case_coi or "—"
        signed = ask_justified_signature(
            self,
            self.actor,
            SignatureMeaning.APPROVED,
            StatementDialog(
                self,
                f"Accept the receipt of {shipment}",
                f"<b>Accept</b> the receipt of shipment {shipment} (batch {batch}): nothing "
                "blocks it any more, and its units leave quarantine.<br><br>"
                "State why the receipt may be accepted.",
                action="Sign…",
            ),
            lambda justification: (
                f"Acceptance of the receipt of shipment {shipment} (batch {batch}). "
                f"Justification: {justification}"
            ),
        )
        if signed is None:
            return
        justification, password = signed
        WriteOp(
            partial(
                accept_receipt,
                self.database,
                self.actor,
                receipt.shipment_id,
                password,
                justification,
            ),
            doing=f"The receipt of {shipment} was not accepted",
            changes={"shipment", "unit", "case"},
        ).busy(self._set_busy).success(
            lambda _view: self._done(
                f"✔ Receipt of {shipment} accepted with your signature: its units are out of "
                "quarantine."
            )
        ).failure(self._failed).run(self.runner)

    def open_report(self) -> None:
        """Write the selected file's excursion report to a temporary PDF and open it."""
        pending = self.selected_pending()
        if pending is None:
            return
        ReadOp(
            partial(write_excursion_report, self.database, self.actor, pending.logger.id),
            doing="The report could not be made",
        ).busy(self._set_busy).success(partial(self._report_ready, pending)).failure(
            self._failed
        ).run(self.runner)

    def _report_ready(self, pending: PendingDisposition, path: Path) -> None:
        """Say which report was opened, in words (what, which shipment, which batch), never the
        temporary file's name, and that Save report as… keeps it (issue 16)."""
        self.last_report = path
        what = (
            f"The cold-chain excursion report of {pending.logger.file_name} (shipment "
            f"{sscc_text(pending.sscc)}, batch {pending.case_coi or '— no batch'})"
        )
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            show_message(
                self.message,
                f"⚠ No PDF viewer opened {what[:1].lower()}{what[1:]}. To keep or print it, use "
                "Save report as…",
                ok=False,
            )
            return
        show_message(
            self.message,
            f"✔ {what} is open in your PDF viewer. That copy is temporary: to keep it, use "
            "Save report as… here.",
            ok=True,
        )

    def _corrected(self, view: LoggerFileView, words: str) -> None:
        """A late file attached as QA's correction: say what it did; a file that waits for
        QA's disposition is shown selected in the cold-chain tab."""
        self.focus_file = view.id if view.awaits_disposition else None
        self._done(words)

    def _done(self, words: str) -> None:
        show_message(self.message, words, ok=True)
        self.refresh()

    def _failed(self, failure: Failure) -> None:
        show_failed(self.message, failure)
        self.refresh()
