"""QA's disposition of a logger file in words: "accepted", never the stored code 'accept'.

One source for these words: the case timeline, the custody report and the audit trail's
screen, PDF and CSV all read the stored action ``cold chain dispositioned accept`` as
``cold chain accepted by QA`` through :func:`disposition_action_words` (issue 16), and the
audit trail's old and new values read the stored ``accept`` as ``Accepted`` through
:func:`stored_disposition_words`.
"""

from __future__ import annotations

import re

from db.enums import Disposition

DISPOSITION_WORDS = {Disposition.ACCEPT: "accepted", Disposition.REJECT: "rejected"}
DISPOSITIONED_PREFIX = "cold chain dispositioned"
"""The stored action of a disposition, before the decision's code."""
_DISPOSITIONED = re.compile(r"\bdisposition(?:ed)? (accept|reject)\b")


def disposition_words(disposition: Disposition) -> str:
    """What QA decided, as a past participle (``accepted``, ``rejected``)."""
    return DISPOSITION_WORDS[disposition]


def disposition_action(disposition: Disposition) -> str:
    """The action stored for a disposition: ``cold chain dispositioned accept``."""
    return f"{DISPOSITIONED_PREFIX} {disposition.value}"


def stored_disposition_words(code: str) -> str | None:
    """A stored disposition code as a value in words: ``accept`` → ``Accepted`` (None for
    anything that is not one)."""
    try:
        return disposition_words(Disposition(code)).capitalize()
    except ValueError:
        return None


def disposition_action_words(action: str) -> str:
    """A stored action with QA's disposition in words: ``cold chain dispositioned accept`` →
    ``cold chain accepted by QA``, the logger file's own ``disposition accept`` → ``accepted
    by QA``; any other action unchanged."""
    return _DISPOSITIONED.sub(
        lambda said: f"{disposition_words(Disposition(said.group(1)))} by QA", action
    )
