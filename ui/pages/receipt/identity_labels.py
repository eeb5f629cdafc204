"""The clinic's patient-identity labels on the Receipt screen, once a clinic receipt is verified.

For each received final bag: print its identity label (name, date of birth, hospital number,
COI) through the print dialog, then scan the bag and the new label; the service checks the label
is this bag's current identity print. Focus moves from the bag field to the label field and
back to the next bag, as a scanner user expects.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from app.casefile import ReceiptStatus, UnitKind
from app.core import Actor, Database, din_text
from app.labelling import (
    IDENTITY_LABEL_ROLES,
    IdentityLabelState,
    confirm_identity_label,
    identity_label_state,
    print_identity_label,
)
from app.scanning import ScannerSettings, WedgeScan
from ui.dialogs import choose_printer_and_print
from ui.tasks import Task, TaskRunner
from ui.widgets import ScanField, message_line, show_error, show_message

BAG_HINT = "1 · Scan the bag's DIN bar code"
LABEL_HINT = "2 · Scan its new identity label"


def _words(state: IdentityLabelState) -> str:
    if state.label is None:
        return "identity label not printed"
    if state.applied:
        return "✔ identity label applied"
    return "identity label printed: scan it back"


class IdentityLabelPanel(QGroupBox):
    """Print and scan back each received final bag's patient-identity label (clinic roles)."""

    def __init__(
        self,
        database: Database,
        actor: Actor,
        runner: TaskRunner,
        scanner: ScannerSettings,
        refused: Callable[[BaseException], None],
    ) -> None:
        super().__init__("Patient-identity label on each bag (printed here, at the clinic)")
        self.setObjectName("identityLabels")
        self.database, self.actor, self.runner, self.refused = database, actor, runner, refused
        self.bags: list[tuple[uuid.UUID, str]] = []  # (unit id, DIN) of the received bags
        self.states: dict[uuid.UUID, IdentityLabelState] = {}
        self.bag_scan: str | None = None
        self.choice = QComboBox()
        self.choice.setObjectName("identityBag")
        self.print_button = QPushButton("Print identity label…")
        self.print_button.setObjectName("printIdentityLabel")
        self.print_button.clicked.connect(self.print_label)
        self.bag_field = ScanField(scanner)
        self.bag_field.setObjectName("identityBagScan")
        self.bag_field.setPlaceholderText(BAG_HINT)
        self.bag_field.scanned.connect(self._bag_scanned)
        self.label_field = ScanField(scanner)
        self.label_field.setObjectName("identityLabelScan")
        self.label_field.setPlaceholderText(LABEL_HINT)
        self.label_field.scanned.connect(self._label_scanned)
        self.message = message_line("okMessage")
        hint = QLabel(
            "The nurse reads the patient's name on the bag at the bedside: print each bag's "
            "identity label, stick it on the bag, then scan the bag and the label."
        )
        hint.setWordWrap(True)
        row = QHBoxLayout()  # the bag's choice has the panel's width: its state reads whole
        row.addWidget(self.print_button)
        row.addStretch(1)
        scans = QHBoxLayout()
        scans.addWidget(self.bag_field)
        scans.addWidget(self.label_field)
        layout = QVBoxLayout(self)
        for part in (hint, self.choice, row, scans, self.message):
            if isinstance(part, QHBoxLayout):
                layout.addLayout(part)
            else:
                layout.addWidget(part)
        self.hide()

    # ------------------------------------------------------------ loading
    def show_for(self, status: ReceiptStatus | None) -> None:
        """Show the panel for a verified clinic receipt of final bags (clinic roles only)."""
        bags = [
            (u.unit_id, u.din or "")
            for u in (status.units if status is not None else ())
            if u.kind is UnitKind.FINAL_PRODUCT_BAG
            and u.receipt_outcome is not None
            and u.receipt_outcome.value == "received"
        ]
        wanted = (
            status is not None
            and status.verified
            and bool(bags)
            and self.actor.has_role(*IDENTITY_LABEL_ROLES)
        )
        self.setVisible(wanted)
        if not wanted:
            return
        self.bags = bags
        self.reload()

    def reload(self) -> None:
        """Read each bag's identity label state."""
        database, actor, ids = self.database, self.actor, [unit for unit, _din in self.bags]
        self.runner.read(
            lambda _t: [identity_label_state(database, actor, unit) for unit in ids],
            self._loaded,
            self.refused,
        )

    def _loaded(self, states: list[IdentityLabelState]) -> None:
        self.states = {state.unit_id: state for state in states}
        keep = self.current_bag()
        self.choice.blockSignals(True)
        self.choice.clear()
        for unit, din in self.bags:
            state = self.states.get(unit)
            words = _words(state) if state else ""
            self.choice.addItem(f"Bag {din_text(din)} — {words}", unit)
        self.choice.blockSignals(False)
        waiting = [i for i, (u, _d) in enumerate(self.bags) if not self._applied(u)]
        index = next((i for i, (u, _d) in enumerate(self.bags) if u == keep), None)
        if index is None or self._applied(keep):
            index = waiting[0] if waiting else 0
        self.choice.setCurrentIndex(index)
        current = self.states.get(self.bags[index][0]) if self.bags else None
        self.print_button.setText(
            "Reprint identity label…" if current and current.label else "Print identity label…"
        )

    def _applied(self, unit: uuid.UUID | None) -> bool:
        state = self.states.get(unit) if unit else None
        return state is not None and state.applied

    def current_bag(self) -> uuid.UUID | None:
        """The bag chosen in the list (None before anything is loaded)."""
        unit = self.choice.currentData()
        return unit if isinstance(unit, uuid.UUID) else None

    # ------------------------------------------------------------ printing
    def print_label(self) -> None:
        """Record the chosen bag's identity label, then print it in the print dialog."""
        unit = self.current_bag()
        if unit is None:
            return
        state = self.states.get(unit)
        reason = None
        if state is not None and state.label is not None:
            reason, ok = QInputDialog.getText(
                self,
                "Reprint identity label",
                "Why is the identity label reprinted? (The earlier one is voided.)",
            )
            if not ok or not reason.strip():
                return
        database, actor = self.database, self.actor
        work = partial(print_identity_label, database, actor, unit, reprint_reason=reason)
        self.runner.write(lambda _t: work(), self._printed, self._print_failed)

    def _printed(self, printed: Any) -> None:
        try:
            sent = choose_printer_and_print(self, printed.pdf, printed.page_size_mm)
        except Exception as error:  # a printer fault is shown; the record stays
            show_error(self.message, error)
            self.reload()
            return
        if sent:
            show_message(self.message, "✔ Identity label printed: stick it on the bag.", ok=True)
        else:
            show_message(
                self.message,
                "⚠ Printing was cancelled, but the label is on record as printed. Reprint it "
                "with a reason (the unused label is voided).",
                ok=False,
            )
        self.reload()
        self.bag_field.setFocus()

    def _print_failed(self, error: BaseException) -> None:
        show_error(self.message, error)

    # ------------------------------------------------------------ scanning back
    def _bag_scanned(self, scan: WedgeScan) -> None:
        for index, (_unit, din) in enumerate(self.bags):
            if din and din in scan.raw:
                self.choice.setCurrentIndex(index)
        self.bag_scan = scan.raw
        show_message(self.message, "Now scan the identity label on this bag.", ok=True)
        self.label_field.setFocus()

    def _label_scanned(self, scan: WedgeScan) -> None:
        unit, bag = self.current_bag(), self.bag_scan
        if unit is None or bag is None:
            show_message(self.message, "✖ Scan the bag first, then its identity label.", ok=False)
            self.bag_field.setFocus()
            return
        database, actor, raw = self.database, self.actor, scan.raw

        def work(_task: Task) -> Any:
            return confirm_identity_label(database, actor, unit, bag, raw)

        din = dict(self.bags).get(unit, "")
        self.runner.write(work, partial(self._applied_label, din), self._scan_refused)

    def _applied_label(self, din: str, _label: Any) -> None:
        self.bag_scan = None
        # the bag by its DIN: the list beside has moved on to the next bag still to label
        show_message(
            self.message,
            f"✔ Identity label matched bag DIN {din_text(din)} and is applied."
            if din
            else "✔ Identity label matched this bag and is applied.",
            ok=True,
        )
        self.reload()
        self.bag_field.setFocus()

    def _scan_refused(self, error: BaseException) -> None:
        self.bag_scan = None
        self.message.hide()
        self.refused(error)

    def focus_next(self) -> None:
        """Give the focus to the scan the panel expects next."""
        field = self.label_field if self.bag_scan else self.bag_field
        field.setFocus(Qt.FocusReason.OtherFocusReason)
