"""The station's case: chosen by scanning its COI bar code or typing the COI with its check
character, and only when it is a case on record for the signed-in user."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.casefile import list_cases
from app.core import Actor, CoiError, Database
from app.core import coi_text as checked_coi_text
from app.journey import CaseView, find_case
from app.scanning import WedgeScan, case_coi
from labels.isbt128 import CoiIdentifier, InvalidCoi


def coi_text(coi: CoiIdentifier) -> str:
    """``CH G1234 26 000001 [4]``: the COI as printed, check character in brackets."""
    return checked_coi_text(coi.code, coi.check_character)


def expected_next(
    blocked: bool, coi: CoiIdentifier | None, unreadable: bool = False
) -> tuple[str, str]:
    """What the station expects next, and the scan field's placeholder, in words."""
    if blocked and unreadable:
        return (
            # One line, as the others while a case is chosen: the scan field below never moves
            # when a scan is refused (issue 16).
            "Could not read — acknowledge (F12), then scan again",
            "Paused until the unread scan is acknowledged",
        )
    if blocked:
        return (
            "STOP — acknowledge the refused scan (button or F12)",
            "BLOCKED until the refused scan is acknowledged",
        )
    if coi is None:
        return (
            "Scan the case COI bar code, or type the COI with its check character, "
            "then press Enter",
            "Case COI, e.g. CH G1234 26 000001 4",
        )
    return (
        f"Scan a container of COI {coi_text(coi)}",
        "Scan the container's DIN or 2-D code",
    )


@dataclass(frozen=True)
class CaseChoice:
    """The case an entry chose (None: not chosen), and the banner and history words."""

    coi: CoiIdentifier | None
    headline: str
    detail: str
    history: str
    case: CaseView | None = None
    """The chosen case as the user may see it, for the pinned header (None: not chosen, or
    not read)."""


def case_on_record(
    database: Database, actor: Actor, coi: CoiIdentifier
) -> tuple[uuid.UUID | None, str | None]:
    """The id of the case ``coi`` names, or why it cannot be the station's case.

    Checked before any container is scanned against it, so a well-formed COI of a case that
    does not exist (or is another site's) cannot turn every scan into a refusal. One indexed
    read, on the GUI thread (as the case's read for the header): it is quick and the scan must
    wait for it anyway.
    """
    try:
        page = list_cases(database, actor, search=coi.code, limit=2)
    except CoiError as error:
        return None, f"The case could not be looked up: {error.message} Try again."
    for row in page.rows:
        if row.coi == coi.code:
            return row.id, None
    return None, (
        f"No case with COI {coi_text(coi)} is on record for you: check the COI on the "
        "label or wristband, or ask whether the case belongs to another site."
    )


def choose_case(database: Database, actor: Actor, scan: WedgeScan) -> CaseChoice:
    """The case ``scan`` names, if it is one on record for ``actor``."""
    try:
        coi = case_coi(scan)
    except InvalidCoi as refusal:
        return CaseChoice(
            None, "⚠ COI NOT ACCEPTED", str(refusal), f"⚠ COI not accepted: {scan.shown}"
        )
    case_id, problem = case_on_record(database, actor, coi)
    if case_id is None or problem is not None:
        return CaseChoice(
            None, "⚠ CASE NOT FOUND", problem or "", f"⚠ case not found: COI {coi_text(coi)}"
        )
    return CaseChoice(
        coi,
        "ℹ CASE CHOSEN",
        f"COI {coi_text(coi)}. Now scan each container of this case.",
        f"ℹ case chosen: COI {coi_text(coi)}",
        _case_shown(database, actor, case_id),
    )


def _case_shown(database: Database, actor: Actor, case_id: uuid.UUID) -> CaseView | None:
    """The case for the pinned header, the patient left out for every role not allowed to see
    identity (`find_case`); None when it cannot be read (the header then names the COI)."""
    try:
        return find_case(database, actor, case_id)
    except CoiError:
        return None
