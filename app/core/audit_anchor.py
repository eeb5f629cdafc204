"""The chain head kept outside the database: the anchor file and the printed seal.

Every commit that appends audit events then appends ``seq hash time`` to this workstation's
anchor file for the database (beside the audit key, fsync'd), after the database commit
succeeded: a crash in between leaves the database *ahead* of the anchor, never behind. A
database behind its anchor lost events; one whose event at an anchored seq has another hash
was rewritten. The seal (``COI-AUDIT-SEAL v1 seq=N hash=H``) is the same head printed on
reports and exports, to be checked later with ``coi audit verify --seal``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import URL, make_url

from app.core.config import audit_key_path
from app.core.errors import ValidationFailed
from db.engine import sqlite_path
from db.types import utc_now

log = logging.getLogger(__name__)

ANCHOR_DIRECTORY = "audit-anchors"
SEAL_PREFIX = "COI-AUDIT-SEAL v1"
_SEAL = re.compile(r"COI-AUDIT-SEAL\s+v1\s+seq=(\d+)\s+hash=([0-9a-fA-F]{16,64})\b")


@dataclass(frozen=True)
class ChainHead:
    """The newest event's sequence number and hash (seq 0: an empty chain)."""

    seq: int
    hash: str


def seal_text(head: ChainHead) -> str:
    """The printed form of a chain head: ``COI-AUDIT-SEAL v1 seq=N hash=H``."""
    return f"{SEAL_PREFIX} seq={head.seq} hash={head.hash}"


def parse_seal(text: str) -> ChainHead:
    """Read a seal from text (a report footer, a QR code); the hash may be shortened to 16."""
    found = _SEAL.search(text)
    if found is None:
        raise ValidationFailed(
            f"{text!r} is not an audit seal: it reads 'COI-AUDIT-SEAL v1 seq=N hash=HEX' "
            "(at least 16 hex digits of the hash)."
        )
    return ChainHead(int(found.group(1)), found.group(2).lower())


def number(value: int) -> str:
    """``1097`` → ``1 097`` (how counts are written in messages)."""
    return f"{value:,}".replace(",", " ")


def database_location(url: str | URL) -> str:
    """What identifies a database across connections: its file, or server and name."""
    parsed = make_url(url)
    path = sqlite_path(parsed)
    if path is not None:
        return f"sqlite:{path.resolve()}"
    return f"postgresql://{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database}"


def anchor_path(url: str | URL) -> Path:
    """This workstation's anchor file for the database at ``url`` (beside the audit key)."""
    location = database_location(url)
    digest = hashlib.sha256(location.encode("utf-8")).hexdigest()[:24]
    return audit_key_path().parent / ANCHOR_DIRECTORY / f"{digest}.anchor"


def record_anchor(url: str | URL, head: ChainHead) -> Path:
    """Append ``head`` to the anchor file (created with a header naming the database)."""
    path = anchor_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = f"{head.seq} {head.hash} {utc_now().strftime('%Y-%m-%dT%H:%M:%S.%fZ')}\n"
    descriptor = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        size = os.fstat(descriptor).st_size
        if size == 0:
            line = f"# COI audit anchor for {database_location(url)}\n{line}"
        elif os.pread(descriptor, 1, size - 1) != b"\n":
            line = f"\n{line}"  # after a line a crash cut short
        os.write(descriptor, line.encode("utf-8"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return path


def anchor_head(url: str | URL, head: ChainHead) -> None:
    """Record a committed head; a failure is logged (verify then shows the database ahead)."""
    try:
        record_anchor(url, head)
    except OSError:
        log.exception("the audit anchor could not be written: verify will show the database ahead")


def set_anchor_aside(url: str | URL) -> Path | None:
    """Move aside (``….anchor.replaced-TIME``, kept) the anchor an earlier database at the same
    place left, before a new database there is written: it would raise a false tamper alarm."""
    path = anchor_path(url)
    if not path.exists():
        return None
    stamp = utc_now().strftime("%Y%m%dT%H%M%S%fZ")
    moved = path.with_name(f"{path.name}.replaced-{stamp}")
    path.rename(moved)
    return moved


def remove_anchor(url: str | URL) -> None:
    """Forget the anchor of a database that is deliberately deleted and made anew (demo)."""
    anchor_path(url).unlink(missing_ok=True)


@dataclass(frozen=True)
class Anchor:
    """What an anchor file holds: each anchored seq's hash, and the newest."""

    path: Path
    hashes: dict[int, str]
    newest: ChainHead | None
    damaged_lines: tuple[int, ...] = ()


def read_anchor(url: str | URL) -> Anchor | None:
    """The anchor of the database at ``url``, or None when this workstation holds none."""
    path = anchor_path(url)
    try:
        raw = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    hashes: dict[int, str] = {}
    damaged: list[int] = []
    lines = raw.split("\n")
    complete = lines[:-1]  # the text after the last newline is a line a crash cut short
    for number_, line in enumerate(complete, start=1):
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) < 2 or not parts[0].isdigit() or not re.fullmatch(r"[0-9a-f]{64}", parts[1]):
            damaged.append(number_)
            continue
        hashes[int(parts[0])] = parts[1]
    newest = None
    if hashes:
        seq = max(hashes)
        newest = ChainHead(seq, hashes[seq])
    return Anchor(path, hashes, newest, tuple(damaged))


@dataclass(frozen=True)
class AnchorCheck:
    """The database compared with this workstation's anchor."""

    path: Path | None
    seq: int | None
    hash: str | None
    matches: bool | None
    """None: no anchor here for this database (nothing to compare)."""
    ahead: int = 0
    """Events the database holds beyond the anchor (written elsewhere, or a crash)."""
    problem: str | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The ``anchor`` part of verify's JSON."""
        return {
            "seq": self.seq,
            "hash": self.hash,
            "matches": self.matches,
            "ahead": self.ahead,
            "file": str(self.path) if self.path else None,
        }


def compare_anchor(
    anchor: Anchor | None, database_head: int, differing: list[tuple[int, str, str]]
) -> AnchorCheck:
    """Judge the walk's findings: truncation, rewritten anchored events, or ahead."""
    if anchor is None or anchor.newest is None:
        path = anchor.path if anchor else None
        none = "no anchor on this workstation for this database (nothing written to it here)"
        return AnchorCheck(path, None, None, None, note=none)
    newest = anchor.newest
    problems: list[str] = []
    if database_head < newest.seq:
        first = database_head + 1
        span = (
            f"event {number(first)} is"
            if first == newest.seq
            else f"events {number(first)}–{number(newest.seq)} are"
        )
        problems.append(
            f"{span} missing: the database ends at {number(database_head)}, the anchor at "
            f"{number(newest.seq)}"
        )
    if differing:
        seq, anchored, held = differing[0]
        more = f" ({len(differing)} anchored events differ in all)" if len(differing) > 1 else ""
        problems.append(
            f"event {number(seq)} differs from the anchor: the anchor recorded hash "
            f"{anchored[:16]}…, the database holds {held[:16]}… (rewritten or replaced){more}"
        )
    ahead = max(0, database_head - newest.seq)
    notes: list[str] = []
    if ahead:
        notes.append(
            f"the database is {number(ahead)} event{'s' if ahead > 1 else ''} ahead of this "
            f"workstation's anchor (written by another workstation, or the anchor write after "
            "a commit was cut short)"
        )
    if anchor.damaged_lines:
        lines = ", ".join(str(line) for line in anchor.damaged_lines)
        notes.append(f"lines {lines} of the anchor file {anchor.path} are unreadable (ignored)")
    note = "; ".join(notes) or None
    return AnchorCheck(
        anchor.path,
        newest.seq,
        newest.hash,
        matches=not problems,
        ahead=ahead,
        problem="; ".join(problems) or None,
        note=note,
    )


@dataclass(frozen=True)
class SealCheck:
    """The database compared with a seal read from a printed report."""

    seq: int
    hash: str
    matches: bool
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The ``seal`` part of verify's JSON."""
        return {"seq": self.seq, "hash": self.hash, "matches": self.matches}


def compare_seal(seal: ChainHead, database_head: int, held: str | None) -> SealCheck:
    """``held``: the database's hash at the seal's seq (None when it ends before)."""
    if seal.seq == 0:
        return SealCheck(seal.seq, seal.hash, True)
    if held is None:
        return SealCheck(
            seal.seq,
            seal.hash,
            False,
            f"events {number(database_head + 1)}–{number(seal.seq)} are missing: the database "
            f"ends at {number(database_head)}, the seal names event {number(seal.seq)}",
        )
    if not held.startswith(seal.hash):
        return SealCheck(
            seal.seq,
            seal.hash,
            False,
            f"event {number(seal.seq)} differs from the seal: the seal reads hash "
            f"{seal.hash[:16]}…, the database holds {held[:16]}… (rewritten or replaced)",
        )
    return SealCheck(seal.seq, seal.hash, True)
