"""Benchmark: how long the Receipt screen's GUI thread ever stalls while a logger file of
200 000 and 1 000 000 readings is imported, stored and plotted (target: within 4x the floor).

A 20 ms heartbeat timer ticks on the GUI thread; the figure is the longest interval between two
ticks. The floor, measured in the same run, is the same heartbeat while the GUI thread idles
for as long (what the machine's load alone does to a timer); the ratio is stall / floor. Each
line carries the load average, because any busy machine inflates both. The default suite's
test_the_screen_stays_responsive_while_200k_readings_are_imported asserts the behaviour (the
GUI thread keeps processing events while the import runs) without a time limit.
The ratio is recorded (`tests/perf/run.py` checks it). Run with
`python tests/perf/run.py --only gui_stall`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from tests.perf.results import quick, record
from tests.support.heartbeat import Heartbeat
from tests.ui.test_receipt_page import Arrived, _responsive_import, _ship
from ui.tasks import GuiThreadCollector, TaskRunner

STALL_RATIO_TARGET = 4.0  # a 20 ms heartbeat: an idle floor of ~25 ms, so stalls under ~100 ms
FLOOR_SECONDS_LIMIT = 10.0


@pytest.fixture(autouse=True)
def collected_on_the_gui_thread(qapp: Any) -> Iterator[None]:
    """Garbage collected on the GUI thread, as in the application (its pauses count)."""
    collector = GuiThreadCollector().install()
    yield
    collector.uninstall()


@pytest.fixture
def arrived(demo: Any, tmp_path: Path) -> Arrived:
    """One case shipped to the manufacturer through the services."""
    return _ship(demo, tmp_path)


@pytest.fixture
def runner(demo: Any) -> Iterator[TaskRunner]:
    """The screen's task runner; drained before the database closes."""
    tasks = TaskRunner()
    yield tasks
    assert tasks.wait(120_000)


def idle_stall_ms(qtbot: QtBot, seconds: float) -> float:
    """The longest heartbeat interval while the GUI thread only waits (the floor)."""
    heartbeat = Heartbeat()
    heartbeat.start()
    qtbot.wait(int(seconds * 1000))
    return heartbeat.stop()


@pytest.mark.slow
@pytest.mark.parametrize("readings", [200_000] if quick() else [200_000, 1_000_000])
def test_gui_stall_while_a_logger_file_is_imported(
    qtbot: QtBot,
    demo: Any,
    arrived: Arrived,
    runner: TaskRunner,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    record_property: Any,
    readings: int,
) -> None:
    started = time.perf_counter()
    heartbeat = _responsive_import(qtbot, demo, arrived, runner, monkeypatch, tmp_path, readings)
    seconds = time.perf_counter() - started
    stall = heartbeat.longest()[0]
    floor = idle_stall_ms(qtbot, min(seconds, FLOOR_SECONDS_LIMIT))
    load = os.getloadavg()
    record_property("heartbeat_max_interval_ms", round(stall, 1))
    record_property("idle_heartbeat_max_interval_ms", round(floor, 1))
    record_property("load_average_1m", round(load[0], 2))
    print(
        f"\n{readings} readings on {demo.database.backend}: longest GUI stall {stall:.1f} ms; "
        f"floor (idle heartbeat) {floor:.1f} ms; ratio {stall / floor:.2f}; import + plot "
        f"{seconds:.1f} s; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on "
        f"{os.cpu_count()} CPUs; {heartbeat.diagnosis()}"
    )
    name = f"gui stall {demo.database.backend} {readings:,} readings"
    record(name, [stall], [floor], STALL_RATIO_TARGET)
