"""``coi audit verify`` as a whole: the keyed chain, the anchor, a seal, the triggers.

``ok`` holds only when every part holds: the chain re-walks under its key, the database is not
behind or different from this workstation's anchor (ahead is fine), a given seal matches, the
append-only triggers are in place and enabled, and no record differs from its audit trail
(``record_mismatches``, filled in by the audit context's reconciliation).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.core.audit_anchor import (
    AnchorCheck,
    ChainHead,
    SealCheck,
    compare_anchor,
    read_anchor,
    seal_text,
)
from app.core.audit_chain import ChainVerification, KeyedPart, chain_head, verify_chain
from app.core.collection_pause import collection_paused
from app.core.database import Database
from app.core.record_reconciliation import (
    Reconciliation,
    SignatureDigest,
    audited_replay,
    reconcile_every_record,
)
from db import audit_triggers


@dataclass(frozen=True)
class AuditVerification:
    """Everything verify found; ``problems`` says it in words."""

    chain: ChainVerification
    anchor: AnchorCheck
    trigger_problems: tuple[str, ...]
    seal: SealCheck | None = None
    record_mismatches: tuple[Mapping[str, Any], ...] = ()
    reconciliation: Reconciliation | None = None
    """The reconciliation the mismatches come from (None: records were not reconciled)."""

    @property
    def events(self) -> int:
        """How many events were read."""
        return self.chain.events

    @property
    def first_broken_seq(self) -> int | None:
        """The first event whose sequence, link or hash does not hold."""
        return self.chain.first_broken_seq

    @property
    def keyed(self) -> KeyedPart | None:
        """Which part of the chain is keyed."""
        return self.chain.keyed

    @property
    def triggers_ok(self) -> bool:
        """The append-only triggers are present, unaltered and enabled."""
        return not self.trigger_problems

    @property
    def ok(self) -> bool:
        """True only when every check holds."""
        return (
            self.chain.ok
            and self.anchor.matches is not False
            and (self.seal is None or self.seal.matches)
            and self.triggers_ok
            and not self.record_mismatches
        )

    @property
    def problems(self) -> tuple[str, ...]:
        """Each failed check in words."""
        found: list[str] = []
        if not self.chain.ok:
            where = (
                f"audit event {self.chain.first_broken_seq}: "
                if self.chain.first_broken_seq is not None
                else "audit chain: "
            )
            found.append(where + (self.chain.problem or "broken"))
        if self.anchor.problem:
            found.append(f"anchor: {self.anchor.problem}")
        if self.seal is not None and self.seal.problem:
            found.append(f"seal: {self.seal.problem}")
        found.extend(f"triggers: {problem}" for problem in self.trigger_problems)
        if self.record_mismatches:
            found.append(_records_differ(len(self.record_mismatches)))
        return tuple(found)

    @property
    def problem(self) -> str | None:
        """The first problem, or None."""
        return self.problems[0] if self.problems else None

    @property
    def notes(self) -> tuple[str, ...]:
        """What is worth knowing but not wrong (the database ahead of the anchor, no anchor)."""
        return tuple(note for note in (self.anchor.note,) if note)

    def as_dict(self) -> dict[str, Any]:
        """The JSON printed by ``coi audit verify``."""
        result: dict[str, Any] = {
            "events": self.events,
            "ok": self.ok,
            "first_broken_seq": self.first_broken_seq,
            "keyed": self.keyed.as_dict() if self.keyed else None,
            "anchor": self.anchor.as_dict(),
            "triggers_ok": self.triggers_ok,
            "record_mismatches": [dict(mismatch) for mismatch in self.record_mismatches],
        }
        if self.seal is not None:
            result["seal"] = self.seal.as_dict()
        result["problems"] = list(self.problems)
        result["notes"] = list(self.notes)
        return result


def verify_database(
    database: Database,
    *,
    seal: ChainHead | None = None,
    records: bool = False,
    digest: SignatureDigest | None = None,
) -> AuditVerification:
    """Verify the audit trail of ``database`` (read-only); a missing or wrong key raises.

    ``records``: also reconcile every audited record with the trail (and, given ``digest``,
    every signature with its record), replaying the events in the same walk that checks the
    chain, all in one snapshot of the database.
    """
    anchor = read_anchor(database.engine.url)
    with collection_paused(), database.engine.connect() as connection:
        if records and connection.dialect.name == "postgresql":
            # Events and rows of one moment: a write committed between the two reads is no
            # mismatch (SQLite's read transaction is a snapshot already).
            connection.execution_options(isolation_level="REPEATABLE READ")
        replay = audited_replay() if records else None
        chain = verify_chain(connection, anchor=anchor, seal=seal, replay=replay)
        triggers = tuple(audit_triggers.problems(connection))
        reconciliation = (
            reconcile_every_record(connection, digest, replay if replay and replay.filled else None)
            if records
            else None
        )
    anchor_check = chain.anchor or compare_anchor(None, chain.events, [])
    return AuditVerification(
        chain,
        anchor_check,
        triggers,
        chain.seal,
        record_mismatches=tuple(reconciliation.as_list()) if reconciliation else (),
        reconciliation=reconciliation,
    )


def current_seal(database: Database) -> str:
    """The seal of the chain's head now, for a report or export to print."""
    with database.engine.connect() as connection:
        return seal_text(chain_head(connection))


def _records_differ(count: int) -> str:
    if count == 1:
        return "1 record differs from its audit trail"
    return f"{count} records differ from their audit trail"


def _broken_in_words(result: AuditVerification) -> str:
    parts = []
    if not result.chain.ok and result.first_broken_seq is not None:
        parts.append(f"Broken at event {result.first_broken_seq}: {result.chain.problem}.")
    elif not result.chain.ok:
        parts.append(f"The audit chain does not hold: {result.chain.problem}.")
    if result.anchor.problem:
        parts.append(f"Against this workstation's anchor: {result.anchor.problem}.")
    if result.seal is not None and result.seal.problem:
        parts.append(f"Against the seal: {result.seal.problem}.")
    parts.extend(problem[0].upper() + problem[1:] + "." for problem in result.trigger_problems)
    if result.record_mismatches:
        parts.append(_records_differ(len(result.record_mismatches)) + ".")
    return f"✖ {' '.join(parts)} {result.events} events read. Report this to QA at once."


def _keyed_in_words(keyed: KeyedPart | None) -> str | None:
    if keyed is None:
        return None
    if keyed.key_id is None:
        return "No event is keyed yet."
    if keyed.from_seq > 1:
        return (
            f"Events from {keyed.from_seq} on are keyed with audit key {keyed.key_id} "
            f"(1–{keyed.from_seq - 1} were written before the key)."
        )
    return f"Every event is keyed with audit key {keyed.key_id}."


def verification_in_words(result: AuditVerification) -> str:
    """What verify found, in sentences for the audit screen."""
    if not result.ok:
        return _broken_in_words(result)
    sentences = [f"✔ Intact: all {result.events} audit events verify."]
    keyed = _keyed_in_words(result.keyed)
    if keyed:
        sentences.append(keyed)
    anchor = result.anchor
    if anchor.matches and anchor.seq is not None:
        sentences.append(f"The database holds this workstation's anchor at event {anchor.seq}.")
    if anchor.note:
        sentences.append(anchor.note[0].upper() + anchor.note[1:] + ".")
    if result.seal is not None:
        sentences.append(f"The seal of event {result.seal.seq} matches.")
    sentences.append("The append-only triggers are in place.")
    return " ".join(sentences)
