"""Checking a step's recorded parameters against its template (pure)."""

from __future__ import annotations

import math
from typing import Any

from app.core import ValidationFailed


def _number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _valid(kind: str, value: Any) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return _number(value)
    if kind == "number_list":
        return isinstance(value, list) and bool(value) and all(_number(v) for v in value)
    return isinstance(value, str) and bool(value.strip())


_EXPECTED = {
    "bool": "yes or no",
    "integer": "a whole number",
    "number": "a number",
    "number_list": "a list of numbers",
    "text": "some text",
}


def check_parameters(spec: list[dict[str, Any]], given: dict[str, Any]) -> dict[str, Any]:
    """Return ``given`` when it has every parameter of ``spec`` with the right type."""
    names = {item["name"] for item in spec}
    unknown = sorted(set(given) - names)
    if unknown:
        raise ValidationFailed(f"This step has no parameter {', '.join(unknown)}.")
    problems = []
    for item in spec:
        name, kind = item["name"], item.get("type", "text")
        if name not in given:
            problems.append(f"{name} is missing")
        elif not _valid(kind, given[name]):
            problems.append(f"{name} must be {_EXPECTED.get(kind, kind)}")
    if problems:
        raise ValidationFailed("Check the step's parameters: " + "; ".join(problems) + ".")
    return dict(given)
