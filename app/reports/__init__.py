"""Reports of a case for inspectors and partners: the chain-of-identity and custody report, the
QP release certificate, the FHIR export of the final product units, and the case archive."""

from __future__ import annotations

from app.reports.archive import ArchivePart, CaseArchive, build_archive
from app.reports.certificate import certificate_pdf, save_certificate
from app.reports.custody_report import custody_report_pdf, save_custody_report
from app.reports.excursion import save_excursion_report
from app.reports.fhir_export import FhirExport, build_bundle, save_fhir_bundle
from app.reports.manifest import manifest_pdf, save_manifest
from app.reports.saving import RenderedReport, SavedFile

__all__ = [
    "ArchivePart",
    "CaseArchive",
    "FhirExport",
    "RenderedReport",
    "SavedFile",
    "build_archive",
    "build_bundle",
    "certificate_pdf",
    "custody_report_pdf",
    "manifest_pdf",
    "save_certificate",
    "save_custody_report",
    "save_excursion_report",
    "save_fhir_bundle",
    "save_manifest",
]
