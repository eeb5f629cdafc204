"""The house rules of ARCHITECTURE.md that import-linter cannot say.

- Nothing lives directly in ``app/`` or ``ui/`` but ``__init__.py`` and the entry points.
- A bounded context is entered through its package: code outside ``app.journey`` imports
  ``from app.journey import ...``, never ``from app.journey.shipping import ...``; the same holds
  for the packages of ``ui``. The ``__init__`` of a package names what the others may use.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENTRY_POINTS = {"ui/main.py"}


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_of(module: str) -> str:
    """The package of a module: ``app.<context>``, ``ui.<room>`` or ``ui.pages.<section>``."""
    parts = module.split(".")
    section = parts[:2] == ["ui", "pages"] and len(parts) > 2
    depth = 3 if section and (ROOT / "ui" / "pages" / parts[2]).is_dir() else 2
    return ".".join(parts[:depth])


def _sources() -> list[Path]:
    return sorted(p for top in ("app", "ui") for p in (ROOT / top).rglob("*.py"))


def test_nothing_but_packages_and_entry_points_at_the_top() -> None:
    loose = [
        str(p.relative_to(ROOT))
        for top in ("app", "ui")
        for p in (ROOT / top).glob("*.py")
        if p.name != "__init__.py" and str(p.relative_to(ROOT)) not in ENTRY_POINTS
    ]
    assert loose == []


def test_every_package_has_an_init() -> None:
    missing = [
        str(d.relative_to(ROOT))
        for top in ("app", "ui")
        for d in (ROOT / top).rglob("*")
        if d.is_dir() and d.name != "__pycache__" and not (d / "__init__.py").exists()
    ]
    assert missing == []


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_other_packages_are_entered_through_their_init(path: Path) -> None:
    importer = _module(path)
    deep = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
            continue
        target = node.module
        if target.split(".")[0] not in {"app", "ui"}:
            continue
        if package_of(target) != package_of(importer) and target != package_of(target):
            deep.append(f"line {node.lineno}: from {target} import ...")
    assert deep == [], f"{importer} reaches into another package: {deep}"


def test_package_of() -> None:
    assert package_of("app.journey.shipping") == "app.journey"
    assert package_of("app.journey") == "app.journey"
    assert package_of("ui.pages.receipt.page") == "ui.pages.receipt"
    assert package_of("ui.pages.case_work") == "ui.pages"
    assert package_of("ui.widgets.formats") == "ui.widgets"
