"""ISO/IEC 7064 mod 37-2 check character."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labels import mod37_2

ALPHABET_TEXT = st.text(alphabet=mod37_2.ALPHABET, min_size=13, max_size=13)


@pytest.mark.parametrize(
    ("text", "character", "value"),
    [
        ("G123498654321", "H", 17),  # DESIGN.md §2 worked example
        ("G123417654321", "A", 10),  # ICCBBA ST-001 Appendix A.1 worked example
        ("A999917123456", "9", 9),
    ],
)
def test_worked_examples(text: str, character: str, value: int) -> None:
    assert mod37_2.check_value(text) == value
    assert mod37_2.check_character(text) == character
    assert mod37_2.is_valid(text + character)


def test_alphabet_values() -> None:
    assert mod37_2.character_value("0") == 0
    assert mod37_2.character_value("A") == 10
    assert mod37_2.character_value("Z") == 35
    assert mod37_2.character_value("*") == 36


@pytest.mark.parametrize("bad", ["a", "O ", "-", "é", ""])
def test_rejects_characters_outside_the_set(bad: str) -> None:
    with pytest.raises(ValueError, match=r"mod 37-2|empty"):
        mod37_2.check_value(bad)


def test_is_valid_is_false_for_short_or_foreign_text() -> None:
    assert not mod37_2.is_valid("A")
    assert not mod37_2.is_valid("a1")
    assert not mod37_2.is_valid("G123417654321B")


@settings(max_examples=500)
@given(ALPHABET_TEXT)
def test_every_13_character_text_gets_a_check_character_in_the_set(text: str) -> None:
    assert mod37_2.check_character(text) in mod37_2.ALPHABET


@settings(max_examples=500)
@given(ALPHABET_TEXT, st.integers(0, 12), st.sampled_from(mod37_2.ALPHABET))
def test_changing_any_single_character_changes_the_check_character(
    text: str, position: int, replacement: str
) -> None:
    changed = text[:position] + replacement + text[position + 1 :]
    if changed != text:
        assert mod37_2.check_character(changed) != mod37_2.check_character(text)


@settings(max_examples=300)
@given(ALPHABET_TEXT, st.integers(0, 11))
def test_swapping_two_neighbours_changes_the_check_character(text: str, position: int) -> None:
    swapped = text[:position] + text[position + 1] + text[position] + text[position + 2 :]
    if swapped != text:
        assert mod37_2.check_character(swapped) != mod37_2.check_character(text)
