"""The Receipt screen (stages 4 and 9): scan every container of an arrived shipper against
what it should hold, import and judge its data-logger file, and have a second person verify.

Every service call runs through the screen's `TaskRunner`: scans and imports on the single
writer, lists and the trace on the readers. The logger import and the loading of its trace
run in a helper process (`ui.tasks`): parsing and storing a million readings holds
Python's global interpreter lock in long C calls and garbage collections, which would freeze
this screen for up to a second even though the work is on another thread.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.casefile import ReceiptStatus, ShipmentView, receipt_status, shipments_for_receipt
from app.coldchain import LoggerFileView, logger_files_of_shipment
from app.core import Actor, Database, ScanMismatch, din_text, sscc_text
from app.journey import CaseView, find_case, receive_unit
from app.scanning import ScanAcknowledgement, ScannerSettings, WedgeScan, says_set_aside
from ui.dialogs import LoggerImportDialog, VerifyReceiptDialog
from ui.pages import MOVED_ON, CaseHeader
from ui.pages.receipt.cold_chain_panel import ColdChainPanel
from ui.pages.receipt.identity_labels import IdentityLabelPanel
from ui.pages.receipt.words import coi_words, condition_words, unit_status
from ui.tasks import Task, TaskRunner
from ui.widgets import (
    ACKNOWLEDGE_UNREAD_TEXT,
    UNREADABLE_HEADLINE,
    BannerSlot,
    RefusalAcknowledgement,
    ScanField,
    describe,
    f12_acknowledges,
    message_line,
    restyle,
    show_error,
    show_message,
    typed_input,
    utc_text,
)

ACKNOWLEDGE_TEXT = "I have set this container aside — acknowledge (F12)"
ACKNOWLEDGE_LABEL_TEXT = "I have set this label aside — acknowledge (F12)"
RECORDING_TEXT = "Recording your acknowledgement…"
RECEIPT_BANNER_LINES = 12
"""The height of the scan's outcome slot in lines of text: the wrong-patient alarm fits."""
NOTHING_TO_RECEIVE = (
    "No shipment is on its way to {site}. A shipment appears on the left once it is handed "
    "over to the courier: press Refresh list to look again."
)


def fit_rows(table: QTableWidget, most: int = 4) -> None:
    """Make ``table`` as tall as its rows (at least one, at most ``most``; then it scrolls)."""
    shown = max(1, min(table.rowCount(), most))
    header = table.horizontalHeader().sizeHint().height()
    rows = shown * table.verticalHeader().defaultSectionSize()
    table.setFixedHeight(header + rows + 2 * table.frameWidth())


class ReceiptPage(QWidget):
    """Shipments arriving at the user's site; for the chosen one: scan, logger, verification."""

    def __init__(
        self,
        database: Database,
        actor: Actor,
        runner: TaskRunner,
        *,
        scanner: ScannerSettings | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("receiptPage")
        self.database, self.actor, self.runner = database, actor, runner
        self.scanner = scanner or ScannerSettings()
        self.shipment: ShipmentView | None = None
        self.status: ReceiptStatus | None = None
        self.import_dialog: LoggerImportDialog | None = None
        self.acknowledgement: ScanAcknowledgement | None = None
        self.verify_dialog: VerifyReceiptDialog | None = None
        title = QLabel("Receive shipment")
        title.setObjectName("pageTitle")
        self.error = message_line("errorMessage")
        right = QVBoxLayout()
        right.addLayout(self._receipt_column())
        self.state = QLabel()
        self.state.setObjectName("receiptState")
        self.state.setWordWrap(True)
        self.state.hide()  # shown with a receipt's state: empty, it was a bare grey strip
        # Where the receipt stands and what is wrong, under the buttons that act on it: in
        # sight at 1280 × 800, not below the trace where the column has to be scrolled to.
        right.addWidget(self.state)
        right.addWidget(self.error)
        self.identity_labels = IdentityLabelPanel(
            database, actor, runner, self.scanner, self._label_refused
        )
        right.addWidget(self.identity_labels)  # under the bags it labels, above the trace
        self.cold_chain = ColdChainPanel(database, actor, runner, self._failed)
        right.addWidget(self.cold_chain, stretch=1)
        right.addStretch(0)  # with no shipment (the trace hidden) the words stay at the top
        # With the largest alarm shown the column is taller than a 1280 × 800 window gives
        # it: it scrolls rather than squeezing the alarm's text and button (issue 16).
        column = QWidget()
        column.setLayout(right)
        right.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setObjectName("receiptScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(column)
        body = QHBoxLayout()
        body.addLayout(self._list_column(), stretch=0)
        body.addWidget(scroll, stretch=1)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        self.case_header = CaseHeader()
        layout.addWidget(self.case_header)
        layout.addLayout(body, stretch=1)
        self._enable()
        self.refresh()

    def unsaved_input(self) -> str | None:
        """A scan typed in the receipt's scan field and not submitted (None: none)."""
        return typed_input([("the receipt scan field", self.scan_field)])

    def _list_column(self) -> QVBoxLayout:
        self.shipment_list = QListWidget()
        self.shipment_list.setObjectName("receiptShipments")
        self.shipment_list.setWordWrap(True)  # long lines wrap rather than hide behind a scroll
        self.shipment_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Four lines an item: alternate shades show where one ends and the next begins
        # (spacing between the items narrowed the receipt column and squeezed its alarm).
        self.shipment_list.setAlternatingRowColors(True)
        # As wide as a grouped SSCC, which must never be cut off with "…" (it is what the
        # operator compares with the shipper's label).
        widest = self.shipment_list.fontMetrics().horizontalAdvance(sscc_text("0" * 18))
        self.shipment_list.setMinimumWidth(max(210, widest + 28))
        self.shipment_list.setMaximumWidth(max(240, widest + 28))
        self.shipment_list.currentRowChanged.connect(self._chosen)
        refresh = QPushButton("Refresh list")
        refresh.clicked.connect(self.refresh)
        column = QVBoxLayout()
        title = QLabel(f"Shipments for receipt at {self.actor.site_name or 'no site'}")
        title.setWordWrap(True)  # a long site name must not widen the window
        column.addWidget(title)
        column.addWidget(self.shipment_list, stretch=1)
        column.addWidget(refresh)
        return column

    def _receipt_column(self) -> QVBoxLayout:
        self.header = QLabel("Choose a shipment on the left.")
        self.header.setObjectName("receiptHeader")
        self.header.setWordWrap(True)
        self.units = QTableWidget(0, 4)
        self.units.setObjectName("receiptUnits")
        self.units.setHorizontalHeaderLabels(["Container", "DIN", "Status", "Condition"])
        self.units.verticalHeader().hide()
        self.units.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.units.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.units.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for index in (1, 2):  # the DIN and the status whole, never "G1234 26 000011 …"
            header.setSectionResizeMode(index, QHeaderView.ResizeMode.ResizeToContents)
        fit_rows(self.units)
        self.scan_field = ScanField(self.scanner)
        self.scan_field.setObjectName("receiptScanField")
        self.scan_field.setPlaceholderText("Scan each container's DIN bar code here")
        self.scan_field.scanned.connect(self.submit_scan)
        self.scan_ok = message_line("okMessage")
        self._mismatch_box()
        self.import_button = QPushButton("Import logger file…")
        self.import_button.setObjectName("receiptImport")
        self.import_button.clicked.connect(self.choose_logger_file)
        self.verify_button = QPushButton("Verify receipt (second person)…")
        self.verify_button.setObjectName("receiptVerify")
        self.verify_button.clicked.connect(self.open_verification)
        actions = QHBoxLayout()
        actions.addWidget(self.import_button)
        actions.addWidget(self.verify_button)
        actions.addStretch(1)
        # The scan's outcome in a place of fixed height: the buttons and the receipt's state
        # below never move when the alarm appears or goes (issue 16).
        self.banner_slot = BannerSlot(
            self.scan_ok,
            self.mismatch,
            self.acknowledge_error,  # below the red frame, whose labels are white
            lines=RECEIPT_BANNER_LINES,
            idle="The outcome of each scan appears here.",
        )
        column = QVBoxLayout()
        for widget in (self.header, self.units, self.scan_field, self.banner_slot):
            column.addWidget(widget)
        column.addLayout(actions)
        return column

    def _mismatch_box(self) -> None:
        """The alarm of a refused scan: headline, reasons and the acknowledgement (F12)."""
        self.mismatch = QFrame()
        self.mismatch.setObjectName("receiptMismatch")
        self.mismatch_headline = QLabel()
        self.mismatch_headline.setObjectName("receiptMismatchHeadline")
        self.mismatch_text = QLabel()
        self.mismatch_text.setObjectName("receiptMismatchText")
        self.mismatch_text.setWordWrap(True)
        self.acknowledge = QPushButton(ACKNOWLEDGE_TEXT)
        self.acknowledge.setObjectName("receiptAcknowledge")
        self.acknowledgement_flow = RefusalAcknowledgement(
            self.database, self.actor, self.runner, self.acknowledge, RECORDING_TEXT
        )
        self.acknowledgement_flow.recorded.connect(self._acknowledged)
        self.acknowledgement_flow.not_recorded.connect(self._acknowledgement_failed)
        self.f12 = f12_acknowledges(self.mismatch, self.acknowledgement_flow.acknowledge)
        self.acknowledge_error = message_line("errorMessage")
        box = QVBoxLayout(self.mismatch)
        box.addWidget(self.mismatch_headline)
        box.addWidget(self.mismatch_text)
        box.addWidget(self.acknowledge, alignment=Qt.AlignmentFlag.AlignRight)
        self.mismatch.hide()

    # ------------------------------------------------------------ loading
    def refresh(self) -> None:
        """Reload the list of shipments for receipt."""
        database, actor = self.database, self.actor
        self.runner.read(
            lambda _t: shipments_for_receipt(database, actor), self._listed, self._failed
        )

    def _listed(self, shipments: list[ShipmentView]) -> None:
        keep = self.shipment.id if self.shipment else None
        self.shipment_list.blockSignals(True)
        self.shipment_list.clear()
        for view in shipments:
            arrived = "received" if view.status.value == "received" else "in transit"
            # Each shipment names its case: seven SSCCs alone told the bench nothing of whose
            # each one is (issue 16 review).
            case = f"COI {coi_words(view.case_coi)}\n" if view.case_coi else ""
            item = QListWidgetItem(
                f"{_sscc(view)}\n{case}{arrived} · handed over {utc_text(view.handed_over_at)}"
            )
            item.setData(Qt.ItemDataRole.UserRole, view)
            self.shipment_list.addItem(item)
        self.shipment_list.blockSignals(False)
        ids = [view.id for view in shipments]
        if keep is not None and keep not in ids and self.shipment is not None:
            # The shipment shown left the list: it stays shown, marked; nothing else is opened.
            item = QListWidgetItem(f"{_sscc(self.shipment)}\n{MOVED_ON.strip()}")
            item.setData(Qt.ItemDataRole.UserRole, self.shipment)
            self.shipment_list.blockSignals(True)
            self.shipment_list.insertItem(0, item)
            self.shipment_list.blockSignals(False)
            ids.insert(0, keep)
        self.shipment_list.setCurrentRow(ids.index(keep) if keep in ids else 0 if ids else -1)
        if not ids:  # issue 16 review: an empty list under "Choose a shipment on the left."
            self.header.setText(NOTHING_TO_RECEIVE.format(site=self.actor.site_name or "your site"))
            for part in (self.units, self.scan_field, self.banner_slot, self.cold_chain):
                part.hide()

    def _chosen(self, row: int) -> None:
        item = self.shipment_list.item(row) if row >= 0 else None
        view = item.data(Qt.ItemDataRole.UserRole) if item else None
        if not isinstance(view, ShipmentView):
            return
        if self.shipment is None or self.shipment.id != view.id:
            self.cold_chain.clear()
        self.shipment = view
        self.load_receipt()

    def load_receipt(self) -> None:
        """Reload the chosen shipment's units, logger files and state."""
        if self.shipment is None:
            return
        database, actor, shipment_id = self.database, self.actor, self.shipment.id
        case_id = self.shipment.case_id

        def work(_task: Task) -> tuple[ReceiptStatus, list[LoggerFileView], CaseView | None]:
            return (
                receipt_status(database, actor, shipment_id),
                logger_files_of_shipment(database, actor, shipment_id),
                find_case(database, actor, case_id) if case_id is not None else None,
            )

        self.runner.read(work, self._loaded, self._failed)

    def _loaded(self, result: tuple[ReceiptStatus, list[LoggerFileView], CaseView | None]) -> None:
        status, files, case = result
        if self.shipment is None or status.shipment.id != self.shipment.id:
            return  # the user chose another shipment meanwhile
        if case is None:
            self.case_header.show_none(
                f"Shipment {sscc_text(status.shipment.sscc)} belongs to no case."
            )
        else:
            self.case_header.show_case(case)
        self.status, self.shipment = status, status.shipment
        for part in (self.units, self.scan_field, self.banner_slot, self.cold_chain):
            part.show()
        units = len(status.units)
        self.header.setText(
            f"<b>Shipment {_sscc(status.shipment)}</b> from {status.from_site} · COI "
            f"{', '.join(sorted({coi_words(u.coi) for u in status.units})) or '—'}"
            f" · {units} container{'' if units == 1 else 's'}"
            f" · courier {status.shipment.courier_name or '—'}"
        )
        self.units.setRowCount(units)
        for row, unit in enumerate(status.units):
            words, icon = unit_status(unit)
            state = condition_words(unit.side_state)
            cells = [unit.description, din_text(unit.din), words, state]
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column == 2:
                    cell.setIcon(self.style().standardIcon(icon))
                if column == 3 and unit.side_state_reason:
                    cell.setToolTip(unit.side_state_reason)
                self.units.setItem(row, column, cell)
        fit_rows(self.units)
        if files:
            self.cold_chain.show_logger(files[-1], earlier=len(files) - 1)
        self._show_state()
        self.identity_labels.show_for(status)
        self._enable()

    def _enable(self) -> None:
        status = self.status
        open_receipt = status is not None and not status.verified
        self.scan_field.setEnabled(open_receipt and self.mismatch.isHidden())
        self.import_button.setEnabled(status is not None)
        waiting_scans = status is not None and any(u.receipt_outcome is None for u in status.units)
        self.verify_button.setEnabled(
            open_receipt and status is not None and bool(status.received_by)
        )
        if open_receipt and waiting_scans and self.mismatch.isHidden():
            self.scan_field.setFocus()
        elif open_receipt and self.scan_field.hasFocus():
            self._focus_next_step()

    def _focus_next_step(self) -> None:
        """Every container is scanned in: focus the next thing to do (issue 16), the logger
        file's import, or once it is in, the second person's verification; never the scan
        field, where the next scan would only be refused."""
        imported = self.cold_chain.logger_file is not None
        following = self.verify_button if imported else self.import_button
        if following.isEnabled():
            following.setFocus()

    # ------------------------------------------------------------ scanning
    @property
    def refused_scan(self) -> uuid.UUID | None:
        """The refused scan whose alarm blocks scanning (None when nothing was recorded)."""
        return self.acknowledgement_flow.scan_id

    def submit_scan(self, scan: WedgeScan) -> None:
        """Verify the scanned entry against the shipment on the single writer."""
        if self.shipment is None:
            return
        database, actor, shipment_id, raw = self.database, self.actor, self.shipment.id, scan.raw
        self.runner.write(
            lambda _t: receive_unit(database, actor, shipment_id, raw),
            self._scanned,
            self._scan_refused,
        )

    def _scanned(self, view: ShipmentView) -> None:
        show_message(
            self.scan_ok,
            f"✔ Match: container received ({len(view.received_units)} of "
            f"{len(view.packed_units)} scanned in).",
            ok=True,
        )
        self.load_receipt()

    def _label_refused(self, error: BaseException) -> None:
        """A refused identity-label scan: the same alarm, in the words of a label."""
        self._scan_refused(
            error,
            wrong="✖ WRONG LABEL — STOP",
            outcome="the label was not applied",
            aside="Set that label aside",
            acknowledge=ACKNOWLEDGE_LABEL_TEXT,
        )

    def _scan_refused(
        self,
        error: BaseException,
        *,
        wrong: str = "✖ WRONG CONTAINER — STOP",
        outcome: str = "nothing was received",
        aside: str = "Set the container aside",
        acknowledge: str = ACKNOWLEDGE_TEXT,
    ) -> None:
        title, text = describe(error)
        self.acknowledgement_flow.expect(error.scan_id if isinstance(error, ScanMismatch) else None)
        unreadable = isinstance(error, ScanMismatch) and error.unreadable
        if unreadable:  # no code at all: amber "scan again", not the red STOP of a wrong item
            self.mismatch_headline.setText(UNREADABLE_HEADLINE)
            reasons = getattr(error, "reasons", ()) or (text,)
            text = "<br>".join(f"• {reason}" for reason in reasons) + (
                f"<br>The unread scan is on record; {outcome}. Acknowledge, then scan the "
                "code again."
            )
        elif isinstance(error, ScanMismatch):
            self.mismatch_headline.setText(wrong)
            reasons = error.reasons or (text,)
            # issue 16 review: "set … aside" stood twice, in the reason and here
            then = "Acknowledge" if says_set_aside(reasons) else f"{aside}, then acknowledge"
            text = "<br>".join(f"• {reason}" for reason in reasons) + (
                f"<br>The scan was recorded and {outcome}. {then} to continue scanning."
            )
        else:
            self.mismatch_headline.setText(f"✖ {title}")
            text += "<br>Nothing was received. Acknowledge to continue."
        self.mismatch_text.setText(text)
        kind = "unreadable" if unreadable else "wrong"
        ready = ACKNOWLEDGE_UNREAD_TEXT if unreadable else acknowledge
        self.acknowledgement_flow.ready_text = ready
        self.acknowledge.setText(ready)
        for widget in (self.mismatch, self.mismatch_headline, self.mismatch_text, self.acknowledge):
            restyle(widget, kind=kind)
        self.scan_ok.hide()
        self.mismatch.show()
        self.scan_field.setEnabled(False)
        self.acknowledge.setFocus()

    def acknowledge_mismatch(self) -> None:
        """Record that the operator has seen the refusal; then scanning may continue."""
        self.acknowledgement_flow.acknowledge()

    def _acknowledged(self, acknowledgement: ScanAcknowledgement | None) -> None:
        self.acknowledgement = acknowledgement
        self.acknowledge_error.hide()
        self.mismatch.hide()
        self._enable()
        if self.identity_labels.isVisible():
            self.identity_labels.focus_next()
        else:
            self.scan_field.setFocus()

    def _acknowledgement_failed(self, text: str) -> None:
        show_message(self.acknowledge_error, text, ok=False)
        self.acknowledge.setFocus()

    # ------------------------------------------------------------ the logger file
    def choose_logger_file(self) -> None:
        """Ask for the logger file, then open the import dialog for it."""
        if self.shipment is None:
            return
        name, _filter = QFileDialog.getOpenFileName(
            self,
            f"Logger file of shipment {sscc_text(self.shipment.sscc)}",
            "",
            "Logger files (*.csv *.txt *.json *.jsonld);;All files (*)",
        )
        if name:
            self.open_import(Path(name))

    def open_import(self, path: Path) -> LoggerImportDialog:
        """Open the import dialog for ``path`` (window-modal, does not block)."""
        assert self.shipment is not None
        dialog = LoggerImportDialog(
            self.database, self.actor, self.runner, self.shipment, path, parent=self
        )
        dialog.imported.connect(self._imported)
        self.import_dialog = dialog
        dialog.open()
        return dialog

    def _imported(self, view: LoggerFileView) -> None:
        self.cold_chain.show_logger(view)
        if self.status is not None and all(u.receipt_outcome for u in self.status.units):
            self._focus_next_step()  # the file in after the last scan: the verification next
        self.load_receipt()

    # ------------------------------------------------------------ verification
    def open_verification(self) -> VerifyReceiptDialog | None:
        """Open the second person's sign-in and verification dialog (does not block)."""
        if self.shipment is None:
            return None
        dialog = VerifyReceiptDialog(
            self.database, self.actor.station, self.runner, self.shipment, self
        )
        dialog.verified.connect(self._verified)
        self.verify_dialog = dialog
        dialog.open()
        return dialog

    def _verified(self, view: ShipmentView, _verifier: Actor) -> None:
        self.shipment = view
        self.load_receipt()
        self.refresh()

    def _show_state(self) -> None:
        status = self.status
        if status is None:
            return
        reasons = "".join(f"<br>• {reason}" for reason in status.blocking_reasons)
        if status.verified and status.shipment.receipt_accepted:
            state = "accepted"
            text = (
                f"✔ ACCEPTED — receipt verified by {status.verified_by}; "
                "the containers are released from quarantine."
            )
        elif status.verified:
            state = "quarantined"
            text = (
                f"⚠ QUARANTINED — receipt verified by {status.verified_by}, but the "
                f"containers stay in quarantine until QA accepts the receipt:{reasons}"
                "<br>Next: QA decides on the Deviations page."
            )
        else:
            waiting = sum(1 for u in status.units if u.receipt_outcome is None)
            more = "container" if waiting == 1 else "containers"
            steps = [f"scan {waiting} more {more}"] if waiting else []
            steps += [] if self.cold_chain.logger_file else ["import the logger file"]
            steps.append("a second person verifies")
            state = "open"
            text = f"→ RECEIPT OPEN — next: {', '.join(steps)}."
            if status.received_by:
                text += f" Scanned in by {status.received_by}."
            if reasons:
                text += (
                    f"<br>Until resolved, verifying leaves the containers in quarantine:{reasons}"
                )
        self.state.setText(text)
        restyle(self.state, state=state)
        self.state.show()

    def _failed(self, error: BaseException) -> None:
        show_error(self.error, error)


def _sscc(shipment: ShipmentView) -> str:
    """The shipper's SSCC as GS1 writes it: ``(00) 3 4012345 000000001 5``."""
    return shipment.sscc_text or shipment.sscc
