"""An identifier as a person reads it on a screen or a report: grouped, its check character boxed.

The check character is joined to the identifier by a no-break space (U+00A0), so a line that
wraps never leaves it alone on the next line ("… 000008" then "[J]"), where it could be read
as belonging to another identifier (issue 16).
"""

from __future__ import annotations

NO_BREAK_SPACE = "\u00a0"


def with_check(eye_readable: str, check: str) -> str:
    """``G1234 26 000011`` and ``0`` → ``G1234 26 000011 [0]``, joined by a no-break space."""
    return f"{eye_readable}{NO_BREAK_SPACE}[{check}]"
