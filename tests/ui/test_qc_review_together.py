"""QA reviews several QC results under one signature on the QC & release page (issue 16 point 7):
tick all, one signature dialog listing every result, one password; a wrong password reviews
nothing and keeps the ticks. Screenshots: release-review-together*.png at 1280 × 800 and
1920 × 1080, and the signature dialog.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from app.demo.journey import DEMO_PASSWORD, QC_RESULTS, JourneyDriver
from app.journey.qc import QcResultView, enter_qc_result, qc_results_of_case
from tests.support.readers import reader
from tests.ui.fit import PAGE_AREAS, save_shot
from tests.ui.test_release_and_deviations import (
    Dialogs,
    at_qc,
    click,
    dialogs,
    driver,
    release_page,
    settle,
)
from ui.pages.release.page import ReleasePage
from ui.tasks.runner import TaskRunner

__all__ = ["dialogs", "driver"]  # the fixtures, shared with the release page tests

SIZES = ((1280, 800), (1920, 1080))


def _save(qtbot: QtBot, page: ReleasePage, name: str) -> None:
    for width, height in SIZES:  # the page area of a main window of that size
        page.resize(*PAGE_AREAS[f"{width}x{height}"])  # the page area
        qtbot.wait(50)  # the header stretches its columns on a timer after the resize
        save_shot(page, f"{name}-{width}.png", (width, height))


def _results(demo: Any, case_id: uuid.UUID) -> list[QcResultView]:
    return qc_results_of_case(demo.database, reader(demo.database), case_id)


def test_qa_ticks_every_result_and_signs_once(
    qtbot: QtBot, demo, driver: JourneyDriver, runner: TaskRunner, dialogs: Dialogs
) -> None:
    case = at_qc(driver, "HTOG1")
    for test, value in QC_RESULTS.items():
        enter_qc_result(driver.database, driver.who("quinn.qc"), case.id, test, value)
    asha = release_page(qtbot, runner, demo, "asha.qa", case)
    review_ticked = asha.findChild(QPushButton, "reviewTicked")
    assert review_ticked.isVisible() and not review_ticked.isEnabled()  # nothing ticked yet

    # issue 16 review: Sterility, still pending, was ticked and listed as if reviewable; it
    # is reviewed on its own (for its exception), so only the entered results are ticked
    pending = {test for test, value in QC_RESULTS.items() if value == "pending"}
    assert pending == {"sterility"}
    entered = [test for test in QC_RESULTS if test not in pending]
    assert not asha.findChild(QCheckBox, "tick-sterility").isVisible()
    assert asha.findChild(QPushButton, "review-sterility").isVisible()  # on its own
    ticks = {test: asha.findChild(QCheckBox, f"tick-{test}") for test in entered}
    qtbot.mouseClick(ticks["dose"], Qt.MouseButton.LeftButton)
    assert review_ticked.text() == "Review 1 ticked result…" and review_ticked.isEnabled()
    click(qtbot, asha, "tickAll")
    assert all(tick.isChecked() for tick in ticks.values())
    assert not asha.findChild(QCheckBox, "tick-sterility").isChecked()
    assert review_ticked.text() == f"Review {len(entered)} ticked results…"
    _save(qtbot, asha, "release-review-together-ticked")

    dialogs.password = "not my password"
    click(qtbot, asha, "reviewTicked")
    settle(qtbot, runner)
    assert asha.message.text().startswith("✖ The ticked results were not reviewed")
    assert "Traceback" not in asha.message.text()
    assert not any(
        r.reviewed for r in qc_results_of_case(demo.database, reader(demo.database), case.id)
    )
    assert all(tick.isChecked() for tick in ticks.values())  # the ticks stay for the next try

    dialogs.password = DEMO_PASSWORD
    dialogs.screenshot = "release-review-together-signature"
    signed_before = len(dialogs.signed)
    click(qtbot, asha, "reviewTicked")
    settle(qtbot, runner)
    assert len(dialogs.signed) == signed_before + 1  # one signature dialog, one password
    statement = dialogs.signed[-1]
    assert f"{len(entered)} QC results of batch {case.coi_eye_readable}:" in statement
    for code, row in asha.rows.items():
        assert (f"• {row.spec.name} = " in statement) is (code not in pending)
    assert "Pending" not in statement
    assert "Meaning: <b>Reviewed</b>" in statement
    assert asha.message.text().startswith(
        f"✔ {len(entered)} QC results reviewed under one signature"
    )
    reviewed = {
        r.test_code: r.reviewed
        for r in qc_results_of_case(demo.database, reader(demo.database), case.id)
    }
    assert reviewed == {test: test not in pending for test in QC_RESULTS}
    state = asha.findChild(QLabel, "reviewState-viability")
    assert state.text() == "✔ Reviewed"
    assert f"one signature over {len(entered)} results" in state.toolTip()
    assert "Asha Quality" in state.toolTip()
    assert not any(tick.isVisible() for tick in ticks.values())
    assert not review_ticked.isEnabled() and not asha.findChild(QPushButton, "tickAll").isEnabled()
    assert asha.findChild(QPushButton, "review-sterility").isVisible()  # still to review alone
    _save(qtbot, asha, "release-review-together-done")
