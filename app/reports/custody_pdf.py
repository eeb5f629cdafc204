"""The chain-of-identity and custody report as a PDF (A4 portrait, sealed pages)."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from app.audit import record_type_name
from app.core import sscc_text
from app.reports.custody_facts import AssessmentLine, CustodyReport, code_words
from app.reports.pdf_parts import (
    CONTENT_WIDTH,
    facts,
    grid,
    heading,
    png,
    seal_block,
    section,
    text,
    title,
    utc,
)
from app.reports.sealed_pages import sealed_report
from db.enums import SideState

TITLE = "Chain-of-identity and custody report"
IDENTITY_WITHHELD = (
    "withheld: your role does not see patient identity (the COI identifies the case)"
)


def _case_block(report: CustodyReport) -> list[Flowable]:
    case = report.detail.case
    rows = [
        ("COI", case.coi_eye_readable),
        ("Product", f"{case.product_code} — {case.product_name}"),
        (
            "Stage",
            case.stage_name
            + ("" if case.side_state is SideState.NONE else f" ({code_words(case.side_state)})"),
        ),
        ("Clinic", case.clinic_site),
        ("Manufacturer", case.manufacturing_site),
        ("Enrolled", utc(case.enrolled_at)),
    ]
    if case.patient is not None and case.patient.problem is not None:
        rows.insert(1, ("Patient identity", case.patient.problem))
    elif case.patient is not None:
        patient = case.patient
        rows.insert(1, ("Patient", patient.display_name))
        rows.insert(2, ("Date of birth", patient.born()))
        rows.insert(3, ("Hospital number", patient.hospital_number))
    else:
        rows.insert(1, ("Patient identity", IDENTITY_WITHHELD))
    rows.append(("Report made", f"{utc(report.generated_at)} by {report.generated_by}"))
    return [title(TITLE), facts(rows), Spacer(1, 2 * mm), seal_block(report.seal, "This report")]


def _units(report: CustodyReport) -> list[Flowable]:
    rows = [
        [
            unit.din,
            unit.kind,
            ", ".join(unit.made_from) or "—",
            unit.status + (f" / {unit.side_state}" if unit.side_state else ""),
            unit.storage or "—",
            utc(unit.expires_at) if unit.expires_at else "—",
        ]
        for unit in report.units
    ]
    header = ("DIN", "Container", "Made from", "Status", "Storage", "Expires")
    return [*section("Units (genealogy)"), grid(header, rows, (30, 22, 30, 18, 16, 24))]


def _custody(report: CustodyReport) -> list[Flowable]:
    rows = [
        [
            utc(line.at),
            line.unit,
            line.action,
            line.custodian + (f" ({line.organisation})" if line.organisation else ""),
            line.site,
            line.condition or "—",
            line.shipment or "—",
        ]
        for line in report.custody
    ]
    header = ("When", "Unit", "Event", "Custodian", "Site", "Condition", "Shipment")
    widths = (62, 70, 70, 80, 60, 58, 106)
    return [*section("Custody and storage, in time order"), grid(header, rows, widths)]


def _timeline(report: CustodyReport) -> list[Flowable]:
    rows = [
        [
            utc(entry.occurred_at),
            entry.stage_name,
            entry.action_words,
            entry.performed_by + (f" / {entry.verified_by}" if entry.verified_by else ""),
            entry.site,
        ]
        for entry in report.timeline
    ]
    header = ("When", "Stage", "Operation", "Performed / verified by", "Site")
    return [*section("Operations, in time order"), grid(header, rows, (24, 24, 34, 34, 26))]


def _scans(report: CustodyReport) -> list[Flowable]:
    rows = [
        [utc(s.at), s.purpose, s.outcome, s.unit, f"{s.by} · {s.station}", s.reason or "—"]
        for s in report.scans
    ]
    refused = [i for i, s in enumerate(report.scans) if s.outcome != "MATCH"]
    matched = len(report.scans) - len(refused)
    header = ("When", "Check", "Result", "Unit", "By · station", "Why refused")
    return [
        *section("Scan verifications"),
        text(f"{matched} matched, {len(refused)} refused (refusals shaded)."),
        Spacer(1, 1 * mm),
        grid(header, rows, (24, 18, 15, 26, 26, 37), highlight=refused),
    ]


def _assessment(line: AssessmentLine) -> list[Flowable]:
    rows = [
        ("Shipment", f"{sscc_text(line.sscc)} ({line.direction})"),  # as GS1 prints it
        ("Logger file", f"{line.file_name} · SHA-256 {line.sha256}"),
        ("Profile", line.profile),
        ("Verdict", line.verdict),
        ("Numbers", line.summary),
        ("Disposition", line.disposition),
    ]
    rows += [("Signature", view.manifestation) for view in line.signatures]
    plot = png(line.plot_png, CONTENT_WIDTH, CONTENT_WIDTH * 2.6 / 6.6)
    return [KeepTogether([facts(rows, 30 * mm), Spacer(1, 1 * mm), plot]), Spacer(1, 3 * mm)]


def _assessments(report: CustodyReport) -> list[Flowable]:
    if not report.assessments:
        return [*section("Temperature assessments"), text("No logger file imported for this case.")]
    story: list[Flowable] = []
    for number, line in enumerate(report.assessments):
        block = _assessment(line)
        if number == 0:  # the heading stays with the first assessment
            block = [KeepTogether([heading("Temperature assessments"), *block])]
        story += block
    return story


def _signatures(report: CustodyReport) -> list[Flowable]:
    rows = [
        [
            view.manifestation,
            record_type_name(view.record_type),
            "intact" if view.intact else "BROKEN",
        ]
        for view in report.signatures
    ]
    broken = [i for i, view in enumerate(report.signatures) if not view.intact]
    header = ("Signer · time · meaning", "Record", "Integrity")
    return [
        *section("Electronic signatures"),
        grid(header, rows, (70, 20, 10), highlight=broken),
    ]


def _deviations(report: CustodyReport) -> list[Flowable]:
    rows = [
        [d.number, d.kind, d.status, d.description, d.raised, d.closure] for d in report.deviations
    ]
    header = ("Number", "Kind", "Status", "Description", "Raised", "Closure")
    return [*section("Deviations"), grid(header, rows, (18, 14, 11, 27, 22, 30))]


def render_custody_report(report: CustodyReport) -> bytes:
    """The report as PDF bytes."""
    return sealed_report(
        lambda: [
            *_case_block(report),
            *_units(report),
            *_custody(report),
            *_scans(report),
            *_assessments(report),
            *_signatures(report),
            *_deviations(report),
            *_timeline(report),
        ],
        title=f"{TITLE} {report.detail.case.coi_eye_readable}",  # the footer: COI as printed
        author=report.generated_by,
        seal=report.seal,
    )
