"""The excursion report PDF: text, pages, pictures (rasterised for a look), 1 M readings."""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from app.coldchain.analysis.assessment import Assessment, assess
from app.coldchain.analysis.plot import _draw_limits as draw_limits
from app.coldchain.analysis.plot import envelope, peak_time_s, temperature_range
from app.coldchain.analysis.profiles import CRYO_LN2_VAPOUR, FRESH_2_8, TemperatureProfile
from app.coldchain.analysis.registry import import_trace
from app.coldchain.analysis.report_pdf import ReportHeader, render_excursion_report
from app.coldchain.analysis.trace import Trace, format_utc, make_trace

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "coldchain"
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
GENERATED = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
SIGNATURE = "Jane Doe · 2026-11-27 10:00:00 UTC · Dispositioned — accept: justification on file"
SCALAR_KEYS = [
    "readings", "start", "end", "duration_min", "min_c", "max_c", "mean_c", "time_above_min",
    "time_below_min", "longest_excursion_min", "cumulative_excursion_min", "mkt_c", "verdict",
]  # fmt: skip
SEAL = f"COI-AUDIT-SEAL v1 seq=42 hash={'ab' * 32}"
LOWER_ONLY = TemperatureProfile("not-below-15", 15.0, None, 30.0, 60.0)

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdftotext", "pdfinfo", "pdftoppm")),
    reason="poppler-utils (pdftotext, pdfinfo, pdftoppm) is not installed",
)


def csv_trace(minutes: np.ndarray, temps: np.ndarray, name: str = "shipper-42.csv") -> Trace:
    """A trace imported from generic-CSV bytes: one reading per (minute after T0, °C)."""
    lines = ["time,temp_c"]
    lines += [
        f"{(T0 + timedelta(minutes=float(m))).strftime('%Y-%m-%dT%H:%M:%SZ')},{c:.2f}"
        for m, c in zip(minutes, temps, strict=True)
    ]
    return import_trace(("\n".join(lines) + "\n").encode(), name, "generic")


def header(trace: Trace, **overrides: object) -> ReportHeader:
    """A report header for the trace."""
    base = ReportHeader(
        title="Cold-chain excursion report",
        logger_file_name=trace.source_name,
        raw_sha256=trace.sha256,
        importer=trace.importer,
        sensor_id=trace.sensor_id,
        generated_at=GENERATED,
        generated_by="Jane Doe",
        sscc="003123456789012345",
        coi="COI-2025-000042",
        seal=SEAL,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def fresh_trace() -> Trace:
    """Three days every 5 min: one excursion above, one below and a 2-hour gap."""
    minutes = np.arange(0.0, 3 * 24 * 60, 5.0)
    temps = 5.0 + 1.5 * np.sin(minutes / 300.0)
    temps[(minutes > 600) & (minutes < 640)] = 10.5
    temps[(minutes > 2000) & (minutes < 2030)] = 0.5
    keep = ~((minutes > 3000) & (minutes < 3120))
    return csv_trace(minutes[keep], temps[keep])


def cryo_trace() -> Trace:
    """Two days in LN2 vapour every 10 min with a 30-minute warm-up to −140 °C."""
    minutes = np.arange(0.0, 2 * 24 * 60, 10.0)
    temps = -190.0 + 2.0 * np.sin(minutes / 200.0)
    temps[(minutes >= 1200) & (minutes <= 1230)] = [-160.0, -140.0, -145.0, -170.0]
    return csv_trace(minutes, temps, name="cryo-shipper.csv")


def render(trace: Trace, profile: TemperatureProfile, **overrides: object) -> bytes:
    """Assess and render; the PDF is kept in the artifacts folder."""
    return render_excursion_report(
        trace, profile, assess(trace, profile), header=header(trace, **overrides)
    )


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text as pdftotext reads it."""
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True)
    return result.stdout.decode("utf-8")


def page_count(pdf: bytes, tmp_path: Path) -> int:
    """Pages according to pdfinfo."""
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    (line,) = [x for x in info.stdout.splitlines() if x.startswith("Pages:")]
    return int(line.split()[1])


def rasterise(pdf: bytes, name: str) -> list[Path]:
    """Write the PDF and its pages as 100 dpi PNGs to tests/artifacts/coldchain/ for a look."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "100", "-png", str(ARTIFACTS / f"{name}.pdf"), str(ARTIFACTS / name)],
        check=True,
    )
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


def test_excursion_report_names_verdict_excursions_peaks_and_sha(tmp_path: Path) -> None:
    trace = fresh_trace()
    result = assess(trace, FRESH_2_8)
    assert result.verdict == "excursion"
    assert [e.side for e in result.excursions] == ["above", "below"]
    started = time.perf_counter()
    pdf = render_excursion_report(
        trace, FRESH_2_8, result, header=header(trace, signatures=(SIGNATURE,))
    )
    print(f"typical trace ({len(trace)} readings): {time.perf_counter() - started:.3f} s")
    text = pdf_text(pdf, tmp_path)
    assert "Verdict: EXCURSION" in text
    for excursion in result.excursions:
        assert format_utc(excursion.start_s) in text
        assert format_utc(excursion.end_s) in text
        assert f"{excursion.peak_c:.2f} °C" in text
    (gap,) = result.gaps
    assert format_utc(gap.start_s) in text
    assert trace.sha256 in text
    assert text.count(trace.sha256) >= 1 + page_count(pdf, tmp_path)  # header + every footer
    assert "shipper-42.csv" in text
    assert "003123456789012345" in text
    assert "COI-2025-000042" in text
    assert "2026-11-27T10:00:00Z by Jane Doe" in text
    assert SIGNATURE in text
    assert "(limit 8.00 °C)" in text
    assert "not judged" not in text
    # the profile by its name for people, its code after it (issue 16: not "fresh-2-8:")
    assert "Fresh, refrigerated 2–8 °C (fresh-2-8): lower" in " ".join(text.split())
    pages = page_count(pdf, tmp_path)
    assert pages == 2
    assert f"page 1 of {pages}" in text
    assert f"page {pages} of {pages}" in text
    assert len(rasterise(pdf, "fresh-excursion")) == pages


def test_numbers_table_shows_exactly_the_report_keys(tmp_path: Path) -> None:
    trace = fresh_trace()
    report = assess(trace, FRESH_2_8).to_report()
    assert [k for k in report if k not in {"excursions", "gaps"}] == SCALAR_KEYS
    text = pdf_text(render(trace, FRESH_2_8), tmp_path)
    for key in SCALAR_KEYS:
        assert key in text.split(), key
    assert f"{report['readings']:,}" in text
    assert report["start"] in text
    assert report["end"] in text


def test_cryo_report_upper_limit_only_and_mkt_not_judged(tmp_path: Path) -> None:
    trace = cryo_trace()
    result = assess(trace, CRYO_LN2_VAPOUR)
    assert result.verdict == "excursion"
    (excursion,) = result.excursions
    pdf = render(trace, CRYO_LN2_VAPOUR)
    text = pdf_text(pdf, tmp_path)
    assert "Verdict: EXCURSION" in text
    assert format_utc(excursion.start_s) in text
    assert "-140.00 °C" in text
    assert "(not judged)" in text
    assert "(no lower limit)" in text
    assert "lower none, upper -150.00 °C" in text
    assert page_count(pdf, tmp_path) >= 1
    rasterise(pdf, "cryo-excursion")


def test_within_limits_report_with_no_excursions_or_gaps(tmp_path: Path) -> None:
    minutes = np.arange(0.0, 24 * 60, 15.0)
    trace = csv_trace(minutes, 5.0 + np.cos(minutes / 120.0))
    result = assess(trace, FRESH_2_8)
    assert result.verdict == "within_limits"
    assert not result.excursions
    pdf = render(trace, FRESH_2_8)
    text = pdf_text(pdf, tmp_path)
    assert "Verdict: WITHIN LIMITS" in text
    assert "No excursions." in text
    assert "No data gaps" in text
    assert "No disposition or signature recorded." in text
    assert "E1" not in text.split()
    rasterise(pdf, "fresh-within-limits")


def test_lower_limit_only_and_incomplete_data(tmp_path: Path) -> None:
    minutes = np.concatenate((np.arange(0.0, 600, 10.0), np.arange(700.0, 1440, 10.0)))
    trace = csv_trace(minutes, 20.0 + 2.0 * np.sin(minutes / 90.0))
    result = assess(trace, LOWER_ONLY)
    assert result.verdict == "incomplete"
    pdf = render(trace, LOWER_ONLY)
    text = pdf_text(pdf, tmp_path)
    assert "Verdict: INCOMPLETE DATA" in text
    assert "(no upper limit)" in text
    assert "(not judged)" in text
    assert format_utc(result.gaps[0].start_s) in text
    rasterise(pdf, "lower-only-incomplete")


def test_window_is_printed_and_plotted(tmp_path: Path) -> None:
    trace = fresh_trace()
    start, end = T0 + timedelta(hours=6), T0 + timedelta(hours=30)
    result = assess(trace, FRESH_2_8, start, end)
    pdf = render_excursion_report(
        trace, FRESH_2_8, result, header=header(trace, window_start=start, window_end=end)
    )
    text = pdf_text(pdf, tmp_path)
    assert "2025-03-01T14:00:00Z → 2025-03-02T14:00:00Z" in text
    assert f"{result.readings:,}" in text
    rasterise(pdf, "fresh-window")


def test_many_excursions_continue_over_pages_with_numbered_footers(tmp_path: Path) -> None:
    minutes = np.arange(0.0, 10 * 24 * 60, 5.0)
    temps = np.full(minutes.size, 5.0)
    temps[::12] = 9.0  # one short excursion every hour
    trace = csv_trace(minutes, temps)
    result = assess(trace, FRESH_2_8)
    assert len(result.excursions) == 240
    pdf = render(trace, FRESH_2_8)
    pages = page_count(pdf, tmp_path)
    assert pages >= 5
    text = pdf_text(pdf, tmp_path)
    for number in range(1, pages + 1):
        assert f"page {number} of {pages}" in text
    assert format_utc(result.excursions[-1].start_s) in text
    assert text.count("Start (UTC)") >= 3  # the header row repeats on each page
    rasterise(pdf, "many-excursions")


def test_header_and_inputs_are_checked() -> None:
    trace = fresh_trace()
    with pytest.raises(ValueError, match="aware UTC"):
        header(trace, generated_at=datetime(2026, 1, 1))  # noqa: DTZ001  # naive on purpose
    with pytest.raises(ValueError, match="aware UTC"):
        header(trace, generated_at=datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=1))))
    with pytest.raises(ValueError, match="time zone"):
        header(trace, window_start=datetime(2026, 1, 1))  # noqa: DTZ001  # naive on purpose
    with pytest.raises(ValueError, match="SHA-256"):
        render_excursion_report(
            trace, FRESH_2_8, assess(trace, FRESH_2_8), header=header(trace, raw_sha256="0" * 64)
        )
    with pytest.raises(ValueError, match="profile"):
        render_excursion_report(
            trace, CRYO_LN2_VAPOUR, assess(trace, FRESH_2_8), header=header(trace)
        )


def test_envelope_keeps_every_peak_and_breaks_at_gaps() -> None:
    rng = np.random.default_rng(5)
    times = np.arange(100_000, dtype=np.float64) * 10.0
    times[50_000:] += 7200.0  # one two-hour gap
    temps = 5.0 + rng.normal(0.0, 0.2, times.size)
    temps[12_345], temps[87_654] = 14.0, -3.0
    x, y = envelope(times, temps, max_gap_s=900.0, lo_s=times[0], hi_s=times[-1], columns=1000)
    assert x.size < 10_000
    assert np.nanmax(y) == 14.0
    assert np.nanmin(y) == -3.0
    assert np.count_nonzero(np.isnan(y)) == 1
    broken = int(np.flatnonzero(np.isnan(x))[0])
    assert x[broken - 1] == times[49_999]
    assert x[broken + 1] == times[50_000]
    small_x, small_y = envelope(
        times[:100], temps[:100], max_gap_s=900.0, lo_s=0.0, hi_s=990.0, columns=1000
    )
    assert np.array_equal(small_x, times[:100])
    assert np.array_equal(small_y, temps[:100])


def test_peak_time_is_the_peak_reading() -> None:
    trace = fresh_trace()
    for excursion in assess(trace, FRESH_2_8).excursions:
        moment = peak_time_s(trace, excursion)
        assert excursion.start_s <= moment <= excursion.end_s
        index = int(np.searchsorted(trace.times_s, moment))
        assert trace.temps_c[index] == excursion.peak_c


def million_reading_trace() -> tuple[Trace, Assessment]:
    """1 000 000 readings every 10 s (≈ 116 days) with noise, one spike and one long warm-up."""
    rng = np.random.default_rng(7)
    times = T0.timestamp() + np.arange(1_000_000, dtype=np.float64) * 10.0
    temps = 5.0 + 1.0 * np.sin(np.arange(times.size) / 40_000.0) + rng.normal(0, 0.1, times.size)
    temps[654_321] = 12.5  # a single reading: 20 s wide, a fraction of one pixel column
    temps[300_000:300_240] = 9.0  # 40 minutes above
    trace = make_trace(
        times, temps, sensor_id="S-1M", source_name="big.csv", sha256="f" * 64, importer="generic"
    )
    return trace, assess(trace, FRESH_2_8)


def test_million_readings_render_and_keep_the_spike(tmp_path: Path) -> None:
    """How long it takes is measured by tests/benchmarks/test_report_benchmark.py."""
    trace, result = million_reading_trace()
    assert len(trace) == 1_000_000
    pdf = render_excursion_report(trace, FRESH_2_8, result, header=header(trace))
    text = pdf_text(pdf, tmp_path)
    assert "1,000,000" in text
    assert "12.50 °C" in text
    assert "Verdict: EXCURSION" in text
    spike = next(e for e in result.excursions if e.peak_c == 12.5)
    assert format_utc(spike.start_s) in text
    rasterise(pdf, "million-readings")


def packed_at_room_then_cryo() -> tuple[Trace, Assessment]:
    """A cryo shipper's logger: 20 °C while packed, −185 °C from the hand-over (the window)."""
    minutes = np.arange(0.0, 12 * 60.0, 5.0)
    temps = np.where(minutes < 30, 20.0, -185.0)
    trace = csv_trace(minutes, temps, name="cryo-185.csv")
    start = datetime.fromtimestamp(float(trace.times_s[0]) + 27 * 60, UTC)
    return trace, assess(trace, CRYO_LN2_VAPOUR, start, None)


def test_the_plot_frames_every_drawn_reading_and_limit_and_shades_only_beyond_a_limit() -> None:
    """Issue 16: the temperature axis holds the data drawn (a −185 °C trace and the reading
    the line runs to beyond the window's edge) and the limits; the out-of-limits shading is
    the band beyond each limit only, never the range between the limits."""
    trace, assessment = packed_at_room_then_cryo()
    lo_s, hi_s = assessment.start_s, assessment.end_s
    bottom, top = temperature_range(trace, CRYO_LN2_VAPOUR, assessment, lo_s, hi_s)
    assert bottom < -185.0 and top > 20.0  # the 20 °C reading just before the window: drawn
    inside = trace.temps_c[(trace.times_s >= lo_s) & (trace.times_s <= hi_s)]
    assert bottom < float(inside.min()) and float(inside.max()) < top
    trace = fresh_trace()
    fresh = assess(trace, FRESH_2_8)
    bottom, top = temperature_range(trace, FRESH_2_8, fresh, fresh.start_s, fresh.end_s)
    figure = Figure()
    axes = figure.add_subplot()
    axes.set_ylim(bottom, top)
    draw_limits(axes, FRESH_2_8, bottom, top)
    shaded = sorted(
        (patch.get_y(), patch.get_y() + patch.get_height())
        for patch in axes.patches
        if isinstance(patch, Rectangle)
    )
    assert shaded == [(bottom, 2.0), (8.0, top)]  # below 2 °C and above 8 °C, nothing between
