"""Issue 16: one source for the words of a stored operation (timeline, custody report, audit)."""

from __future__ import annotations

from app.audit.wording import action_in_words
from app.casefile import operation_words
from app.coldchain import disposition_action_words


def test_qa_disposition_reads_in_the_same_words_everywhere() -> None:
    assert disposition_action_words("cold chain dispositioned accept") == (
        "cold chain accepted by QA"
    )
    assert disposition_action_words("cold chain dispositioned reject") == (
        "cold chain rejected by QA"
    )
    assert operation_words("cold chain dispositioned accept") == "Cold chain accepted by QA"
    assert action_in_words("cold chain dispositioned reject") == "cold chain rejected by QA"
    assert operation_words("side state none -> on_hold") == "Side state none -> on hold"
    assert operation_words("receipt verified") == "Receipt verified"
