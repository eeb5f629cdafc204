"""QA reviews several QC results under one signature (app.journey.review_qc_results), on both
backends: one password, one signature listing each result, one audit event per result naming
that signature. Attacked: nothing ticked, a result twice, the wrong role, a wrong password, an
already-reviewed result in the set, a replaced value, and a result edited after signing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from app.audit import reconcile_database
from app.core.errors import AuthenticationFailed, NotPermitted, ValidationFailed
from app.journey import review_qc_results
from app.journey.qc import correct_qc_result, enter_qc_result, review_qc_result
from app.journey.qc_review import REVIEW_SET
from app.quality import verify_set_signature
from db.enums import SignatureMeaning
from db.models import AuditEvent, QcResult, Signature
from tests.journey.steps import DEMO_PASSWORD
from tests.journey.test_qc_corrections import batch_at_qc, qc_item

RESULTS = {
    "sterility": "no growth",
    "mycoplasma": "not detected",
    "endotoxin": "0.1",
    "viability": "85",
    "cd3_identity": "95",
    "car_expression": "40",
    "vcn": "2.1",
    "dose": "1.2e8",
}


def _reviewed(db: Any) -> int:
    with db.read_session() as session:
        query = (
            select(func.count()).select_from(QcResult).where(QcResult.reviewed_by_id.is_not(None))
        )
        return int(session.scalar(query) or 0)


def test_several_results_are_reviewed_under_one_signature(demo: Any, tmp_path: Path) -> None:
    case = batch_at_qc(demo, tmp_path)
    db, quinn, asha = demo.database, demo["quinn.qc"], demo["asha.qa"]
    # issue 16 review: a pending result is not reviewed together with the entered ones
    waiting = enter_qc_result(db, quinn, case.id, "sterility", "pending")
    dose = enter_qc_result(db, quinn, case.id, "dose", RESULTS["dose"])
    with pytest.raises(ValidationFailed, match="Sterility is still pending"):
        review_qc_results(db, asha, [dose.id, waiting.id], DEMO_PASSWORD)
    assert _reviewed(db) == 0
    views = {
        test: enter_qc_result(db, quinn, case.id, test, value)
        for test, value in RESULTS.items()
        if test != "dose"
    } | {"dose": dose}
    ids = [view.id for view in views.values()]

    with pytest.raises(ValidationFailed, match="Tick the QC results"):
        review_qc_results(db, asha, [], DEMO_PASSWORD)
    with pytest.raises(ValidationFailed, match="listed twice"):
        review_qc_results(db, asha, [ids[0], ids[1], ids[0]], DEMO_PASSWORD)
    with pytest.raises(NotPermitted):
        review_qc_results(db, quinn, ids, DEMO_PASSWORD)
    with pytest.raises(AuthenticationFailed):
        review_qc_results(db, asha, ids, "not the password")
    assert _reviewed(db) == 0  # nothing of a refused set is kept

    # One result already reviewed on its own: the whole set is refused, naming it.
    review_qc_result(db, asha, views["sterility"].id, DEMO_PASSWORD)
    with pytest.raises(ValidationFailed, match="Sterility is already reviewed"):
        review_qc_results(db, asha, ids, DEMO_PASSWORD)
    assert _reviewed(db) == 1
    # A replaced value is refused too.
    fixed = correct_qc_result(db, quinn, case.id, "viability", "86", "Transcription error")
    with pytest.raises(ValidationFailed, match="replaced by a correction"):
        review_qc_results(db, asha, ids[1:], DEMO_PASSWORD)

    rest = [views[t].id for t in RESULTS if t not in {"sterility", "viability"}] + [fixed.id]
    reviewed = review_qc_results(db, asha, rest, DEMO_PASSWORD)
    assert [v.id for v in reviewed] == rest and all(v.reviewed for v in reviewed)
    assert qc_item(demo, case)[0] is True

    with db.read_session() as session:
        signatures = list(
            session.scalars(select(Signature).where(Signature.record_type == REVIEW_SET))
        )
        assert len(signatures) == 1
        signature = signatures[0]
        assert (signature.meaning, signature.signer_username) == (
            SignatureMeaning.REVIEWED,
            "asha.qa",
        )
        assert signature.record_id == str(case.id)
        comment = signature.comment or ""
        assert comment.startswith(f"Reviewed 7 QC results of batch {case.coi}: ")
        for view in reviewed:  # the manifestation lists each result as QA saw it
            assert f"{view.test_name} = {view.value}" in comment
        events = list(
            session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "review QC result",
                    AuditEvent.record_id.in_([str(i) for i in rest]),
                )
            )
        )
        assert sorted(e.record_id for e in events) == sorted(str(i) for i in rest)
        assert all(str(signature.id) in (e.reason or "") for e in events)
        rows = [session.get(QcResult, i) for i in rest]
        assert all(row is not None for row in rows)
        assert verify_set_signature(signature, [r for r in rows if r is not None]).intact

    assert reconcile_database(db).ok  # the set signature is an audited record like any other

    # A value edited behind the application after signing breaks the one signature.
    with db.engine.begin() as conn:
        conn.execute(update(QcResult).where(QcResult.id == rest[0]).values(value_text="tampered"))
    with db.read_session() as session:
        signature = session.scalars(
            select(Signature).where(Signature.record_type == REVIEW_SET)
        ).one()
        rows = [session.get(QcResult, i) for i in rest]
        assert not verify_set_signature(signature, [r for r in rows if r is not None]).intact
