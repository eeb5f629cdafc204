"""Temperature verdicts of a case's shipments, as the vein-to-vein timeline shows them.

Each shipment leg is judged by its data-logger files (``app.coldchain.records``): the verdict,
the longest and cumulative excursion, and QA's disposition when the verdict was not within
limits. A logger import or a disposition shows the file it is about; a verified receipt shows
the leg's latest file, or says that no file was imported.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.casefile.queries import user_names
from app.coldchain import DISPOSITIONED_PREFIX, disposition_words
from app.core import sscc_text
from db.enums import Disposition, ShipmentDirection, Verdict
from db.models import LoggerFile, Shipment, StageRecord

LEG_NAMES = {
    ShipmentDirection.TO_MANUFACTURER: "to the manufacturer",
    ShipmentDirection.TO_CLINIC: "to the clinic",
}
LOGGER_IMPORTED = "logger file imported"
RECEIPT_VERIFIED = "receipt verified"


@dataclass(frozen=True)
class ColdChainVerdict:
    """One shipment leg's temperature verdict from one logger file, and QA's disposition."""

    sscc: str
    leg: str
    file_name: str | None
    """None when no logger file was imported for the shipment."""
    verdict: Verdict | None
    excursions: int
    longest_excursion_min: float | None
    cumulative_excursion_min: float | None
    gaps: int
    disposition: Disposition | None
    dispositioned_by: str | None
    dispositioned_at: datetime | None

    @property
    def within_limits(self) -> bool:
        """True when the file shows the leg within its temperature limits."""
        return self.verdict is Verdict.WITHIN_LIMITS

    @property
    def rejected(self) -> bool:
        """True when QA rejected the material for this verdict."""
        return self.disposition is Disposition.REJECT

    @property
    def words(self) -> str:
        """The verdict in plain words, with the excursion minutes and the disposition."""
        head = f"Cold chain of {sscc_text(self.sscc)} ({self.leg})"
        if self.file_name is None:
            return f"{head}: no logger file imported — temperature not assessed"
        if self.verdict is None:
            return f"{head}: not assessed ({self.file_name})"
        if self.within_limits:
            return f"{head}: within limits, no excursion ({self.file_name})"
        verdict = "incomplete data" if self.verdict is Verdict.INCOMPLETE else "excursion"
        facts = [self._excursion_facts()]
        if self.gaps:
            facts.append(f"{self.gaps} data gap{'s' if self.gaps != 1 else ''}")
        if self.disposition is None:
            decision = "awaiting QA disposition"
        else:
            when = f"{self.dispositioned_at:%Y-%m-%d %H:%M} UTC" if self.dispositioned_at else ""
            decision = (
                f"{disposition_words(self.disposition)} by "
                f"{self.dispositioned_by or 'QA'} {when}".rstrip()
            )
        return f"{head}: {verdict}, {decision} — {'; '.join(facts)} ({self.file_name})"

    def _excursion_facts(self) -> str:
        if not self.excursions:
            return "no excursion"
        count = f"{self.excursions} excursion{'s' if self.excursions != 1 else ''}"
        return (
            f"{count}, longest {_minutes(self.longest_excursion_min)}, "
            f"cumulative {_minutes(self.cumulative_excursion_min)}"
        )


def _minutes(value: float | None) -> str:
    return "— min" if value is None else f"{value:.1f} min"


class ShipmentColdChain:
    """The logger files of a set of shipments, loaded once, and the verdict each record shows."""

    def __init__(self, session: Session, shipment_ids: Iterable[uuid.UUID | None]) -> None:
        wanted = {i for i in shipment_ids if i is not None}
        self.shipments: dict[uuid.UUID, Shipment] = {}
        self.files: list[LoggerFile] = []
        self._people: dict[uuid.UUID, str] = {}
        if not wanted:
            return
        self.shipments = {
            s.id: s for s in session.scalars(select(Shipment).where(Shipment.id.in_(wanted)))
        }
        self.files = list(
            session.scalars(
                select(LoggerFile)
                .where(LoggerFile.shipment_id.in_(wanted))
                .order_by(LoggerFile.imported_at, LoggerFile.id)
            )
        )
        self._people = user_names(session, [f.dispositioned_by_id for f in self.files])

    def file_of(self, record: StageRecord) -> LoggerFile | None:
        """The logger file a logger import or disposition record is about (None otherwise)."""
        if record.shipment_id is None or not (
            record.action == LOGGER_IMPORTED or record.action.startswith(DISPOSITIONED_PREFIX)
        ):
            return None
        files = [f for f in self.files if f.shipment_id == record.shipment_id]
        sha256 = json.loads(record.details or "{}").get("sha256")
        named = [f for f in files if f.sha256 == sha256]
        candidates = named or files
        return candidates[-1] if candidates else None

    def verdict_for(self, record: StageRecord) -> ColdChainVerdict | None:
        """The verdict a timeline record shows: its own file, or its shipment's latest one."""
        if record.shipment_id is None or record.shipment_id not in self.shipments:
            return None
        shipment = self.shipments[record.shipment_id]
        own = self.file_of(record)
        if own is not None:
            return self._verdict(shipment, own)
        if record.action != RECEIPT_VERIFIED:
            return None  # packing and hand-over come before any logger file
        files = [f for f in self.files if f.shipment_id == shipment.id]
        return self._verdict(shipment, files[-1] if files else None)

    def _verdict(self, shipment: Shipment, row: LoggerFile | None) -> ColdChainVerdict:
        report = json.loads(row.assessment or "{}") if row is not None else {}
        by = row.dispositioned_by_id if row is not None else None
        return ColdChainVerdict(
            sscc=shipment.sscc,
            leg=LEG_NAMES.get(shipment.direction, shipment.direction.value),
            file_name=row.file_name if row is not None else None,
            verdict=row.verdict if row is not None else None,
            excursions=len(report.get("excursions", [])),
            longest_excursion_min=report.get("longest_excursion_min"),
            cumulative_excursion_min=report.get("cumulative_excursion_min"),
            gaps=len(report.get("gaps", [])),
            disposition=row.disposition if row is not None else None,
            dispositioned_by=self._people.get(by) if by is not None else None,
            dispositioned_at=row.dispositioned_at if row is not None else None,
        )
