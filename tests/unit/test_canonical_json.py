"""The canonical JSON text, built by the C encoder made once, is ``json.dumps``' text with the
same options, byte for byte: the chain's hashes and the signatures' digests depend on it."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.canonical import plain_canonical_json

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=30,
)


def _dumps(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


@given(JSON_VALUES)
def test_the_text_is_json_dumps_text(value: Any) -> None:
    assert plain_canonical_json(value) == _dumps(value)


@pytest.mark.parametrize(
    "value",
    [
        {"b": 1, "a": [True, None, 2.5, -0.0, 1e300], "ü": 'Zoë 患者 🧬 \u2028\x00"\\'},
        "a top-level text",
        5,
        None,
        [],
        {},
    ],
)
def test_examples_are_json_dumps_text(value: Any) -> None:
    assert plain_canonical_json(value) == _dumps(value)


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_a_number_json_cannot_hold_is_refused(number: float) -> None:
    with pytest.raises(ValueError, match="Out of range float values"):
        plain_canonical_json({"x": number})


def test_a_value_of_no_json_type_is_refused() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        plain_canonical_json({"x": b"bytes"})
