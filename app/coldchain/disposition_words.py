"""QA's disposition of a logger file in words: "accepted", never the stored code 'accept'."""

from __future__ import annotations

from db.enums import Disposition

DISPOSITION_WORDS = {Disposition.ACCEPT: "accepted", Disposition.REJECT: "rejected"}


def disposition_words(disposition: Disposition) -> str:
    """What QA decided, as a past participle (``accepted``, ``rejected``)."""
    return DISPOSITION_WORDS[disposition]
