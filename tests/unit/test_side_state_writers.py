"""Only ``app/journey/unit_states.py`` writes a unit's side state, its reason and its cause.

Anywhere else in the application an assignment to ``.side_state``, ``.side_state_reason`` or
``.side_state_cause``, a ``setattr`` of one, or a ``Unit(...)`` / ``.values(...)`` that sets one
is refused. The one exception is a case's own side state (it has no cause), written by
``app/journey/side_states.py`` through a variable named ``case``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIELDS = frozenset({"side_state", "side_state_reason", "side_state_cause"})
WRITER = "app/journey/unit_states.py"
CASE_WRITER = "app/journey/side_states.py"


def _targets(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.Tuple | ast.List):
        return [leaf for element in node.elts for leaf in _targets(element)]
    if isinstance(node, ast.Starred):
        return _targets(node.value)
    return [node]


def _assigned(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return [leaf for target in node.targets for leaf in _targets(target)]
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return _targets(node.target)
    return []


def _is_case(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "case"


def _call_writes(node: ast.Call) -> bool:
    func = node.func
    if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) > 1:
        name = node.args[1]
        return isinstance(name, ast.Constant) and name.value in FIELDS
    builds_unit = isinstance(func, ast.Name) and func.id == "Unit"
    sets_values = isinstance(func, ast.Attribute) and func.attr == "values"
    if not (builds_unit or sets_values):
        return False
    keys = {keyword.arg for keyword in node.keywords}
    for argument in node.args:
        if isinstance(argument, ast.Dict):
            keys |= {k.value for k in argument.keys if isinstance(k, ast.Constant)}
    return bool(keys & FIELDS)


def side_state_writes(source: str, *, case_allowed: bool = False) -> list[int]:
    """The lines of ``source`` that write a side state (a case's too, unless allowed)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        for target in _assigned(node):
            writes = isinstance(target, ast.Attribute) and target.attr in FIELDS
            if writes and not (case_allowed and _is_case(target.value)):
                lines.append(target.lineno)
        if isinstance(node, ast.Call) and _call_writes(node):
            lines.append(node.lineno)
    return sorted(lines)


def _sources() -> list[Path]:
    paths = [p for top in ("app", "ui", "db", "labels") for p in (ROOT / top).rglob("*.py")]
    migrations = ROOT / "db" / "migrations"
    return sorted(p for p in paths if not p.is_relative_to(migrations))


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_but_unit_states_writes_a_side_state(path: Path) -> None:
    name = path.relative_to(ROOT).as_posix()
    if name == WRITER:
        return
    lines = side_state_writes(path.read_text(encoding="utf-8"), case_allowed=name == CASE_WRITER)
    assert lines == [], f"{name} writes a side state (lines {lines}): call app.journey's " + (
        "enter_side_state / lift_side_state"
    )


def test_the_one_writer_exists_and_writes() -> None:
    assert side_state_writes((ROOT / WRITER).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "source",
    [
        "unit.side_state = SideState.NONE",
        "row.side_state_reason = 'received in 123'",
        "a, unit.side_state_cause = 1, 2",
        "unit.side_state: SideState = state",
        "unit.side_state_reason += ' (again)'",
        "setattr(unit, 'side_state', state)",
        "Unit(id=1, side_state=state)",
        "session.execute(update(Unit).values(side_state='none'))",
        "session.execute(update(Unit).values({'side_state_cause': None}))",
        "case.side_state = state",
        "self.case.side_state = state",
    ],
)
def test_the_guard_sees_each_way_of_writing(source: str) -> None:
    assert side_state_writes(source) == [1]


def test_the_case_exception_is_only_for_a_case() -> None:
    assert side_state_writes("case.side_state = state", case_allowed=True) == []
    assert side_state_writes("unit.side_state = state", case_allowed=True) == [1]
    assert side_state_writes("state = unit.side_state\nview(side_state=state)") == []
