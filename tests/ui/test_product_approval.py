"""QA approves or rejects a product draft from a screen (issue 14, point 2): a work item on
Home, the draft's changes against the current version, rejection with a reason, approval with
a signature; the author of a draft is refused on the screen too, and the administrator (not QA)
has no such section. Screens at 1280 × 800 and 1920 × 1080."""

from __future__ import annotations

import json
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTableWidget
from pytestqt.qtbot import QtBot

from app.access import authenticate, sections_for
from app.admin import import_product, product_versions
from app.demo.seed import product_file
from tests.conftest import ARTIFACTS, DEMO_PASSWORD, PASSWORD
from tests.support.page_driving import main_window
from tests.ui.fit import save_both_sizes, settled_clipping
from ui.pages.home import HomePage
from ui.pages.products import ProductApprovalPage
from ui.pages.products import page as products_page
from ui.pages.products.page import field_words
from ui.shell import MainWindow
from ui.shell.style import apply_style
from ui.tasks import TaskRunner

SCREENS = ARTIFACTS / "screens"


def _draft(post_thaw: int) -> str:
    document = json.loads(product_file("S1234-car-t.json"))
    document["time_limits"]["post_thaw_minutes"] = post_thaw
    return json.dumps(document)


def _rows(widget: QTableWidget) -> list[list[str]]:
    return [
        [widget.item(r, c).text() for c in range(widget.columnCount())]
        for r in range(widget.rowCount())
    ]


def _idle(qtbot: QtBot, runner: TaskRunner) -> None:
    qtbot.waitUntil(lambda: not runner.busy, timeout=30_000)
    QApplication.processEvents()


def _screens(window: MainWindow, name: str) -> None:
    save_both_sizes(window, name)  # the window at exactly each size


def test_qa_rejects_then_approves_a_product_draft_from_the_screen(
    qtbot: QtBot,
    qapp: QApplication,
    demo: Any,
    runner: TaskRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    apply_style(qapp)
    admin = authenticate(demo.database, "admin", PASSWORD, "test-station")
    asha = demo["asha.qa"]
    assert "products" not in [s.key for s in sections_for(admin)]  # not QA: no such screen
    import_product(demo.database, admin, _draft(60))

    home = HomePage(demo.database, asha, runner)
    qtbot.addWidget(home)
    _idle(qtbot, runner)
    (item,) = [t for t in home.work_texts() if "product" in t]
    assert item.startswith("Review and approve product S1234 version 2")
    with qtbot.waitSignal(home.open_section) as opened:
        home._activated(home.work.item(home.work_texts().index(item)))
    assert opened.args == ["products"]

    window = main_window(qtbot, demo.database, asha, runner)
    _idle(qtbot, runner)
    _screens(window, "home-qa-product-work-item")
    page = window.show_section("products")
    assert isinstance(page, ProductApprovalPage)
    _idle(qtbot, runner)
    assert [r[:2] for r in _rows(page.drafts)] == [["S1234", "2"]]
    # the field in words (issue 16 review: the raw path), the path in its tooltip
    assert ["Time limits › Post thaw (min)", "changed", "90", "60"] in _rows(page.changes)
    assert page.changes.item(0, 0).toolTip() == "time_limits.post_thaw_minutes"
    assert "1 field changed, against the current version 1" in page.summary.text()
    assert field_words("qc[sterility].criterion") == "QC › sterility › Criterion"
    assert field_words("name") == "Name"
    _screens(window, "products-qa-review")
    assert settled_clipping(qtbot, window) == []  # at 1280 × 800 nothing is cut off

    # Reject with a reason: retired unapproved, the list empties.
    asked: list[str] = []

    def statement(dialog: Any) -> tuple[str, None]:
        asked.append(dialog.windowTitle())
        dialog.deleteLater()
        return "60 min is not validated for this product", None

    monkeypatch.setattr(products_page, "ask_statement", statement)
    qtbot.mouseClick(page.reject_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, runner)
    assert asked == ["Reject product S1234, version 2"]
    assert page.message.text().startswith("✔ Product S1234 version 2 rejected")
    assert page.drafts.rowCount() == 0 and not page.approve_button.isEnabled()
    assert "No product draft is waiting" in page.summary.text()

    # Approve the next draft with a signature: new cases get it.
    import_product(demo.database, admin, _draft(75))
    qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, runner)
    signed: list[str] = []

    def password(_parent: Any, _actor: Any, meaning: Any, record: str) -> str:
        signed.append(f"{meaning.label}: {record}")
        return DEMO_PASSWORD

    monkeypatch.setattr(products_page, "ask_password", password)
    qtbot.mouseClick(page.approve_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, runner)
    assert signed == ["Approved: Product S1234 · " + page_name(demo, 3) + ", version 3"]
    assert page.message.text().startswith("✔ Product S1234 version 3 approved")
    _screens(window, "products-qa-approved")
    states = [(v.version_number, v.state) for v in product_versions(demo.database, asha, "S1234")]
    assert states == [(1, "retired (superseded)"), (2, "rejected"), (3, "approved")]

    # Asha's own draft: the screen shows the service's refusal, nothing is approved.
    import_product(demo.database, asha, _draft(80))
    qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, runner)
    qtbot.mouseClick(page.approve_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, runner)
    assert "author of version 4" in page.message.text()
    home.refresh()
    _idle(qtbot, runner)
    (item,) = [t for t in home.work_texts() if "product" in t]
    assert item.startswith(
        "Review and approve product S1234 version 4 (you wrote it: another QA person approves"
    )
    assert page.drafts.rowCount() == 1
    _screens(window, "products-qa-own-draft-refused")
    assert settled_clipping(qtbot, window) == []  # the refusal too


def page_name(demo: Any, version: int) -> str:
    """The name of version ``version`` of S1234."""
    (view,) = [
        v
        for v in product_versions(demo.database, demo["asha.qa"], "S1234")
        if v.version_number == version
    ]
    return view.name
