"""Does every text a window shows fit? The check the 1280 × 800 screen tests share."""

from __future__ import annotations

import re

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionComboBox,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.access import role_names, sections_for
from app.core import Actor, Database
from tests.conftest import ARTIFACTS
from ui.shell.main_window import PAGES

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


PAGE_AREA_1280 = (1018, 753)
"""The page area of the main window at 1280 × 800 (navigation and status bar taken off;
tests/ui/test_screenshot_sizes.py measures it on the window)."""


def assert_fits_1280(qtbot: QtBot, page: QWidget, name: str) -> None:
    """Show ``page`` at the page area of the 1280 × 800 window and assert nothing is cut off;
    save ``name`` (and the same state with ``1920`` for ``1280`` in the name) in the screens
    folder as the window shows it at that size. The page gets its size back afterwards."""
    before = page.size()
    page.resize(*PAGE_AREA_1280)
    qtbot.wait(20)
    assert (page.width(), page.height()) == PAGE_AREA_1280, "the page is larger than its area"
    problems = settled_clipping(qtbot, page)
    assert problems == [], problems
    save_shot(page, name, WINDOW_SIZES["1280x800"])
    save_shot(page, name.replace("1280", "1920"), WINDOW_SIZES["1920x1080"])
    page.resize(before)
    qtbot.wait(20)


SETTLE_MS = 3_000
"""How long a page may take to lay itself out at a new size on a busy machine (posted layout
requests, word-wrapped labels taking their height) before what is cut off counts."""


def settled_clipping(qtbot: QtBot, page: QWidget) -> list[str]:
    """:func:`clipped` for ``page`` once its layout has settled: asked again while events are
    processed, up to :data:`SETTLE_MS` (a page that fits says so at once; under load a layout
    pass can still be pending after a short wait, and its first answer would be a false
    alarm). Returns the problems of the last look (empty: everything fits)."""
    problems = clipped(page)
    waited = 0
    while problems and waited < SETTLE_MS:
        qtbot.wait(50)
        waited += 50
        problems = clipped(page)
    return problems


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


PAGE_AREA_1920 = (1920 - 262, 1080 - 47)
"""The page area of the main window at 1920 × 1080 (as :data:`PAGE_AREA_1280`)."""
PAGE_AREAS = {"1280x800": PAGE_AREA_1280, "1920x1080": PAGE_AREA_1920}
WINDOW_SIZES = {"1280x800": (1280, 800), "1920x1080": (1920, 1080)}


def save_both_sizes(widget: QWidget, stem: str, *, window: bool = False) -> list[str]:
    """Save ``widget`` as ``<stem>-1280x800.png`` and ``<stem>-1920x1080.png`` in the screens
    folder, each the window as a user sees it at that size (:func:`window_shot`); a dialog
    with no window under it once, at its own size, as ``<stem>.png``. ``window`` is kept for
    the callers that said the widget is a window (it is found either way). Returns the file
    names written."""
    del window
    if isinstance(widget.window(), QDialog) and _window_under(widget.window()) is None:
        return [save_shot(widget, f"{stem}.png", None)]
    return [save_shot(widget, f"{stem}-{label}.png", size) for label, size in WINDOW_SIZES.items()]


_BACKENDS = ("sqlite", "postgresql")
_shot_backend: list[str | None] = [None]
"""The backend of the running test when it runs on several (tests/ui/conftest.py sets it)."""
_SIZE_AT_END = re.compile(r"(-(?:1280x800|1920x1080|1280|1920))?(\.png)$")


def set_shot_backend(backend: str | None) -> None:
    """The running test's backend (None: it is not parametrised by one) for :func:`shot_name`."""
    _shot_backend[0] = backend


def shot_name(name: str) -> str:
    """``name`` with the running test's backend in it, before the size it states (``x-1280.png``
    → ``x-postgresql-1280.png``): the variants of a test on each backend never overwrite each
    other's pictures. Unchanged when the name says a backend already or the test has none."""
    backend = _shot_backend[0]
    if backend is None or any(known in name for known in _BACKENDS):
        return name
    named, count = _SIZE_AT_END.subn(lambda m: f"-{backend}{m.group(1) or ''}{m.group(2)}", name)
    return named if count else f"{name}-{backend}"


def save_shot(widget: QWidget, name: str, size: tuple[int, int] | None) -> str:
    """Save :func:`window_shot` of ``widget`` at ``size`` as ``name`` (with the test's backend,
    :func:`shot_name`) in the screens folder (``size`` None: a dialog at its own size);
    returns the name written."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    picture = window_shot(widget, size)
    name = shot_name(name)
    assert picture.save(str(SCREENS / name)), name
    return name


def window_shot(widget: QWidget, size: tuple[int, int] | None) -> QPixmap:
    """What a user sees of ``widget`` in a window of ``size`` (width, height): a main window,
    or a page or part of one inside it, is that window resized; a page shown on its own is
    drawn in the page area of a frame like the main window's (navigation, status bar); a
    dialog keeps its own size and is drawn with its title over the window under it (or
    alone, ``size`` None). The widgets get their sizes back; asserts the picture's size."""
    top = widget.window()
    if isinstance(top, QDialog):
        under = _window_under(top)
        dialog = _dialog_picture(top)
        if size is None or under is None:
            assert size is None, f"{top.windowTitle()!r} has no window under it to show at {size}"
            return dialog
        picture = window_shot(under, size)
        painter = QPainter(picture)
        corner = picture.rect().center() - dialog.rect().center()
        painter.fillRect(picture.rect(), QColor(0, 0, 0, 60))  # the window behind, dimmed
        painter.drawPixmap(corner, dialog)
        painter.end()
        return _checked(picture, size, top.windowTitle())
    assert size is not None, "a window is shown at a stated size"
    if isinstance(top, QMainWindow):
        return _checked(_resized_grab(top, size), size, type(top).__name__)
    frame = _Frame(top)
    try:
        picture = _resized_grab(frame, size)
        area = frame.page_area.geometry()
        before = top.size()
        top.resize(area.size())
        _settle()
        page = _checked(  # a page larger than its area would make the window larger
            top.grab(), area.size().toTuple(), f"{type(top).__name__} in the page area"
        )
        top.resize(before)
        _settle()
    finally:
        frame.deleteLater()
    painter = QPainter(picture)
    painter.drawPixmap(area.topLeft(), page)
    painter.end()
    return _checked(picture, size, type(top).__name__)


def frame_page_area(page: QWidget, size: tuple[int, int]) -> QRect:
    """Where :func:`window_shot` draws ``page`` (shown on its own) in a window of ``size``."""
    frame = _Frame(page)
    frame.resize(*size)
    frame.grab()  # lays the frame out
    area = frame.page_area.geometry()
    frame.deleteLater()
    return area


def sized(name: str) -> tuple[int, int] | None:
    """The window size a screenshot's name states (``-1280``, ``-1920x1080``), or None."""
    for size in WINDOW_SIZES.values():
        if re.search(rf"-{size[0]}(x{size[1]})?(?=[-._]|$)", name):
            return size
    return None


def _settle() -> None:
    QApplication.processEvents()  # the layouts follow a new size before the grab
    QApplication.processEvents()


def _resized_grab(window: QWidget, size: tuple[int, int]) -> QPixmap:
    before = window.size()
    window.resize(*size)
    _settle()
    picture = window.grab()
    window.resize(before)
    _settle()
    return picture


def _checked(picture: QPixmap, size: tuple[int, int], what: str) -> QPixmap:
    """``picture``, asserted to be ``size`` (width, height) of content: a window that would
    not take that size (a page too large for it) fails the test that shot it."""
    ratio = picture.devicePixelRatio()
    got = (round(picture.width() / ratio), round(picture.height() / ratio))
    assert got == size, f"{what}: the shot is {got[0]} × {got[1]}, not {size[0]} × {size[1]}"
    return picture


def _window_under(dialog: QWidget) -> QWidget | None:
    parent = dialog.parentWidget()
    return None if parent is None else parent.window()


TITLE_BAR = 30
"""The height of the title drawn above a dialog's picture (offscreen windows have no frame)."""


def _dialog_picture(dialog: QWidget) -> QPixmap:
    """The dialog at its own size (as ``show`` would size it if nobody resized it), its window
    title in a bar above it, as the window frame shows it."""
    if not dialog.testAttribute(Qt.WidgetAttribute.WA_Resized):
        dialog.adjustSize()
    _settle()
    inside = dialog.grab()
    ratio = inside.devicePixelRatio()
    width, height = round(inside.width() / ratio), round(inside.height() / ratio)
    picture = QPixmap(width + 2, height + TITLE_BAR + 1)
    picture.fill(QColor("#5a5a5a"))
    painter = QPainter(picture)
    painter.setPen(QColor("white"))
    painter.drawText(
        QRect(10, 0, width - 20, TITLE_BAR),
        Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
        dialog.windowTitle(),
    )
    painter.drawPixmap(1, TITLE_BAR, inside)
    painter.end()
    return picture


def _signed_in(page: QWidget) -> tuple[Actor | None, Database | None]:
    """Who the page works for and on which database: the page's own, or its first part's
    that knows (the Admin page's tabs)."""
    for part in [page, *page.findChildren(QWidget)]:
        actor, database = getattr(part, "actor", None), getattr(part, "database", None)
        if isinstance(actor, Actor):
            return actor, database if isinstance(database, Database) else None
    return None, None


class _Frame(QMainWindow):
    """The main window's navigation and status bar around an empty page area, for a page a
    test shows on its own (the page is drawn in ``page_area``, never moved into the frame)."""

    def __init__(self, page: QWidget) -> None:
        super().__init__()
        actor, database = _signed_in(page)
        navigation = QListWidget()
        navigation.setObjectName("navigation")
        sections = sections_for(actor) if isinstance(actor, Actor) else []
        for section in sections:
            navigation.addItem(section.title)
        keys = [section.key for section in sections]
        for key, (_module, name, _scanner) in PAGES.items():
            if type(page).__name__ == name and key in keys:
                navigation.setCurrentRow(keys.index(key))
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(navigation, stretch=1)
        if isinstance(database, Database):
            where = database.short_name.replace("/", "/\u200b").replace(":", ":\u200b")
            label = QLabel(f"Database: {where}")
            label.setObjectName("databaseLabel")
            label.setWordWrap(True)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            column.addWidget(label)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(column)
        self.page_area = QWidget()
        layout.addWidget(self.page_area, stretch=1)
        self.setCentralWidget(central)
        if isinstance(actor, Actor):
            for text in (
                f"Signed in: {actor.full_name} ({actor.username})",
                f"Role: {role_names(actor)}",
                f"Site: {actor.site_name or '—'}",
            ):
                self.statusBar().addWidget(QLabel(text))
        sign_out = QPushButton("Sign out")
        sign_out.setObjectName("signOutButton")  # styled as the window's
        self.statusBar().addPermanentWidget(sign_out)
        # Never shown: a grab lays it out, and the test's own window keeps the focus.


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
