"""One path for messages to the user: known errors in plain words, bugs logged in full."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

from app.core import CoiError

log = logging.getLogger(__name__)


def describe(error: BaseException) -> tuple[str, str]:
    """Title and text for ``error``: the message of a known error, a generic one for a bug."""
    if isinstance(error, CoiError):
        return error.title, error.message
    log.error("unexpected error", exc_info=error)
    return (
        "Unexpected error",
        "Something went wrong that COI Tracker did not expect. Nothing was saved half-way. "
        "The details are in the log file; please report them to your administrator.",
    )


def show_error_box(parent: QWidget | None, error: BaseException) -> None:
    """Show ``error`` in a message box (never a traceback)."""
    title, text = describe(error)
    QMessageBox.critical(parent, title, text)
