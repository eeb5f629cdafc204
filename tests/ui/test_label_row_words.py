"""The words a container's label row shows, for a label job left 'sending'."""

from __future__ import annotations

import uuid

from app.labelling import LabelReconciliation
from ui.widgets.label_rows import bag_label_text, labels_text


def test_a_job_never_confirmed_is_named_for_reconciliation() -> None:
    unit = uuid.uuid4()
    sending = LabelReconciliation(unit, issued=2, applied=1, voided=0, sending=1)
    assert not sending.reconciled
    for words in (labels_text(sending), bag_label_text(sending)):
        assert "never confirmed" in words and "void it" in words
    confirmed = LabelReconciliation(unit, issued=1, applied=1, voided=0)
    assert "never confirmed" not in labels_text(confirmed) + bag_label_text(confirmed)
