"""COI and DIN sequences are drawn two characters apart from each other and from their own kind."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labels.isbt128 import build_coi, build_din
from labels.isbt128.sequences import (
    MAX_NUMBER,
    coi_number,
    coi_sequence,
    din_number,
    din_sequence,
    hamming,
)

numbers = st.integers(min_value=1, max_value=MAX_NUMBER)


def test_the_reported_look_alike_can_no_longer_be_drawn() -> None:
    """DIN `G1234 26 000005` and COI `CH G1234 26 000005` once held the same 13 characters."""
    dins = {build_din("G1234", 26, din_sequence(n)).din for n in range(1, 2000)}
    cois = {build_coi("G1234", 26, coi_sequence(n)).checked_text for n in range(1, 2000)}
    assert not dins & cois
    assert "G123426000005" not in dins | cois  # a bare counter value is never a sequence


@given(numbers, numbers)
def test_a_coi_and_a_din_differ_in_at_least_two_characters(coi: int, din: int) -> None:
    assert hamming(coi_sequence(coi), din_sequence(din)) >= 2


@given(numbers, numbers)
def test_two_sequences_of_one_kind_differ_in_two_characters(first: int, second: int) -> None:
    if first != second:
        assert hamming(coi_sequence(first), coi_sequence(second)) >= 2
        assert hamming(din_sequence(first), din_sequence(second)) >= 2


def test_every_single_character_change_of_an_issued_sequence_is_no_issued_sequence() -> None:
    """Exhaustive over the first 2 000 of each: one misread digit never gives another one."""
    for number in range(1, 2001):
        for sequence in (coi_sequence(number), din_sequence(number)):
            for position, digit in itertools.product(range(6), "0123456789"):
                changed = sequence[:position] + digit + sequence[position + 1 :]
                if changed != sequence:
                    assert coi_number(changed) is None and din_number(changed) is None


@given(numbers)
def test_the_counter_value_reads_back(number: int) -> None:
    assert coi_number(coi_sequence(number)) == number and din_number(coi_sequence(number)) is None
    assert din_number(din_sequence(number)) == number and coi_number(din_sequence(number)) is None


@pytest.mark.parametrize("number", [0, -1, MAX_NUMBER + 1])
def test_counter_values_out_of_range_are_refused(number: int) -> None:
    for draw in (coi_sequence, din_sequence):
        with pytest.raises(ValueError, match="outside"):
            draw(number)


def test_hamming_counts_a_difference_in_length() -> None:
    assert hamming("G123426000011", "G123426000011") == 0
    assert hamming("G123426000011", "G123426000012") == 1
    assert hamming("ABC", "ABCD") == 1
