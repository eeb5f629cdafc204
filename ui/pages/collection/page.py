"""Collection at the clinic and the shipment to the manufacturer (DESIGN.md §1 stages 2-3, §3).

The apheresis nurse picks an enrolled case of the clinic and registers each apheresis bag
(volume, anticoagulant, collection start and end, and the DIN of a pre-labelled set if one is
scanned). Each bag's label is printed and scanned back on the bag; a scan of any other label
turns the screen red and blocks it until acknowledged. A second person then signs in on the
same screen and verifies the collection. For a collected case the nurse opens a shipper (its
SSCC), scans each bag into it, scans the data logger and hands the shipper to the courier.
"""

from __future__ import annotations

import uuid
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.casefile import CaseStage, CollectionScreen, ShipmentDirection, collection_screen
from app.core import Actor, Database
from app.journey import (
    CaseView,
    CollectedBag,
    ShipmentView,
    UnitView,
    attach_logger,
    create_shipment,
    hand_over,
    pack_unit,
    register_collection,
    verify_collection,
)
from app.scanning import ScannerSettings
from ui.pages import CaseWorkPage
from ui.tasks import TaskRunner, WriteOp
from ui.widgets import BagRow, din_text, local_time, time_editor, utc_of

DEFAULT_ANTICOAGULANT = "ACD-A"


class CollectionPage(CaseWorkPage):
    """Register, label and verify the apheresis bags; ship them to the manufacturer."""

    stages = (CaseStage.ENROLLED, CaseStage.COLLECTED)
    read_screen = staticmethod(collection_screen)

    def __init__(
        self,
        database: Database,
        actor: Actor,
        runner: TaskRunner,
        *,
        scanner: ScannerSettings | None = None,
    ) -> None:
        super().__init__(
            database, actor, runner, "Collection and shipment to the manufacturer", scanner=scanner
        )
        self.setObjectName("page-collection")
        self.state: CollectionScreen | None = None
        self.shipments: dict[uuid.UUID, ShipmentView] = {}
        self.bag_rows: list[BagRow] = []
        self.case_label = QLabel()
        self.case_label.setObjectName("coiLabel")
        self.case_label.setWordWrap(True)
        self.case_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body_layout.addWidget(self.case_label)
        columns = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(self._register_box())
        left.addWidget(self._bags_box())
        left.addStretch(1)
        columns.addLayout(left, stretch=1)
        right = QVBoxLayout()
        right.addWidget(self._verify_box())
        right.addWidget(self._shipment_box())
        right.addStretch(1)
        columns.addLayout(right, stretch=1)
        self.body_layout.addLayout(columns)
        self.body_layout.addStretch(1)
        self.show_case(None)
        self.refresh()

    # ------------------------------------------------------------ layout

    def _register_box(self) -> QGroupBox:
        self.register_group = QGroupBox("1 · Register an apheresis bag")
        layout = QFormLayout(self.register_group)
        self.volume = QDoubleSpinBox()
        self.volume.setObjectName("bagVolume")
        self.volume.setRange(0, 2000)
        self.volume.setDecimals(1)
        self.volume.setSuffix(" mL")
        self.volume.setSpecialValueText("—")
        layout.addRow("Volume", self.volume)
        self.anticoagulant = QLineEdit(DEFAULT_ANTICOAGULANT)
        self.anticoagulant.setObjectName("anticoagulant")
        layout.addRow("Anticoagulant", self.anticoagulant)
        start_row, self.collection_start = time_editor("collectionStart", 3 * 3600)
        end_row, self.collection_end = time_editor("collectionEnd", 0)
        layout.addRow("Collection started", start_row)
        layout.addRow("Collection ended", end_row)
        self.din_scan = self.scan_field(
            "dinScan", "Pre-labelled set only: scan its DIN (else one is issued)"
        )
        self.din_scan.scanned.connect(self.register_bag)
        layout.addRow("DIN (optional)", self.din_scan)
        self.register_button = QPushButton("Register bag")
        self.register_button.setObjectName("registerBag")
        self.register_button.clicked.connect(self.register_bag)
        layout.addRow(self.register_button)
        return self.register_group

    def _bags_box(self) -> QGroupBox:
        self.bags_group = QGroupBox("2 · Label each bag: print, stick on, scan back")
        self.bags_layout = QVBoxLayout(self.bags_group)
        self.no_bags = QLabel("No bag registered yet.")
        self.bags_layout.addWidget(self.no_bags)
        return self.bags_group

    def _verify_box(self) -> QGroupBox:
        self.verify_group = QGroupBox("3 · A second person verifies the collection")
        layout = QVBoxLayout(self.verify_group)
        hint = QLabel(
            "Someone other than the nurse who registered the bags signs in and verifies: "
            "every bag registered and its label scanned back."
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.verify_button = QPushButton("Verify collection (second person)…")
        self.verify_button.setObjectName("verifyCollection")
        self.verify_button.clicked.connect(self.verify)
        layout.addWidget(self.verify_button, alignment=Qt.AlignmentFlag.AlignLeft)
        return self.verify_group

    def _shipment_box(self) -> QGroupBox:
        self.shipment_group = QGroupBox("4 · Ship the bags to the manufacturer")
        layout = QFormLayout(self.shipment_group)
        self.create_button = QPushButton("Create shipment")
        self.create_button.setObjectName("createShipment")
        self.create_button.clicked.connect(self.create_collection)
        layout.addRow(self.create_button)
        self.sscc_label = QLabel()
        self.sscc_label.setObjectName("shipmentSscc")
        self.sscc_label.setWordWrap(True)
        self.sscc_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addRow(self.sscc_label)
        self.pack_scan = self.scan_field("packScan", "Scan each bag as it goes in (Enter)")
        self.pack_scan.scanned.connect(self.pack)
        layout.addRow("Pack bag", self.pack_scan)
        self.packed_label = QLabel()
        self.packed_label.setObjectName("packedBags")
        self.packed_label.setWordWrap(True)
        layout.addRow(self.packed_label)
        self.logger_scan = self.scan_field(
            "loggerScan", "Scan the data logger's bar code, e.g. (8004)…"
        )
        self.logger_scan.scanned.connect(self.attach)
        layout.addRow("Data logger", self.logger_scan)
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
        return self.shipment_group

    # ------------------------------------------------------------ the case

    def show_case(self, state: CollectionScreen | None) -> None:
        """Show the case: its bags, their labels and the shipper being packed."""
        self.state = state
        if state is not None and state.shipment is not None:
            self.shipments[state.case.id] = state.shipment  # survives a restart of the screen
        if state is None:
            self.case_label.setText("No case at your clinic is waiting for collection or shipment.")
        else:
            self.case_label.setText(
                f"COI {state.case.coi_eye_readable} · {state.case.stage_name} · "
                f"{len(state.bags)} bag(s)"
            )
        self._show_bags(state)
        self._show_shipment()
        self._update_steps()

    def _show_bags(self, state: CollectionScreen | None) -> None:
        for row in self.bag_rows:
            self.bags_layout.removeWidget(row)
            row.deleteLater()
        self.bag_rows = []
        bags = state.bags if state else []
        self.no_bags.setVisible(not bags)
        collecting = state is not None and state.case.stage is CaseStage.ENROLLED
        for bag in bags:
            row = BagRow(bag, state.labels.get(bag.id) if state else None, self.scanner)
            row.print_button.setEnabled(collecting)
            if not collecting:
                row.scan_back.setEnabled(False)
            self.wire_label_row(row)
            self.bags_layout.addWidget(row)
            row.show()
            self.bag_rows.append(row)

    def _shipment(self) -> ShipmentView | None:
        case_id = self.current_case_id()
        return self.shipments.get(case_id) if case_id is not None else None

    def _show_shipment(self) -> None:
        shipment, state = self._shipment(), self.state
        if state is None or state.case.stage is not CaseStage.COLLECTED:
            self.sscc_label.setText("Once the collection is verified, open a shipper here.")
            self.packed_label.clear()
            return
        if shipment is None:
            self.sscc_label.setText("No shipper open yet: create the shipment.")
            self.packed_label.clear()
            return
        logger = f"logger {shipment.logger_giai}" if shipment.logger_giai else "no logger yet"
        self.sscc_label.setText(f"Shipper SSCC {shipment.sscc} · {logger}")
        packed = [b for b in state.bags if b.id in shipment.packed_units]
        waiting = [b for b in state.bags if b.id not in shipment.packed_units]
        lines = [f"✔ Packed: DIN {din_text(b.din)}" for b in packed]
        lines += [f"• Still to pack: DIN {din_text(b.din)}" for b in waiting]
        self.packed_label.setText("\n".join(lines) or "No bag to pack.")

    def _update_steps(self) -> None:
        state = self.state
        collecting = state is not None and state.case.stage is CaseStage.ENROLLED
        collected = state is not None and state.case.stage is CaseStage.COLLECTED
        self.register_group.setEnabled(collecting)
        self.verify_group.setEnabled(collecting and bool(state and state.bags))
        self.shipment_group.setEnabled(collected)
        open_shipment = collected and self._shipment() is not None
        self.create_button.setEnabled(collected and not open_shipment)
        for widget in (
            self.pack_scan,
            self.logger_scan,
            self.courier_name,
            self.courier_company,
            self.hand_over_button,
        ):
            widget.setEnabled(open_shipment)

    def after_acknowledge(self) -> None:
        """Back to the scan the page still expects (the one refused, as a rule)."""
        self.focus_next_scan()

    def label_rows(self) -> list[BagRow]:
        """The bags' label rows."""
        return self.bag_rows

    def next_scan_field(self) -> QWidget | None:
        """A label to scan back, else the next bag to pack, then the logger, then the
        courier's name (issue 16: the logger scan once went into "Pack bag")."""
        field = super().next_scan_field()
        shipment, state = self._shipment(), self.state
        if field is not None or shipment is None or state is None:
            return field
        if not self.pack_scan.isEnabled():
            return None
        if any(b.id not in shipment.packed_units for b in state.bags):
            return self.pack_scan
        return self.logger_scan if not shipment.logger_giai else self.courier_name

    # ------------------------------------------------------------ collection

    def register_bag(self, *_scan: object) -> None:
        """Register one bag of the chosen case (apheresis nurse)."""
        state = self.state
        if state is None:
            return
        self.din_scan.finish_entry(quietly=True)  # typed, not yet ended with Enter
        din = self.din_scan.value
        bag = CollectedBag(
            volume_ml=self.volume.value(),
            anticoagulant=self.anticoagulant.text(),
            collection_start=utc_of(self.collection_start.dateTime()),
            collection_end=utc_of(self.collection_end.dateTime()),
            din_scan=din or None,
        )
        case_id = state.case.id

        def registered(unit: UnitView) -> None:
            self._say(
                True,
                f"✔ Bag DIN {din_text(unit.din)} registered ({unit.volume_ml:g} mL): "
                "print its label.",
            )
            self.din_scan.clear()
            self.volume.setValue(0)
            self.load_case()

        self._quiet()
        WriteOp(
            partial(register_collection, self.database, self.actor, case_id, bag),
            doing="The bag was not registered",
            changes={"unit"},
        ).busy(self.set_busy).success(registered).failure(self.refused).run(self.runner)

    def verify(self) -> None:
        """A second person signs in here and verifies the collection."""
        state = self.state
        if state is None:
            return
        dins = ", ".join(din_text(b.din) for b in state.bags)

        def verified(second: Actor, _case: CaseView) -> None:
            self._say(
                True,
                f"✔ Collection verified and signed by {second.full_name}: "
                "the case is Collected. Create the shipment to the manufacturer.",
            )
            self.refresh()

        self.verify_as_second_person(
            f"the collection of COI {state.case.coi_eye_readable} (bag DIN {dins})",
            verify_collection,
            state.case.id,
            doing="The collection was not verified",
            changes={"case"},
            done=verified,
        )

    # ------------------------------------------------------------ shipment

    def _shipment_changed(self, shipment: ShipmentView) -> None:
        if shipment.case_id is not None:
            self.shipments[shipment.case_id] = shipment
        self._show_shipment()
        self._update_steps()

    def create_collection(self) -> None:
        """Open a shipper (with its SSCC) for the case's bags."""
        state = self.state
        if state is None:
            return
        case_id = state.case.id

        def created(shipment: ShipmentView) -> None:
            self._say(True, f"✔ Shipper SSCC {shipment.sscc} opened: scan each bag into it.")
            self._shipment_changed(shipment)
            self.focus_next_scan()

        self._quiet()
        WriteOp(
            partial(
                create_shipment,
                self.database,
                self.actor,
                case_id,
                ShipmentDirection.TO_MANUFACTURER,
            ),
            doing="The shipper was not opened",
            changes={"shipment"},
        ).busy(self.set_busy).success(created).failure(self.refused).run(self.runner)

    def pack(self, *_scan: object) -> None:
        """Scan a bag into the shipper: it must be a bag of this case not yet packed."""
        shipment, raw = self._shipment(), self.pack_scan.value
        if shipment is None or not raw:
            return

        def packed(view: ShipmentView) -> None:
            self.pack_scan.clear()
            self._say(True, f"✔ Packed into SSCC {view.sscc}.")
            self._shipment_changed(view)
            self.focus_next_scan()

        self._quiet()
        WriteOp(
            partial(pack_unit, self.database, self.actor, shipment.id, raw),
            doing="The bag was not packed",
            changes={"shipment"},
        ).busy(self.set_busy).success(packed).failure(self.refusal(self.pack_scan.clear)).run(
            self.runner
        )

    def attach(self, *_scan: object) -> None:
        """Scan the data logger's GIAI into the shipper."""
        shipment, raw = self._shipment(), self.logger_scan.value
        if shipment is None or not raw:
            return

        def attached(view: ShipmentView) -> None:
            self.logger_scan.clear()
            self._say(True, f"✔ Data logger {view.logger_giai} is in shipper SSCC {view.sscc}.")
            self._shipment_changed(view)
            self.focus_next_scan()

        self._quiet()
        WriteOp(
            partial(attach_logger, self.database, self.actor, shipment.id, raw),
            doing="The data logger was not attached",
            changes={"shipment"},
        ).busy(self.set_busy).success(attached).failure(self.refusal(self.logger_scan.clear)).run(
            self.runner
        )

    def hand_over(self) -> None:
        """Hand the shipper to the courier: custody passes, the case is shipped."""
        shipment = self._shipment()
        if shipment is None:
            return
        name, company = self.courier_name.text(), self.courier_company.text()

        def handed(view: ShipmentView) -> None:
            if view.case_id is not None:
                self.shipments.pop(view.case_id, None)
            self.courier_name.clear()
            self.courier_company.clear()
            self._say(
                True,
                f"✔ Shipper SSCC {view.sscc} handed over to {view.courier_name} at "
                f"{local_time(view.handed_over_at)}: the case is shipped to the manufacturer.",
            )
            self.refresh()

        self._quiet()
        WriteOp(
            partial(
                hand_over,
                self.database,
                self.actor,
                shipment.id,
                courier_name=name,
                courier_organisation=company,
            ),
            doing="The shipper was not handed over",
            changes={"shipment", "case"},
        ).busy(self.set_busy).success(handed).failure(self.refused).run(self.runner)
