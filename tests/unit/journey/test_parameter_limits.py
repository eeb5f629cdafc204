"""A step parameter recorded outside its product version's limits is refused (pure)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.admin.product_files import check_document, parse_document
from app.core.errors import ValidationFailed
from app.journey.parameters import check_parameters
from resources import read_text

SPEC: list[dict[str, Any]] = [
    {"name": "viability_pct", "type": "number", "unit": "%", "min": 0, "max": 100},
    {"name": "bags", "type": "integer", "min": 1, "max": 3},
    {"name": "end_temperature_c", "type": "number", "unit": "°C", "max": -80},
    {"name": "counts", "type": "number_list", "min": 0},
    {"name": "lot", "type": "text"},
]
GOOD = {"viability_pct": 100, "bags": 1, "end_temperature_c": -80, "counts": [0, 5e8], "lot": "L1"}


def test_values_at_the_limits_are_accepted() -> None:
    assert check_parameters(SPEC, GOOD) == GOOD


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("viability_pct", 100.01, "viability_pct must be between 0 and 100 % (got 100.01)"),
        ("bags", 4, "bags must be between 1 and 3 (got 4)"),
        ("bags", 0, "bags must be between 1 and 3 (got 0)"),
        ("end_temperature_c", -79.9, "end_temperature_c must be at most -80 °C (got -79.9)"),
        ("counts", [5e8, -1], "counts must be at least 0 (got -1)"),
    ],
)
def test_a_value_just_past_a_limit_is_refused_naming_it(
    name: str, value: object, message: str
) -> None:
    with pytest.raises(ValidationFailed, match="Check the step's parameters") as refused:
        check_parameters(SPEC, {**GOOD, name: value})
    assert message in refused.value.message


@pytest.mark.parametrize("name", ["S1234-car-t.json", "S4321-hsc-gene.json"])
def test_the_shipped_products_pass_their_schema_and_rules(name: str) -> None:
    document = check_document(parse_document(read_text("products", name)))
    assert document == json.loads(read_text("products", name))
