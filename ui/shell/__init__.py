"""The application shell: main window, sign-in, idle lock and style."""

from __future__ import annotations

from ui.shell.login import LoginDialog
from ui.shell.main_window import MainWindow
from ui.shell.style import apply_style

__all__ = ["LoginDialog", "MainWindow", "apply_style"]
