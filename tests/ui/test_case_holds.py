"""QA's holds on the case screen: a container on hold shows its cause in words and "Lift hold…";
the lift asks for a reason and a signature and names the container's own cause (a recall's hold
is lifted as RECALL); "Put on hold…" for a usable container. Nobody but QA has the buttons.

On SQLite and PostgreSQL (each hold and lift writes): the collected bag is made once per module
and backend and copied per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QTreeWidget, QTreeWidgetItem
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.core import NotPermitted, UnitOfWork, open_database
from app.demo.journey import DEMO_PASSWORD, JourneyDriver
from app.journey import enter_side_state, lift_unit_side_state, set_unit_side_state
from db.enums import SideState, SideStateCause
from db.models import AuditEvent, Unit
from tests.conftest import BACKENDS, Demo, database_copy, demo_source
from tests.ui.fit import PAGE_AREA_1280, assert_fits_1280, save_both_sizes
from ui.pages.cases import holds as holds_box
from ui.pages.cases.page import CasesPage
from ui.shell.style import apply_style
from ui.tasks.runner import TaskRunner

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screens"


def _settled(qtbot: QtBot, page: CasesPage) -> None:
    qtbot.waitUntil(lambda: page.model.total is not None and not page.model.loading)
    qtbot.waitUntil(lambda: page.detail.detail is not None, timeout=10_000)


def _reloaded(qtbot: QtBot, page: CasesPage, state: SideState) -> None:
    """Wait until the shown case's bag is in ``state`` again after a write."""

    def shown() -> bool:
        detail = page.detail.detail
        return detail is not None and detail.genealogy[0].side_state is state

    qtbot.waitUntil(shown, timeout=10_000)


def _lifts(demo: Demo, unit_id: uuid.UUID) -> list[str]:
    with demo.database.read_session() as session:
        actions = session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.record_id == str(unit_id), AuditEvent.action.like("%lifted)"))
            .order_by(AuditEvent.seq)
        )
        return list(actions)


@pytest.fixture(scope="module", params=BACKENDS)
def collected(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, str, uuid.UUID]:
    """A case's collected bag, made once per backend: (backend, source, bag id)."""
    out = tmp_path_factory.mktemp("case-holds")
    source, url = demo_source(request, out)
    database = open_database(url)
    try:
        driver = JourneyDriver(database, out)
        bag = driver.collect(driver.enrol("NBH520001", "Kask", "Liis", date(1971, 3, 9)))
    finally:
        database.dispose()
    return request.param, source, bag.id


@pytest.fixture
def held_bag(
    request: pytest.FixtureRequest, collected: tuple[str, str, uuid.UUID], tmp_path: Path
) -> Iterator[tuple[Demo, uuid.UUID]]:
    """A copy of the demo database whose collected bag QA put on hold by hand."""
    backend, source, bag_id = collected
    with database_copy(request, backend, source, tmp_path) as database:
        demo = Demo(database)
        set_unit_side_state(database, demo["asha.qa"], bag_id, SideState.ON_HOLD, "label smudged")
        yield demo, bag_id


def test_qa_lifts_a_manual_hold_sets_one_and_lifts_a_recall_naming_recall(
    qtbot: QtBot,
    qapp: QApplication,
    runner: TaskRunner,
    held_bag: tuple[Demo, uuid.UUID],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    demo, bag_id = held_bag
    backend = demo.database.backend
    apply_style(qapp)
    asked: list[str] = []

    def statement(dialog: Any) -> tuple[str, None]:
        asked.append(dialog.windowTitle())
        dialog.deleteLater()
        return "checked by QA", None

    monkeypatch.setattr(holds_box, "ask_statement", statement)
    monkeypatch.setattr(holds_box, "ask_password", lambda *_args: DEMO_PASSWORD)
    page = CasesPage(demo.database, demo["asha.qa"], runner)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitExposed(page)
    _settled(qtbot, page)
    assert page.holds.isVisible()
    (button,) = page.holds.buttons.values()
    assert button.text() == "Lift hold…"
    words = page.holds.findChild(holds_box.QLabel, "holdWords")
    assert words is not None and "on hold: set by a person" in words.text()
    # issue 16 review: "Side state: none" alone beside a held bag; the header says it now
    assert "On hold (1 container" in page.detail.header.text()
    # issue 16 review: the table says "—" for a case in no side state; the header said
    # "Side state: none". It now says nothing of the case's (usable) side state.
    assert "Side state" not in page.detail.header.text()
    # issue 16 review: the table said "—" while the case's bag was held; it says so, and why
    column = [title for title, _cell in page.model.columns].index("Side state")
    cells = [page.model.index(row, column).data() for row in range(page.model.rowCount())]
    assert cells[0] == "⚠ On hold (1 container: label smudged)"
    assert "On hold (1 container: label smudged)" in page.detail.header.text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    save_both_sizes(page, f"cases-qa-lift-hold-{backend}")

    button.click()
    _reloaded(qtbot, page, SideState.NONE)
    assert "lifted" in page.notice.text()
    qtbot.waitUntil(lambda: page.model.index(0, column).data() == "—", timeout=10_000)
    assert _lifts(demo, bag_id)[-1] == "side state on_hold -> none (manual lifted)"
    (button,) = page.holds.buttons.values()
    assert button.text() == "Put on hold…"
    save_both_sizes(page, f"cases-qa-put-on-hold-{backend}")
    lines = _timeline_texts(page.detail.timeline)
    assert any(line.startswith("Side state on hold — Asha Quality") for line in lines), lines
    assert any(line.startswith("Lifted on hold — Asha Quality") for line in lines), lines
    assert not [line for line in lines if "on_hold" in line]  # never the stored code
    assert page.notice.width() > page.width() * 0.9  # the notice runs across the page

    button.click()
    _reloaded(qtbot, page, SideState.ON_HOLD)
    assert page.detail.detail is not None
    assert page.detail.detail.genealogy[0].side_state_cause is SideStateCause.MANUAL

    with UnitOfWork(demo.database, demo["asha.qa"]) as uow:  # the QP's recall, as its service
        unit = uow.session.get_one(Unit, bag_id)
        enter_side_state(uow, unit, SideState.ON_HOLD, SideStateCause.RECALL, "batch recalled")
        uow.commit()
    page.show_case_again()
    qtbot.waitUntil(
        lambda: (
            page.detail.detail is not None
            and page.detail.detail.genealogy[0].side_state_cause is SideStateCause.RECALL
        ),
        timeout=10_000,
    )
    with pytest.raises(NotPermitted, match="recall"):  # the service's control: another cause
        lift_unit_side_state(
            demo.database, demo["asha.qa"], bag_id, "no", DEMO_PASSWORD, cause=None
        )
    (button,) = page.holds.buttons.values()
    button.click()
    _reloaded(qtbot, page, SideState.NONE)
    assert not page.error.isVisible(), page.error.text()
    assert _lifts(demo, bag_id)[-1] == "side state on_hold -> none (recall lifted)"
    assert [title.split(" container")[0] for title in asked] == [
        "Lift the hold of",
        "Put",
        "Lift the hold of",
    ]


def test_no_one_but_qa_has_the_hold_buttons(
    qtbot: QtBot, runner: TaskRunner, held_bag: tuple[Demo, uuid.UUID]
) -> None:
    demo, _bag_id = held_bag
    for username in ("alex.apheresis", "cora.coordinator"):
        page = CasesPage(demo.database, demo[username], runner)
        qtbot.addWidget(page)
        page.show()
        _settled(qtbot, page)
        assert not page.holds.isVisible(), username
        assert page.holds.buttons == {}, username


def _timeline_texts(tree: QTreeWidget) -> list[str]:
    """Every line of the timeline, first line of each entry's text."""
    found: list[str] = []

    def walk(item: QTreeWidgetItem) -> None:
        found.extend(line for line in item.text(0).splitlines()[1:2])
        for index in range(item.childCount()):
            walk(item.child(index))

    for index in range(tree.topLevelItemCount()):
        walk(tree.topLevelItem(index))
    return found


def test_a_refused_lift_is_shown_whole_at_1280_by_800(
    qtbot: QtBot,
    qapp: QApplication,
    runner: TaskRunner,
    held_bag: tuple[Demo, uuid.UUID],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 16, build point 3: the case page with its largest alarm (QA's lift refused: a
    wrong password) fits the 1280 × 800 window, nothing cut off."""
    demo, _bag_id = held_bag
    apply_style(qapp)
    monkeypatch.setattr(holds_box, "ask_statement", lambda dialog: ("checked by QA", None))
    monkeypatch.setattr(holds_box, "ask_password", lambda *_args: "not the password")
    page = CasesPage(demo.database, demo["asha.qa"], runner)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    _settled(qtbot, page)
    (button,) = page.holds.buttons.values()
    button.click()
    qtbot.waitUntil(page.error.isVisible, timeout=10_000)
    assert page.error.text().startswith("✖ The hold of container"), page.error.text()
    assert "was not lifted" in page.error.text()
    page.resize(*PAGE_AREA_1280)
    qtbot.wait(50)
    words = page.holds.findChild(holds_box.QLabel, "holdWords")
    assert words is not None  # the held bag's row reads whole, not scrolled half away
    assert words.visibleRegion().boundingRect() == words.rect(), words.visibleRegion()
    assert words.height() >= words.heightForWidth(words.width())
    assert_fits_1280(qtbot, page, f"cases-lift-refused-fit-1280-{demo.database.backend}.png")
    assert page.detail.detail is not None
    assert page.detail.detail.genealogy[0].side_state is SideState.ON_HOLD
