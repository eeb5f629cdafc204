"""Names of the signatures and QC specifications a page of audit events is on.

They are many (a signature per signed step), so only those of the rows shown are read: a
signature by its meaning and signer ("Verified by Ian Infusion"), a QC specification by its
name ("Viability"). The id stays in the tooltip and the CSV.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, select

from db.models import QcSpecification, Signature

_SIGNATURE = Signature.__table__.c
_SPECIFICATION = QcSpecification.__table__.c


def _ids(rows: Iterable[Sequence[Any]], record_type: str) -> list[str]:
    """The record ids of ``record_type`` among audit rows (record type at 6, id at 7)."""
    return sorted({str(r[7]) for r in rows if r[6] == record_type})


def record_names(connection: Connection, rows: Sequence[Sequence[Any]]) -> dict[str, str]:
    """By id, the signatures and QC specifications the audit ``rows`` are on, in words."""
    names: dict[str, str] = {}
    signatures = _ids(rows, "signature")
    if signatures:
        query = select(_SIGNATURE.id, _SIGNATURE.meaning, _SIGNATURE.signer_name).where(
            _SIGNATURE.id.in_(_uuids(signatures))
        )
        for ident, meaning, signer in connection.execute(query):
            words = str(getattr(meaning, "value", meaning)).capitalize()
            names[str(ident)] = f"{words} by {signer}"
    specifications = _ids(rows, "qc_specification")
    if specifications:
        query = select(_SPECIFICATION.id, _SPECIFICATION.name).where(
            _SPECIFICATION.id.in_(_uuids(specifications))
        )
        for row in connection.execute(query):
            names[str(row[0])] = str(row[1])
    return names


def _uuids(texts: Iterable[str]) -> list[uuid.UUID]:
    """The texts that are UUIDs, as UUIDs (a malformed stored id names nothing)."""
    found: list[uuid.UUID] = []
    for text in texts:
        try:
            found.append(uuid.UUID(text))
        except ValueError:
            continue
    return found
