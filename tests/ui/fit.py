"""Does every text a window shows fit? The check the 1280 × 800 screen tests share."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QStyle,
    QStyleOptionComboBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from tests.conftest import ARTIFACTS

SCREENS = ARTIFACTS / "screens"
TEXT_WIDGETS = (QLabel, QAbstractButton, QComboBox, QLineEdit)


def _scrolled(widget: QWidget, top: QWidget) -> bool:
    """True when ``widget`` sits in a scroll area below ``top`` (it may legitimately scroll)."""
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def clipped(window: QWidget) -> list[str]:
    """Every visible text widget of ``window`` that is cut off, in words (empty: all fit)."""
    problems = []
    area = window.rect()
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, TEXT_WIDGETS) or not widget.isVisibleTo(window):
            continue
        if not widget.isVisible() or widget.width() <= 0 or widget.objectName().startswith("qt_"):
            continue  # hidden, or a part Qt draws inside another widget (a spin box's line)
        name = widget.objectName() or type(widget).__name__
        text = widget.text() if isinstance(widget, (QLabel, QAbstractButton)) else ""
        what = f"{name} {text[:40]!r}"
        if isinstance(widget, QLabel) and widget.wordWrap():
            need = widget.heightForWidth(widget.width())
            if need > widget.height() + 1:
                problems.append(f"{what}: needs {need} px height, has {widget.height()}")
        elif isinstance(widget, QLabel) and widget.pixmap().isNull() and text:
            need = widget.minimumSizeHint().width()
            if need > widget.width() + 1:
                problems.append(f"{what}: needs {need} px width, has {widget.width()}")
        elif not isinstance(widget, QLabel):
            hint = widget.minimumSizeHint()
            if hint.width() > widget.width() + 1 or hint.height() > widget.height() + 1:
                problems.append(
                    f"{what}: needs {hint.width()}×{hint.height()}, has "
                    f"{widget.width()}×{widget.height()}"
                )
        if not _scrolled(widget, window):
            place = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
            if not area.contains(place):
                problems.append(f"{what}: at {place.getRect()} outside the window {area.getRect()}")
    return problems


PAGE_AREA_1280 = (1024, 754)
"""The page area of the main window at 1280 × 800 (navigation and status bar taken off)."""


def assert_fits_1280(qtbot: QtBot, page: QWidget, name: str) -> None:
    """Show ``page`` at the page area of the 1280 × 800 window, save ``name`` in the screens
    folder, and assert nothing is cut off; the page gets its size back afterwards."""
    before = page.size()
    page.resize(*PAGE_AREA_1280)
    qtbot.wait(20)
    SCREENS.mkdir(parents=True, exist_ok=True)
    assert page.grab().save(str(SCREENS / name))
    assert (page.width(), page.height()) == PAGE_AREA_1280, "the page is larger than its area"
    assert clipped(page) == []
    page.resize(*PAGE_AREA_1920)  # the same state in a full-HD window, for the eye
    qtbot.wait(20)
    assert page.grab().save(str(SCREENS / name.replace("1280", "1920")))
    page.resize(before)
    qtbot.wait(20)


def placeholders_cut(page: QWidget) -> list[str]:
    """Every empty, visible field of ``page`` whose hint (placeholder) is cut at the width the
    field has now, in words (empty: every hint reads whole)."""
    cut = []
    for field in page.findChildren(QLineEdit):
        hint = field.placeholderText()
        if not hint or field.text() or not field.isVisible():
            continue
        room = field.contentsRect().width() - 12  # the text margins inside the frame
        if field.fontMetrics().horizontalAdvance(hint) > room:
            cut.append(f"{field.objectName() or 'field'} {hint!r}: {room} px")
    return cut


PAGE_AREA_1920 = (1920 - 256, 1080 - 46)
"""The page area of the main window at 1920 × 1080 (as :data:`PAGE_AREA_1280`)."""
PAGE_AREAS = {"1280x800": PAGE_AREA_1280, "1920x1080": PAGE_AREA_1920}
WINDOW_SIZES = {"1280x800": (1280, 800), "1920x1080": (1920, 1080)}


def save_both_sizes(widget: QWidget, stem: str, *, window: bool = False) -> list[str]:
    """Save ``widget`` as ``<stem>-1280x800.png`` and ``<stem>-1920x1080.png`` in the screens
    folder: a page at the page area of such a window (``window``: the window itself at that
    size), a resize and a grab of the same state. The widget gets its size back; returns the
    file names written."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    before = widget.size()
    written = []
    for label, size in (WINDOW_SIZES if window else PAGE_AREAS).items():
        widget.resize(*size)
        QApplication.processEvents()  # the layouts follow the new size before the grab
        QApplication.processEvents()
        name = f"{stem}-{label}.png"
        assert widget.grab().save(str(SCREENS / name))
        written.append(name)
    widget.resize(before)
    QApplication.processEvents()
    return written


def combos_cut(page: QWidget) -> list[str]:
    """Every visible combo box of ``page`` whose chosen text is cut at the width it has now, in
    words (empty: every choice reads whole)."""
    cut = []
    for combo in page.findChildren(QComboBox):
        text = combo.currentText()
        if not text or not combo.isVisible():
            continue
        option = QStyleOptionComboBox()
        combo.initStyleOption(option)
        room = (
            combo.style()
            .subControlRect(
                QStyle.ComplexControl.CC_ComboBox,
                option,
                QStyle.SubControl.SC_ComboBoxEditField,
                combo,
            )
            .width()
        )
        if combo.fontMetrics().horizontalAdvance(text) > room:
            cut.append(f"{combo.objectName() or 'combo'} {text!r}: {room} px")
    return cut
