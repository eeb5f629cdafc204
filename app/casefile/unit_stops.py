"""The containers of a case in a side state, in a few words for the case list and header.

A case that is itself usable may have a container on hold or in quarantine; the list's "—"
said nothing of it (issue 16 review). ``On hold (1 container: label damaged)``: the state,
the containers counted, and why in short — a person's own reason, else the typed cause.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.journey import CAUSE_WORDS
from db.enums import SideState, SideStateCause
from db.models import Unit

REASON_SHOWN = 40
"""The most of a person's reason the short words carry (the holds panel shows it whole)."""


def stops_in_words(stops: Iterable[tuple[SideState, str | None]]) -> str:
    """``On hold (2 containers: recall; label damaged), Quarantined (1 container: cold
    chain)`` from each stopped container's state and why; "" when there is none. The state
    leads, so a narrow column that elides the rest still says it."""
    whys: dict[str, list[str]] = defaultdict(list)
    for state, why in stops:
        if state is SideState.NONE:
            continue
        whys[state.value.replace("_", " ").capitalize()].append(why or "")
    parts = []
    for words, reasons in sorted(whys.items()):
        count = len(reasons)
        named = "; ".join(sorted({reason for reason in reasons if reason}))
        containers = f"{count} container{'s' if count > 1 else ''}"
        parts.append(f"{words} ({containers}{f': {named}' if named else ''})")
    return ", ".join(parts)


def short_why(cause: SideStateCause | None, reason: str | None) -> str:
    """Why a container is stopped, in short: a person's own reason (cut short) for a state
    they set, else the typed cause in words."""
    text = (reason or "").strip()
    if cause in {None, SideStateCause.MANUAL} and text:
        return text if len(text) <= REASON_SHOWN else f"{text[: REASON_SHOWN - 1]}…"
    return CAUSE_WORDS[cause or SideStateCause.MANUAL]


def stops_of_cases(session: Session, case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The stopped containers of each of ``case_ids`` in words (cases with none left out)."""
    if not case_ids:
        return {}
    units = session.scalars(
        select(Unit)
        .where(Unit.case_id.in_(case_ids), Unit.side_state != SideState.NONE)
        .order_by(Unit.id)
    )
    stops: dict[uuid.UUID, list[tuple[SideState, str | None]]] = defaultdict(list)
    for unit in units:
        why = short_why(unit.side_state_cause, unit.side_state_reason)
        stops[unit.case_id].append((unit.side_state, why))
    return {case_id: stops_in_words(found) for case_id, found in stops.items()}
