"""The temperature plot beside the cold-chain numbers: trace, limits, excursions and gaps.

A picture of the stored trace; every number on the screen comes from the assessment. The line
is downsampled by peaks and clipped to the view, so a million readings stay interactive, and it
is broken inside every data gap, so a gap is never drawn as data. pyqtgraph items cannot be
styled by the stylesheet, so the plot's colours live here, in one place.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QResizeEvent
from PySide6.QtWidgets import QWidget

from app.coldchain import Assessment, Trace

FloatArray = npt.NDArray[np.float64]

TRACE_COLOUR = "#1f4e79"
LIMIT_COLOUR = "#8b1a1a"
BAND_COLOUR = (214, 39, 40, 28)
EXCURSION_COLOUR = (214, 39, 40, 110)
EXCURSION_EDGE = "#b3261e"
GAP_COLOUR = (90, 90, 90, 150)
TEXT_COLOUR = "#1b2a3a"
BAND_DEPTH_C = 1000.0
"""How far the out-of-limit bands reach beyond a limit (the view never shows that much)."""
MAX_REGIONS = 200
"""Excursions or gaps drawn as shaded regions at most; closer ones are merged first."""
MIN_REGION_FRACTION = 1 / 400
"""A region is drawn at least this fraction of the window wide, so a short one stays visible."""


def broken_line(
    times_s: FloatArray, temps_c: FloatArray, assessment: Assessment
) -> tuple[FloatArray, FloatArray]:
    """The readings with a NaN point inside every gap of the assessment (x stays sorted)."""
    inside = {
        int(np.searchsorted(times_s, gap.start_s, side="right"))
        for gap in assessment.gaps
        if times_s.size and times_s[0] <= gap.start_s and gap.end_s <= times_s[-1]
    }
    breaks = np.array(sorted(i for i in inside if 0 < i < times_s.size), dtype=np.int64)
    if breaks.size == 0:
        return times_s, temps_c
    middle = (times_s[breaks - 1] + times_s[breaks]) * 0.5
    return np.insert(times_s, breaks, middle), np.insert(temps_c, breaks, np.nan)


def merged_spans(
    spans: list[tuple[float, float]], window_s: float, limit: int = MAX_REGIONS
) -> list[tuple[float, float]]:
    """Spans sorted, widened to a visible minimum, and merged until at most ``limit`` remain."""
    minimum = max(window_s, 1.0) * MIN_REGION_FRACTION
    widened = sorted(
        (s, e) if e - s >= minimum else ((s + e - minimum) / 2, (s + e + minimum) / 2)
        for s, e in spans
    )
    tolerance = 0.0
    while True:
        merged: list[tuple[float, float]] = []
        for start, end in widened:
            if merged and start - merged[-1][1] <= tolerance:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        if len(merged) <= limit:
            return merged
        tolerance = max(tolerance * 2, minimum)


def _swatch(brush: QBrush, edge: str | None = None) -> pg.BarGraphItem:
    """A legend entry drawn as a filled square (the item itself is never plotted)."""
    return pg.BarGraphItem(x=[0.0], height=[1.0], width=1.0, brush=brush, pen=edge)


LEGEND_LEFT = 10
"""The legend's distance from the plot's left edge."""


class TemperaturePlot(pg.PlotWidget):
    """Trace over UTC time with limit lines, out-of-limit bands, excursions and gaps."""

    def __init__(self, parent: QWidget | None = None) -> None:
        axis = pg.DateAxisItem(orientation="bottom", utcOffset=0)
        super().__init__(parent=parent, background="w", axisItems={"bottom": axis})
        self.setObjectName("temperaturePlot")
        self.setMinimumSize(300, 280)  # the receipt screen must fit a 1280-pixel-wide window
        item = self.getPlotItem()
        for name in ("left", "bottom"):
            item.getAxis(name).setPen(TEXT_COLOUR)
            item.getAxis(name).setTextPen(TEXT_COLOUR)
        item.setLabel("left", "Temperature (°C)", color=TEXT_COLOUR)
        item.setLabel("bottom", "Time (UTC)", color=TEXT_COLOUR)
        item.showGrid(x=True, y=True, alpha=0.2)
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        item.setMenuEnabled(False)
        # pyqtgraph keeps its options menu and their state group without a Qt parent, in a
        # reference cycle: only a garbage collection would delete them. As the plot's children
        # they are deleted with it, where and when the plot is.
        item.ctrlMenu.setParent(self, item.ctrlMenu.windowFlags())
        item.stateGroup.setParent(self)
        self.legend = item.addLegend(
            offset=(10, 10),
            brush=(255, 255, 255, 225),
            pen=TEXT_COLOUR,
            labelTextColor=TEXT_COLOUR,
            labelTextSize="9pt",
        )
        self.legend.setColumnCount(2)  # two short rows rather than a tall box
        # Above the readings, outside the data area: inside it the legend covered the top of
        # the excursion band QA decides on (issue 16 review). The area gives it room on top.
        self.legend.setOffset((LEGEND_LEFT, 2))
        self.legend.setParentItem(item)
        self._caption = "Time (UTC)"
        self._framed: tuple[float, float, float, float] | None = None
        self.trace_line = pg.PlotDataItem(
            pen=pg.mkPen(TRACE_COLOUR, width=1.5), connect="finite", name="Temperature"
        )
        item.addItem(self.trace_line)
        now = time.time()  # an empty day until a trace arrives; warms the date axis up
        item.getViewBox().setRange(xRange=(now - 86_400, now), yRange=(0, 10), padding=0)
        self.limit_lines: list[pg.InfiniteLine] = []
        self.bands: list[pg.LinearRegionItem] = []
        self.excursion_regions: list[pg.LinearRegionItem] = []
        self.gap_regions: list[pg.LinearRegionItem] = []
        self._legend_extras: list[pg.GraphicsObject] = []
        self._ready = True

    def clear_trace(self) -> None:
        """Remove the trace and everything drawn for it."""
        item = self.getPlotItem()
        for region in (
            *self.limit_lines, *self.bands, *self.excursion_regions, *self.gap_regions,
        ):  # fmt: skip
            item.removeItem(region)
        for extra in self._legend_extras:
            self.legend.removeItem(extra)
        self.limit_lines, self.bands, self._legend_extras = [], [], []
        self.excursion_regions, self.gap_regions = [], []
        self.trace_line.setData([], [])
        self._framed = None
        self._caption = "Time (UTC)"
        self._apply_frame()

    def show_trace(
        self,
        trace: Trace,
        assessment: Assessment,
        lower_c: float | None,
        upper_c: float | None,
    ) -> None:
        """Draw ``trace`` judged by ``assessment`` against the limits (either may be open)."""
        self.clear_trace()
        times, temps = broken_line(trace.times_s, trace.temps_c, assessment)
        self.trace_line.setData(times, temps)
        self._limits(lower_c, upper_c)
        window = max(assessment.end_s - assessment.start_s, 1.0)
        excursions = [(e.start_s, e.end_s) for e in assessment.excursions]
        gaps = [(g.start_s, g.end_s) for g in assessment.gaps]
        red = QBrush(QColor(*EXCURSION_COLOUR))
        grey = QBrush(QColor(*GAP_COLOUR), Qt.BrushStyle.BDiagPattern)
        self.excursion_regions = self._regions(
            merged_spans(excursions, window), red, EXCURSION_EDGE
        )
        self.gap_regions = self._regions(merged_spans(gaps, window), grey, "#5a5a5a")
        if excursions:
            self._legend_entry(_swatch(red, EXCURSION_EDGE), f"Excursion ({len(excursions)})")
        if gaps:
            self._legend_entry(_swatch(grey, "#5a5a5a"), f"Data gap ({len(gaps)})")
        self._frame(trace, assessment, lower_c, upper_c)

    def _limits(self, lower_c: float | None, upper_c: float | None) -> None:
        item = self.getPlotItem()
        pen = pg.mkPen(LIMIT_COLOUR, width=1.5, style=Qt.PenStyle.DashLine)
        band = QBrush(QColor(*BAND_COLOUR))
        for limit, reach in ((upper_c, BAND_DEPTH_C), (lower_c, -BAND_DEPTH_C)):
            if limit is None:
                continue
            shaded = pg.LinearRegionItem(
                values=sorted((limit, limit + reach)),
                orientation="horizontal",
                brush=band,
                pen=pg.mkPen(None),
                movable=False,
            )
            shaded.setZValue(-20)
            line = pg.InfiniteLine(pos=limit, angle=0, pen=pen, movable=False)
            item.addItem(shaded, ignoreBounds=True)
            item.addItem(line, ignoreBounds=True)
            self.bands.append(shaded)
            self.limit_lines.append(line)
        shown = " / ".join(f"{value:g} °C" for value in (lower_c, upper_c) if value is not None)
        if shown:
            self._legend_entry(pg.PlotDataItem(pen=pen), f"Limit ({shown})")
            self._legend_entry(_swatch(band), "Out of limits")

    def _regions(
        self, spans: list[tuple[float, float]], brush: QBrush, edge: str
    ) -> list[pg.LinearRegionItem]:
        item = self.getPlotItem()
        regions = []
        for start, end in spans:
            region = pg.LinearRegionItem(
                values=(start, end), brush=brush, pen=pg.mkPen(edge), movable=False
            )
            region.setZValue(-10)
            item.addItem(region, ignoreBounds=True)
            regions.append(region)
        return regions

    def _apply_frame(self) -> None:
        """The framed window and values; the legend's room above the data area; the time
        caption in the form that fits the axis."""
        if not vars(self).get("_ready"):
            return  # a resize comes before __init__ ends
        item = self.getPlotItem()
        # One row where it fits (the data area keeps the height), else two short rows, else
        # one column where two would run past the edge.
        for columns in (len(self.legend.items), 2, 1):
            self.legend.setColumnCount(max(columns, 1))
            self.legend.layout.activate()
            if self.legend.boundingRect().width() <= self.width() - 2 * LEGEND_LEFT:
                break
        # Laid out now, not at the next turn of the event loop: until then a new entry sat on
        # the first one ("Excursion (1)" over "Temperature") and the data area reached up
        # under the legend, over the top of the excursion band (issue 16 review).
        self.legend.layout.activate()
        item.layout.setContentsMargins(1, self.legend.boundingRect().height() + 6, 1, 1)
        item.layout.activate()
        self._fit_caption()
        if self._framed is None:
            return
        start, end, low, high = self._framed
        room = max((high - low) * 0.12, 1.0)
        item.getViewBox().setRange(
            xRange=(start, end), yRange=(low - room, high + room), padding=FRAME_PADDING
        )

    def _fit_caption(self) -> None:
        """The time axis's caption whole, shortened where the plot is narrow: at 1000 px it
        was cut at both ends ("…to 07 D"; issue 16 review)."""
        caption = self._caption
        axis = self.getPlotItem().getAxis("bottom")
        room = min(axis.width(), self.width() - 80) - 16  # under the data area, a margin
        for text in (caption, caption.replace(" to ", " – "), caption.split(",")[0]):
            self.getPlotItem().setLabel("bottom", text, color=TEXT_COLOUR)
            if axis.label.boundingRect().width() <= room:
                break
        axis.resizeEvent()  # centred again for its new width (the axis does it only on resize)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the legend's room above the readings at the new size."""
        super().resizeEvent(event)
        self._apply_frame()

    def _legend_entry(self, sample: pg.GraphicsObject, name: str) -> None:
        self.legend.addItem(sample, name)
        self._legend_extras.append(sample)

    def _frame(
        self, trace: Trace, assessment: Assessment, lower_c: float | None, upper_c: float | None
    ) -> None:
        """Show the assessed window with every reading drawn in it and every limit, with a
        little room (a −185 °C trace was drawn below the axis when only the assessment's
        numbers framed it)."""
        start, end = assessment.start_s, assessment.end_s
        if end <= start:
            start, end = start - 1800.0, end + 1800.0
        self._framed = (start, end, *temperature_range(trace, start, end, lower_c, upper_c))
        span = " to ".join(
            datetime.fromtimestamp(moment, UTC).strftime("%d %b %H:%M") for moment in (start, end)
        )  # short, to fit a narrow plot; the full dates are beside it in the numbers
        self._caption = f"UTC, {span}"
        self._apply_frame()


FRAME_PADDING = 0.02
"""The room the view leaves beside the assessed window, a fraction of its width."""


def temperature_range(
    trace: Trace, start_s: float, end_s: float, lower_c: float | None, upper_c: float | None
) -> tuple[float, float]:
    """The lowest and highest temperature the view must show: every reading it draws between
    ``start_s`` and ``end_s`` (and the room beside them) and both limits; gaps (NaN) ignored."""
    room = (end_s - start_s) * FRAME_PADDING * 2
    inside = (trace.times_s >= start_s - room) & (trace.times_s <= end_s + room)
    temps = trace.temps_c[inside]
    values = [float(v) for v in (lower_c, upper_c) if v is not None]
    finite = temps[np.isfinite(temps)]
    if finite.size:
        values += [float(finite.min()), float(finite.max())]
    if not values:
        return 0.0, 10.0
    return min(values), max(values)
