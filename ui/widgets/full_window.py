"""Showing one part of a page alone, full screen (F11), and putting it back (Esc, or closing)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QBoxLayout, QVBoxLayout, QWidget


class _Window(QWidget):
    """The full-screen window; closing it puts its content back instead of losing it."""

    closed = Signal()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Hand the content back instead of losing it."""
        self.closed.emit()
        event.accept()


class FullWindow(QObject):
    """Moves ``body`` out of ``home`` (its page's layout) into a full-screen window and back.

    Signal: ``toggled(bool)``, True when the body is shown alone.
    """

    toggled = Signal(bool)

    def __init__(self, owner: QWidget, body: QWidget, home: QBoxLayout, name: str) -> None:
        super().__init__(owner)
        self.owner, self.body, self.home, self.name = owner, body, home, name
        self._window: _Window | None = None

    @property
    def active(self) -> bool:
        """True while the body is shown alone, full screen."""
        return self._window is not None

    def toggle(self, title: str) -> None:
        """Show the body alone, full screen, titled ``title``; or put it back in its page."""
        if self._window is not None:
            self.leave()
            return
        window = _Window(self.owner, Qt.WindowType.Window)  # its own window, owned here
        window.setObjectName(self.name)
        window.setWindowTitle(title)
        window.closed.connect(self.leave)
        QVBoxLayout(window).addWidget(self.body)
        self._window = window
        window.showFullScreen()
        window.activateWindow()
        self.toggled.emit(True)

    def leave(self) -> None:
        """Put the body back in its page (nothing happens when it is there already)."""
        window, self._window = self._window, None
        if window is None:
            return
        self.home.addWidget(self.body)
        self.body.show()
        window.hide()
        window.deleteLater()
        self.owner.window().activateWindow()
        self.toggled.emit(False)
