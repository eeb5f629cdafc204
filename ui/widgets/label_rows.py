"""Rows of containers whose label is printed, stuck on and scanned back (DESIGN.md §3).

A row names its container, offers Print (or Reprint, with a reason) and a scan field for the
scan back, and says where the container's labels stand, in words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from ui.widgets.formats import din_text, local_time
from ui.widgets.scanner_input import ScanField

if TYPE_CHECKING:  # the journey's services load with the first page that shows a unit
    from app.journey import UnitView
    from app.labelling import LabelReconciliation
    from app.scanning import ScannerSettings

_UNCONFIRMED = (
    "A label job went to the printer but was never confirmed: look at the printer, then scan "
    "the label back on the container or void it"
)


def labels_text(labels: LabelReconciliation | None) -> str:
    """Where a container's labels stand, in words."""
    if labels is None or labels.issued == 0:
        return "No label printed yet: print it, stick it on, scan it back."
    counts = f"{labels.issued} printed, {labels.applied} scanned back, {labels.voided} voided"
    if labels.sending:
        return f"⚠ {_UNCONFIRMED} ({counts}, {labels.sending} never confirmed)."
    if labels.reconciled:
        return f"✔ Label scanned back and matched ({counts})."
    if labels.outstanding:
        return f"⚠ Scan the printed label back on the container ({counts})."
    return f"⚠ No label on the container: print one ({counts})."


class LabelRow(QFrame):
    """A container's row: ``print_button``, the ``scan_back`` field and the ``status`` words.

    Subclasses lay them out; ``CaseWorkPage`` wires them (``wire_label_row``).
    """

    unit: UnitView
    print_button: QPushButton
    scan_back: ScanField
    status: QLabel

    def __init__(self, unit: UnitView, scanner: ScannerSettings | None) -> None:
        super().__init__()
        self.unit = unit
        self.scan_back = ScanField(scanner, keep=True)
        self.scan_back.setObjectName("labelScanBack")

    @property
    def reprint(self) -> bool:
        """True when a live label exists, so printing again is a reprint."""
        return self.print_button.text().startswith("Reprint")


class OutputRow(LabelRow):
    """One output container of a step: its label to print and to scan back."""

    def __init__(
        self,
        unit: UnitView,
        labels: LabelReconciliation | None,
        scanner: ScannerSettings | None = None,
    ) -> None:
        super().__init__(unit, scanner)
        self.setObjectName("outputRow")
        layout = QVBoxLayout(self)
        name = QLabel(f"{unit.description} — DIN {din_text(unit.din)}")
        name.setObjectName("outputName")
        name.setWordWrap(True)
        layout.addWidget(name)
        live = labels is not None and labels.issued > labels.voided
        self.print_button = QPushButton("Reprint label…" if live else "Print label")
        self.print_button.setObjectName("printLabel")
        layout.addWidget(self.print_button, alignment=Qt.AlignmentFlag.AlignLeft)
        self.scan_back.setPlaceholderText("Scan the label on the container (Enter)")
        self.scan_back.setEnabled(labels is not None and labels.outstanding > 0)
        layout.addWidget(self.scan_back)
        self.status = QLabel(labels_text(labels))
        self.status.setObjectName("labelStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)


def bag_label_text(labels: LabelReconciliation | None) -> str:
    """Where a bag's label stands, in words."""
    if labels is None or labels.issued == labels.voided:
        return "No label printed yet — print it and stick it on the bag."
    if labels.sending:
        return f"⚠ {_UNCONFIRMED}."
    if labels.outstanding:
        return "Label printed — scan it back on the bag."
    return "✔ Label scanned back and matched."


class BagRow(LabelRow):
    """One apheresis bag: its label to print and to scan back."""

    def __init__(
        self,
        bag: UnitView,
        labels: LabelReconciliation | None,
        scanner: ScannerSettings | None = None,
    ) -> None:
        super().__init__(bag, scanner)
        self.setObjectName("bagRow")
        layout = QVBoxLayout(self)
        volume = f"{bag.volume_ml:g} mL" if bag.volume_ml is not None else "volume not entered"
        name = QLabel(
            f"Apheresis bag DIN {din_text(bag.din)} · {volume} · collected "
            f"{local_time(bag.collection_start)} to {local_time(bag.collection_end)}"
        )
        name.setObjectName("bagName")
        name.setWordWrap(True)
        name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(name)
        row = QHBoxLayout()
        live = labels is not None and labels.issued > labels.voided
        self.print_button = QPushButton("Reprint label…" if live else "Print label")
        self.print_button.setObjectName("printLabel")
        row.addWidget(self.print_button)
        self.scan_back.setPlaceholderText("Scan the label on the bag (Enter)")
        self.scan_back.setEnabled(labels is not None and labels.outstanding > 0)
        row.addWidget(self.scan_back, stretch=1)
        layout.addLayout(row)
        self.status = QLabel(bag_label_text(labels))
        self.status.setObjectName("labelStatus")
        self.status.setProperty("reconciled", labels is not None and labels.reconciled)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
