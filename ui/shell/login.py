"""The sign-in dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.access import authenticate
from app.core import Actor, Database
from ui.widgets import describe


class LoginDialog(QDialog):
    """Asks for user name and password; on success ``actor`` holds the signed-in user."""

    def __init__(self, database: Database, station: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.station = station
        self.actor: Actor | None = None
        self.setWindowTitle("COI Tracker — sign in")
        self.setMinimumWidth(460)

        title = QLabel("COI Tracker")
        title.setObjectName("pageTitle")
        where = QLabel(f"Database: {database.display_url}\nStation: {station}")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("User name", self.username)
        form.addRow("Password", self.password)

        self.error = QLabel()
        self.error.setObjectName("errorMessage")
        self.error.setWordWrap(True)
        self.error.hide()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        sign_in = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        sign_in.setText("Sign in")
        sign_in.setDefault(True)
        self.buttons.accepted.connect(self.sign_in)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(where)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.username.setFocus()

    def sign_in(self) -> None:
        """Authenticate; show the refusal in the dialog, or accept."""
        try:
            self.actor = authenticate(
                self.database, self.username.text(), self.password.text(), self.station
            )
        except Exception as exc:
            title, text = describe(exc)
            self.error.setText(f"⚠ {title}: {text}")
            self.error.show()
            self.password.clear()
            self.password.setFocus()
            return
        self.accept()
