"""Benchmark: 1 000 000-reading generic CSV import + assessment (within 1.5x its floor).

Records the time and the ratio to a floor measured in the same run: bare numpy reading the
same file (`np.loadtxt` for the numbers, `datetime64` for the timestamps); `tests/perf/run.py`
checks the ratio. Run with `python tests/perf/run.py --only coldchain`.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from app.coldchain.analysis.assessment import assess
from app.coldchain.analysis.profiles import seed_profile
from app.coldchain.analysis.registry import import_trace
from tests.perf.results import quick, record

READINGS = 200_000 if quick() else 1_000_000
REPEATS = 1 if quick() else 3
TARGET_RATIO = 1.5  # measured 1.2-1.3 when the harness came; keep it there


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
    floors, totals = [], []
    for _ in range(REPEATS):
        floors.append(floor_seconds(path) * 1000)
        started = time.perf_counter()
        trace = import_trace(path.read_bytes(), path.name)
        result = assess(trace, seed_profile("fresh-2-8"))
        totals.append((time.perf_counter() - started) * 1000)
        assert len(trace) == READINGS
        assert result.excursions
    record(f"coldchain {READINGS:,} readings import+assess", totals, floors, TARGET_RATIO)
