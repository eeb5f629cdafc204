"""Dialogs for electronic signatures and for a second person signing in on the same screen.

The signature dialog shows who signs, what the signature means and what is signed, and asks for
the password again (21 CFR Part 11 §11.200). The second-person dialog signs a colleague in
without replacing the user of the window, for verifications done at the same bench.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.access import authenticate
from app.core import Actor, CoiError, Database
from ui.widgets import ok_cancel, password_field


class SignatureDialog(QDialog):
    """Password re-entry for one signature; ``password`` holds it after Accept."""

    def __init__(self, parent: QWidget | None, actor: Actor, meaning: str, record: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("Electronic signature")
        self.setObjectName("signatureDialog")
        layout = QVBoxLayout(self)
        statement = QLabel(
            f"<b>{actor.full_name}</b> ({actor.username}) signs:<br>"
            f"<b>{record}</b><br>Meaning: <b>{meaning}</b><br>"
            "Your signature is the legally binding equivalent of your handwritten signature."
        )
        statement.setObjectName("signatureStatement")
        statement.setWordWrap(True)
        layout.addWidget(statement)
        form = QFormLayout()
        self.password_field = password_field("signaturePassword")
        form.addRow("Password", self.password_field)
        layout.addLayout(form)
        layout.addWidget(ok_cancel(self, "Sign", self.accept))
        self.password_field.setFocus()

    @property
    def password(self) -> str:
        """The password typed."""
        return self.password_field.text()


class SecondPersonDialog(QDialog):
    """A colleague signs in here to verify; ``actor`` and ``password`` are set on success."""

    def __init__(self, parent: QWidget | None, database: Database, what: str, station: str) -> None:
        super().__init__(parent)
        self.database = database
        self.station = station
        self.actor: Actor | None = None
        self.setWindowTitle("Second person")
        self.setObjectName("secondPersonDialog")
        layout = QVBoxLayout(self)
        heading = QLabel(f"A second person signs in to verify: <b>{what}</b>")
        heading.setWordWrap(True)
        layout.addWidget(heading)
        form = QFormLayout()
        self.username_field = QLineEdit()
        self.username_field.setObjectName("secondPersonUsername")
        self.password_field = password_field("secondPersonPassword")
        form.addRow("User name", self.username_field)
        form.addRow("Password", self.password_field)
        layout.addLayout(form)
        self.error_label = QLabel()
        self.error_label.setObjectName("errorMessage")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        layout.addWidget(ok_cancel(self, "Sign in and verify", self._sign_in))
        self.username_field.setFocus()

    @property
    def password(self) -> str:
        """The password typed (the verification service signs with it)."""
        return self.password_field.text()

    def _sign_in(self) -> None:
        try:
            self.actor = authenticate(
                self.database,
                self.username_field.text().strip(),
                self.password_field.text(),
                self.station,
            )
        except CoiError as error:
            self.error_label.setText(f"✖ {error.message}")
            self.error_label.show()
            return
        self.accept()


def ask_second_person(
    parent: QWidget | None, database: Database, station: str, what: str
) -> tuple[Actor, str] | None:
    """Sign a colleague in to verify ``what``: who they are and the password they signed
    with, or None when the dialog is cancelled."""
    dialog = SecondPersonDialog(parent, database, what, station)
    try:
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        second, password = dialog.actor, dialog.password
    finally:
        dialog.deleteLater()
    if not accepted or second is None:
        return None
    return second, password
