"""PDF text as tests compare it: the no-break space that joins an identifier to its check
character (``G1234 26 000008 [J]``, so it never wraps away) read as an ordinary space."""

from __future__ import annotations

from labels.isbt128 import NO_BREAK_SPACE


def plain(text: str) -> str:
    """``text`` with each no-break space an ordinary space (the PDF keeps the no-break space)."""
    return text.replace(NO_BREAK_SPACE, " ")
