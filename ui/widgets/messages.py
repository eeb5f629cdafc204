"""One path for messages to the user: known errors in plain words, bugs logged in full."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

from app.core import CoiError
from ui.tasks import words_for

log = logging.getLogger(__name__)


def describe(error: BaseException) -> tuple[str, str]:
    """Title and text for ``error``: the message of a known error, a generic one for a bug."""
    if not isinstance(error, CoiError):
        log.error("unexpected error", exc_info=error)
    return words_for(error)


def show_error_box(parent: QWidget | None, error: BaseException) -> None:
    """Show ``error`` in a message box (never a traceback)."""
    title, text = describe(error)
    QMessageBox.critical(parent, title, text)
