"""The helper process for heavy calls: started ahead by the screens that will need it."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from ui.tasks.helper_process import HelperProcess


def _wait_for(condition: Callable[[], object], limit_s: float = 120.0) -> bool:
    deadline = time.monotonic() + limit_s  # a deadlock bound, not a speed limit
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_warm_starts_one_process_that_the_first_call_then_uses() -> None:
    helper = HelperProcess()
    try:
        helper.warm()
        helper.warm()  # a second screen opening meanwhile starts no second process
        assert _wait_for(lambda: helper._pool is not None and len(helper._pool._processes) == 1)
        (started,) = helper._pool._processes  # type: ignore[union-attr]
        assert helper.run(os.getpid) == started  # the call ran in the warmed process
        assert helper.run(os.getpid) != os.getpid()
        helper.warm()  # already running: nothing new
        assert list(helper._pool._processes) == [started]  # type: ignore[union-attr]
    finally:
        helper.close()


def test_close_after_warm_ends_the_process() -> None:
    helper = HelperProcess()
    helper.warm()
    assert _wait_for(lambda: helper._pool is not None and helper._pool._processes)
    process = next(iter(helper._pool._processes.values()))  # type: ignore[union-attr]
    helper.close()
    assert not process.is_alive()
    assert helper.run(os.getpid) != os.getpid()  # a later call starts a new one
    helper.close()
