"""Facility Identification Number (FIN): the five characters `αpppp` shared by several structures.

ICCBBA ST-001 v6.2.2 §2.4.1 (and §2.4.19, §2.4.20, §2.4.28, §2.4.40): α is {A–N; P–Z; 1–9};
the first two p are {A–N; P–Z; 0–9}; the last two p are numeric. The letter O is never used,
so that it cannot be confused with zero.
"""

from __future__ import annotations

import re

FIN_PATTERN = re.compile(r"[A-NP-Z1-9][A-NP-Z0-9]{2}[0-9]{2}")
"""A FIN as defined by ST-001 §2.4.1."""

PROCESSOR_FIN_PATTERN = re.compile(r"[A-NP-Z0-9]{5}")
"""A FIN(P) in data structures 033 and 034 (ST-001 §2.4.33, §2.4.34)."""


def fin_errors(fin: str, *, label: str = "FIN") -> tuple[str, ...]:
    """Return why `fin` is not a valid Facility Identification Number (empty when it is)."""
    if len(fin) != 5:
        return (f"{label} {fin!r} must be 5 characters, got {len(fin)}",)
    if FIN_PATTERN.fullmatch(fin):
        return ()
    if "O" in fin:
        return (f"{label} {fin!r} contains the letter O, which ISBT 128 never uses",)
    return (
        f"{label} {fin!r} is not a valid FIN: first character A-N, P-Z or 1-9, "
        "then two characters A-N, P-Z or 0-9, then two digits",
    )
