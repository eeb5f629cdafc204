"""The application shell: main window, sign-in, idle lock, style and the crash guard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.core import front_door

if TYPE_CHECKING:
    from ui.shell.bindings_check import bindings_defect
    from ui.shell.crash_guard import CrashGuard, install_crash_guard
    from ui.shell.login import LoginDialog, warm_up_sign_in
    from ui.shell.main_window import MainWindow
    from ui.shell.session import Session
    from ui.shell.style import apply_style

__all__ = [
    "CrashGuard",
    "LoginDialog",
    "MainWindow",
    "Session",
    "apply_style",
    "bindings_defect",
    "install_crash_guard",
    "warm_up_sign_in",
]

__getattr__ = front_door(__name__)
