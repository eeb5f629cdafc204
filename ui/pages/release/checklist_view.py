"""The release checklist as the QP reads it: each item ✔ satisfied or ✖ open in words, its
evidence one click away (DESIGN.md §9)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from app.journey import Checklist, ChecklistItem


class ChecklistView(QWidget):
    """The ten items, each ✔ satisfied or ✖ open in words, its evidence one click away."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("releaseChecklist")
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(3)
        self.rows: list[tuple[ChecklistItem, QLabel, QLabel]] = []

    def show_checklist(self, checklist: Checklist) -> None:
        """Replace the items shown by ``checklist``'s; open items show their evidence."""
        while self.layout_.count():
            taken = self.layout_.takeAt(0)
            child = taken.widget() if taken is not None else None
            if child is not None:
                child.setParent(None)
                child.deleteLater()
        self.rows = []
        for item in checklist.items:
            row = self._row(item)
            self.layout_.addWidget(row)
            if self.isVisible():
                row.show()  # at once, not on the layout's queued show

    def _row(self, item: ChecklistItem) -> QFrame:
        frame = QFrame()
        frame.setObjectName("checklistItem")
        frame.setProperty("satisfied", "yes" if item.satisfied else "no")
        outer = QVBoxLayout(frame)
        outer.setContentsMargins(8, 1, 8, 1)  # ten items and an open one's evidence in view
        outer.setSpacing(0)
        top = QHBoxLayout()
        status = QLabel("✔ Satisfied" if item.satisfied else "✖ Open")
        status.setObjectName("checklistStatus")
        status.setProperty("satisfied", "yes" if item.satisfied else "no")
        title = QLabel(f"{item.number}. {item.title}")
        title.setTextFormat(Qt.TextFormat.PlainText)
        title.setObjectName(f"checklistTitle-{item.number}")
        title.setWordWrap(True)
        evidence_text = "\n".join(f"• {line}" for line in item.evidence)
        title.setToolTip(evidence_text)
        toggle = QToolButton()
        toggle.setObjectName(f"evidenceToggle-{item.number}")
        toggle.setText("Evidence")
        toggle.setCheckable(True)
        toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toggle.setArrowType(Qt.ArrowType.RightArrow)
        evidence = QLabel(evidence_text)
        evidence.setTextFormat(Qt.TextFormat.PlainText)
        evidence.setObjectName(f"evidence-{item.number}")
        evidence.setProperty("role", "evidence")
        evidence.setWordWrap(True)
        evidence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        def toggled(shown: bool) -> None:
            evidence.setVisible(shown)
            toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

        top.addWidget(status)
        top.addWidget(title, stretch=1)
        top.addWidget(toggle, alignment=Qt.AlignmentFlag.AlignTop)
        outer.addLayout(top)
        outer.addWidget(evidence)
        toggle.toggled.connect(toggled)
        toggle.setChecked(not item.satisfied)
        toggled(not item.satisfied)
        self.rows.append((item, status, evidence))
        return frame

    def lines(self) -> list[str]:
        """Each item as shown: its sign, number and title."""
        return [
            f"{'✔' if item.satisfied else '✖'} {item.number}. {item.title}"
            for item, _status, _evidence in self.rows
        ]

    def evidence(self, number: int) -> str:
        """The evidence text of item ``number``."""
        return next(label.text() for item, _s, label in self.rows if item.number == number)
