"""QA's holds on the case screen: each container on hold or in quarantine with its cause in words
and a "Lift hold…" button, and "Put on hold…" for a container still usable.

A lift asks for the reason and QA's signature and names the container's own cause
(``GenealogyNode.side_state_cause``): the service lifts a recall's or a failed result's hold only
when the lift names that very cause. Nobody but QA sees the box.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.casefile import GenealogyNode, Role, SideState, SignatureMeaning
from app.core import Actor, Database
from app.journey import (
    FINAL_SIDE_STATES,
    SPENT_STATUSES,
    UnitView,
    lift_unit_side_state,
    set_unit_side_state,
)
from ui.dialogs import StatementDialog, ask_password, ask_statement
from ui.tasks import Failure, TaskRunner, WriteOp

VISIBLE_ROWS = 4
"""Rows the box shows before it scrolls."""
ROW_HEIGHT = 44
"""A row's height: two lines of words beside a button."""


def liftable(node: GenealogyNode) -> bool:
    """On hold or quarantined (not in a final state): QA may lift it."""
    return node.side_state is not SideState.NONE and node.side_state not in FINAL_SIDE_STATES


def usable(node: GenealogyNode) -> bool:
    """In no side state and not yet given to the patient or used up: it may be put on hold."""
    return node.side_state is SideState.NONE and node.status not in SPENT_STATUSES


def held_noun(node: GenealogyNode) -> str:
    """What a lift takes off the container: its hold or its quarantine."""
    return "hold" if node.side_state is SideState.ON_HOLD else "quarantine"


def state_line(node: GenealogyNode) -> str:
    """The container, its state and its cause in words."""
    kind = f"{node.kind_name} · DIN {node.din_eye_readable}"
    if node.side_state is SideState.NONE:
        return f"{kind} · {node.status.value.replace('_', ' ')}"
    state = node.side_state.value.replace("_", " ")
    return f"{kind} · ⚠ {state}: {node.side_state_why}"


class UnitHolds(QWidget):
    """QA's lift and hold of the shown case's containers (hidden for everyone else)."""

    changed = Signal(str)
    """A hold was lifted or set: the sentence that says so."""
    failed = Signal(str)
    """A lift or hold was refused: the refusal in words."""

    def __init__(
        self, database: Database, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("unitHolds")
        self.database, self.actor, self.runner = database, actor, runner
        self.buttons: dict[str, QPushButton] = {}
        caption = QLabel("Holds (QA)")
        caption.setObjectName("sectionTitle")
        self.rows = QWidget()
        self.grid = QGridLayout(self.rows)
        self.grid.setContentsMargins(6, 4, 6, 4)
        self.grid.setColumnStretch(0, 1)
        scroll = self.scroller = QScrollArea()
        scroll.setWidget(self.rows)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMaximumHeight(VISIBLE_ROWS * 34 + 8)
        scroll.setMinimumHeight(ROW_HEIGHT + 8)  # one row at the least, then it scrolls
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(caption)
        layout.addWidget(scroll)
        self.setVisible(False)

    @property
    def for_qa(self) -> bool:
        """Only QA lifts and sets holds from this screen."""
        return self.actor.has_role(Role.QA)

    def clear(self) -> None:
        """No case: no rows, hidden."""
        self.show_units(())

    def show_units(self, nodes: tuple[GenealogyNode, ...]) -> None:
        """One row per container QA may lift or put on hold."""
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.buttons = {}
        shown = (
            [n for n in nodes if not n.is_shipper and (liftable(n) or usable(n))]
            if self.for_qa
            else []
        )  # a shipper is a box, never a container QA holds as a bag of the dose
        for row, node in enumerate(shown):
            words = QLabel(state_line(node))
            words.setWordWrap(True)
            words.setObjectName("holdWords")
            self.grid.addWidget(words, row, 0)
            button = self._button(node)
            self.grid.addWidget(button, row, 1)
            self.buttons[node.din or str(node.unit_id)] = button
        self.setVisible(bool(shown))
        self._fit_first_row()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """A narrower box wraps the words on more lines: the first row stays whole."""
        super().resizeEvent(event)
        self._fit_first_row()

    def _fit_first_row(self) -> None:
        """The box is never lower than its first row as wrapped at its width now (at 1280 × 800
        a row's words took three lines and the box showed two and a half)."""
        words = self.rows.findChild(QLabel, "holdWords")
        if words is None:
            return
        margins = self.grid.contentsMargins()
        row = max(words.heightForWidth(words.width()), ROW_HEIGHT - 8)
        need = row + margins.top() + margins.bottom() + 2 * self.scroller.frameWidth()
        self.scroller.setMinimumHeight(need)
        self.scroller.setMaximumHeight(max(need, VISIBLE_ROWS * 34 + 8))

    def _button(self, node: GenealogyNode) -> QPushButton:
        if liftable(node):
            button = QPushButton(f"Lift {held_noun(node)}…")
            button.setObjectName("liftHold")
            button.setToolTip(f"Lift it, naming its cause ({node.side_state_why}); signed")
            button.clicked.connect(partial(self.lift, node))
        else:
            button = QPushButton("Put on hold…")
            button.setObjectName("putOnHold")
            button.setToolTip("Put it on hold, with the reason")
            button.clicked.connect(partial(self.hold, node))
        return button

    def lift(self, node: GenealogyNode) -> None:
        """Lift ``node``'s hold naming its own cause, with a reason and QA's signature."""
        din = node.din_eye_readable
        answer = ask_statement(
            StatementDialog(
                self,
                f"Lift the {held_noun(node)} of container {din}",
                f"Container {din} is {node.side_state.value.replace('_', ' ')}: "
                f"<b>{node.side_state_why}</b>. Give the reason it may be used again:",
                action="Lift",
            )
        )
        if answer is None:
            return
        reason = answer[0]
        password = ask_password(
            self, self.actor, SignatureMeaning.APPROVED, f"Lift of container {din}: {reason}"
        )
        if password is None:
            return
        work = partial(
            lift_unit_side_state,
            self.database,
            self.actor,
            node.unit_id,
            reason,
            password,
            cause=node.side_state_cause,
        )
        self._write(
            work,
            f"The {held_noun(node)} of container {din} was not lifted",
            f"The {held_noun(node)} of container {din} was lifted",
        )

    def hold(self, node: GenealogyNode) -> None:
        """Put ``node`` on hold with a reason."""
        din = node.din_eye_readable
        answer = ask_statement(
            StatementDialog(
                self,
                f"Put container {din} on hold",
                f"Container {din} may not be used until QA lifts the hold. Give the reason:",
                action="Put on hold",
            )
        )
        if answer is None:
            return
        work = partial(
            set_unit_side_state,
            self.database,
            self.actor,
            node.unit_id,
            SideState.ON_HOLD,
            answer[0],
        )
        self._write(
            work, f"Container {din} was not put on hold", f"Container {din} was put on hold"
        )

    def _write(self, work: partial[UnitView], doing: str, done: str) -> None:
        WriteOp(work, doing=doing, changes={"case"}).success(
            lambda _view: self.changed.emit(f"✔ {done}.")
        ).failure(self._failed).run(self.runner)

    def _failed(self, failure: Failure) -> None:
        self.failed.emit(f"✖ {failure.doing}. {failure.title}: {failure.text}")
