"""Start the desktop app (or its floor) and quit as soon as the first window is shown and idle.

``python tests/perf/startup_probe.py app URL``: ``ui.main.main`` on the database at URL, with the
sign-in dialog closing itself once it is shown and the event loop is idle (cancel: exit 0).
``python tests/perf/startup_probe.py floor URL``: the floor, a bare script importing PySide6 and
SQLAlchemy, running ``select 1`` on the same database and showing an empty ``QMainWindow``.
The harness times either as a whole process.
"""

from __future__ import annotations

import importlib
import sys


def floor(url: str) -> int:
    """The least any PySide6 + SQLAlchemy app does before its first window is idle."""
    from PySide6.QtCore import QTimer  # noqa: PLC0415 - timed: the whole process is the probe
    from PySide6.QtGui import QShowEvent  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication, QMainWindow  # noqa: PLC0415
    from sqlalchemy import create_engine, text  # noqa: PLC0415

    engine = create_engine(url)
    with engine.connect() as connection:
        connection.execute(text("select 1")).all()
    app = QApplication(sys.argv[:1])

    class Window(QMainWindow):
        def showEvent(self, event: QShowEvent) -> None:
            super().showEvent(event)
            QTimer.singleShot(0, app.quit)

    window = Window()
    window.show()
    status = app.exec()
    engine.dispose()
    return status


def app(url: str) -> int:
    """The application's own start, up to its sign-in window shown and idle."""
    from PySide6.QtCore import QTimer  # noqa: PLC0415
    from PySide6.QtGui import QShowEvent  # noqa: PLC0415

    import ui.main as entry  # noqa: PLC0415

    session = importlib.import_module("ui.shell.session")
    from ui.shell import LoginDialog  # noqa: PLC0415

    class SignInShown(LoginDialog):
        def showEvent(self, event: QShowEvent) -> None:
            super().showEvent(event)
            QTimer.singleShot(0, self.reject)

    vars(session)["LoginDialog"] = SignInShown  # what the session ui.main starts shows
    sys.argv = ["coi-tracker", "--db", url]
    entry.run()  # the installed entry point: main, then the process ends


if __name__ == "__main__":
    sys.exit({"app": app, "floor": floor}[sys.argv[1]](sys.argv[2]))
