"""Data that crosses organisations: EPCIS 2.0 documents out of and into the database."""

from __future__ import annotations

from app.exchange.epcis_document import EpcisDocument, InvalidEpcisFile, read_epcis_file
from app.exchange.epcis_export import EpcisExport, export_epcis
from app.exchange.epcis_import import EpcisImport, EventOutcome, import_epcis

__all__ = [
    "EpcisDocument",
    "EpcisExport",
    "EpcisImport",
    "EventOutcome",
    "InvalidEpcisFile",
    "export_epcis",
    "import_epcis",
    "read_epcis_file",
]
