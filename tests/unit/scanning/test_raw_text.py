"""The one check of scan text every scanning service makes before parsing (pure)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.scanning.raw_text import LONGEST_SCAN, SHOWN_IN_MESSAGES, scan_text_problem, shortened

SEPARATORS = "\x1d\x1e\x04"


def _readable(raw: str) -> bool:
    """The rule, written out independently of the code under test."""
    data = raw.rstrip("\r\n\t")
    return (
        len(raw) <= LONGEST_SCAN
        and bool(data.strip())
        and all(ch.isprintable() or ch in SEPARATORS for ch in data)
        and not any(0xD800 <= ord(ch) <= 0xDFFF for ch in data)
    )


def test_each_kind_of_bad_text_is_named() -> None:
    assert "empty" in (scan_text_problem("") or "")
    assert "empty" in (scan_text_problem(" \r\n") or "")
    huge = scan_text_problem("=" + "9" * 1_000_000) or ""
    assert "1000001 characters long" in huge and len(huge) < 200
    bell = scan_text_problem("=G1234\x0726") or ""  # issue 16: words first, the code for IT
    assert bell.startswith("The scanner sent a signal that is not part of any label")
    assert "could not be read" in bell and "(for IT: control character 0x07 in" in bell
    assert "control characters 0x00, 0x07" in (scan_text_problem("=G\x07\x0012") or "")
    assert "0x00" in (scan_text_problem("=G1234\x0026") or "")
    broken = scan_text_problem("=G1234\udcff") or ""
    assert "arrived garbled" in broken and "for IT: invalid UTF-8" in broken
    assert "[0xDCFF]" in broken
    assert scan_text_problem(LONGEST_SCAN * "9") is None
    assert scan_text_problem((LONGEST_SCAN + 1) * "9") is not None  # one past the limit
    assert scan_text_problem("[)>\x1e06\x1d8004ABC\x1e\x04\r\n") is None


@given(st.text(alphabet=st.characters(codec=None), max_size=120))
def test_any_text_is_judged_by_the_rule_in_bounded_printable_words(raw: str) -> None:
    problem = scan_text_problem(raw)
    assert (problem is None) == _readable(raw)
    if problem is not None:
        assert problem.isprintable() and len(problem) < 400 + 7 * SHOWN_IN_MESSAGES
        problem.encode("utf-8")
    assert shortened(raw).isprintable()
