"""Storage by scan on a case work page (issue 14, point 4; DESIGN.md §1 stage 9).

Scan the container, then the storage position's bar code (``STORE/RACK/BOX/POSITION``), and put
it away or take it out. The services check the container is this case's, the position free (at
put-away) or the one the container was put in (at retrieval); a refused scan raises the page's
alarm. A bag still recorded in storage cannot be thawed: the bedside takes it out first.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QPushButton, QScrollArea

from app.journey import PlacementView, put_away, take_out
from ui.pages.case_work import CaseWorkPage
from ui.tasks import Failure, WriteOp
from ui.widgets import din_text


class StorageBox(QGroupBox):
    """Put a container of the page's case away in a storage position, or take it out, by scan."""

    def __init__(self, page: CaseWorkPage, title: str = "Storage (by scan)") -> None:
        super().__init__(title)
        self.setObjectName("storageBox")
        self.page = page
        self._focus_pending = False
        """After a put-away or take-out: the bag field takes the focus once the case is read
        again (the page is disabled while it is read, which takes the focus away)."""
        layout = self.form = QFormLayout(self)
        self.unit_scan = page.scan_field("storageUnitScan", "Scan the bag's DIN bar code")
        self.place_scan = page.scan_field("storagePlaceScan", "Bar code, e.g. VAPOUR-1/1/1/1")
        self.unit_scan.scanned.connect(lambda _scan: self.place_scan.setFocus())
        layout.addRow("Bag", self.unit_scan)
        layout.addRow("Position", self.place_scan)
        buttons = QHBoxLayout()
        self.put_button = QPushButton("Put away")
        self.put_button.setObjectName("putAway")
        self.put_button.clicked.connect(lambda _=False: self._store(put_away, "put away at"))
        buttons.addWidget(self.put_button)
        self.take_button = QPushButton("Take out")
        self.take_button.setObjectName("takeOut")
        self.take_button.clicked.connect(lambda _=False: self._store(take_out, "taken out of"))
        buttons.addWidget(self.take_button)
        buttons.addStretch(1)
        layout.addRow(buttons)

    def wrap_rows(self) -> None:
        """Each label above its field (a narrow column: the hints read whole)."""
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)

    def _clear(self) -> None:
        self.unit_scan.clear()
        self.place_scan.clear()

    def changeEvent(self, event: QEvent) -> None:
        """Once the page is enabled again after the reload, the next scan goes to the bag."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.EnabledChange and self.isEnabled() and self._focus_pending:
            QTimer.singleShot(0, self._focus_bag_scan)  # after the page has shown the case

    def _focus_bag_scan(self) -> None:
        if self._focus_pending and self.isEnabled():
            self._focus_pending = False
            self.unit_scan.setFocus(Qt.FocusReason.OtherFocusReason)
            self._scroll_into_view()

    def _scroll_into_view(self) -> None:
        """The page scrolls to the whole panel, its fields and buttons, for the next scan (at
        1280 × 800 the bedside page holds it below the fold, its buttons out of sight)."""
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if parent is not None:
            parent.ensureWidgetVisible(self, 0, 0)

    def _store(self, service: Callable[..., PlacementView], done_words: str) -> None:
        """Put away or take out the scanned container at the scanned position."""
        page, case_id = self.page, self.page.current_case_id()
        for field in (self.unit_scan, self.place_scan):
            field.finish_entry(quietly=True)  # typed, not yet ended with Enter
        unit_raw, place_raw = self.unit_scan.value, self.place_scan.value
        if case_id is None or not unit_raw or not place_raw:
            page._say(False, "✖ Scan the bag, then the storage position.")
            return

        def stored(view: PlacementView) -> None:
            self._clear()
            page._say(True, f"✔ Bag DIN {din_text(view.din)} {done_words} {view.location.words}.")
            self._focus_pending = True  # ready for the next bag's scan once the case is read
            page.load_case()
            self._focus_bag_scan()  # nothing to read (no case): at once

        def refused(failure: Failure) -> None:
            self._clear()  # the next scan starts afresh, whatever the refusal
            page.refused(failure)
            if not page.alarm.active:  # a refused scan's alarm keeps the focus until answered
                self._focus_pending = True
                self._focus_bag_scan()

        page._quiet()
        WriteOp(
            partial(service, page.database, page.actor, case_id, unit_raw, place_raw),
            doing="The storage was not recorded",
            changes={"unit"},
        ).busy(page.set_busy).success(stored).failure(refused).run(page.runner)
