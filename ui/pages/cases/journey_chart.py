"""The vein-to-vein chart of one case: each stage reached, placed on a time axis, with the
product's limits drawn as brackets (collection → receipt, the final bags' expiry).

Drawn with QPainter from the case detail the screen already read: nothing more is read. A
bracket is green while its stage was reached in time, red when it was passed; the words under
it say the same for whoever cannot tell the colours apart.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.casefile import CaseLimits, CaseStage, TimelineEntry
from app.core import now

AXIS = QColor("#1b2a3a")
POINT = QColor("#2f6fa8")
IN_TIME = QColor("#2e7d32")
LATE = QColor("#b3261e")
MARGIN = 16.0
ROWS = 3
"""Label rows above the axis (as many below): close stages take the next free row."""


@dataclass(frozen=True)
class Milestone:
    """The first time the case reached a stage."""

    stage: CaseStage
    name: str
    at: datetime


@dataclass(frozen=True)
class Limit:
    """A product limit as a bracket from ``start`` to ``end``; ``met`` None while still open."""

    label: str
    start: datetime
    end: datetime
    met: bool | None


def milestones(entries: tuple[TimelineEntry, ...]) -> tuple[Milestone, ...]:
    """The first entry of each stage, in time order."""
    seen: dict[CaseStage, Milestone] = {}
    for entry in sorted(entries, key=lambda e: e.occurred_at):
        if entry.stage not in seen:
            seen[entry.stage] = Milestone(entry.stage, entry.stage_name, entry.occurred_at)
    return tuple(seen.values())


def limits(points: tuple[Milestone, ...], case_limits: CaseLimits, moment: datetime) -> list[Limit]:
    """The brackets to draw: collection → receipt (from the end of collection), the expiry."""
    at = {point.stage: point.at for point in points}
    found: list[Limit] = []
    hours = case_limits.collection_to_receipt_hours
    collected = at.get(CaseStage.COLLECTED)
    if hours is not None and collected is not None:
        end = collected + timedelta(hours=hours)
        received = at.get(CaseStage.RECEIVED_AT_MANUFACTURER)
        met = (received <= end) if received is not None else (None if moment <= end else False)
        found.append(Limit(f"Collection → receipt ≤ {hours:g} h", collected, end, met))
    expiry = case_limits.expires_at
    released = at.get(CaseStage.RELEASED) or at.get(CaseStage.QC_PENDING_RELEASE)
    if expiry is not None and released is not None:
        infused = at.get(CaseStage.INFUSED)
        met = (infused <= expiry) if infused is not None else (None if moment <= expiry else False)
        found.append(
            Limit(f"Infuse before expiry {expiry:%Y-%m-%d %H:%M} UTC", released, expiry, met)
        )
    return found


def limit_words(limit: Limit) -> str:
    """A bracket's verdict in words."""
    if limit.met is None:
        return f"{limit.label}: open"
    return f"{limit.label}: {'✔ met' if limit.met else '✖ passed'}"


LABEL_GAP = 6.0
"""Pixels between two labels of one row."""
ROW_COST = 300.0
"""How far (px) a label would rather move right, its leader slanting to its dot, than take a
row further from the axis: labels of stages close in time spread along the axis instead of
piling up in rows over their dots (issue 16: at 1920 × 1080 six rows of names were stacked in
the chart's corner, the rest of the axis empty)."""


def label_place(
    ends: list[float], left: float, text_width: float, right_edge: float = math.inf
) -> tuple[int, float]:
    """The row and left edge of a stage's label: in each row it goes at ``left`` or, where a
    label already stands, just past it (never printed over it: issue 16 review); of these the
    row nearest the axis wins unless the label would move more than :data:`ROW_COST` further
    there, and a place that runs past ``right_edge`` only when no row has room. The row is then
    taken up to the label's right end."""

    def place(row: int) -> float:
        return max(left, ends[row] + LABEL_GAP)

    def cost(row: int) -> tuple[bool, float]:
        start = place(row)
        return start + text_width > right_edge, start - left + (row // 2) * ROW_COST

    row = min(range(len(ends)), key=cost)
    left = place(row)
    ends[row] = left + text_width
    return row, left


def words_left(start: float, text_width: float, chart_width: float) -> float:
    """Where a limit's words begin: under its bracket's start, moved left as far as needed to
    end inside the chart. They began at the chart's left edge, an axis away from a bracket
    starting at the last stage ("Infuse before expiry …: open" under nothing; issue 16
    review)."""
    return max(MARGIN, min(start, chart_width - MARGIN - text_width))


ARROW = 7.0
"""The length of a limit's arrow head."""


def end_mark(start: float, end: float, *, ends_later: bool) -> str:
    """How a limit's line ends: ``bracket`` (on the axis), ``arrow`` (after the last stage)
    or ``none``: a limit starting at the last stage has no line to put an arrow on (it drew a
    zero-length arrow, a "K" at the right edge; issue 16 review)."""
    if not ends_later:
        return "bracket"
    return "arrow" if end - start > ARROW else "none"


def end_times(first: datetime, last: datetime) -> tuple[str, str]:
    """The axis's two ends as printed, both with their zone (the left one had none)."""
    return f"{first:%Y-%m-%d %H:%M:%S} UTC", f"{last:%Y-%m-%d %H:%M:%S} UTC"


@dataclass(frozen=True)
class LabelBox:
    """A stage's name on the chart: where it is written, the white ground under it and the
    leader from its dot. Leaders are drawn before every name: they crossed names drawn
    earlier ("Enro|lled"; issue 16 review)."""

    name: str
    x: float
    baseline: QPointF
    ground: QRectF
    leader_from: QPointF
    leader_to: QPointF


class JourneyChart(QWidget):
    """Stages on a time axis with the product's limits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("journeyChart")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.points: tuple[Milestone, ...] = ()
        self.limits: list[Limit] = []
        self.setFixedHeight(self.needed_height())

    def _small_font(self) -> QFont:
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        return small

    def _labels(self, metrics: QFontMetrics) -> list[tuple[Milestone, float, int, float]]:
        """Each stage with its dot's x, its label's row and its label's left edge."""
        if not self.points:
            return []
        first, last = self._span()
        width = self.width() - 2 * MARGIN
        total = (last - first).total_seconds()
        ends: list[float] = [-1e9] * (2 * ROWS)  # where each label row is taken up to
        placed = []
        for point in self.points:
            share = (point.at - first).total_seconds() / total
            x = MARGIN + width * min(max(share, 0.0), 1.0)
            text_width = metrics.horizontalAdvance(point.name)
            left = min(max(x - text_width / 2, 0.0), self.width() - text_width)
            row, left = label_place(ends, left, text_width, self.width())
            placed.append((point, x, row, left))
        return placed

    def _rows_used(self, metrics: QFontMetrics) -> tuple[int, int]:
        """The label rows taken above and below the axis at the present width (one above at
        the least)."""
        rows = [row for _point, _x, row, _left in self._labels(metrics)]
        above = max((row // 2 + 1 for row in rows if row % 2 == 0), default=1)
        below = max((row // 2 + 1 for row in rows if row % 2 == 1), default=0)
        return above, below

    def words_places(self) -> list[tuple[str, float, float, float]]:
        """Each limit's words with its bracket's start x and its words' left and right x, at
        the present width."""
        if not self.points:
            return []
        first, last = self._span()
        width = self.width() - 2 * MARGIN
        total = (last - first).total_seconds()
        metrics = QFontMetrics(self._small_font())
        found = []
        for limit in self.limits:
            share = (limit.start - first).total_seconds() / total
            start = MARGIN + width * min(max(share, 0.0), 1.0)
            words = limit_words(limit)
            text_width = metrics.horizontalAdvance(words)
            left = words_left(start, text_width, self.width())
            found.append((words, start, left, left + text_width))
        return found

    def name_font(self) -> QFont:
        """The font of the stages' names, the limits' words and the end times."""
        return self._small_font()

    def names_drawn(self) -> list[LabelBox]:
        """The stages' names as drawn at the present size."""
        metrics = QFontMetrics(self._small_font())
        return self.label_boxes(metrics, self.axis_y(metrics))

    def axis_y(self, metrics: QFontMetrics) -> float:
        """Where the axis runs: under the label rows taken above it."""
        return 8.0 + self._rows_used(metrics)[0] * metrics.height()

    def label_boxes(self, metrics: QFontMetrics, axis_y: float) -> list[LabelBox]:
        """Each stage's name as drawn: its baseline, its ground and its leader from the dot."""
        line = metrics.height()
        found = []
        for point, x, row, left in self._labels(metrics):
            text_width = metrics.horizontalAdvance(point.name)
            above, depth = row % 2 == 0, row // 2
            label_y = axis_y - 8 - depth * line if above else axis_y + 8 + depth * line + line
            baseline = QPointF(left, label_y - (metrics.descent() if above else 0))
            ground = QRectF(left - 1, baseline.y() - metrics.ascent(), text_width + 2, line)
            near = min(max(x, left), left + text_width)  # a moved label's leader slants to it
            end = QPointF(near, label_y + (0 if above else -line + 2))
            found.append(LabelBox(point.name, x, baseline, ground, QPointF(x, axis_y), end))
        return found

    def needed_height(self) -> int:
        """As tall as what it draws: the label rows taken about the axis, a row per limit and
        the end times. Room for every label row and two limits left a blank band and
        squeezed the timeline to two rows at 1280 × 800 (issue 16 review)."""
        metrics = QFontMetrics(self._small_font())
        line = metrics.height()
        above, below = self._rows_used(metrics)
        rows = 8 + above * line + 16 + below * line  # the axis with its label rows
        return int(rows + len(self.limits) * (line + 16) + line + 8)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Labels take rows by the width: the height follows."""
        super().resizeEvent(event)
        if self.height() != self.needed_height():
            self.setFixedHeight(self.needed_height())

    def show_case(self, entries: tuple[TimelineEntry, ...], case_limits: CaseLimits) -> None:
        """Draw the case's stages and limits (no entries: an empty chart)."""
        self.points = milestones(entries)
        self.limits = limits(self.points, case_limits, now())
        self.setToolTip("\n".join(limit_words(limit) for limit in self.limits))
        self.setFixedHeight(self.needed_height())
        self.update()

    def _span(self) -> tuple[datetime, datetime]:
        """The stages' time span: a limit ending later is drawn to the edge with an arrow."""
        moments = [p.at for p in self.points]
        first, last = min(moments), max(moments)
        if last - first < timedelta(seconds=1):
            last = first + timedelta(seconds=1)
        return first, last

    def paintEvent(self, _event: QPaintEvent) -> None:
        """Axis, a dot per stage with its name in the first free row above or below, then
        each limit as a bracket with its verdict in words."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        if not self.points:
            painter.setPen(AXIS)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No stage recorded yet.")
            painter.end()
            return
        first, last = self._span()
        width = self.width() - 2 * MARGIN
        total = (last - first).total_seconds()

        def x_of(moment: datetime) -> float:
            share = (moment - first).total_seconds() / total
            return MARGIN + width * min(max(share, 0.0), 1.0)

        painter.setFont(self._small_font())
        metrics = painter.fontMetrics()
        axis_y = self.axis_y(metrics)
        painter.setPen(QPen(AXIS, 1.5))
        painter.drawLine(QPointF(MARGIN, axis_y), QPointF(MARGIN + width, axis_y))
        boxes = self.label_boxes(metrics, axis_y)
        painter.setPen(QPen(QColor("#8a96a3"), 1))
        for box in boxes:  # leaders first: a name is never crossed by another's leader
            painter.drawLine(box.leader_from, box.leader_to)
        painter.setBrush(POINT)
        painter.setPen(QPen(POINT, 1))
        for box in boxes:
            painter.drawEllipse(QPointF(box.x, axis_y), 4.5, 4.5)
        painter.setPen(AXIS)
        for box in boxes:  # each name on its own white ground, over any leader
            painter.fillRect(box.ground, QColor("white"))
            painter.drawText(box.baseline, box.name)
        self._draw_limits(painter, x_of, last)
        self._draw_ends(painter)
        painter.end()

    def _limit_rows(self, metrics: QFontMetrics) -> list[tuple[Limit, float, str, QRectF]]:
        """Each limit with the y of its bracket, its words and where they are written."""
        width = self.width() - 2 * MARGIN
        line = metrics.height()
        row_y = self.axis_y(metrics) + 16 + self._rows_used(metrics)[1] * line
        found = []
        for limit, (words, _start, left, right) in zip(
            self.limits, self.words_places(), strict=True
        ):
            found.append(
                (
                    limit,
                    row_y,
                    words,
                    QRectF(left, row_y + 4, min(width, right - left + 2), line + 2),
                )
            )
            row_y += line + 16
        return found

    def _end_places(self, metrics: QFontMetrics) -> list[tuple[str, QPointF]]:
        """The first and last stage's time and where each is written (its baseline)."""
        first, last = self._span()
        dates = end_times(first, last)
        bottom = self.height() - 6.0
        right = self.width() - MARGIN - metrics.horizontalAdvance(dates[1])
        return [(dates[0], QPointF(MARGIN, bottom)), (dates[1], QPointF(right, bottom))]

    def text_boxes(self) -> list[tuple[str, QRectF]]:
        """Every text the chart writes and the rectangle it takes, at the present size: the
        stages' names, the limits' words, the end times."""
        if not self.points:
            return []
        metrics = QFontMetrics(self._small_font())
        boxes = [(box.name, box.ground) for box in self.names_drawn()]
        boxes += [(words, room) for _limit, _y, words, room in self._limit_rows(metrics)]
        for text, baseline in self._end_places(metrics):
            top = baseline.y() - metrics.ascent()
            boxes.append(
                (text, QRectF(baseline.x(), top, metrics.horizontalAdvance(text), metrics.height()))
            )
        return boxes

    def _draw_limits(
        self, painter: QPainter, x_of: Callable[[datetime], float], last: datetime
    ) -> None:
        """Each limit as a bracket (an arrow when it ends after the last stage), with words."""
        for limit, row_y, words, room in self._limit_rows(painter.fontMetrics()):
            colour = AXIS if limit.met is None else (IN_TIME if limit.met else LATE)
            start, end = x_of(limit.start), x_of(limit.end)
            painter.setPen(QPen(colour, 2))
            painter.drawLine(QPointF(start, row_y), QPointF(end, row_y))
            painter.drawLine(QPointF(start, row_y - 5), QPointF(start, row_y + 5))
            mark = end_mark(start, end, ends_later=limit.end > last)
            if mark == "bracket":
                painter.drawLine(QPointF(end, row_y - 5), QPointF(end, row_y + 5))
            elif mark == "arrow":  # it ends after the last stage: an arrow at the edge
                painter.drawLine(QPointF(end - ARROW, row_y - 5), QPointF(end, row_y))
                painter.drawLine(QPointF(end - ARROW, row_y + 5), QPointF(end, row_y))
            painter.drawText(room, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, words)

    def _draw_ends(self, painter: QPainter) -> None:
        """The first and last stage's time under the axis's two ends."""
        painter.setPen(QPen(AXIS, 1))
        for text, baseline in self._end_places(painter.fontMetrics()):
            painter.drawText(baseline, text)
