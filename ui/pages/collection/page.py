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
    register_collection,
    verify_collection,
)
from app.scanning import ScannerSettings
from ui.pages import CaseWorkPage, ShipperBox
from ui.tasks import TaskRunner, WriteOp
from ui.widgets import BagRow, din_text, local_zone_words, time_editor, typed_input, utc_of

DEFAULT_ANTICOAGULANT = "ACD-A"


BAGS_TITLE = "2 · Label each bag: print, stick on, scan back"


def bag_count_words(count: int) -> str:
    """How many bags the case has, in words: "no bag yet", "1 bag", "2 bags"."""
    if count == 0:
        return "no bag yet"
    return f"{count} bag" if count == 1 else f"{count} bags"


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

    def unsaved_input(self) -> str | None:
        """Scans typed and not yet recorded, or a courier typed and not handed over (None)."""
        return typed_input(
            [
                ("the DIN field", self.din_scan),
                ("the pack field", self.pack_scan),
                ("the data logger field", self.logger_scan),
                ("the courier's name field", self.courier_name),
                ("the courier's company field", self.courier_company),
            ]
        )

    def _register_box(self) -> QGroupBox:
        self.register_group = QGroupBox("1 · Register an apheresis bag")
        layout = QFormLayout(self.register_group)
        self.volume = QDoubleSpinBox()
        self.volume.setObjectName("bagVolume")
        self.volume.setRange(0, 2000)
        self.volume.setDecimals(1)
        self.volume.setSuffix(" mL")
        self.volume.setSpecialValueText("— mL")  # the unit shows before a value is typed
        layout.addRow("Volume", self.volume)
        self.anticoagulant = QLineEdit(DEFAULT_ANTICOAGULANT)
        self.anticoagulant.setObjectName("anticoagulant")
        layout.addRow("Anticoagulant", self.anticoagulant)
        start_row, self.collection_start = time_editor("collectionStart", 3 * 3600)
        end_row, self.collection_end = time_editor("collectionEnd", 0)
        layout.addRow("Collection started", start_row)
        layout.addRow("Collection ended", end_row)
        # issue 16 review: every other time on the screens is UTC; these said neither
        zone = QLabel(f"Times above in {local_zone_words()}")
        zone.setObjectName("collectionZone")
        zone.setWordWrap(True)
        layout.addRow("", zone)
        self.din_scan = self.scan_field("dinScan", "Pre-labelled set only: scan its DIN")
        self.din_scan.scanned.connect(self.register_bag)
        layout.addRow("DIN (optional)", self.din_scan)
        self.register_button = QPushButton("Register bag")
        self.register_button.setObjectName("registerBag")
        self.register_button.clicked.connect(self.register_bag)
        layout.addRow(self.register_button)
        return self.register_group

    def _bags_box(self) -> QGroupBox:
        self.bags_group = QGroupBox(BAGS_TITLE)
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

    def _shipment_box(self) -> ShipperBox:
        self.shipper = ShipperBox(
            self,
            "4 · Ship the bags to the manufacturer",
            ShipmentDirection.TO_MANUFACTURER,
            "the manufacturer",
        )
        self.shipment_group = self.shipper
        self.shipments = self.shipper.shipments
        self.create_button = self.shipper.create_button
        self.sscc_label = self.shipper.sscc_label
        self.pack_scan = self.shipper.pack_scan
        self.packed_label = self.shipper.packed_label
        self.logger_scan = self.shipper.logger_scan
        self.courier_name = self.shipper.courier_name
        self.courier_company = self.shipper.courier_company
        self.hand_over_button = self.shipper.hand_over_button
        return self.shipper

    # ------------------------------------------------------------ the case

    def show_case(self, state: CollectionScreen | None) -> None:
        """Show the case: its bags, their labels and the shipper being packed."""
        self.state = state
        # The pinned case header names the case and its stage: no line here repeats it; the
        # bag count is said in words in the title of the bags' box.
        self.case_label.setText("No case at your clinic is waiting for collection or shipment.")
        self.case_label.setVisible(state is None)
        count = f" — {bag_count_words(len(state.bags))}" if state else ""
        self.bags_group.setTitle(BAGS_TITLE + count)
        self._show_bags(state)
        self.shipper.show_units(
            state.case.id if state else None,
            state.bags if state else (),
            state.shipment if state else None,
            ready=state is not None and state.case.stage is CaseStage.COLLECTED,
            waiting="Once the collection is verified, open a shipper here.",
        )
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

    def _update_steps(self) -> None:
        state = self.state
        collecting = state is not None and state.case.stage is CaseStage.ENROLLED
        self.register_group.setEnabled(collecting)
        self.verify_group.setEnabled(collecting and bool(state and state.bags))

    def after_acknowledge(self) -> None:
        """Back to the scan the page still expects (the one refused, as a rule)."""
        self.focus_next_scan()

    def label_rows(self) -> list[BagRow]:
        """The bags' label rows."""
        return self.bag_rows

    def next_scan_field(self) -> QWidget | None:
        """A label to scan back, else the shipper's next scan."""
        return super().next_scan_field() or self.shipper.next_scan_field()

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
