"""Canonical JSON: one byte-exact text per value, for hashes and digests."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any


def canonical_value(value: Any) -> Any:
    """Convert a column value to its JSON form (UTC ISO times, UUID strings, enum values)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, Enum):
        return canonical_value(value.value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be canonicalised")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): canonical_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical_value(v) for v in value]
    raise TypeError(f"no canonical form for {type(value).__name__}")


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 text: the same value always gives the same string."""
    return plain_canonical_json(canonical_value(value))


_ENCODER = json.JSONEncoder(
    sort_keys=True,
    separators=(",", ":"),
    ensure_ascii=False,
    allow_nan=False,
)
"""``json.dumps`` with these options makes a new encoder per call; one is enough."""
_ENCODE: Callable[[Any, int], Sequence[str]] | None = (
    None
    if c_make_encoder is None
    else c_make_encoder(
        None,  # no check for cycles: a canonical value is made of fresh dicts and lists
        _ENCODER.default,
        encode_basestring,  # ensure_ascii=False: the C encoder of ``_ENCODER``
        None,
        ":",
        ",",
        True,
        False,
        False,
    )
)
"""The C encoder ``_ENCODER.encode`` builds on every call, built once (it keeps no state
between calls); the text is the same (``tests/unit/test_canonical_json.py``)."""


def plain_canonical_json(value: Any) -> str:
    """``canonical_json`` of a value already in canonical form (only JSON types: what
    ``canonical_value`` returns), without walking it again."""
    if _ENCODE is None:  # pragma: no cover - CPython has the C encoder
        return _ENCODER.encode(value)
    return "".join(_ENCODE(value, 0))
