"""What the Admin page's dialogs share: OK checks the input and keeps the dialog open with
the problem in words until it is complete."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ui.widgets import message_line, show_message


def run_dialog(dialog: QDialog) -> bool:
    """Run a modal dialog; True when accepted. The dialog is deleted afterwards."""
    try:
        return dialog.exec() == QDialog.DialogCode.Accepted
    finally:
        dialog.deleteLater()


def number(field: QLineEdit, label: str, *, optional: bool = False) -> float | None:
    """The number typed in ``field`` (a comma reads as a decimal point).

    Blank is None when ``optional``; anything else that is not a number raises ValueError with
    a message naming ``label``.
    """
    text = field.text().strip().replace(",", ".")
    if not text:
        if optional:
            return None
        raise ValueError(f"Type the {label}.")
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"The {label} must be a number, not {text!r}.") from None


def required(field: QLineEdit, label: str) -> float:
    """The number typed in ``field``; ValueError names ``label`` when blank or not a number."""
    value = number(field, label)
    assert value is not None
    return value


class CheckedDialog(QDialog):
    """A dialog whose OK runs ``problem()`` and stays open while it finds one."""

    def __init__(self, parent: QWidget | None, title: str, name: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName(name)
        self.setMinimumWidth(680)
        self.body = QVBoxLayout(self)
        self.form = QFormLayout()
        self.body.addLayout(self.form)
        self.problem_line = message_line("errorMessage")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.try_accept)
        self.buttons.rejected.connect(self.reject)

    def finish(self, action: str) -> None:
        """Add the problem line and the buttons below the fields."""
        self.ok_button.setText(action)
        self.body.addWidget(self.problem_line)
        self.body.addWidget(self.buttons)
        # A refusal answers the input as it was: an edit takes it away (issue 16 review: the
        # add-user dialog still said "not at a manufacturer site" with the clinic chosen).
        for field in self.findChildren(QLineEdit):
            field.textEdited.connect(self._edited)
        for box in self.findChildren(QComboBox):
            box.currentIndexChanged.connect(self._edited)
        for tick in self.findChildren(QAbstractButton):
            if tick.isCheckable():
                tick.toggled.connect(self._edited)

    def _edited(self, *_changed: object) -> None:
        self.problem_line.hide()

    def problem(self) -> str | None:
        """What keeps the input from being saved, in words (None: nothing)."""
        return None

    def try_accept(self) -> None:
        """Accept when the input is complete, else say what is missing."""
        problem = self.problem()
        if problem is None:
            self.accept()
            return
        show_message(self.problem_line, f"✖ {problem}", ok=False)
