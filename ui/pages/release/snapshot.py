"""What the QC & release page shows of a batch, read in one background task."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.casefile import (
    CaseRow,
    CaseStage,
    QcSpecView,
    ReleaseRecord,
    Role,
    list_cases,
    qc_signatures,
    qc_specifications,
    release_record,
)
from app.core import Actor, Database
from app.journey import (
    CaseView,
    Checklist,
    QcResultView,
    find_case,
    qc_results_of_case,
    release_checklist,
)

RELEASE_STAGES = (CaseStage.QC_PENDING_RELEASE, CaseStage.RELEASED)
"""Batches the page lists: waiting for QC and release, and released but not yet shipped."""


@dataclass(frozen=True)
class BatchSnapshot:
    """One batch as the page shows it, read in one background task."""

    case: CaseView
    specs: tuple[QcSpecView, ...]
    results: dict[str, QcResultView]
    """The latest result of each test, by test code."""
    signatures: dict[uuid.UUID, tuple[str, ...]]
    checklist: Checklist | None
    release: ReleaseRecord | None


def read_batches(database: Database, actor: Actor) -> list[CaseRow]:
    """The actor's site's batches in QC / pending release, then those released."""
    return [
        row for stage in RELEASE_STAGES for row in list_cases(database, actor, stage=stage).rows
    ]


def read_batch(database: Database, actor: Actor, case_id: uuid.UUID) -> BatchSnapshot:
    """Everything the page shows of one batch."""
    specs = tuple(qc_specifications(database, actor, case_id))
    results = {view.test_code: view for view in qc_results_of_case(database, case_id)}
    checklist = (
        release_checklist(database, actor, case_id) if actor.has_role(Role.QA, Role.QP) else None
    )
    return BatchSnapshot(
        find_case(database, actor, case_id),
        specs,
        results,
        qc_signatures(database, actor, case_id),
        checklist,
        release_record(database, actor, case_id),
    )
