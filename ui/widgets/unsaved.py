"""Words for typed input a page has not saved yet, so closing or signing out can ask first."""

from __future__ import annotations

from collections.abc import Iterable

import shiboken6
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QTextEdit, QWidget

Typed = QLineEdit | QPlainTextEdit | QTextEdit


def typed_text(field: QWidget | None) -> str:
    """The text typed in ``field`` (empty for a gone or non-text widget)."""
    if field is None or not shiboken6.isValid(field):
        return ""
    if isinstance(field, QLineEdit):
        return field.text().strip()
    if isinstance(field, (QPlainTextEdit, QTextEdit)):
        return field.toPlainText().strip()
    return ""


def typed_input(fields: Iterable[tuple[str, QWidget | None]]) -> str | None:
    """ "text typed in the <names> field(s)" for the named fields holding text, None if none do.

    Only the fields' names are given, never what was typed: the question may be read by the
    next person at the station.
    """
    names = [name for name, field in fields if typed_text(field)]
    if not names:
        return None
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"text typed in {listed}"
