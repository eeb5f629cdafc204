"""QC judgement against specifications, and step parameter checks."""

from __future__ import annotations

import pytest

from app.core.errors import ValidationFailed
from app.journey.parameters import check_parameters
from app.journey.specifications import judge_result, parse_lab_number, unit_scale
from db.enums import QcOutcome
from db.models import QcSpecification


def spec(**values: object) -> QcSpecification:
    base: dict[str, object] = {"test_code": "t", "name": "Test", "criterion": ""}
    base.update(values)
    return QcSpecification(**base)


@pytest.mark.parametrize(
    ("specification", "value", "outcome"),
    [
        (spec(upper=0.5, criterion="< 0.5 EU/mL"), "0.49", QcOutcome.PASS),
        (spec(upper=0.5, criterion="< 0.5 EU/mL"), "0.5", QcOutcome.OUT_OF_SPECIFICATION),
        (spec(upper=5, criterion="≤ 5 copies/cell"), "5", QcOutcome.PASS),
        (spec(lower=70, criterion="≥ 70 %"), "70", QcOutcome.PASS),
        (spec(lower=70, criterion="≥ 70 %"), "69,9", QcOutcome.OUT_OF_SPECIFICATION),
        (spec(lower=1, criterion="> 1"), "1", QcOutcome.OUT_OF_SPECIFICATION),
        (spec(lower=0.1, upper=2.5, criterion="0.1 to 2.5"), "2.5", QcOutcome.PASS),
        (spec(expected_text="no growth"), "No Growth", QcOutcome.PASS),
        (spec(expected_text="no growth"), "growth", QcOutcome.FAIL),
        (spec(expected_text="no growth"), "pending", QcOutcome.PENDING),
    ],
)
def test_judgement(specification: QcSpecification, value: str, outcome: QcOutcome) -> None:
    assert judge_result(specification, value).outcome is outcome


def test_bad_values_are_refused_clearly() -> None:
    with pytest.raises(ValidationFailed, match="Enter a value"):
        judge_result(spec(lower=1), "  ")
    with pytest.raises(ValidationFailed, match="is a number"):
        judge_result(spec(lower=1, criterion="≥ 1"), "lots")


SPEC = [
    {"name": "intact", "type": "bool"},
    {"name": "bags", "type": "integer"},
    {"name": "volume", "type": "number"},
    {"name": "counts", "type": "number_list"},
    {"name": "lot", "type": "text"},
]
GOOD = {"intact": True, "bags": 2, "volume": 70.5, "counts": [1e7, 2e7], "lot": "L-1"}


def test_parameters_accepted_when_complete_and_typed() -> None:
    assert check_parameters(SPEC, GOOD) == GOOD


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("intact", "yes", "yes or no"),
        ("bags", 2.5, "whole number"),
        ("bags", True, "whole number"),
        ("volume", float("nan"), "a number"),
        ("counts", [], "list of numbers"),
        ("lot", " ", "some text"),
    ],
)
def test_wrong_types_are_named(name: str, value: object, words: str) -> None:
    with pytest.raises(ValidationFailed, match=words):
        check_parameters(SPEC, {**GOOD, name: value})


def test_missing_and_unknown_parameters() -> None:
    with pytest.raises(ValidationFailed, match="lot is missing"):
        check_parameters(SPEC, {k: v for k, v in GOOD.items() if k != "lot"})
    with pytest.raises(ValidationFailed, match="no parameter colour"):
        check_parameters(SPEC, {**GOOD, "colour": "red"})


DOSE = "×10⁸ CAR+ viable T cells"


@pytest.mark.parametrize(
    ("typed", "unit", "number"),
    [
        ("1.2e8", DOSE, 1.2),
        ("1.2E+08", DOSE, 1.2),
        ("1.2 × 10⁸", DOSE, 1.2),
        ("1.2x10^8", DOSE, 1.2),
        ("1,2e8", DOSE, 1.2),
        ("120e6", DOSE, 1.2),
        ("1.2", DOSE, 1.2),
        (f"1.2 {DOSE}", DOSE, 1.2),
        ("69,9", "%", 69.9),
        ("7e1", "%", 70.0),
        ("−0.5", "", -0.5),
    ],
)
def test_numbers_as_a_lab_writes_them(typed: str, unit: str, number: float) -> None:
    assert parse_lab_number(typed, unit) == pytest.approx(number, abs=1e-12)


@pytest.mark.parametrize(
    ("typed", "unit", "words"),
    [
        ("120000000", DOSE, "write the value in"),  # a plain count is never guessed
        ("1,200", "", "ambiguous"),
        ("1e999", "", "implausible"),
        ("1.2 × 10", DOSE, "not a number"),
        ("12 cells", DOSE, "not a number"),
    ],
)
def test_numbers_that_are_refused(typed: str, unit: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_lab_number(typed, unit)


def test_the_unit_carries_its_power_of_ten() -> None:
    assert unit_scale(DOSE) == (8, "CAR+ viable T cells")
    assert unit_scale("10^6 cells/kg") == (6, "cells/kg")
    assert unit_scale("%") == (0, "%")
    dose = spec(lower=0.1, upper=2.5, unit=DOSE, criterion="0.1 to 2.5 × 10⁸")
    assert judge_result(dose, "1.2e8").outcome is QcOutcome.PASS
    assert judge_result(dose, "3e8").outcome is QcOutcome.OUT_OF_SPECIFICATION
    with pytest.raises(ValidationFailed, match="in ×10⁸ CAR"):
        judge_result(dose, "lots")
