"""A GUI-thread heartbeat for responsiveness checks, and the large logger file they import.

The default suite only asserts behaviour with it (the GUI thread kept processing events while
work ran elsewhere); the longest interval between ticks, a figure that any busy machine
inflates, is measured in the slow benchmarks (tests/benchmarks/test_gui_stall_benchmark.py).
"""

from __future__ import annotations

import gc
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt, QTimer

HEARTBEAT_MS = 20


class Heartbeat:
    """A GUI-thread timer; the longest interval between its ticks shows any stall.

    Marks name the phases, and garbage collections in this process are timed, so a failure
    says where the stall happened and whether this process caused it.
    """

    def __init__(self) -> None:
        self.ticks: list[float] = []
        self.marks: list[tuple[float, str]] = []
        self.collections: list[tuple[float, float]] = []
        self._collecting = 0.0
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def _collection(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._collecting = time.perf_counter()
        else:
            self.collections.append((self._collecting, time.perf_counter()))

    def start(self) -> None:
        """Start ticking."""
        gc.callbacks.append(self._collection)
        self.ticks = [time.perf_counter()]
        self.mark("start")
        self.timer.start()

    def mark(self, phase: str) -> None:
        """Note that ``phase`` begins now."""
        self.marks.append((time.perf_counter(), phase))

    def stop(self) -> float:
        """Stop, and return the longest interval between ticks in milliseconds."""
        self.timer.stop()
        gc.callbacks.remove(self._collection)
        self.ticks.append(time.perf_counter())
        return self.longest()[0]

    def longest(self) -> tuple[float, float, float]:
        """The longest interval (ms), when it began (s after the start) and when it ended."""
        gap, first, last = max(
            (b - a, a, b) for a, b in zip(self.ticks, self.ticks[1:], strict=False)
        )
        return gap * 1000, first - self.ticks[0], last - self.ticks[0]

    def diagnosis(self) -> str:
        """Where the longest interval fell, and the collections that overlapped it."""
        gap, first, last = self.longest()
        origin = self.ticks[0]
        begun = [name for at, name in self.marks if at - origin <= first]
        phase = begun[-1] if begun else "the start, before the first step was marked"
        overlapping = [
            f"{(end - begin) * 1000:.0f} ms"
            for begin, end in self.collections
            if begin - origin < last and end - origin > first
        ]
        return (
            f"longest interval {gap:.1f} ms from +{first:.2f} s to +{last:.2f} s, during "
            f"'{phase}'; garbage collections in it: {overlapping or 'none'}; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )


def big_generic_csv(path: Path, readings: int, end: datetime) -> datetime:
    """One reading every 10 s up to ``end``, 2-8 °C with a daily swing; returns the start."""
    last = int(end.timestamp())
    first = last - 10 * (readings - 1)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write("Time,Temperature (°C)\n")
        for i in range(readings):
            moment = time.gmtime(first + 10 * i)
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", moment)
            out.write(f"{stamp},{5 + (i % 8640) / 4320:.2f}\n")
    return datetime.fromtimestamp(first, UTC)


def ticks_since(heartbeat: Heartbeat, seen: int, wanted: int, limit_s: float = 120.0) -> bool:
    """Wait on a worker thread until the GUI-thread heartbeat has ticked ``wanted`` more times
    than ``seen``; False if it did not within ``limit_s`` (a deadlock bound, not a speed
    limit: a GUI thread that keeps running ticks in milliseconds, a blocked one never does)."""
    deadline = time.monotonic() + limit_s
    while len(heartbeat.ticks) < seen + wanted:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True
