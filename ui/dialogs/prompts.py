"""The questions a page asks before a GMP action: a statement (what happened, the outcome of an
investigation, a justification), optionally with a choice, and the password of a signature."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.casefile import SignatureMeaning
from app.core import Actor
from ui.dialogs.signing import SignatureDialog
from ui.widgets import escape, ok_cancel


class StatementDialog(QDialog):
    """Asks for a statement (what happened, the investigation outcome, a justification),
    optionally with a choice such as the batch it concerns."""

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        prompt: str,
        *,
        action: str = "Continue",
        choices: Sequence[tuple[str, Any]] = (),
        choice_label: str = "Batch",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("statementDialog")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        heading = QLabel(prompt)
        heading.setObjectName("statementPrompt")
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.choice_field = QComboBox()
        self.choice_field.setObjectName("statementChoice")
        if choices:
            for text, data in choices:
                self.choice_field.addItem(text, data)
            form = QFormLayout()
            form.addRow(choice_label, self.choice_field)
            layout.addLayout(form)
        self.text_field = QPlainTextEdit()
        self.text_field.setObjectName("statementText")
        self.text_field.setTabChangesFocus(True)
        layout.addWidget(self.text_field)
        buttons = ok_cancel(self, action, self.accept)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setEnabled(False)
        self.text_field.textChanged.connect(
            lambda: self.ok_button.setEnabled(bool(self.text.strip()))
        )
        layout.addWidget(buttons)
        self.text_field.setFocus()

    @property
    def text(self) -> str:
        """The statement typed, without surrounding blanks."""
        return self.text_field.toPlainText().strip()

    @property
    def choice(self) -> Any:
        """The data of the chosen entry (None when there is no choice)."""
        return self.choice_field.currentData() if self.choice_field.count() else None


def ask_statement(dialog: StatementDialog) -> tuple[str, Any] | None:
    """Run the statement dialog; its text and choice, or None when cancelled."""
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.text:
            return None
        return dialog.text, dialog.choice
    finally:
        dialog.deleteLater()


def ask_password(
    parent: QWidget, actor: Actor, meaning: SignatureMeaning, record: str
) -> str | None:
    """The password re-entered in the signature dialog, or None when cancelled."""
    dialog = SignatureDialog(parent, actor, meaning.label, escape(record))
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.password
    finally:
        dialog.deleteLater()


def ask_password_for_list(
    parent: QWidget, actor: Actor, meaning: SignatureMeaning, heading: str, items: Sequence[str]
) -> str | None:
    """The password of one signature over several records, each listed on its own line."""
    listed = "<br>".join(f"• {escape(item)}" for item in items)
    dialog = SignatureDialog(parent, actor, meaning.label, f"{escape(heading)}<br>{listed}")
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.password
    finally:
        dialog.deleteLater()


def ask_justified_signature(
    parent: QWidget,
    actor: Actor,
    meaning: SignatureMeaning,
    dialog: StatementDialog,
    record: Callable[[str], str],
) -> tuple[str, str] | None:
    """The justification typed in ``dialog``, then the password re-entered to sign
    ``record(justification)``: (justification, password), or None when either is cancelled."""
    answer = ask_statement(dialog)
    if answer is None:
        return None
    justification = answer[0]
    password = ask_password(parent, actor, meaning, record(justification))
    return None if password is None else (justification, password)
