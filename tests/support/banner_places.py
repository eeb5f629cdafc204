"""Where a page's fields and buttons sit, to show a banner appearing or going moves none of them."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QPoint
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget


def places(page: QWidget, names: tuple[str, ...]) -> dict[str, tuple[int, int, int, int]]:
    """Where each named field or button of ``page`` sits in its window: (x, y, width, height).

    Found by object name each time (a page may build a panel anew when it reloads its case);
    every name must be found, shown."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # rows built anew
    QTest.qWait(50)  # the layouts and styles follow what the page shows now
    found = {}
    for name in names:
        widgets = [w for w in page.findChildren(QWidget, name) if w.isVisibleTo(page)]
        assert widgets, f"no {name} shown on {page.objectName()}"
        widget = widgets[0]
        corner = widget.mapTo(widget.window(), QPoint(0, 0))
        found[name] = (corner.x(), corner.y(), widget.width(), widget.height())
    return found
