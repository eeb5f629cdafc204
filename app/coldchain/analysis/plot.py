"""The temperature plot of an excursion report: trace, limits, excursions and gaps (PNG bytes).

Matplotlib is used through `Figure` and the Agg canvas only (no pyplot global state), so the
plot can be drawn on any thread. The plot is a picture of the trace; every number in the
report comes from the assessment.
"""

from __future__ import annotations

from io import BytesIO

import numpy as np
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from app.coldchain.analysis.assessment import Assessment, Excursion, Interval
from app.coldchain.analysis.excursions import FloatArray
from app.coldchain.analysis.profiles import TemperatureProfile, profile_words
from app.coldchain.analysis.trace import Trace

PLOT_DPI = 240
# Above this many readings per pixel column the line is drawn as a min/max envelope.
POINTS_PER_COLUMN = 2
MARKER_READINGS = 300
LABELLED_EXCURSIONS = 20
# Excursions and gaps narrower than this many pixel columns are drawn this wide (≈ 0.6 mm).
MIN_SPAN_COLUMNS = 6

TRACE_COLOUR = "#1f4e79"
LIMIT_COLOUR = "#8b1a1a"
BAND_COLOUR = "#f6dede"
EXCURSION_COLOUR = "#d62728"
GAP_COLOUR = "#7f7f7f"
_LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.0}
_DAY_S = 86_400.0


def envelope(
    times_s: FloatArray,
    temps_c: FloatArray,
    *,
    max_gap_s: float,
    lo_s: float,
    hi_s: float,
    columns: int,
) -> tuple[FloatArray, FloatArray]:
    """Line points for the plot: the readings, or a min/max envelope per pixel column.

    The line is broken (NaN) wherever readings are more than `max_gap_s` apart, so a gap is
    never drawn as data. With more than `POINTS_PER_COLUMN` readings per column each column of
    each gap-free segment becomes first, min, max, last reading, so every peak stays visible.
    """
    if times_s.size == 0:
        return np.zeros(0), np.zeros(0)
    segment = np.concatenate(([0], np.cumsum(np.diff(times_s) > max_gap_s)))
    if times_s.size <= POINTS_PER_COLUMN * columns:
        return _broken(times_s[:, None], temps_c[:, None], segment)
    span = max(hi_s - lo_s, 1e-9)
    column = np.clip(((times_s - lo_s) / span * columns).astype(np.int64), -1, columns)
    key = segment * (columns + 2) + column + 1
    first = np.flatnonzero(np.concatenate(([True], np.diff(key) != 0)))
    last = np.concatenate((first[1:] - 1, [times_s.size - 1]))
    low = np.minimum.reduceat(temps_c, first)
    high = np.maximum.reduceat(temps_c, first)
    middle = (times_s[first] + times_s[last]) * 0.5
    xs = np.column_stack((times_s[first], middle, middle, times_s[last]))
    ys = np.column_stack((temps_c[first], low, high, temps_c[last]))
    return _broken(xs, ys, segment[first])


def _broken(
    xs: FloatArray, ys: FloatArray, segment: np.ndarray[tuple[int], np.dtype[np.int64]]
) -> tuple[FloatArray, FloatArray]:
    """Flatten per-group rows, with a NaN point after each group that ends a segment."""
    ends = np.concatenate((np.diff(segment) != 0, [False]))
    nan = np.where(ends, np.nan, np.inf)[:, None]
    x = np.hstack((xs, nan)).ravel()
    y = np.hstack((ys, nan)).ravel()
    keep = ~np.isinf(x)
    return x[keep], y[keep]


def peak_time_s(trace: Trace, excursion: Excursion) -> float:
    """Time of the excursion's peak reading (its midpoint when no reading lies inside it)."""
    lo = int(np.searchsorted(trace.times_s, excursion.start_s, side="left"))
    hi = int(np.searchsorted(trace.times_s, excursion.end_s, side="right"))
    if hi <= lo:
        return (excursion.start_s + excursion.end_s) * 0.5
    temps = trace.temps_c[lo:hi]
    index = int(np.argmax(temps) if excursion.side == "above" else np.argmin(temps))
    return float(trace.times_s[lo + index])


def render_trace_png(
    trace: Trace,
    profile: TemperatureProfile,
    assessment: Assessment,
    *,
    width_in: float = 6.9,
    height_in: float = 3.6,
    dpi: int = PLOT_DPI,
) -> bytes:
    """PNG of the assessed window: trace, limit lines and out-of-limit bands, excursions, gaps."""
    figure = Figure(figsize=(width_in, height_in), dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    lo_s, hi_s = assessment.start_s, assessment.end_s
    if hi_s <= lo_s:
        lo_s, hi_s = lo_s - 1800.0, hi_s + 1800.0
    columns = max(int(width_in * dpi), 1)
    _draw_trace(axes, trace, profile, lo_s=lo_s, hi_s=hi_s, columns=columns)
    bottom, top = temperature_range(trace, profile, assessment, lo_s, hi_s)
    axes.set_ylim(bottom, top)
    left, right = _days(np.array([lo_s, hi_s])).tolist()
    axes.set_xlim(left, right)
    min_width_s = (hi_s - lo_s) / columns * MIN_SPAN_COLUMNS
    _draw_limits(axes, profile, bottom, top)
    _draw_spans(axes, assessment.gaps, min_width_s, gap=True)
    _draw_spans(axes, assessment.excursions, min_width_s, gap=False)
    _draw_peaks(axes, trace, assessment.excursions)
    _format_axes(axes, trace, profile)
    _legend(figure, profile, assessment)
    out = BytesIO()
    figure.savefig(out, format="png", dpi=dpi)
    return out.getvalue()


def _days(epoch_s: float | FloatArray) -> FloatArray:
    """Matplotlib date numbers: days since its epoch (1970-01-01 unless rcParams change it)."""
    epoch = np.datetime64(mdates.get_epoch())  # type: ignore[no-untyped-call]
    offset = (np.datetime64("1970-01-01T00:00:00") - epoch) / np.timedelta64(1, "D")
    return np.asarray(epoch_s, dtype=np.float64) / _DAY_S + float(offset)


def _draw_trace(
    axes: Axes,
    trace: Trace,
    profile: TemperatureProfile,
    *,
    lo_s: float,
    hi_s: float,
    columns: int,
) -> None:
    # One reading beyond each window edge, so the line reaches the edge when it is interpolated.
    first = max(int(np.searchsorted(trace.times_s, lo_s, side="left")) - 1, 0)
    last = int(np.searchsorted(trace.times_s, hi_s, side="right")) + 1
    times, temps = trace.times_s[first:last], trace.temps_c[first:last]
    max_gap_s = profile.max_gap_min * 60.0
    x, y = envelope(times, temps, max_gap_s=max_gap_s, lo_s=lo_s, hi_s=hi_s, columns=columns)
    marker = "." if times.size <= MARKER_READINGS else None
    axes.plot(_days(x), y, color=TRACE_COLOUR, linewidth=0.9, marker=marker, markersize=3.5)
    if times.size > 1:
        apart = np.diff(times) > max_gap_s
        alone = np.concatenate(([True], apart)) & np.concatenate((apart, [True]))
        if alone.any() and marker is None:
            axes.plot(_days(times[alone]), temps[alone], ".", color=TRACE_COLOUR, markersize=3.5)


def temperature_range(
    trace: Trace, profile: TemperatureProfile, assessment: Assessment, lo_s: float, hi_s: float
) -> tuple[float, float]:
    """The temperature axis: every reading drawn (those inside the window and the one beyond
    each edge the line runs to) and both limits, with a little room; gaps (NaN) ignored."""
    first = max(int(np.searchsorted(trace.times_s, lo_s, side="left")) - 1, 0)
    last = int(np.searchsorted(trace.times_s, hi_s, side="right")) + 1
    drawn = trace.temps_c[first:last]
    drawn = drawn[np.isfinite(drawn)]
    values = [v for v in (assessment.min_c, assessment.max_c) if np.isfinite(v)]
    values += [v for v in (profile.lower_c, profile.upper_c) if v is not None]
    if drawn.size:
        values += [float(drawn.min()), float(drawn.max())]
    low, high = min(values), max(values)
    pad = max((high - low) * 0.12, 1.0)
    return low - pad, high + pad


def _draw_limits(axes: Axes, profile: TemperatureProfile, bottom: float, top: float) -> None:
    labels = axes.get_yaxis_transform()
    if profile.upper_c is not None:
        axes.axhspan(profile.upper_c, top, color=BAND_COLOUR, zorder=0, linewidth=0)
        axes.axhline(profile.upper_c, color=LIMIT_COLOUR, linestyle="--", linewidth=1.0)
        axes.text(
            0.995,
            profile.upper_c,
            f"upper limit {profile.upper_c:g} °C",
            transform=labels,
            ha="right",
            va="bottom",
            fontsize=7,
            color=LIMIT_COLOUR,
            bbox=_LABEL_BOX,
        )
    if profile.lower_c is not None:
        axes.axhspan(bottom, profile.lower_c, color=BAND_COLOUR, zorder=0, linewidth=0)
        axes.axhline(profile.lower_c, color=LIMIT_COLOUR, linestyle="--", linewidth=1.0)
        axes.text(
            0.995,
            profile.lower_c,
            f"lower limit {profile.lower_c:g} °C",
            transform=labels,
            ha="right",
            va="top",
            fontsize=7,
            color=LIMIT_COLOUR,
            bbox=_LABEL_BOX,
        )


def _draw_spans(
    axes: Axes, intervals: tuple[Interval, ...], min_width_s: float, *, gap: bool
) -> None:
    """Full-height bands; narrow ones are widened to stay visible (the tables hold the times)."""
    if not intervals:
        return
    starts = np.array([i.start_s for i in intervals])
    ends = np.array([i.end_s for i in intervals])
    short = (ends - starts) < min_width_s
    middle = (starts + ends) * 0.5
    starts = np.where(short, middle - min_width_s / 2, starts)
    ends = np.where(short, middle + min_width_s / 2, ends)
    x0, x1 = _days(starts), _days(ends)
    verts = [((a, 0.0), (a, 1.0), (b, 1.0), (b, 0.0)) for a, b in zip(x0, x1, strict=True)]
    transform = blended_transform_factory(axes.transData, axes.transAxes)
    if gap:
        bands = PolyCollection(
            verts,
            facecolors="#e6e6e6",
            edgecolors=GAP_COLOUR,
            hatch="////",
            linewidths=0.4,
            transform=transform,
            zorder=1,
        )
    else:
        bands = PolyCollection(
            verts,
            facecolors=EXCURSION_COLOUR,
            edgecolors="none",
            alpha=0.3,
            transform=transform,
            zorder=1,
        )
    axes.add_collection(bands, autolim=False)


def _draw_peaks(axes: Axes, trace: Trace, excursions: tuple[Excursion, ...]) -> None:
    for side, marker in (("above", "^"), ("below", "v")):
        chosen = [(n, e) for n, e in enumerate(excursions, 1) if e.side == side]
        if not chosen:
            continue
        times = np.array([peak_time_s(trace, e) for _, e in chosen])
        peaks = np.array([e.peak_c for _, e in chosen])
        axes.scatter(
            _days(times),
            peaks,
            marker=marker,
            s=28,
            color=EXCURSION_COLOUR,
            edgecolors="black",
            linewidths=0.5,
            zorder=4,
        )
        if len(excursions) > LABELLED_EXCURSIONS:
            continue
        offset = 5 if side == "above" else -5
        for (number, _), x, y in zip(chosen, _days(times), peaks, strict=True):
            axes.annotate(
                f"E{number}",
                (float(x), float(y)),
                xytext=(0, offset),
                textcoords="offset points",
                ha="center",
                va="bottom" if side == "above" else "top",
                fontsize=7,
                fontweight="bold",
                color=EXCURSION_COLOUR,
                zorder=5,
            )


def _format_axes(axes: Axes, trace: Trace, profile: TemperatureProfile) -> None:
    # matplotlib.dates has no type hints for these two classes.
    locator = mdates.AutoDateLocator(tz=mdates.UTC, minticks=4, maxticks=9)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    formatter = mdates.ConciseDateFormatter(  # type: ignore[no-untyped-call]
        locator,
        tz=mdates.UTC,
        offset_formats=["", "%Y", "%Y-%m", "%Y-%m-%d", "%Y-%m-%d", "%Y-%m-%d %H:%M"],
    )
    axes.xaxis.set_major_formatter(formatter)
    axes.xaxis.get_offset_text().set_fontsize(7)
    axes.set_xlabel("Time (UTC)", fontsize=8)
    axes.set_ylabel("Temperature (°C)", fontsize=8)
    axes.tick_params(labelsize=7)
    axes.grid(True, color="#d0d0d0", linewidth=0.5)
    axes.set_axisbelow(True)
    named = profile_words(profile.name)  # "Fresh, refrigerated 2–8 °C", not "fresh-2-8"
    axes.set_title(f"Sensor {trace.sensor_id} · profile {named}", fontsize=9, loc="left")


def _legend(figure: Figure, profile: TemperatureProfile, assessment: Assessment) -> None:
    handles: list[Line2D | Patch] = [
        Line2D([], [], color=TRACE_COLOUR, linewidth=0.9, label="temperature"),
        Line2D([], [], color=LIMIT_COLOUR, linestyle="--", label="limit"),
        Patch(facecolor=BAND_COLOUR, label="out of limits"),
    ]
    if assessment.excursions:
        handles += [
            Patch(facecolor=EXCURSION_COLOUR, alpha=0.3, label="excursion"),
            Line2D(
                [],
                [],
                marker="^",
                linestyle="none",
                color=EXCURSION_COLOUR,
                markeredgecolor="black",
                markeredgewidth=0.5,
                label="peak",
            ),
        ]
    if assessment.gaps:
        handles.append(
            Patch(facecolor="#e6e6e6", edgecolor=GAP_COLOUR, hatch="////", label="data gap")
        )
    figure.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=7)
