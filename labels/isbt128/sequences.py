"""Sequence numbers drawn so that the identifiers one facility issues never look alike.

A COI (`CH` + FIN + year + 6-character sequence) and a DIN (FIN + year + 6-digit sequence)
share their first 7 of 13 checked characters, so a COI and a DIN of different patients differ
only in their sequences: numbered alike, COI `CH G1234 26 000005` and DIN `G1234 26 000005`
are the same 13 characters (DESIGN.md §3, "No two identifiers at one facility look alike").

The counters are therefore drawn into separate ranges, each sequence being five digits and a
parity digit (their sum modulo 10):

- DIN sequences take 00001-49999 (first digit 0-4), COI sequences 50001-99999 (first digit
  5-9): no COI's 13 characters equal any DIN's;
- two sequences of one kind that differ in one of the five digits differ in the parity digit
  too, and a COI and a DIN that differ only in the first digit differ in parity as well (the
  first digits differ by 1 to 9, never by 10): any two issued identifiers of one issuer and
  year differ in at least two characters, so one misread character never turns one into another.

Sequences stay all digits, so a Code 128 symbol still packs them in pairs (code set C) and the
COI bar code keeps fitting the 50 x 25 mm tube label.
"""

from __future__ import annotations

import re

RANGE = 50_000
MAX_NUMBER = RANGE - 1
"""The last counter value per FIN and year, for COIs and for DINs alike (49 999)."""
COI_OFFSET = RANGE
_SEQUENCE = re.compile(r"([0-9]{5})([0-9])")


def _parity(digits: str) -> str:
    return str(sum(int(d) for d in digits) % 10)


def _sequence(number: int, offset: int, kind: str) -> str:
    if not 1 <= number <= MAX_NUMBER:
        msg = f"{kind} counter value {number} is outside 1-{MAX_NUMBER}"
        raise ValueError(msg)
    digits = f"{number + offset:05d}"
    return f"{digits}{_parity(digits)}"


def coi_sequence(number: int) -> str:
    """The 6-character COI sequence for counter value ``number`` (1-49 999): ``500016``."""
    return _sequence(number, COI_OFFSET, "COI")


def din_sequence(number: int) -> str:
    """The 6-digit DIN sequence for counter value ``number`` (1-49 999): ``000011``."""
    return _sequence(number, 0, "DIN")


def _number(sequence: str, offset: int) -> int | None:
    match = _SEQUENCE.fullmatch(sequence)
    if match is None or _parity(match.group(1)) != match.group(2):
        return None
    number = int(match.group(1)) - offset
    return number if 1 <= number <= MAX_NUMBER else None


def coi_number(sequence: str) -> int | None:
    """The counter value a COI sequence was drawn from; None when it is not one we draw."""
    return _number(sequence, COI_OFFSET)


def din_number(sequence: str) -> int | None:
    """The counter value a DIN sequence was drawn from; None when it is not one we draw."""
    return _number(sequence, 0)


def hamming(first: str, second: str) -> int:
    """How many positions two identifiers differ in (a difference in length counts too)."""
    return sum(a != b for a, b in zip(first, second, strict=False)) + abs(len(first) - len(second))
