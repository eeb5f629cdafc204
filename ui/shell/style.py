"""The application's look: one stylesheet from ``resources/``."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from resources import read_text


def apply_style(app: QApplication) -> None:
    """Apply the stylesheet (base font 12 pt, readable at bench distance)."""
    font = app.font()
    font.setPointSize(12)
    app.setFont(font)
    app.setStyleSheet(read_text("style.qss"))
