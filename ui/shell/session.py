"""The application's session loop: sign in, work, sign out, the next person signs in.

``ui/main.py`` starts it and runs the event loop; a test drives it with qtbot the same way.
Closing the window (not signing out) ends the loop, and with it the application.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.core import Actor, CoiError, Database
from ui.shell.login import LoginDialog

if TYPE_CHECKING:
    from ui.shell.main_window import MainWindow

log = logging.getLogger(__name__)


class Session(QObject):
    """Shows the sign-in dialog, then the signed-in user's window, and again after a sign-out."""

    finished = Signal()
    """The sign-in was cancelled or the window closed: the application may quit."""

    def __init__(
        self, database: Database, station: str, *, idle_lock_minutes: float | None = None
    ) -> None:
        super().__init__()
        self.database = database
        self.station = station
        self.idle_lock_minutes = idle_lock_minutes
        self.login: LoginDialog | None = None
        self.window: MainWindow | None = None

    def start(self) -> None:
        """Ask who is signing in (the dialog is shown; the event loop does the rest)."""
        dialog = LoginDialog(self.database, self.station)
        dialog.accepted.connect(lambda: self._signed_in(dialog))
        dialog.rejected.connect(lambda: self._login_cancelled(dialog))
        self.login = dialog
        dialog.show()

    def _signed_in(self, dialog: LoginDialog) -> None:
        self.login = None
        dialog.deleteLater()
        if dialog.actor is None:
            self.finished.emit()
            return
        actor = dialog.actor
        # Imported once someone signed in: the sign-in window never waits for it.
        from ui.shell.main_window import MainWindow  # noqa: PLC0415

        window = MainWindow(self.database, actor, idle_lock_minutes=self.idle_lock_minutes)
        window.closed.connect(lambda again: self._window_closed(window, actor, again))
        self.window = window
        window.show()

    def _login_cancelled(self, dialog: LoginDialog) -> None:
        self.login = None
        dialog.deleteLater()
        self.finished.emit()

    def _window_closed(self, window: MainWindow, actor: Actor, sign_in_again: bool) -> None:
        if self.window is not window:
            return  # a second close event of a window already done with
        self.window = None
        from app.access import sign_out  # noqa: PLC0415 - the sign-in window loads without it

        try:
            sign_out(self.database, actor)
        except CoiError as error:  # the session ends anyway; the log says what was not recorded
            log.warning("the sign-out of %s was not recorded: %s", actor.username, error.message)
        window.deleteLater()
        if sign_in_again:
            self.start()
        else:
            self.finished.emit()
