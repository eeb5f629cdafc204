"""Packing a shipper on a case work page (DESIGN.md §1 stages 3 and 8).

Open a shipper (its SSCC) for the case, scan each container into it, scan the data logger,
print the shipper label, scan it back onto the box and hand it to the courier (the manifest
printed for the courier's signature). The collection page ships the apheresis bags to the
manufacturer; the batch record page ships a released batch's final product bags to the clinic.
The services decide what may be packed; a scan they refuse raises the page's alarm.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app.casefile import ShipmentDirection
from app.core import Actor, Database
from app.journey import ShipmentView, UnitView, attach_logger, create_shipment, hand_over, pack_unit
from app.labelling import apply_shipper_label, print_shipper_label
from app.reports import SavedFile, save_manifest
from ui.dialogs import ReportSaver, choose_printer_and_print
from ui.pages.case_work import CaseWorkPage
from ui.tasks import Failure, WriteOp
from ui.widgets import ScanField, din_text, local_time


class ShipperBox(QGroupBox):
    """Open a shipper for the page's case, pack its containers, scan the logger, hand over."""

    def __init__(
        self, page: CaseWorkPage, title: str, direction: ShipmentDirection, destination: str
    ) -> None:
        super().__init__(title)
        self.page = page
        self.direction = direction
        self.destination = destination
        """Where the shipper goes, in words ("the manufacturer", "the clinic")."""
        self.shipments: dict[uuid.UUID, ShipmentView] = {}
        self.units: tuple[UnitView, ...] = ()
        self.ready = False
        layout = QFormLayout(self)
        self.create_button = QPushButton("Create shipment")
        self.create_button.setObjectName("createShipment")
        self.create_button.clicked.connect(self.open_shipper)
        layout.addRow(self.create_button)
        self.sscc_label = QLabel()
        self.sscc_label.setObjectName("shipmentSscc")
        self.sscc_label.setWordWrap(True)
        self.sscc_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addRow(self.sscc_label)
        self.pack_scan = page.scan_field("packScan", "Scan each bag as it goes in (Enter)")
        self.pack_scan.scanned.connect(self.pack)
        layout.addRow("Pack bag", self.pack_scan)
        self.packed_label = QLabel()
        self.packed_label.setObjectName("packedBags")
        self.packed_label.setWordWrap(True)
        layout.addRow(self.packed_label)
        self.logger_scan = page.scan_field("loggerScan", "Scan the logger's bar code (8004)…")
        self.logger_scan.scanned.connect(self.attach)
        layout.addRow("Data logger", self.logger_scan)
        self.label_button = QPushButton("Print shipper label…")
        self.label_button.setObjectName("printShipperLabel")
        self.label_button.setToolTip(
            "The 100 × 150 mm shipper label with the SSCC: printed and on the shipper before "
            "the hand-over"
        )
        self.label_button.clicked.connect(self.print_label)
        layout.addRow("Shipper label", self.label_button)
        self.label_scan = page.scan_field("shipperLabelScan", "Scan the SSCC on the box (Enter)")
        self.label_scan.scanned.connect(self.scan_label)
        layout.addRow("Label on box", self.label_scan)
        self.manifest = ReportSaver(
            page.runner,
            "Print manifest…",
            object_name="shippingManifest",
            dialog_title="Save the shipping manifest as",
        )
        self.manifest.saved.connect(self._manifest_saved)
        layout.addRow("Manifest", self.manifest)
        self.courier_name = QLineEdit()
        self.courier_name.setObjectName("courierName")
        layout.addRow("Courier name", self.courier_name)
        self.courier_company = QLineEdit()
        self.courier_company.setObjectName("courierCompany")
        layout.addRow("Courier company", self.courier_company)
        self.hand_over_button = QPushButton("Hand over to courier")
        self.hand_over_button.setObjectName("handOver")
        self.hand_over_button.clicked.connect(self.hand_over)
        layout.addRow(self.hand_over_button)

    # ------------------------------------------------------------ showing

    def show_units(
        self,
        case_id: uuid.UUID | None,
        units: Sequence[UnitView],
        shipment: ShipmentView | None,
        *,
        ready: bool,
        waiting: str,
    ) -> None:
        """Show the shipper of ``case_id`` (``shipment`` as the database knows it) and which
        of ``units`` are packed; ``ready`` when the case may ship, else ``waiting`` says why."""
        if case_id is not None and shipment is not None:
            self.shipments[case_id] = shipment  # survives a restart of the screen
        self.units, self.ready = tuple(units), ready
        self._show(waiting)
        self._update_enabled()

    def next_scan_field(self) -> QWidget | None:
        """The next bag to pack, then the logger, the shipper label (printed, then scanned on
        the box), then the courier's name (None: no shipper is open; issue 16: the logger scan
        once went into "Pack bag")."""
        shipment = self.current()
        if shipment is None or not self.pack_scan.isEnabled():
            return None
        if any(u.id not in shipment.packed_units for u in self.units):
            return self.pack_scan
        if not shipment.logger_giai:
            return self.logger_scan
        if not shipment.labelled:
            return self.label_button
        return self.label_scan if not shipment.label_scanned else self.courier_name

    def current(self) -> ShipmentView | None:
        """The shipper open for the page's case (None when none is)."""
        case_id = self.page.current_case_id()
        return self.shipments.get(case_id) if case_id is not None else None

    def _show(self, waiting: str = "") -> None:
        shipment = self.current()
        if not self.ready:
            self.sscc_label.setText(waiting)
            self.packed_label.clear()
            return
        if shipment is None:
            self.sscc_label.setText("No shipper open yet: create the shipment.")
            self.packed_label.clear()
            return
        logger = f"logger {shipment.logger_giai}" if shipment.logger_giai else "no logger yet"
        if shipment.label_scanned:
            label = "✔ label scanned on the box"
        elif shipment.labelled:
            label = "label printed, not yet scanned on the box"
        else:
            label = "no shipper label yet"
        self.sscc_label.setText(f"Shipper SSCC {_sscc(shipment)}\n{logger} · {label}")
        packed = [u for u in self.units if u.id in shipment.packed_units]
        waiting_units = [u for u in self.units if u.id not in shipment.packed_units]
        lines = [f"✔ Packed: DIN {din_text(u.din)}" for u in packed]
        lines += [f"• Still to pack: DIN {din_text(u.din)}" for u in waiting_units]
        self.packed_label.setText("\n".join(lines) or "No bag to pack.")

    def _update_enabled(self) -> None:
        self.setEnabled(self.ready)
        open_shipment = self.ready and self.current() is not None
        self.create_button.setEnabled(self.ready and not open_shipment)
        for widget in (
            self.pack_scan,
            self.logger_scan,
            self.label_scan,
            self.courier_name,
            self.courier_company,
            self.hand_over_button,
            self.label_button,
        ):
            widget.setEnabled(open_shipment)
        shipment = self.current() if open_shipment else None
        self.label_button.setText(
            "Reprint shipper label…" if shipment and shipment.labelled else "Print shipper label…"
        )
        if shipment is None:
            self.manifest.offer(None)
        else:
            database, actor, shipment_id = self.page.database, self.page.actor, shipment.id

            def write(path: Path) -> SavedFile:
                return save_manifest(database, actor, shipment_id, path)

            self.manifest.offer(write, f"manifest-{shipment.sscc}.pdf")

    def _changed(self, shipment: ShipmentView) -> None:
        if shipment.case_id is not None:
            self.shipments[shipment.case_id] = shipment
        self._show()
        self._update_enabled()

    # ------------------------------------------------------------ actions

    def open_shipper(self) -> None:
        """Open a shipper (with its SSCC) for the case's containers."""
        page, case_id = self.page, self.page.current_case_id()
        if case_id is None or not self.ready:
            return

        def created(shipment: ShipmentView) -> None:
            page._say(True, f"✔ Shipper SSCC {_sscc(shipment)} opened: scan each bag into it.")
            self._changed(shipment)
            page.focus_next_scan()

        page._quiet()
        WriteOp(
            partial(create_shipment, page.database, page.actor, case_id, self.direction),
            doing="The shipper was not opened",
            changes={"shipment"},
        ).busy(page.set_busy).success(created).failure(page.refused).run(page.runner)

    def pack(self, *_scan: object) -> None:
        """Scan a bag into the shipper: it must be a bag of this case not yet packed."""
        self._scan_in(
            self.pack_scan,
            pack_unit,
            doing="The bag was not packed",
            said=lambda view: f"✔ Packed into SSCC {_sscc(view)}.",
        )

    def attach(self, *_scan: object) -> None:
        """Scan the data logger's GIAI into the shipper."""
        self._scan_in(
            self.logger_scan,
            attach_logger,
            doing="The data logger was not attached",
            said=lambda view: f"✔ Data logger {view.logger_giai} is in shipper SSCC {_sscc(view)}.",
        )

    def _scan_in(
        self,
        field: ScanField,
        service: Callable[[Database, Actor, uuid.UUID, str], ShipmentView],
        *,
        doing: str,
        said: Callable[[ShipmentView], str],
    ) -> None:
        """Record the scan in ``field`` into the open shipper through ``service``; then the
        page's next scan (a refusal raises the page's alarm and clears the field)."""
        page, shipment, raw = self.page, self.current(), field.value
        if shipment is None or not raw:
            return

        def done(view: ShipmentView) -> None:
            field.clear()
            page._say(True, said(view))
            self._changed(view)
            page.focus_next_scan()

        page._quiet()
        WriteOp(
            partial(service, page.database, page.actor, shipment.id, raw),
            doing=doing,
            changes={"shipment"},
        ).busy(page.set_busy).success(done).failure(page.refusal(field.clear)).run(page.runner)

    def _manifest_saved(self, saved: SavedFile) -> None:
        """Say where the manifest went on the page's message line (the panel is narrow)."""
        self.manifest.message.hide()
        self.page._say(
            True,
            f"✔ Manifest saved to {saved.path}: print it for the courier to sign "
            "(recorded in the audit trail).",
        )

    def print_label(self) -> None:
        """Record the shipper label (a reprint asks why), then print it in the print dialog."""
        page, shipment = self.page, self.current()
        if shipment is None:
            return
        reason = None
        if shipment.labelled:
            reason, ok = QInputDialog.getText(
                self,
                "Reprint shipper label",
                "Why is the shipper label reprinted? (The earlier label is voided.)",
            )
            if not ok or not reason.strip():
                return

        def printed(label: Any) -> None:
            self._changed(dataclasses.replace(shipment, labelled=True, label_scanned=False))
            try:
                sent = choose_printer_and_print(self, label.pdf, label.page_size_mm)
            except Exception as error:  # a printer fault is shown, the record stays
                page.refused(Failure.of(error, "The shipper label was not printed"))
                return
            if sent:
                page._say(
                    True,
                    f"✔ Shipper label SSCC {_sscc(shipment)} printed: put it on the box, then "
                    "scan it.",
                )
            else:
                page._say(
                    False,
                    "⚠ Printing was cancelled, but the shipper label is on record as printed. "
                    "Reprint it with a reason (the unused label is voided).",
                )
            page.focus_next_scan()

        page._quiet()
        WriteOp(
            partial(
                print_shipper_label, page.database, page.actor, shipment.id, reprint_reason=reason
            ),
            doing="The shipper label was not printed",
            changes={"label", "shipment"},
        ).busy(page.set_busy).success(printed).failure(page.refused).run(page.runner)

    def scan_label(self, *_scan: object) -> None:
        """Scan the shipper label back onto the box: its SSCC must be this shipper's and the
        print its current one (a refusal raises the page's alarm and clears the field)."""
        page, shipment, raw = self.page, self.current(), self.label_scan.value
        if shipment is None or not raw:
            return

        def done(_label: Any) -> None:
            self.label_scan.clear()
            page._say(
                True,
                f"✔ Shipper label SSCC {_sscc(shipment)} is on its box: print the manifest, "
                "then hand over to the courier.",
            )
            self._changed(dataclasses.replace(shipment, labelled=True, label_scanned=True))
            page.focus_next_scan()

        page._quiet()
        WriteOp(
            partial(apply_shipper_label, page.database, page.actor, shipment.id, raw),
            doing="The shipper label was not accepted",
            changes={"label", "shipment"},
        ).busy(page.set_busy).success(done).failure(page.refusal(self.label_scan.clear)).run(
            page.runner
        )

    def hand_over(self) -> None:
        """Hand the shipper to the courier: custody passes, the case is shipped."""
        page, shipment = self.page, self.current()
        if shipment is None:
            return
        name, company = self.courier_name.text(), self.courier_company.text()

        def handed(view: ShipmentView) -> None:
            if view.case_id is not None:
                self.shipments.pop(view.case_id, None)
            self.courier_name.clear()
            self.courier_company.clear()
            page._say(
                True,
                f"✔ Shipper SSCC {_sscc(view)} handed over to {view.courier_name} at "
                f"{local_time(view.handed_over_at)}: the case is shipped to {self.destination}. "
                "The courier signs the printed manifest.",
            )
            page.refresh()

        page._quiet()
        WriteOp(
            partial(
                hand_over,
                page.database,
                page.actor,
                shipment.id,
                courier_name=name,
                courier_organisation=company,
            ),
            doing="The shipper was not handed over",
            changes={"shipment", "case"},
        ).busy(page.set_busy).success(handed).failure(page.refused).run(page.runner)


def _sscc(shipment: ShipmentView) -> str:
    """The shipper's SSCC as GS1 writes it (the plain 18 digits when the view has no text)."""
    return shipment.sscc_text or shipment.sscc
