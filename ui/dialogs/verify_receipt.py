"""A second person signs in on the receipt screen and verifies the receipt with a signature."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.access import authenticate
from app.casefile import ShipmentView
from app.core import Actor, Database, sscc_text
from app.journey import complete_receipt
from ui.tasks import Failure, TaskRunner, WriteOp
from ui.widgets import fit_height, message_line, password_field, show_message


class VerifyReceiptDialog(QDialog):
    """A second person signs in on this screen and verifies the receipt with a signature."""

    verified = Signal(object, object)

    def __init__(
        self,
        database: Database,
        station: str,
        runner: TaskRunner,
        shipment: ShipmentView,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("verifyReceiptDialog")
        self.setWindowTitle(f"Verify receipt — shipment {sscc_text(shipment.sscc)}")
        self.setMinimumWidth(520)
        self.database, self.station, self.runner, self.shipment = (
            database, station, runner, shipment,
        )  # fmt: skip
        meaning = QLabel(
            f"The verifier — not the person who scanned the containers in — signs in here. "
            f"Signing means: <b>verified</b> — I checked the receipt of shipment "
            f"{sscc_text(shipment.sscc)}: every container scanned, the logger file imported."
        )
        meaning.setWordWrap(True)
        self.username = QLineEdit()
        self.username.setObjectName("verifierUsername")
        self.password = password_field("verifierPassword")
        self.password.returnPressed.connect(self.sign)
        form = QFormLayout()
        form.addRow("Verifier user name", self.username)
        form.addRow("Password", self.password)
        self.error = message_line("errorMessage")
        self.sign_button = QPushButton("Verify and sign")
        self.sign_button.setDefault(True)
        self.sign_button.clicked.connect(self.sign)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sign_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(meaning)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.username.setFocus()
        fit_height(self)

    def sign(self) -> None:
        """Authenticate the verifier, then verify and sign the receipt as them."""
        if not self.sign_button.isEnabled():
            return
        self.sign_button.setEnabled(False)
        self.error.hide()
        database, station, shipment_id = self.database, self.station, self.shipment.id
        username, password = self.username.text(), self.password.text()

        def work() -> tuple[ShipmentView, Actor]:
            verifier = authenticate(database, username, password, station)
            return complete_receipt(database, verifier, shipment_id, password), verifier

        WriteOp(work, doing="The receipt was not verified", changes={"shipment"}).success(
            self._done
        ).failure(self._failed).run(self.runner)

    def _done(self, result: tuple[ShipmentView, Actor]) -> None:
        self.verified.emit(*result)
        self.accept()

    def _failed(self, failure: Failure) -> None:
        show_message(self.error, failure.headline, ok=False)
        fit_height(self)
        self.password.clear()
        self.password.setFocus()
        self.sign_button.setEnabled(True)
