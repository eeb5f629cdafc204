"""Product definition documents: read, check against the shipped schema and the product rules,
and write back (``resources/products/product.schema.json``).

Every refusal names the field, as a JSON path (``steps[2].parameters[0].max``), so the author
of a file knows what to change. Checking is pure: the temperature profiles a document names
are checked by the service against the database.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

import jsonschema

from app.core import ValidationFailed
from resources import read_text

FORMAT = "coi-tracker-product/1"
FINAL_BAGS_PARAMETER = "bags"
"""The integer parameter of the fill step that says how many final bags it makes."""

Document = dict[str, Any]


@cache
def _validator() -> jsonschema.Draft7Validator:
    schema = json.loads(read_text("products", "product.schema.json"))
    return jsonschema.Draft7Validator(schema)


def field_path(parts: Iterable[str | int]) -> str:
    """``["steps", 2, "code"]`` as ``steps[2].code`` (the document itself: ``(document)``)."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def _refuse(where: Sequence[str | int], problem: str) -> ValidationFailed:
    return ValidationFailed(f"Product file, field {field_path(where)}: {problem}")


def parse_document(text: str) -> Document:
    """The document in ``text``; a refusal naming the line and column of bad JSON."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            f"Product file: not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg})."
        ) from None
    if not isinstance(document, dict):
        raise ValidationFailed("Product file: the document must be a JSON object.")
    return document


def check_document(document: Any) -> Document:
    """``document`` when the schema and the product rules accept it; else the first problem."""
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        raise _refuse(list(first.absolute_path), _schema_message(first))
    _check_rules(document)
    return dict(document)


def _schema_message(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        return f"{error.message} (not a field of a product definition)."
    return f"{error.message[:200]}."


def _unique(items: list[dict[str, Any]], key: str, where: list[str | int]) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item[key] in seen:
            raise _refuse([*where, index, key], f"{item[key]!r} is used twice.")
        seen.add(item[key])


def _ordered(low: float | None, high: float | None, where: list[str | int], what: str) -> None:
    for value, name in ((low, "lower"), (high, "upper")):
        if value is not None and not math.isfinite(value):
            raise _refuse(where, f"the {name} {what} must be a finite number.")
    if low is not None and high is not None and low > high:
        raise _refuse(where, f"the lower {what} ({low:g}) is above the upper {what} ({high:g}).")


def _check_parameters(step: dict[str, Any], index: int) -> None:
    where: list[str | int] = ["steps", index, "parameters"]
    _unique(step["parameters"], "name", where)
    for position, parameter in enumerate(step["parameters"]):
        limited = "min" in parameter or "max" in parameter
        if limited and parameter["type"] not in ("integer", "number", "number_list"):
            raise _refuse(
                [*where, position, "min" if "min" in parameter else "max"],
                f"a {parameter['type']} parameter cannot have numeric limits.",
            )
        _ordered(parameter.get("min"), parameter.get("max"), [*where, position], "limit")


def _check_rules(document: Document) -> None:
    bags = document["final_bags"]
    if bags["min"] > bags["max"]:
        raise _refuse(["final_bags", "min"], f"{bags['min']} is more than max ({bags['max']}).")
    _unique(document["steps"], "code", ["steps"])
    fills = [i for i, s in enumerate(document["steps"]) if s["output_kind"] == "final_product_bag"]
    if len(fills) != 1:
        raise _refuse(
            ["steps"], f"exactly one step must make the final product bags (found {len(fills)})."
        )
    for index, step in enumerate(document["steps"]):
        _check_parameters(step, index)
    fill = document["steps"][fills[0]]
    counts = [p for p in fill["parameters"] if p["name"] == FINAL_BAGS_PARAMETER]
    if not counts or counts[0]["type"] != "integer":
        raise _refuse(
            ["steps", fills[0], "parameters"],
            f"the fill step needs an integer parameter {FINAL_BAGS_PARAMETER!r} (bags made).",
        )
    _unique(document["qc"], "test_code", ["qc"])
    for index, spec in enumerate(document["qc"]):
        numeric = "lower" in spec or "upper" in spec
        if numeric == ("expected_text" in spec):
            raise _refuse(
                ["qc", index],
                "a QC test has either numeric limits (lower/upper) or an expected_text result.",
            )
        _ordered(spec.get("lower"), spec.get("upper"), ["qc", index], "specification limit")


def document_text(document: Document) -> str:
    """The document as a file: indented, UTF-8, final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def canonical_text(document: Document) -> str:
    """The document as stored and signed: sorted keys, no spaces."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
