"""The hazard register and its machine-readable twin agree, and each control still points at code.

``docs/SAFETY.md`` lists each control for people; ``docs/safety-controls.toml`` lists the same
controls for ``scripts/check_safety_controls.py``, which neutralises each one's line and runs its
tests. A control whose line moved, or whose test was renamed, would be silently skipped by that
script; these tests fail first.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
REGISTER = ROOT / "docs" / "SAFETY.md"
CONTROLS = ROOT / "docs" / "safety-controls.toml"
ROW = re.compile(r"^\| (C\d+) \|", re.MULTILINE)


def _controls() -> list[dict[str, Any]]:
    controls: list[dict[str, Any]] = tomllib.loads(CONTROLS.read_text(encoding="utf-8"))["control"]
    return controls


@cache
def _test_names(path: Path) -> set[str]:
    """Every function and class name defined in a test file (parametrised ids stripped later)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


def test_the_register_and_the_toml_list_the_same_controls() -> None:
    in_register = set(ROW.findall(REGISTER.read_text(encoding="utf-8")))
    in_toml = {control["id"] for control in _controls()}
    assert in_register - in_toml == set(), "in SAFETY.md, missing from safety-controls.toml"
    assert in_toml - in_register == set(), "in safety-controls.toml, missing from SAFETY.md"


def test_each_control_is_listed_once_in_the_toml() -> None:
    twice = [i for i, n in Counter(c["id"] for c in _controls()).items() if n > 1]
    assert twice == []


def test_each_control_finds_its_line_exactly_once() -> None:
    wrong = []
    for control in _controls():
        found = (ROOT / control["file"]).read_text(encoding="utf-8").count(control["find"])
        if found != 1 or control["replace"] == control["find"]:
            wrong.append(f"{control['id']}: its `find` occurs {found} times in {control['file']}")
    assert wrong == []


def test_each_control_names_tests_that_exist() -> None:
    wrong = []
    for control in _controls():
        if not control["tests"]:
            wrong.append(f"{control['id']} names no test")
        for node_id in control["tests"]:
            path, _, rest = node_id.partition("::")
            if not (ROOT / path).is_file():
                wrong.append(f"{control['id']}: no file {path}")
            elif rest and rest.split("::")[0].split("[")[0] not in _test_names(ROOT / path):
                wrong.append(f"{control['id']}: no test {node_id}")
    assert wrong == []
