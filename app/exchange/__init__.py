"""Data that crosses organisations: EPCIS 2.0 documents, signed bundles between partners."""

from __future__ import annotations

from app.exchange.bundle_records import BundleRefused
from app.exchange.bundles import (
    KEY_VARIABLE,
    BundleExport,
    BundleImport,
    BundlePartner,
    PartnerKeyView,
    bundle_partner,
    export_bundle,
    generate_site_key,
    import_bundle,
    load_site_key,
    may_import_bundles,
    may_send_bundles,
    register_partner_key,
)
from app.exchange.epcis_document import EpcisDocument, InvalidEpcisFile, read_epcis_file
from app.exchange.epcis_export import EpcisExport, export_epcis
from app.exchange.epcis_import import AlreadyImported, EpcisImport, EventOutcome, import_epcis

__all__ = [
    "KEY_VARIABLE",
    "AlreadyImported",
    "BundleExport",
    "BundleImport",
    "BundlePartner",
    "BundleRefused",
    "EpcisDocument",
    "EpcisExport",
    "EpcisImport",
    "EventOutcome",
    "InvalidEpcisFile",
    "PartnerKeyView",
    "bundle_partner",
    "export_bundle",
    "export_epcis",
    "generate_site_key",
    "import_bundle",
    "import_epcis",
    "load_site_key",
    "may_import_bundles",
    "may_send_bundles",
    "read_epcis_file",
    "register_partner_key",
]
