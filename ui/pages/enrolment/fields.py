"""The enrolment form's fields: each with its error line beneath, and the slot-date fields with
the capacity left on the chosen day."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from app.journey import SlotDay
from ui.widgets import restyle

DATE_HINT = "YYYY-MM-DD"
MAX_TYPED = 300
"""Longer typing is cut here; the service still names anything too long."""


def parse_day(text: str) -> date | str | None:
    """The typed date, None when empty, or the problem in words."""
    typed = text.strip()
    if not typed:
        return None
    try:
        return date.fromisoformat(typed)
    except ValueError:
        return f"“{typed[:20]}” is not a date: type it as {DATE_HINT}, e.g. 1971-03-14."


class FieldWithError(QWidget):
    """An input with a red line under it that says what is wrong with it."""

    def __init__(self, name: str, placeholder: str = "", editor: QWidget | None = None) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        if editor is None:
            line = QLineEdit()
            line.setMaxLength(MAX_TYPED)
            line.setPlaceholderText(placeholder)
            editor = line
        editor.setObjectName(name)
        self.editor = editor
        layout.addWidget(editor)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.extra = QVBoxLayout()
        layout.addLayout(self.extra)

    @property
    def text(self) -> str:
        """The typed text (line editors only)."""
        return self.editor.text() if isinstance(self.editor, QLineEdit) else ""

    def show_error(self, text: str | None) -> None:
        """Show ``text`` under the field, or hide the line when None."""
        self.error.setText(f"✖ {text}" if text else "")
        self.error.setVisible(bool(text))


class SlotDateField(FieldWithError):
    """A slot date with the slots left that day and, when full, the next free days."""

    def __init__(self, name: str) -> None:
        super().__init__(name, DATE_HINT)
        self.left = QLabel("Type a date to see the slots left.")
        self.left.setObjectName("slotLeft")
        self.left.setWordWrap(True)
        self.extra.addWidget(self.left)

    def show_days(self, days: tuple[SlotDay, ...]) -> None:
        """Say how many slots are left on the first day; name free days after it when full."""
        first = days[0]
        text = f"{first.day.isoformat()}: {first.words}"
        if not first.free:
            free = [d.day.isoformat() for d in days[1:] if d.free][:3]
            text += ". Next free: " + (", ".join(free) if free else "none in the next weeks")
        self.left.setText(text)
        restyle(self.left, full="true" if not first.free else "false")

    def clear_days(self, text: str) -> None:
        """No day to show (none typed, or not a date)."""
        self.left.setText(text)
        restyle(self.left, full="false")
