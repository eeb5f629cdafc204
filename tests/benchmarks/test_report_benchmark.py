"""Benchmark: the excursion report PDF of a 1 000 000-reading trace (recorded as a ratio).

Records the time of `render_excursion_report` against a floor measured in the same run: bare
matplotlib drawing the same readings as one line into a PNG of the report plot's size (the
picture the report is built around, without the envelope, the excursion bands or the PDF).
The default suite (tests/unit/coldchain/test_report_pdf.py) checks what the report says about
the same trace, without a time limit. Run with `python tests/perf/run.py --only report`.
"""

from __future__ import annotations

import io
import os
import time

import pytest
from matplotlib.figure import Figure

from app.coldchain.analysis.plot import PLOT_DPI
from app.coldchain.analysis.profiles import FRESH_2_8
from app.coldchain.analysis.report_pdf import PLOT_HEIGHT_IN, PLOT_WIDTH_IN, render_excursion_report
from app.coldchain.analysis.trace import Trace
from tests.perf.results import record
from tests.unit.coldchain.test_report_pdf import header, million_reading_trace

TARGET_RATIO = 3.0  # the whole report (envelope, bands, PDF) beside the bare plot of its line


def floor_seconds(trace: Trace) -> float:
    """Bare matplotlib: the readings as one line, saved as a PNG of the plot's size."""
    started = time.perf_counter()
    figure = Figure(figsize=(PLOT_WIDTH_IN, PLOT_HEIGHT_IN), dpi=PLOT_DPI)
    figure.add_subplot().plot(trace.times_s, trace.temps_c, linewidth=0.6)
    figure.savefig(io.BytesIO(), format="png", dpi=PLOT_DPI)
    return time.perf_counter() - started


@pytest.mark.slow
def test_million_reading_excursion_report() -> None:
    trace, result = million_reading_trace()
    floor = floor_seconds(trace)
    started = time.perf_counter()
    pdf = render_excursion_report(trace, FRESH_2_8, result, header=header(trace))
    seconds = time.perf_counter() - started
    load = os.getloadavg()[0]
    print(
        f"\n1M-reading excursion report: {seconds:.2f} s ({len(pdf) // 1024} KiB); floor (bare "
        f"matplotlib line) {floor:.2f} s; ratio {seconds / floor:.2f}; load average {load:.2f}"
    )
    record("report pdf 1M readings", [seconds * 1000], [floor * 1000], TARGET_RATIO)
