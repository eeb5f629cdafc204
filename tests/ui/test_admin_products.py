"""The Admin page's Products tab: an administrator imports a product file as a draft version
(issue 14, point 2); a bad file is refused in words; the draft has no steps until approved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.access.users import authenticate
from app.core.actor import Actor
from app.demo.seed import product_file
from tests.conftest import PASSWORD
from tests.ui.fit import PAGE_AREAS
from tests.ui.test_admin_page import PAGE_SIZE, click, open_admin, screenshot, settle, visit
from ui.pages.admin.sites_tab import ProductsTab
from ui.tasks.runner import TaskRunner


def _choose(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(
        "ui.pages.admin.sites_tab.QFileDialog.getOpenFileName",
        lambda *_args, **_kwargs: (str(path), "Product files (*.json)"),
    )


def _rows(tab: ProductsTab) -> list[list[str]]:
    table = tab.table
    rows = []
    for r in range(table.rowCount()):
        items = [table.item(r, c) for c in range(table.columnCount())]
        rows.append([item.text() if item is not None else "" for item in items])
    return rows


def test_an_administrator_imports_a_product_file_as_a_draft(
    qtbot: QtBot, runner: TaskRunner, demo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin: Actor = authenticate(demo.database, "admin", PASSWORD, "test-station")
    page = open_admin(qtbot, runner, demo.database, admin)
    tab = visit(qtbot, runner, page, "products")
    assert isinstance(tab, ProductsTab)
    assert [(r[0], r[9], r[10]) for r in _rows(tab)] == [
        ("S1234", "1", "✔ Approved"),
        ("S4321", "1", "✔ Approved"),
    ]

    broken = tmp_path / "broken.json"
    document = json.loads(product_file("S1234-car-t.json"))
    document["time_limits"]["post_thaw_minutes"] = "ninety"
    broken.write_text(json.dumps(document), encoding="utf-8")
    _choose(monkeypatch, broken)
    click(qtbot, tab, "importProduct")
    settle(qtbot, runner)
    assert "time_limits.post_thaw_minutes" in tab.message.text()
    assert len(_rows(tab)) == 2  # nothing written

    changed = tmp_path / "S1234-v2.json"
    document["time_limits"]["post_thaw_minutes"] = 60
    changed.write_text(json.dumps(document), encoding="utf-8")
    _choose(monkeypatch, changed)
    click(qtbot, tab, "importProduct")
    settle(qtbot, runner)
    assert tab.message.text().startswith("✔ Product S1234 version 2 imported as a draft")
    rows = _rows(tab)
    assert [(r[0], r[9], r[10]) for r in rows] == [
        ("S1234", "1", "✔ Approved"),
        ("S1234", "2", "Draft: awaits QA"),
        ("S4321", "1", "✔ Approved"),
    ]
    assert rows[1][4:6] == ["0", "0"]  # no steps or QC tests until QA approves it
    tab.table.selectRow(1)
    assert "a draft awaiting QA approval" in tab.steps.text()
    for width, height in ((1280, 800), (1920, 1080)):
        page.resize(*PAGE_AREAS[f"{width}x{height}"])  # the page area of such a window
        settle(qtbot, runner)
        screenshot(page, f"admin-products-draft-{width}x{height}")
    page.resize(*PAGE_SIZE)
