"""Entry point of the ``coi-tracker`` desktop application."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from logging.handlers import RotatingFileHandler
from typing import NoReturn

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QMessageBox

from app.core import (
    CoiError,
    log_directory,
    open_database,
    password_wanted,
    resolve_database_url,
    resolve_station,
    with_password,
)
from ui.shell import (
    Session,
    apply_style,
    bindings_defect,
    install_crash_guard,
    warm_up_sign_in,
)
from ui.tasks import HELPER, GuiThreadCollector
from ui.widgets import show_error_box

log = logging.getLogger(__name__)


def configure_logging() -> None:
    """Log to a rotating file in the user data directory."""
    handler = RotatingFileHandler(
        log_directory() / "coi-tracker.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])


def main(argv: Sequence[str] | None = None) -> int:
    """Open the database (upgrading it); sign in, work, sign out and sign in again until the
    sign-in is cancelled or the window closed."""
    args = list(sys.argv if argv is None else argv)
    db_url = None
    if "--db" in args:
        position = args.index("--db")
        db_url = args[position + 1] if position + 1 < len(args) else None
    configure_logging()
    # From here to the process's end, a crash leaves every thread's stack in the log directory
    # and an uncaught error a message box (the guard stays installed through shutdown).
    install_crash_guard(log_directory())
    app = QApplication.instance() or QApplication(args)
    assert isinstance(app, QApplication)
    app.setApplicationName("COI Tracker")
    defect = bindings_defect()
    if defect is not None:  # it would crash later, perhaps in the middle of an operation
        log.critical("refusing to start: %s", defect)
        QMessageBox.critical(None, "COI Tracker cannot start", defect)
        return 3
    # Reference cycles (pyqtgraph's, a closed page's) are freed on the GUI thread, never by a
    # worker thread that happens to allocate when a collection is due.
    GuiThreadCollector(app).install()
    apply_style(app)
    url = resolve_database_url(db_url)
    try:
        database = open_database(url)
    except CoiError as exc:
        typed = _ask_password(url, exc)
        try:
            if typed is None:
                raise
            database = open_database(with_password(url, typed))
        except CoiError as final:
            log.warning("cannot open the database: %s", final.message)
            show_error_box(None, final)
            return 2
    # Between a sign-out and the next sign-in no window is open: the session says when to quit.
    app.setQuitOnLastWindowClosed(False)
    session = Session(database, resolve_station())
    session.finished.connect(app.quit)
    session.start()
    # Shown before the sign-in services and the main window are imported: they load behind it.
    QTimer.singleShot(0, warm_up_sign_in)
    status = app.exec()
    database.dispose()
    return status


def _ask_password(url: str, error: CoiError) -> str | None:
    """The database password, asked when the server wants one the settings do not hold.

    It is never written to the settings file; with no keyring it is asked at every start.
    """
    if not password_wanted(url, error.message):
        return None
    password, given = QInputDialog.getText(
        None,
        "Database password",
        f"{error.message}\n\nThe password is not saved on this computer (it is kept only in "
        "its keyring, and there is none, or it holds none). Type the database password:",
        QLineEdit.EchoMode.Password,
    )
    return password if given and password else None


def run() -> NoReturn:
    """The desktop app's entry point (``coi-tracker``): :func:`main`, then the process ends
    without tearing the interpreter down.

    Every window is closed by then (the main window waits for its tasks as it closes), the
    database disposed of and the helper process ended here; the log is flushed. What is left,
    unloading some thousand modules and the Qt objects one by one, took a second or more at
    every exit (1.1-1.3 s measured after a sign-in cancelled, against a whole start of 3 s).
    """
    status = main()
    HELPER.close()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    run()
