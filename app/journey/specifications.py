"""Judging a QC result against its specification (pure).

A number is read as a lab writes it: ``1.2``, ``1,2``, ``1.2e8``, ``1.2E+08``, ``1.2 × 10⁸``,
``1.2x10^8``, ``1,2e8``. A specification whose unit carries a power of ten (the dose,
``×10⁸ CAR+ viable T cells``) is judged in that unit: a value written with its power of ten
(``1.2e8`` cells) is converted (1.2); a value without one is already in the unit (1.2). A plain
count as large as the unit's power of ten itself (120000000 in ×10⁸) is refused, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from app.core import ValidationFailed
from db.enums import QcOutcome
from db.models import QcSpecification

PENDING_WORDS = frozenset({"pending", "in progress"})

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_POWER = r"(?:10\s*(?:\^|\*\*)\s*(?P<{0}>[-+−]?\d+)|10(?P<{0}_sup>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+))"
_NUMBER = re.compile(
    r"(?P<sign>[-+−])?\s*(?P<mantissa>\d+(?:[.,]\d*)?|[.,]\d+)\s*"
    r"(?:[eE]\s*(?P<e>[-+−]?\d+)|[x×X*·]\s*" + _POWER.format("power") + r")?"
)
_UNIT_SCALE = re.compile(r"\s*(?:[x×X*·]\s*)?" + _POWER.format("scale") + r"\s*(?P<rest>.*)")
_THOUSANDS = re.compile(r"\d{1,3},\d{3}")
MAX_EXPONENT = 30
"""Farther powers of ten than this are typing errors, not results."""


def _exponent(match: re.Match[str], name: str) -> int | None:
    plain, sup = match.group(name), match.group(f"{name}_sup")
    text = plain if plain is not None else sup.translate(_SUPERSCRIPTS) if sup else None
    return None if text is None else int(text.replace("−", "-"))


def unit_scale(unit: str) -> tuple[int, str]:
    """The power of ten a unit carries and the rest of it: ``×10⁸ cells`` -> (8, "cells");
    ``%`` -> (0, "%")."""
    match = _UNIT_SCALE.fullmatch(unit or "")
    if match is None:
        return 0, (unit or "").strip()
    exponent = _exponent(match, "scale")
    return (exponent or 0), match.group("rest").strip()


def parse_lab_number(text: str, unit: str = "") -> float:
    """The number ``text`` means, in ``unit`` (see the module's docstring); ValueError with
    the reason when it is none."""
    cleaned = text.strip()
    if unit and cleaned.casefold().endswith(unit.strip().casefold()):
        cleaned = cleaned[: -len(unit.strip())].strip()  # the unit typed after the value
    if _THOUSANDS.fullmatch(cleaned.lstrip("+-−")):
        raise ValueError(
            f"{text.strip()!r} is ambiguous (a thousands separator or a decimal comma?): "
            "write it without the comma, or with a decimal point"
        )
    match = _NUMBER.fullmatch(cleaned)
    if match is None:
        raise ValueError(f"{text.strip()!r} is not a number")
    mantissa = Decimal(match.group("mantissa").replace(",", "."))  # digits the pattern matched
    if match.group("sign") in {"-", "−"}:
        mantissa = -mantissa
    given = match.group("e")
    power = int(given.replace("−", "-")) if given is not None else _exponent(match, "power")
    scale, _rest = unit_scale(unit)
    if power is None:
        if scale > 0 and abs(mantissa) >= Decimal(10) ** scale:
            raise ValueError(
                f"{text.strip()!r} would be {text.strip()} {unit.strip()}: write the value in "
                f"{unit.strip()} (e.g. 1.2) or with its power of ten (e.g. 1.2e{scale})"
            )
        return float(mantissa)
    if abs(power) > MAX_EXPONENT:
        raise ValueError(f"{text.strip()!r} has an implausible power of ten ({power})")
    return float(mantissa.scaleb(power - scale))


@dataclass(frozen=True)
class JudgedResult:
    """A result value as stored, with its outcome."""

    text: str | None
    number: float | None
    outcome: QcOutcome


def _strict(criterion: str, sign: str) -> bool:
    """``< 0.5`` is strict; ``≤ 5`` and ``≥ 70`` are not."""
    return criterion.strip().startswith(sign)


def judge_result(spec: QcSpecification, value: str) -> JudgedResult:
    """Parse ``value`` for ``spec`` and judge it: pass, fail, out of specification or pending."""
    text = value.strip()
    if not text:
        raise ValidationFailed(f"Enter a value for {spec.name}.")
    if text.casefold() in PENDING_WORDS:
        return JudgedResult("pending", None, QcOutcome.PENDING)
    if spec.expected_text is not None:
        passed = text.casefold() == spec.expected_text.casefold()
        return JudgedResult(text, None, QcOutcome.PASS if passed else QcOutcome.FAIL)
    try:
        number = parse_lab_number(text, spec.unit or "")
    except ValueError as error:
        unit = f" in {spec.unit}" if spec.unit else ""
        raise ValidationFailed(
            f"{spec.name} is a number{unit} ({spec.criterion}); {error}."
        ) from None
    low_ok = spec.lower is None or (
        number > spec.lower if _strict(spec.criterion, ">") else number >= spec.lower
    )
    high_ok = spec.upper is None or (
        number < spec.upper if _strict(spec.criterion, "<") else number <= spec.upper
    )
    outcome = QcOutcome.PASS if low_ok and high_ok else QcOutcome.OUT_OF_SPECIFICATION
    return JudgedResult(None, number, outcome)
