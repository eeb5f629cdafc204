"""The reserved place of a page's banners: alarms and outcome lines that never move the fields.

A banner (a message line, a scan alarm) that appeared above or among the fields pushed them
down, and a scan meant for one field landed in the next (issue 16). A `BannerSlot` takes the
page's banners out of the flow of the fields: it keeps one height, ``lines`` lines of the page's
text, whichever banner shows, and the page shows and hides its banners as before.

The banners are drawn on a panel that lies over the slot. A banner taller than the slot (the
largest scan alarm) is shown whole: the panel grows down over the part of the page below,
which the alarm blocks anyway, and gives it back when the alarm goes. Nothing below moves
either way. With no banner shown the slot says, quietly, what will appear there.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QHideEvent, QMoveEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

IDLE_TEXT = "Scan results and alarms appear here."


class BannerSlot(QWidget):
    """A place of fixed height where ``banners`` appear and vanish; nothing around it moves."""

    def __init__(self, *banners: QWidget, lines: int, idle: str = IDLE_TEXT) -> None:
        super().__init__()
        self.setObjectName("bannerSlot")
        self.lines = lines
        """The height of the slot, in lines of the page's text."""
        self.banners: list[QWidget] = []
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.panel = QFrame(self)
        """Where the banners are drawn: over the slot, and over the page below while a banner
        is taller than the slot (a child of the page, placed by the slot)."""
        self.panel.setObjectName("bannerSlotPanel")
        self.panel.installEventFilter(self)
        self.column = QVBoxLayout(self.panel)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.idle = QLabel(idle)
        self.idle.setObjectName("bannerSlotIdle")
        self.idle.setWordWrap(True)
        self.idle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.column.addWidget(self.idle, stretch=1)  # fills the slot while no banner shows
        self.column.addStretch(0)  # the banners at the top of the slot
        for banner in banners:
            self.add(banner)

    def add(self, banner: QWidget) -> None:
        """Show ``banner`` in the slot (below those added before) whenever the page shows it."""
        self.column.insertWidget(self.column.count() - 1, banner)
        banner.installEventFilter(self)
        self.banners.append(banner)
        self._show_idle()

    # ------------------------------------------------------------ the slot's one height

    def reserved_height(self) -> int:
        """The slot's one height: ``lines`` lines of the page's text."""
        self.ensurePolished()  # the stylesheet's font, not the default one
        return self.lines * self.fontMetrics().lineSpacing()

    def sizeHint(self) -> QSize:
        """As wide as the page gives it, always :meth:`reserved_height` tall."""
        return QSize(self.panel.sizeHint().width(), self.reserved_height())

    def minimumSizeHint(self) -> QSize:
        """Never less than :meth:`reserved_height` tall (a small window scrolls the page)."""
        return QSize(self.panel.minimumSizeHint().width(), self.reserved_height())

    def needed_height(self) -> int:
        """How tall the banners shown are at the slot's width (at least the slot's height)."""
        panel = self.panel
        need = panel.heightForWidth(self.width()) if panel.hasHeightForWidth() else -1
        return max(self.height(), need if need > 0 else panel.sizeHint().height())

    def covers_below(self) -> bool:
        """True while a banner taller than the slot lies over the page below it."""
        return self.panel.height() > self.height()

    # ------------------------------------------------------------ the panel follows the slot

    def showEvent(self, event: QShowEvent) -> None:
        """The panel shows with the slot."""
        super().showEvent(event)
        self._place()

    def hideEvent(self, event: QHideEvent) -> None:
        """The panel hides with the slot."""
        super().hideEvent(event)
        self.panel.hide()

    def moveEvent(self, event: QMoveEvent) -> None:
        """The panel follows the slot."""
        super().moveEvent(event)
        self._place()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """The panel follows the slot."""
        super().resizeEvent(event)
        self._place()

    def changeEvent(self, event: QEvent) -> None:
        """A new font or style: the reserved height follows it."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.updateGeometry()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A banner shown, hidden or given new words: the idle words and the panel follow."""
        kind = event.type()
        if watched in self.banners and kind in (
            QEvent.Type.ShowToParent,
            QEvent.Type.HideToParent,
        ):
            self._show_idle()  # sent whether or not the page is on screen
            self._place()
        elif watched is self.panel and kind == QEvent.Type.LayoutRequest:
            self._place()
        return super().eventFilter(watched, event)

    def _show_idle(self) -> None:
        self.idle.setHidden(any(not banner.isHidden() for banner in self.banners))

    def _place(self) -> None:
        """Lay the panel over the slot, as tall as its banners (never less than the slot)."""
        page = self.parentWidget()
        if page is None or not self.isVisible():
            return
        if self.panel.parentWidget() is not page:
            self.panel.setParent(page)
        geometry = self.geometry()
        geometry.setHeight(self.needed_height())
        if self.panel.geometry() != geometry:
            self.panel.setGeometry(geometry)
        self.panel.raise_()
        self.panel.show()
