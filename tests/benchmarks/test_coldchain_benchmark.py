"""Benchmark: 1 000 000-reading generic CSV import + assessment (target < 3 s on 2 cores).

Reports the absolute time and the ratio to a floor measured in the same run: bare numpy
reading the same file (`np.loadtxt` for the numbers, `datetime64` for the timestamps).
Run with `pytest -m slow tests/benchmarks -s`.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from app.coldchain.analysis.assessment import assess
from app.coldchain.analysis.profiles import seed_profile
from app.coldchain.analysis.registry import import_trace

READINGS = 1_000_000
TARGET_S = 3.0


def write_log(path: Path) -> None:
    """One reading a minute with a slow wave crossing 2 °C and 8 °C."""
    start = np.datetime64("2024-01-01T00:00:00")
    times = np.datetime_as_string(start + np.arange(READINGS) * np.timedelta64(60, "s"))
    temps = 5.0 + 3.5 * np.sin(np.arange(READINGS) / 700.0)
    lines = np.char.add(np.char.add(times.astype("U19"), "Z,"), np.char.mod("%.2f", temps))
    path.write_text("timestamp,temperature_c\n" + "\n".join(lines.tolist()) + "\n")


def floor_seconds(path: Path) -> float:
    started = time.perf_counter()
    temps = np.loadtxt(path, delimiter=",", skiprows=1, usecols=1)
    stamps = np.loadtxt(path, delimiter=",", skiprows=1, usecols=0, dtype="U20")
    times = np.strings.rstrip(stamps, "Z").astype("datetime64[s]")
    assert temps.size == times.size == READINGS
    return time.perf_counter() - started


@pytest.mark.slow
def test_million_readings_import_and_assess(tmp_path: Path) -> None:
    path = tmp_path / "million.csv"
    write_log(path)
    floor = floor_seconds(path)
    started = time.perf_counter()
    trace = import_trace(path.read_bytes(), path.name)
    imported = time.perf_counter() - started
    result = assess(trace, seed_profile("fresh-2-8"))
    total = time.perf_counter() - started
    print(
        f"\n1M readings: import {imported:.2f} s, import+assess {total:.2f} s; "
        f"floor (bare numpy) {floor:.2f} s; ratio {total / floor:.2f}; "
        f"{len(result.excursions)} excursions"
    )
    assert len(trace) == READINGS
    assert result.excursions
    assert total < TARGET_S, f"import+assess took {total:.2f} s (target {TARGET_S} s)"
