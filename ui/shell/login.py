"""The sign-in dialog, and the new-password dialog a generated password leads to."""

from __future__ import annotations

import importlib
import threading

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

from app.core import Actor, Database
from ui.widgets import describe


def warm_up_sign_in() -> threading.Thread:
    """Import what signing in needs (the access services, the ORM and its models) on a
    background thread while the user types: the sign-in window is shown without waiting for
    them, and a press of "Sign in" finds them loaded (or waits for the import under way)."""
    thread = threading.Thread(
        target=importlib.import_module, args=("app.access",), name="sign-in warm-up", daemon=True
    )
    thread.start()
    return thread


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
        where = QLabel(f"Database: {database.short_name}\nStation: {station}")
        where.setObjectName("signInWhere")
        self.where = where
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
        # issue 16 review: a refusal stayed on screen while the user typed again, and after
        # the sign-in that then succeeded; it is taken down at the first key typed
        for field in (self.username, self.password):
            field.textEdited.connect(self._clear_error)

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
        """Authenticate; show the refusal in the dialog, or accept.

        A generated password must be replaced first: the new-password dialog opens, and only
        once it succeeded is the user signed in.
        """
        password = self.password.text()
        try:
            from app.access import authenticate  # noqa: PLC0415 - see warm_up_sign_in

            actor = authenticate(self.database, self.username.text(), password, self.station)
        except Exception as exc:
            self._refused(exc)
            return
        if actor.must_change_password:
            choose = NewPasswordDialog(self.database, actor, password, self)
            if choose.exec() != QDialog.DialogCode.Accepted or choose.actor is None:
                self.error.setText(
                    "⚠ New password needed: the password was generated for first use. Sign in "
                    "again and choose your own to continue."
                )
                self.error.show()
                self.password.clear()
                self.password.setFocus()
                return
            actor = choose.actor
        self.actor = actor
        self._clear_error()
        self.accept()

    def _clear_error(self) -> None:
        """Take down the last refusal: it spoke of what was typed before."""
        self.error.clear()
        self.error.hide()

    def _refused(self, exc: BaseException) -> None:
        title, text = describe(exc)
        self.error.setText(f"⚠ {title}: {text}")
        self.error.show()
        self.password.clear()
        self.password.setFocus()


class NewPasswordDialog(QDialog):
    """Asks a user whose password was generated for their own; ``actor`` is set on success."""

    def __init__(
        self, database: Database, actor: Actor, current_password: str, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.signed_in = actor
        self.current_password = current_password
        self.actor: Actor | None = None
        self.setWindowTitle("COI Tracker — choose your password")
        self.setMinimumWidth(460)

        why = QLabel(
            f"The password of {actor.username} was generated for first use. Choose your own "
            "before you start: at least 10 characters."
        )
        why.setWordWrap(True)
        self.new_password = QLineEdit()
        self.new_password.setObjectName("newPassword")
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_password = QLineEdit()
        self.repeat_password.setObjectName("repeatPassword")
        self.repeat_password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("New password", self.new_password)
        form.addRow("Repeat it", self.repeat_password)

        self.error = QLabel()
        self.error.setObjectName("errorMessage")
        self.error.setWordWrap(True)
        self.error.hide()
        for field in (self.new_password, self.repeat_password):
            field.textEdited.connect(self._clear_error)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        save = buttons.button(QDialogButtonBox.StandardButton.Ok)
        save.setText("Change password")
        save.setDefault(True)
        buttons.accepted.connect(self.change)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(why)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.new_password.setFocus()

    def change(self) -> None:
        """Change the password through the service; show a refusal, or accept."""
        if self.new_password.text() != self.repeat_password.text():
            self._refused("⚠ The two passwords differ: type the same new password twice.")
            return
        try:
            from app.access import change_own_password  # noqa: PLC0415 - see warm_up_sign_in

            self.actor = change_own_password(
                self.database, self.signed_in, self.current_password, self.new_password.text()
            )
        except Exception as exc:
            title, text = describe(exc)
            self._refused(f"⚠ {title}: {text}")
            return
        self._clear_error()
        self.accept()

    def _clear_error(self) -> None:
        """Take down the last refusal once the user types again."""
        self.error.clear()
        self.error.hide()

    def _refused(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.new_password.clear()
        self.repeat_password.clear()
        self.new_password.setFocus()
