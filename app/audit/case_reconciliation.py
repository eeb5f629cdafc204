"""The reconciliation of the records of the cases a screen shows, cheap enough on opening a case.

Scoped to the records the trail's case filter names (``case_record_keys``): the case, its
patient and identity, units, labels, custody, scans, stage records, steps, QC results,
releases, deviations, shipments, logger files and the signatures on them. A few indexed
queries per case, whatever the size of the trail.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select

from app.audit.case_records import CASE_RECORD_TABLES, case_record_keys
from app.audit.reconciliation import Reconciliation, reconcile_scope
from app.core import Actor, Database, NotFound, NotPermitted, ensure_standing
from db.models import Case


def reconcile_cases(
    database: Database, actor: Actor, case_ids: Iterable[uuid.UUID]
) -> Reconciliation:
    """Reconcile the records of ``case_ids`` with the trail and check their signatures.

    The actor sees the result for cases of their own site only (clinic or manufacturer), as
    on the case screens.
    """
    wanted = list(dict.fromkeys(case_ids))
    with database.read_session() as session:
        ensure_standing(session, actor)
        keys: set[str] = set()
        for case_id in wanted:
            sites = session.execute(
                select(Case.clinic_site_id, Case.manufacturing_site_id).where(Case.id == case_id)
            ).first()
            if sites is None:
                raise NotFound("That case does not exist.")
            if actor.site_id is None or actor.site_id not in tuple(sites):
                raise NotPermitted(
                    "The records of a case are checked by the staff of its clinic or its "
                    f"manufacturer; {actor.username} works at another site."
                )
            keys |= case_record_keys(session, case_id)
        return reconcile_scope(session.connection(), keys, CASE_RECORD_TABLES)
