"""The crash guard: an uncaught error leaves a log with every thread's stack and a message box;
a real segmentation fault leaves the stacks in the log before the process dies."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

import ui.main as entry
from ui.shell.crash_guard import CRASH_LOG, TITLE, CrashGuard

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def guard(qtbot: QtBot, tmp_path: Path) -> Iterator[CrashGuard]:
    """A crash guard writing to a private directory, installed for the test only."""
    installed = CrashGuard(tmp_path / "logs").install()
    yield installed
    installed.uninstall()
    if installed.box is not None:
        installed.box.close()


def _sleeping_worker(stop: threading.Event) -> None:
    stop.wait(30)


@pytest.mark.qt_no_exception_capture  # the guard, not pytest-qt, must see the slot's error
def test_an_error_raised_in_a_slot_is_logged_with_every_thread_and_shown(
    qtbot: QtBot, guard: CrashGuard, caplog: pytest.LogCaptureFixture
) -> None:
    stop = threading.Event()
    bystander = threading.Thread(target=_sleeping_worker, args=(stop,), name="bystander")
    bystander.start()

    def save_the_record() -> None:
        raise ZeroDivisionError("a bug in a slot")

    button = QPushButton("Save")
    qtbot.addWidget(button)
    button.clicked.connect(save_the_record)
    try:
        with caplog.at_level(logging.CRITICAL, logger="ui.shell.crash_guard"):
            button.click()
            qtbot.waitUntil(lambda: guard.box is not None and guard.box.isVisible(), timeout=30_000)
    finally:
        stop.set()
        bystander.join()

    assert guard.box is not None
    assert guard.box.windowTitle() == TITLE
    assert str(guard.path) in guard.box.text()
    assert "may not have finished" in guard.box.text()
    written = guard.path.read_text(encoding="utf-8")
    assert "uncaught in the main thread" in written
    assert "ZeroDivisionError: a bug in a slot" in written
    assert "in save_the_record" in written  # the traceback
    assert "Current thread" in written  # faulthandler's dump of every thread ...
    assert "_sleeping_worker" in written  # ... the bystander's stack included
    assert any("ZeroDivisionError" in r.getMessage() or r.exc_info for r in caplog.records)


@pytest.mark.qt_no_exception_capture
def test_an_error_on_another_thread_is_shown_on_the_gui_thread(
    qtbot: QtBot, guard: CrashGuard
) -> None:
    def import_the_file() -> None:
        raise RuntimeError("a bug on a worker thread")

    worker = threading.Thread(target=import_the_file, name="importer")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: guard.box is not None and guard.box.isVisible(), timeout=30_000)
    written = guard.path.read_text(encoding="utf-8")
    assert "uncaught in thread 'importer'" in written
    assert "RuntimeError: a bug on a worker thread" in written

    # a second error while the box is open adds to the log, not a second box
    box = guard.box
    QTimer.singleShot(0, lambda: guard.record("the main thread", *_raised(KeyError("again"))))
    qtbot.waitUntil(lambda: guard.errors == 2, timeout=30_000)
    qtbot.wait(50)
    assert guard.box is box
    assert "KeyError: 'again'" in guard.path.read_text(encoding="utf-8")
    box.close()
    qtbot.waitUntil(lambda: guard.box is None, timeout=30_000)


def _raised(error: BaseException) -> tuple[type[BaseException], BaseException, object]:
    try:
        raise error
    except BaseException as caught:
        return type(caught), caught, caught.__traceback__


def test_the_hooks_are_given_back(guard: CrashGuard) -> None:
    assert sys.excepthook == guard.excepthook
    assert threading.excepthook == guard.thread_excepthook
    guard.uninstall()
    assert sys.excepthook != guard.excepthook
    assert threading.excepthook != guard.thread_excepthook


SEGFAULT = textwrap.dedent(
    """
    import faulthandler, sys, threading, time
    from pathlib import Path
    from ui.shell.crash_guard import install_crash_guard

    install_crash_guard(Path(sys.argv[1]))
    threading.Thread(target=lambda: time.sleep(60), name="reader", daemon=True).start()
    time.sleep(0.2)

    def print_the_label():
        faulthandler._sigsegv()

    print_the_label()
    """
)


def test_a_segmentation_fault_leaves_every_thread_stack_in_the_log(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONFAULTHANDLER", None)
    done = subprocess.run(
        [sys.executable, "-c", SEGFAULT, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
        cwd=ROOT,
    )
    assert done.returncode != 0
    written = (tmp_path / CRASH_LOG).read_text(encoding="utf-8")
    assert "Fatal Python error: Segmentation fault" in written
    assert "in print_the_label" in written  # the thread that crashed ...
    assert "Thread 0x" in written and "in <lambda>" in written  # ... and the sleeping reader
    assert "Current thread 0x" in written


def test_the_application_installs_the_guard_and_refuses_a_bindings_defect(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed: list[Path] = []
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(entry, "configure_logging", lambda: None)
    monkeypatch.setattr(entry, "log_directory", lambda: tmp_path)
    monkeypatch.setattr(entry, "install_crash_guard", installed.append)
    monkeypatch.setattr(entry, "bindings_defect", lambda: "PySide6 6.12.0 loses references")
    monkeypatch.setattr(
        entry.QMessageBox, "critical", lambda _parent, title, text: shown.append((title, text))
    )
    assert entry.main(["coi-tracker"]) == 3
    assert installed == [tmp_path]
    assert shown == [("COI Tracker cannot start", "PySide6 6.12.0 loses references")]
