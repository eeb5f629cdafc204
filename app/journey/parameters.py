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


def _outside(item: dict[str, Any], value: Any) -> str | None:
    """Why a recorded number is outside the parameter's limits (None: within or no limits)."""
    low, high = item.get("min"), item.get("max")
    values = value if isinstance(value, list) else [value]
    for number in values:
        if (low is not None and number < low) or (high is not None and number > high):
            unit = f" {item['unit']}" if item.get("unit") else ""
            if low is not None and high is not None:
                return f"{item['name']} must be between {low:g} and {high:g}{unit} (got {number:g})"
            if low is not None:
                return f"{item['name']} must be at least {low:g}{unit} (got {number:g})"
            return f"{item['name']} must be at most {high:g}{unit} (got {number:g})"
    return None


def check_parameters(spec: list[dict[str, Any]], given: dict[str, Any]) -> dict[str, Any]:
    """Return ``given`` when it has every parameter of ``spec`` with the right type, within
    the parameter's limits (``min``/``max`` of the product version's step)."""
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
        elif kind in ("integer", "number", "number_list") and (
            outside := _outside(item, given[name])
        ):
            problems.append(outside)
    if problems:
        raise ValidationFailed("Check the step's parameters: " + "; ".join(problems) + ".")
    return dict(given)
