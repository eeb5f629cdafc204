"""QA's tab of accepted receipts: a logger file found after a receipt was accepted is attached
only as QA's correction, with a reason and a signature (issue 16: any file could be attached to
any shipment at any time, and an infused bag went back into quarantine)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.casefile import AcceptedReceipt, SignatureMeaning, Verdict
from app.coldchain import LoggerFileView
from app.core import Actor, Database, sscc_text
from ui.dialogs import LoggerImportDialog, StatementDialog, ask_justified_signature
from ui.pages.deviations.pending_columns import fit_columns, fitted
from ui.pages.deviations.wording import VERDICT_NAMES, counted
from ui.tasks import TaskRunner
from ui.widgets import cell, escape, table

LOGGER_FILES = "Logger files (csv, txt, json);;All files (*)"


def file_words(view: LoggerFileView) -> str:
    """One logger file on one line: its name, verdict and, for a correction, QA's reason."""
    verdict = VERDICT_NAMES.get(view.verdict) if view.verdict else None
    words = f"{view.file_name} — {verdict or '⚠ Not judged'}"
    if view.correction is not None:
        words += f" · ✎ QA correction by {view.imported_by}: {view.correction}"
    return words


def units_words(receipt: AcceptedReceipt) -> str:
    """How many units the shipment holds, how many were given, how many are held."""
    parts = [counted(receipt.units, "unit")]
    if receipt.spent:
        parts.append(f"{receipt.spent} infused or used")
    if receipt.quarantined:
        parts.append(f"{receipt.quarantined} quarantined")
    return " · ".join(parts)


def corrected_words(view: LoggerFileView, receipt: AcceptedReceipt) -> str:
    """What the correction did, in words: the verdict, and that given units stay as they were."""
    shipment = sscc_text(receipt.shipment.sscc)
    verdict = VERDICT_NAMES.get(view.verdict) if view.verdict else "⚠ Not judged"
    words = (
        f"✔ {view.file_name} attached to shipment {shipment} as a QA correction with your "
        f"signature: {verdict}."
    )
    if view.verdict is not Verdict.WITHIN_LIMITS:
        words += (
            " A cold-chain deviation is raised and the file waits for QA's disposition; units "
            "still in the chain are quarantined."
        )
        if receipt.spent:
            words += (
                f" {counted(receipt.spent, 'unit')} already infused or used "
                f"{'is' if receipt.spent == 1 else 'are'} not quarantined again."
            )
    return words


class AcceptedReceipts(QWidget):
    """The latest accepted receipts at QA's site, each with its logger files, and the action
    that attaches a late file as QA's signed correction."""

    corrected = Signal(object, str)
    """The file attached (``LoggerFileView``) and what it did, in words."""

    def __init__(self, database: Database, actor: Actor, runner: TaskRunner) -> None:
        super().__init__()
        self.setObjectName("acceptedReceipts")
        self.database, self.actor, self.runner = database, actor, runner
        self.receipts: tuple[AcceptedReceipt, ...] = ()
        self.dialog: LoggerImportDialog | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 0)
        tools = QHBoxLayout()
        self.correct_button = QPushButton("Attach logger file as a correction…")
        self.correct_button.setObjectName("correctLoggerFile")
        self.correct_button.clicked.connect(self.correct_selected)
        tools.addWidget(self.correct_button)
        note = QLabel(
            "A receipt accepted is closed: a logger file found later is attached only as QA's "
            "correction, with a reason and your signature. It must come from the shipper's "
            "logger and cover the trip."
        )
        note.setWordWrap(True)
        tools.addWidget(note, stretch=1)
        column.addLayout(tools)
        self.table = table(
            "acceptedReceiptsTable", ("Shipment · received", "Batch COI", "Units", "Logger files")
        )
        fitted(self.table)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._update)
        self.table.setMinimumHeight(52)  # its header and one line
        column.addWidget(self.table, stretch=1)
        self._update()

    def show_receipts(self, receipts: Sequence[AcceptedReceipt]) -> None:
        """List ``receipts``, keeping the one selected if it is still listed."""
        was = self.selected()
        self.receipts = tuple(receipts)
        self.table.clearSelection()
        self.table.setRowCount(len(self.receipts))
        for index, receipt in enumerate(self.receipts):
            shipment = receipt.shipment
            received = f"{shipment.received_at:%Y-%m-%d %H:%M} UTC" if shipment.received_at else "—"
            files = "\n".join(file_words(view) for view in receipt.files) or "— none"
            values = (
                f"{sscc_text(shipment.sscc)}\nreceived {received}",
                receipt.case_coi or "— no batch",
                units_words(receipt),
                files,
            )
            for column, text in enumerate(values):
                self.table.setItem(index, column, cell(text))
        fit_columns(self.table)
        ids = [receipt.shipment.id for receipt in self.receipts]
        if ids:
            chosen = was.shipment.id if was is not None and was.shipment.id in ids else ids[0]
            self.table.selectRow(ids.index(chosen))
        self._update()

    def selected(self) -> AcceptedReceipt | None:
        """The accepted receipt selected in the list."""
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.receipts):
            return None
        return self.receipts[rows[0].row()]

    def select_shipment(self, sscc: str) -> None:
        """Select the accepted receipt of the shipment with this SSCC."""
        for index, receipt in enumerate(self.receipts):
            if receipt.shipment.sscc == sscc:
                self.table.selectRow(index)
                return
        raise LookupError(f"no accepted receipt of shipment {sscc}")

    def _update(self) -> None:
        busy = self.dialog is not None and self.dialog.isVisible()
        self.correct_button.setEnabled(self.selected() is not None and not busy)

    def correct_selected(self) -> None:
        """Choose the file, give the reason and sign, then attach it in the import dialog."""
        receipt = self.selected()
        if receipt is None:
            return
        shipment = sscc_text(receipt.shipment.sscc)
        name, _filter = QFileDialog.getOpenFileName(
            self, f"Logger file to attach to shipment {shipment} as a correction", "", LOGGER_FILES
        )
        if not name:
            return
        path, batch = Path(name), receipt.case_coi or "—"
        signed = ask_justified_signature(
            self,
            self.actor,
            SignatureMeaning.APPROVED,
            StatementDialog(
                self,
                f"Logger file as a correction — {shipment}",
                f"<b>Attach</b> {escape(path.name)} to shipment {shipment} (batch {batch}), "
                "whose receipt is already accepted. It is assessed like any logger file: a bad "
                "verdict raises a deviation and quarantines the units still in the chain, never "
                "a unit already infused.<br><br>State why the file is attached now.",
                action="Sign…",
            ),
            lambda reason: (
                f"Correction: logger file {path.name} attached to shipment {shipment} (batch "
                f"{batch}) after its receipt was accepted. Reason: {reason}"
            ),
        )
        if signed is None:
            return
        dialog = LoggerImportDialog(
            self.database,
            self.actor,
            self.runner,
            receipt.shipment,
            path,
            parent=self,
            correction=signed,
        )
        dialog.imported.connect(lambda view: self._corrected(view, receipt))
        dialog.finished.connect(self._update)
        self.dialog = dialog
        dialog.open()
        self._update()

    def _corrected(self, view: LoggerFileView, receipt: AcceptedReceipt) -> None:
        self.corrected.emit(view, corrected_words(view, receipt))
