"""Every section's page fits 1280 × 800: no text cut off, nothing outside the window."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from tests.conftest import ARTIFACTS
from tests.support.page_driving import main_window
from tests.ui.fit import clipped
from ui.pages.home import HomePage
from ui.tasks import TaskRunner

SCREENS = ARTIFACTS / "screens"


@pytest.mark.parametrize(
    "username",
    [
        "cora.coordinator",
        "alex.apheresis",
        "ivy.infusion",
        "otto.operator",
        "vera.verifier",
        "quinn.qc",
        "asha.qa",
        "petra.qp",
    ],
)
def test_every_section_fits_1280_by_800(
    qtbot: QtBot, demo: Any, runner: TaskRunner, username: str
) -> None:
    window = main_window(qtbot, demo.database, demo[username], runner)
    assert (window.width(), window.height()) == (1280, 800)
    SCREENS.mkdir(parents=True, exist_ok=True)
    problems = {}
    for section in window.sections:
        page = window.show_section(section.key)
        qtbot.waitUntil(lambda: not runner.busy, timeout=60_000)
        if isinstance(page, HomePage):  # issue 16 review: a shot showed "… Loading"
            qtbot.waitUntil(lambda home=page: home.summary is not None, timeout=60_000)
            assert page.refresh_button.isEnabled()
        qtbot.wait(50)
        found = clipped(window)
        if found:
            problems[section.key] = found
        if demo.database.backend == "sqlite":
            window.grab().save(str(SCREENS / f"fit-1280-{username}-{section.key}.png"))
    assert not problems, problems
