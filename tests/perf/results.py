"""One benchmark result: a path's times beside its floor's, measured in the same run.

A benchmark never asserts an absolute time (the machine is shared and its load varies); it
records its median and p99, the floor's median and their ratio with :func:`record`, and
``tests/perf/run.py`` compares each ratio with its target. When ``COI_PERF_RESULTS`` names a
file, each result is appended to it as one JSON line (that is how the harness collects the
benchmarks it runs under pytest); ``COI_PERF_QUICK=1`` asks the benchmarks for smaller sizes.
"""

from __future__ import annotations

import json
import os
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS_VARIABLE = "COI_PERF_RESULTS"
QUICK_VARIABLE = "COI_PERF_QUICK"


@dataclass(frozen=True)
class Result:
    """A row of ``tests/artifacts/perf.json``."""

    name: str
    median_ms: float
    p99_ms: float
    floor_median_ms: float
    ratio: float
    target_ratio: float
    n: int

    @property
    def within_target(self) -> bool:
        """True when the ratio to the floor is at most the target."""
        return self.ratio <= self.target_ratio

    def line(self) -> str:
        """The row as the harness prints it."""
        verdict = "ok" if self.within_target else "MISSED"
        return (
            f"{self.name:<58} {self.median_ms:10.2f} {self.p99_ms:10.2f} "
            f"{self.floor_median_ms:10.2f} {self.ratio:7.2f} {self.target_ratio:7.2f} "
            f"{self.n:6d}  {verdict}"
        )


HEADER = (
    f"{'benchmark':<58} {'median ms':>10} {'p99 ms':>10} {'floor ms':>10} "
    f"{'ratio':>7} {'target':>7} {'n':>6}"
)


def quick() -> bool:
    """True when the harness runs with ``--quick`` (benchmarks use smaller sizes)."""
    return os.environ.get(QUICK_VARIABLE) == "1"


def p99(times_ms: Sequence[float]) -> float:
    """The 99th percentile (the largest time when there are too few for quantiles)."""
    if len(times_ms) < 2:
        return max(times_ms)
    return statistics.quantiles(times_ms, n=100, method="inclusive")[98]


def record(
    name: str, times_ms: Sequence[float], floor_ms: Sequence[float], target_ratio: float
) -> Result:
    """The result of ``times_ms`` against ``floor_ms`` (medians); printed, and appended to the
    harness's file when it runs the benchmark."""
    median, floor = statistics.median(times_ms), statistics.median(floor_ms)
    result = Result(
        name=name,
        median_ms=round(median, 3),
        p99_ms=round(p99(times_ms), 3),
        floor_median_ms=round(floor, 3),
        ratio=round(median / floor, 3),
        target_ratio=target_ratio,
        n=len(times_ms),
    )
    print(result.line())
    target = os.environ.get(RESULTS_VARIABLE)
    if target:
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(result)) + "\n")
    return result
