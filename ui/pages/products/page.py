"""The Product approval section (QA): the drafts awaiting a decision, each draft's changes
against the current approved version field by field, and the decision — approve with a
signature (meaning "approved") or reject with a reason.

The decision names the version and the row version QA read, so a draft changed or replaced
meanwhile is refused by the service, never approved unseen. The service refuses an author or
editor of the draft, and anyone not QA; the buttons are only a convenience.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.admin import (
    DraftReview,
    ProductVersionView,
    approve_product,
    pending_drafts,
    reject_product,
)
from app.casefile import SignatureMeaning
from app.core import Actor, Database
from ui.dialogs import StatementDialog, ask_password, ask_statement
from ui.tasks import Failure, ReadOp, TaskRunner, WriteOp
from ui.widgets import cell, message_line, show_failed, show_message, table

KIND_WORDS = {"added": "added", "removed": "removed", "changed": "changed"}
UNIT_SUFFIXES = {
    "minutes": "min",
    "hours": "h",
    "days": "days",
    "ml": "mL",
    "pct": "%",
    "c": "°C",
    "kg": "kg",
}
"""A field name's last word that is its unit, shown in brackets: ``post_thaw_minutes``."""


def field_words(path: str) -> str:
    """A product file's field path as QA reads it: ``time_limits.post_thaw_minutes`` →
    ``Time limits › Post thaw (min)``; ``qc[sterility].criterion`` → ``QC › sterility ›
    Criterion`` (the path itself stays in the cell's tooltip)."""
    parts = []
    for segment in path.replace("[", ".[").split("."):
        if not segment:
            continue
        if segment.startswith("["):  # a list item named by its code: as written
            parts.append(segment.strip("[]"))
            continue
        words = segment.split("_")
        unit = UNIT_SUFFIXES.get(words[-1].lower()) if len(words) > 1 else None
        if unit is not None:
            words = words[:-1]
        text = " ".join("QC" if w.lower() == "qc" else w for w in words)
        text = text[:1].upper() + text[1:]
        parts.append(f"{text} ({unit})" if unit else text)
    return " › ".join(parts) or path


def _value(text: str | None) -> str:
    return "—" if text is None else text.strip('"')


class ProductApprovalPage(QWidget):
    """Pending product drafts, the selected draft's changes, Approve… and Reject…."""

    def __init__(self, database: Database, actor: Actor, runner: TaskRunner) -> None:
        super().__init__()
        self.setObjectName("page-products")
        self.database = database
        self.actor = actor
        self.runner = runner
        self.reviews: tuple[DraftReview, ...] = ()
        self.working = False

        title = QLabel("Product approval")
        title.setObjectName("pageTitle")
        intro = QLabel(
            "Product versions written by an administrator or another QA person take effect only "
            "after a QA approval signature; cases keep the version they were enrolled with. "
            "You cannot approve a draft you wrote or edited."
        )
        intro.setWordWrap(True)
        self.message = message_line()
        self.drafts = table(
            "productDrafts", ("Product", "Version", "Name", "Written by", "Replaces")
        )
        self.drafts.itemSelectionChanged.connect(self._show_changes)
        self.summary = QLabel()
        self.summary.setObjectName("draftSummary")
        self.summary.setWordWrap(True)
        self.changes = table("draftChanges", ("Field", "Change", "Current version", "Draft"))
        header = self.changes.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.changes.setWordWrap(True)

        tools = self._tools()

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.summary)
        lower_layout.addWidget(self.changes, stretch=1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.drafts)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(tools)
        layout.addWidget(self.message)
        layout.addWidget(splitter, stretch=1)
        self._update_buttons()
        self.refresh()

    def _tools(self) -> QHBoxLayout:
        self.approve_button = QPushButton("&Approve…")
        self.approve_button.setObjectName("approveProduct")
        self.approve_button.setToolTip("Sign the approval: new cases get this version")
        self.approve_button.clicked.connect(self.approve)
        self.reject_button = QPushButton("Re&ject…")
        self.reject_button.setObjectName("rejectProduct")
        self.reject_button.setToolTip("Reject the draft with a reason: no case ever gets it")
        self.reject_button.clicked.connect(self.reject)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setObjectName("refreshProducts")
        self.refresh_button.clicked.connect(self.refresh)
        tools = QHBoxLayout()
        tools.addWidget(self.approve_button)
        tools.addWidget(self.reject_button)
        tools.addStretch(1)
        tools.addWidget(self.refresh_button)
        return tools

    # ------------------------------------------------------------------ reading
    def refresh(self) -> None:
        """Read the pending drafts again."""
        ReadOp(
            partial(pending_drafts, self.database, self.actor),
            doing="The product drafts could not be read",
        ).busy(self._set_busy).success(self._show).failure(self._failed).run(self.runner)

    def _show(self, reviews: tuple[DraftReview, ...]) -> None:
        self.reviews = reviews
        self.drafts.clearSelection()
        self.drafts.setRowCount(len(reviews))
        for row, review in enumerate(reviews):
            draft = review.draft
            replaces = (
                f"version {review.current_version}" if review.current_version else "a new product"
            )
            values = (draft.code, str(draft.version_number), draft.name, draft.author or "—")
            for column, text in enumerate((*values, replaces)):
                self.drafts.setItem(row, column, cell(text))
        header = self.drafts.horizontalHeader()
        for column in range(self.drafts.columnCount()):
            mode = QHeaderView.ResizeMode.ResizeToContents
            if column == 2:
                mode = QHeaderView.ResizeMode.Stretch
            header.setSectionResizeMode(column, mode)
        if reviews:
            self.drafts.selectRow(0)
        self._show_changes()

    def _failed(self, failure: Failure) -> None:
        show_failed(self.message, failure)

    def selected(self) -> DraftReview | None:
        """The review of the selected draft, or None."""
        rows = self.drafts.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.reviews):
            return None
        return self.reviews[rows[0].row()]

    def _show_changes(self) -> None:
        review = self.selected()
        self.changes.setRowCount(0)
        self._update_buttons()
        if review is None:
            self.summary.setText(
                "✔ No product draft is waiting for approval."
                if not self.reviews
                else "Select a draft to see what it changes."
            )
            return
        draft = review.draft
        against = (
            f"against the current version {review.current_version}"
            if review.current_version
            else "a new product: every field is new"
        )
        count = len(review.changes)
        self.summary.setText(
            f"<b>{draft.code} · {draft.name}, version {draft.version_number}</b> — "
            f"{count} field{'' if count == 1 else 's'} changed, {against}. Written by "
            f"{draft.author or 'an unknown person'}."
        )
        self.changes.setRowCount(len(review.changes))
        for row, change in enumerate(review.changes):
            values = (
                field_words(change.field),
                KIND_WORDS[change.kind],
                _value(change.current),
                _value(change.draft),
            )
            for column, text in enumerate(values):
                item = cell(text)
                if column == 0:
                    item.setToolTip(change.field)  # the stored path, for the precise
                self.changes.setItem(row, column, item)
        self.changes.resizeRowsToContents()

    # ------------------------------------------------------------------ deciding
    def approve(self) -> None:
        """Sign the approval of the selected draft (the version and row version shown)."""
        review = self.selected()
        if review is None:
            return
        draft = review.draft
        record = f"Product {draft.code} · {draft.name}, version {draft.version_number}"
        password = ask_password(self, self.actor, SignatureMeaning.APPROVED, record)
        if password is None:
            return
        WriteOp(
            partial(
                approve_product,
                self.database,
                self.actor,
                draft.code,
                password,
                version_number=draft.version_number,
                seen_version=draft.row_version,
            ),
            doing=f"Version {draft.version_number} of {draft.code} was not approved",
            changes={"product"},
        ).busy(self._set_busy).success(self._approved).failure(self._refused).run(self.runner)

    def reject(self) -> None:
        """Reject the selected draft with a reason."""
        review = self.selected()
        if review is None:
            return
        draft = review.draft
        answer = ask_statement(
            StatementDialog(
                self,
                f"Reject product {draft.code}, version {draft.version_number}",
                "Why is this draft rejected? Its author reads the reason in the audit trail "
                "and imports a corrected file as the next version.",
                action="Reject",
            )
        )
        if answer is None:
            return
        WriteOp(
            partial(
                reject_product,
                self.database,
                self.actor,
                draft.code,
                draft.version_number,
                answer[0],
                seen_version=draft.row_version,
            ),
            doing=f"Version {draft.version_number} of {draft.code} was not rejected",
            changes={"product"},
        ).busy(self._set_busy).success(self._rejected).failure(self._refused).run(self.runner)

    def _approved(self, view: ProductVersionView) -> None:
        show_message(
            self.message,
            f"✔ Product {view.code} version {view.version_number} approved: new cases get it; "
            "cases already enrolled keep their version.",
            ok=True,
        )
        self.refresh()

    def _rejected(self, view: ProductVersionView) -> None:
        show_message(
            self.message,
            f"✔ Product {view.code} version {view.version_number} rejected: no case gets it.",
            ok=True,
        )
        self.refresh()

    def _refused(self, failure: Failure) -> None:
        show_failed(self.message, failure)
        self.refresh()

    def _set_busy(self, busy: bool) -> None:
        self.working = busy
        self.refresh_button.setEnabled(not busy)
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = not self.working and self.selected() is not None
        self.approve_button.setEnabled(chosen)
        self.reject_button.setEnabled(chosen)
