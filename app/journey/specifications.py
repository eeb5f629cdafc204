"""Judging a QC result against its specification (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from app.core import ValidationFailed
from db.enums import QcOutcome
from db.models import QcSpecification

PENDING_WORDS = frozenset({"pending", "in progress"})


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
        number = float(text.replace(",", "."))
    except ValueError:
        raise ValidationFailed(
            f"{spec.name} is a number ({spec.criterion}); {value!r} is not one."
        ) from None
    low_ok = spec.lower is None or (
        number > spec.lower if _strict(spec.criterion, ">") else number >= spec.lower
    )
    high_ok = spec.upper is None or (
        number < spec.upper if _strict(spec.criterion, "<") else number <= spec.upper
    )
    outcome = QcOutcome.PASS if low_ok and high_ok else QcOutcome.OUT_OF_SPECIFICATION
    return JudgedResult(None, number, outcome)
