"""One QC test in the results table: its value (typed by the analyst, in the unit shown beside
it), the values a correction replaced, the judged outcome in words, and QA's review and
exception controls."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.casefile import QcOutcome, QcSpecView
from app.journey import QcResultView
from ui.widgets import escape, restyle

OUTCOMES: dict[QcOutcome, tuple[str, str]] = {
    QcOutcome.PASS: ("✔ Pass", "pass"),
    QcOutcome.OUT_OF_SPECIFICATION: ("✖ Out of specification", "fail"),
    QcOutcome.FAIL: ("✖ Fail", "fail"),
    QcOutcome.PENDING: ("◷ Pending", "pending"),
}
NO_RESULT = ("— No result yet", "none")
CELL_MARGIN = 4
"""The space above and below a cell's text (and beside it): a one-line row is one text line
plus this twice, not the 62 px every row had (issue 16)."""
VALUE_WIDTH = 260
MIN_VALUE_WIDTH = 210
MIN_TEXT_WIDTH = 120
"""The narrowest the test and criterion columns get (their text wraps, else is elided)."""
UNIT_WIDTH = 118
REVIEW_STATES = ("⚠ Not reviewed", "✔ Reviewed", "✔ Exception approved")
"""Every line the QA review column shows: the column is as wide as the widest."""


def outcome_words(view: QcResultView | None) -> tuple[str, str]:
    """The judged outcome in words with its sign, and the style state for the stylesheet."""
    return NO_RESULT if view is None else OUTCOMES[view.outcome]


class QcRow:
    """The widgets of one QC test in the results table."""

    def __init__(
        self,
        table: QTableWidget,
        spec: QcSpecView,
        index: int,
        *,
        analyst: bool,
        qa: bool,
        save: Callable[[str], None],
        review: Callable[[str], None],
        approve: Callable[[str], None],
        ticked: Callable[[], None] = lambda: None,
    ) -> None:
        self.spec = spec
        name = QTableWidgetItem(spec.name)
        name.setToolTip(f"{spec.name} ({spec.test_code})")
        criterion = QTableWidgetItem(spec.criterion)
        criterion.setToolTip(spec.criterion)
        table.setItem(index, 0, name)
        table.setItem(index, 1, criterion)
        self.saved_value = ""
        self.value: QLineEdit | QLabel
        if analyst:
            self.value = QLineEdit()
            unit = f" in {spec.unit}" if spec.unit else ""
            self.value.setPlaceholderText("type + Enter")
            self.value.setToolTip(
                f"Type the result{unit} ({spec.criterion}) or 'pending', then press Enter; "
                "Enter and Tab move to the next test. A lab's forms are read: 1.2e8, "
                "1.2 × 10⁸, 1.2x10^8, 1,2e8."
            )
            self.value.returnPressed.connect(lambda: save(spec.test_code))
        else:
            self.value = QLabel()
        self.value.setObjectName(f"value-{spec.test_code}")
        self.unit = QLabel(spec.unit)
        self.unit.setObjectName(f"unit-{spec.test_code}")
        self.unit.setToolTip(f"The value is in {spec.unit}." if spec.unit else "")
        self.unit.setFixedWidth(UNIT_WIDTH)
        self.unit.setWordWrap(True)  # in the table's own type size: a unit is read, not guessed
        self.unit.setVisible(bool(spec.unit))
        self.history = QLabel()
        self.history.setObjectName(f"history-{spec.test_code}")
        self.history.setStyleSheet("color: #8a5a00; font-size: 12px;")
        self.history.hide()
        self.outcome = QLabel()
        self.outcome.setObjectName(f"outcome-{spec.test_code}")
        self.outcome.setWordWrap(True)  # "✖ Out of specification" on two lines when narrow
        review_cell = self._review_cell(spec, review, approve, ticked)
        table.setCellWidget(index, 2, _value_cell(self.value, self.unit, self.history))
        table.setCellWidget(index, 3, _padded(self.outcome))
        table.setCellWidget(index, 4, review_cell)
        self.is_qa = qa
        self.reviewable = False
        """QA may review the latest result shown with others: it is entered (not pending)
        and not reviewed yet."""

    def _review_cell(
        self,
        spec: QcSpecView,
        review: Callable[[str], None],
        approve: Callable[[str], None],
        ticked: Callable[[], None],
    ) -> QWidget:
        """QA's cell: the tick for a review under one signature, the state, the buttons."""
        self.review_state = QLabel()
        self.review_state.setObjectName(f"reviewState-{spec.test_code}")
        self.review = QPushButton("Review…")
        self.review.setObjectName(f"review-{spec.test_code}")
        self.review.clicked.connect(lambda: review(spec.test_code))
        self.approve = QPushButton("Approve exception…")
        self.approve.setObjectName(f"approve-{spec.test_code}")
        self.approve.clicked.connect(lambda: approve(spec.test_code))
        self.tick = QCheckBox()
        self.tick.setObjectName(f"tick-{spec.test_code}")
        self.tick.setToolTip(f"Tick {spec.name} to review it with the others under one signature")
        self.tick.toggled.connect(lambda _checked: ticked())
        keep_place = self.tick.sizePolicy()
        keep_place.setRetainSizeWhenHidden(True)  # a pending row's Review… lines up with the rest
        self.tick.setSizePolicy(keep_place)
        review_cell = QWidget()
        review_layout = QHBoxLayout(review_cell)
        review_layout.setContentsMargins(4, 2, 4, 2)
        review_layout.addWidget(self.tick)
        review_layout.addWidget(self.review_state)
        review_layout.addWidget(self.review)
        review_layout.addWidget(self.approve)
        review_layout.addStretch(1)
        return review_cell

    def unsaved(self) -> bool:
        """True when the typed result differs from the one saved (and is not blank)."""
        if not isinstance(self.value, QLineEdit):
            return False
        typed = self.value.text().strip()
        return bool(typed) and typed != self.saved_value

    def show(self, view: QcResultView | None, signatures: tuple[str, ...]) -> None:
        """Show the latest result of this test and where its review stands."""
        words, state = outcome_words(view)
        self.outcome.setText(words)
        restyle(self.outcome, outcome=state)
        self.outcome.setToolTip(f"Criterion: {self.spec.criterion}")
        self.saved_value = view.value if view is not None else ""
        if isinstance(self.value, QLineEdit):
            if view is not None and self.value.text().strip() != view.value:
                self.value.setText(view.value)
        else:
            self.value.setText(view.value if view is not None else "—")
        self._show_history(view)
        exception_allowed = (
            view is not None
            and view.outcome is QcOutcome.PENDING
            and self.spec.may_be_pending_at_release
            and not view.exception_approved
        )
        if view is None:
            state_text = "—"
        elif view.exception_approved:
            state_text = "✔ Reviewed\n✔ Exception approved"
        elif view.reviewed:
            state_text = "✔ Reviewed"
        else:
            state_text = "⚠ Not reviewed"
        self.review_state.setText(state_text)
        self.review_state.setToolTip("\n".join(signatures) or "No signature yet")
        self.reviewable = (
            self.is_qa
            and view is not None
            and not view.reviewed
            and view.outcome is not QcOutcome.PENDING
        )
        # a pending result is reviewed on its own (before QA approves its exception), never
        # ticked among the entered ones (issue 16 review: "Sterility pending" was listed)
        self.review.setVisible(self.is_qa and view is not None and not view.reviewed)
        self.tick.setVisible(self.reviewable)
        if not self.reviewable:
            self.tick.setChecked(False)
        self.review_state.setVisible(not self.review.isVisible())
        self.approve.setVisible(
            self.is_qa and view is not None and view.reviewed and exception_allowed
        )

    def _show_history(self, view: QcResultView | None) -> None:
        """The values a correction replaced stay visible: the last one under the value, all of
        them (with who entered them, when, and why they were replaced) in its tooltip."""
        earlier = view.earlier if view is not None else ()
        self.history.setVisible(bool(earlier))
        if not earlier:
            self.history.setToolTip("")
            return
        last = earlier[-1]
        self.history.setText(
            f"⟲ was {last.value}" + (f" ({len(earlier)} earlier)" if len(earlier) > 1 else "")
        )
        lines = [
            f"{escape(e.value)} ({OUTCOMES[e.outcome][0]}) — {escape(e.entered_by)}, "
            f"{e.entered_at:%Y-%m-%d %H:%M} UTC"
            + (f"; replaced because: {escape(e.replaced_because)}" if e.replaced_because else "")
            for e in earlier
        ]
        self.history.setToolTip("Earlier values:<br>" + "<br>".join(lines))

    def show_saving(self) -> None:
        """Say that the typed value is being saved."""
        self.outcome.setText("… saving")
        restyle(self.outcome, outcome="none")


def _padded(widget: QWidget) -> QWidget:
    holder = QWidget()
    layout = QHBoxLayout(holder)
    layout.setContentsMargins(4, 2, 4, 2)
    layout.addWidget(widget)
    return holder


def _value_cell(value: QWidget, unit: QLabel, history: QLabel) -> QWidget:
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(4, 2, 4, 2)
    layout.setSpacing(0)
    line = QHBoxLayout()
    line.setSpacing(4)
    typed = isinstance(value, QLineEdit)
    line.addWidget(value, stretch=1 if typed else 0)
    line.addWidget(unit)
    if not typed:
        line.addStretch(1)
    layout.addLayout(line)
    layout.addWidget(history)
    return holder


class QcTable(QTableWidget):
    """The results table; its columns share the width it has (``share_width``), so a
    narrower window narrows the test and criterion columns (text wrapped, else elided with
    its tooltip) instead of showing a horizontal scroll bar."""

    def __init__(self) -> None:
        super().__init__(0, 5)
        self.preferred = [0, 0, VALUE_WIDTH, 0, 0]
        """Each column's width when there is room (set by ``fit_qc_table``)."""
        self.least = [0, 0, MIN_VALUE_WIDTH, 0, 0]
        """Each column's narrowest width."""

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Share the new width between the columns, then fit the rows to their content."""
        super().resizeEvent(event)
        self.share_width()
        self.fit_rows()

    def row_need(self, row: int) -> int:
        """The height row ``row`` needs at the columns' widths: its tallest cell, each text
        wrapped in its column (a one-line row: one text line and the cell margins)."""
        metrics = self.fontMetrics()
        need = metrics.height() + 2 * CELL_MARGIN
        for column in range(self.columnCount()):
            width = self.columnWidth(column)
            item = self.item(row, column)
            if item is not None and item.text():
                shown = metrics.boundingRect(
                    0, 0, max(1, width - 2 * CELL_MARGIN), 10_000,
                    Qt.TextFlag.TextWordWrap, item.text(),
                )  # fmt: skip
                need = max(need, shown.height() + 2 * CELL_MARGIN)
            widget = self.cellWidget(row, column)
            if widget is not None:
                layout = widget.layout()
                if layout is not None:
                    layout.activate()  # the cell's labels and buttons as they are shown now
                height = (
                    widget.heightForWidth(width)
                    if widget.hasHeightForWidth()
                    else widget.sizeHint().height()
                )
                need = max(need, height)
        return need

    def fit_rows(self) -> None:
        """Each row as tall as its content, the table as tall as its rows (it does not
        scroll: the page does)."""
        grid = 1 if self.showGrid() else 0  # a cell's widget sits inside the grid line
        for row in range(self.rowCount()):
            self.setRowHeight(row, self.row_need(row) + grid)
        header = self.horizontalHeader().sizeHint().height() if self.rowCount() else 0
        rows = sum(self.rowHeight(row) for row in range(self.rowCount()))
        self.setFixedHeight(header + rows + 2 * self.frameWidth())

    def share_width(self) -> None:
        """Give each column its least width, then the room left: first the value, result and
        review columns up to their preferred width, then the test name, then the criterion;
        what is still left is shared by all five in proportion (a wide window does not make
        the criterion column a wide empty band)."""
        room = self.viewport().width()
        widths = list(self.least)
        spare = room - sum(widths)
        for column in (2, 3, 4, 0, 1):
            grant = max(0, min(spare, self.preferred[column] - widths[column]))
            widths[column] += grant
            spare -= grant
        if spare > 0:
            total = sum(widths) or 1
            shares = [spare * width // total for width in widths]
            shares[1] += spare - sum(shares)  # the rounding left over
            widths = [width + share for width, share in zip(widths, shares, strict=True)]
        for column, width in enumerate(widths):
            self.setColumnWidth(column, width)


def qc_table() -> QcTable:
    """The results table: test, criterion, value, judged result and QA's review, one row each."""
    table = QcTable()
    table.setObjectName("qcResults")
    table.setHorizontalHeaderLabels(["Test", "Criterion", "Value", "Result", "QA review"])
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)  # Tab moves between the value fields, not the cells
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setWordWrap(True)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    header = table.horizontalHeader()
    header.setMinimumSectionSize(MIN_TEXT_WIDTH // 2)
    for column in range(5):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
    return table


REVIEW_STATES = ("⚠ Not reviewed", "✔ Reviewed", "✔ Exception approved")
"""The lines the QA review column shows to a reader who cannot review: its width holds each."""


def fit_qc_table(table: QcTable, rows: int, *, qa: bool) -> None:
    """Size the table to show ``rows`` whole rows, its columns sharing the width it has."""
    widest = table.fontMetrics().horizontalAdvance
    texts: list[list[str]] = [[], []]
    for row in range(rows):
        for column in (0, 1):
            item = table.item(row, column)
            texts[column].append(item.text() if item is not None else "")
    for column in (0, 1):
        longest = max((widest(text) for text in texts[column]), default=0)
        table.preferred[column] = longest + 16
        table.least[column] = min(table.preferred[column], MIN_TEXT_WIDTH)
    # Cell widgets do not size their columns: the widest outcome wraps to two lines at least.
    table.preferred[3] = int(widest(OUTCOMES[QcOutcome.OUT_OF_SPECIFICATION][0]) * 1.1) + 24
    table.least[3] = int(widest("specification") * 1.1) + 24
    state = max(widest(line) for line in REVIEW_STATES)  # "✔ Exception approved" whole
    if qa:  # the review state beside the exception button (or the tick beside the button)
        review = max(int((widest("✔ Reviewed") + widest("Approve exception…")) * 1.1) + 72, state)
    else:
        review = int(state * 1.1) + 24
    table.preferred[4] = table.least[4] = review
    table.share_width()
    table.fit_rows()
