"""Background tasks deliver results and errors on the GUI thread; writes never overlap."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from app.core.errors import ValidationFailed
from ui.tasks.runner import Task, TaskRunner


def test_result_and_progress_arrive_on_the_gui_thread(qtbot) -> None:
    runner = TaskRunner()
    seen: list[object] = []
    threads: list[bool] = []

    def work(task: Task) -> int:
        task.report(1, 2)
        return threading.get_ident()

    def done(result: object) -> None:
        threads.append(QThread.currentThread() is QApplication.instance().thread())
        seen.append(result)

    runner.read(work, done, seen.append, progress=lambda d, t: seen.append((d, t)))
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    assert seen[0] == (1, 2)
    assert seen[1] != threading.get_ident()  # the work ran on another thread
    assert threads == [True]
    assert not runner.busy


def test_errors_are_delivered_not_raised(qtbot) -> None:
    runner = TaskRunner()
    errors: list[BaseException] = []

    def work(_task: Task) -> None:
        raise ValidationFailed("bad input")

    runner.write(work, lambda _r: None, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ValidationFailed)


def test_writes_run_one_at_a_time(qtbot) -> None:
    runner = TaskRunner()
    active = 0
    peak = 0
    finished: list[int] = []
    lock = threading.Lock()

    def work(task: Task) -> int:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.02)
        with lock:
            active -= 1
        return 1

    for _ in range(5):
        runner.write(work, finished.append, lambda e: None)
    qtbot.waitUntil(lambda: len(finished) == 5, timeout=5000)
    assert peak == 1
    assert runner.wait()
