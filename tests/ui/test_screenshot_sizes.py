"""The screenshot helper: every shot is the window at the size its name states, a page shown
on its own is drawn where the main window shows its pages, and a dialog keeps its own size."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMainWindow, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.fit import (
    PAGE_AREAS,
    TITLE_BAR,
    WINDOW_SIZES,
    frame_page_area,
    set_shot_backend,
    shot_name,
    window_shot,
)
from ui.shell import MainWindow
from ui.shell.style import apply_style


def test_a_page_alone_is_drawn_in_the_page_area_the_main_window_gives_its_pages(
    qtbot: QtBot, qapp: QApplication, demo: Any
) -> None:
    if demo.database.backend != "sqlite":
        pytest.skip("the window's frame is the same on both backends")
    apply_style(qapp)  # as the application: the status bar's height follows the style
    actor = demo["otto.operator"]
    window = MainWindow(demo.database, actor, idle_lock_minutes=600)
    qtbot.addWidget(window)
    page = QWidget()
    page.actor, page.database = actor, demo.database  # type: ignore[attr-defined]
    qtbot.addWidget(page)
    for label, size in WINDOW_SIZES.items():
        window.resize(*size)
        QApplication.processEvents()
        assert window.grab().size().toTuple() == size, label
        area = window.pages.geometry()
        assert frame_page_area(page, size) == area, label
        assert PAGE_AREAS[label] == area.size().toTuple(), label
        assert window_shot(page, size).size().toTuple() == size, label
        assert window_shot(window.pages.currentWidget(), size).size().toTuple() == size


def test_a_dialog_keeps_its_size_and_a_window_that_will_not_take_a_size_fails(
    qtbot: QtBot, qapp: QApplication
) -> None:
    apply_style(qapp)
    page = QWidget()
    qtbot.addWidget(page)
    dialog = QDialog(page)
    dialog.setWindowTitle("Sign")
    QVBoxLayout(dialog).addWidget(QLabel("I review this record."))
    alone = window_shot(dialog, None)
    dialog.adjustSize()
    natural = dialog.size()
    assert alone.size().toTuple() == (natural.width() + 2, natural.height() + TITLE_BAR + 1)
    assert window_shot(dialog, WINDOW_SIZES["1920x1080"]).size().toTuple() == (1920, 1080)
    assert dialog.size() == natural  # never stretched to the window
    page.setMinimumSize(1800, 900)  # a page too large for the 1280 × 800 window
    area = "{} × {}".format(*PAGE_AREAS["1280x800"])
    with pytest.raises(AssertionError, match=f"the shot is 1800 × 900, not {area}"):
        window_shot(page, WINDOW_SIZES["1280x800"])
    window = QMainWindow()
    qtbot.addWidget(window)
    window.setCentralWidget(page)
    with pytest.raises(AssertionError, match=r"the shot is 1800 × 9\d\d, not 1280 × 800"):
        window_shot(page, WINDOW_SIZES["1280x800"])


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_test_on_both_backends_names_its_shots_by_backend(backend: str) -> None:
    """Issue 16: the two variants of a test wrote the same picture, the last one kept. The
    backend goes before the size the name states; a name that says its backend keeps it."""
    assert shot_name("banner-slot-x-1280.png") == f"banner-slot-x-{backend}-1280.png"
    assert shot_name("admin-1920x1080.png") == f"admin-{backend}-1920x1080.png"
    assert shot_name("batch-started.png") == f"batch-started-{backend}.png"
    assert shot_name("receipt-mismatch-1280-sqlite.png") == "receipt-mismatch-1280-sqlite.png"
    set_shot_backend(None)  # a test on no backend: its names as given
    assert shot_name("idle-lock-1280.png") == "idle-lock-1280.png"
