"""The sections of the desktop window and which roles see them (DESIGN.md §7).

The services enforce permissions; this only decides what each role is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.access.permissions import ROLE_NAMES
from app.core import Actor
from db.enums import Role

CLINIC = frozenset({Role.CLINIC_COORDINATOR, Role.APHERESIS_NURSE, Role.INFUSION_NURSE})
MANUFACTURING = frozenset({Role.MFG_OPERATOR, Role.MFG_VERIFIER})
QUALITY = frozenset({Role.QC_ANALYST, Role.QA, Role.QP})
WORKING = CLINIC | MANUFACTURING | QUALITY


@dataclass(frozen=True)
class Section:
    """One entry of the navigation."""

    key: str
    title: str
    roles: frozenset[Role]
    summary: str


SECTIONS: tuple[Section, ...] = (
    Section("home", "Home", WORKING | {Role.ADMIN}, "Your work queue, alerts and case counts."),
    Section("cases", "Cases", WORKING, "Search cases; vein-to-vein timeline and genealogy."),
    Section("scan", "Scan station", WORKING, "Full-window scanning with match / mismatch."),
    Section(
        "enrolment",
        "Enrolment",
        frozenset({Role.CLINIC_COORDINATOR}),
        "Enrol a patient: identity, product, physician, apheresis and manufacturing slots.",
    ),
    Section(
        "collection",
        "Collection & shipment",
        frozenset({Role.CLINIC_COORDINATOR, Role.APHERESIS_NURSE}),
        "Register bags, print and scan back labels, pack, attach a logger, hand over.",
    ),
    Section(
        "receipt",
        "Receipt",
        MANUFACTURING | CLINIC,
        "Expected vs scanned units and the cold-chain assessment beside its plot.",
    ),
    Section(
        "batch",
        "Batch record",
        MANUFACTURING,
        "Manufacturing steps: inputs, parameters, outputs, labels, second-person check.",
    ),
    Section(
        "release",
        "QC & release",
        QUALITY,
        "QC results, the computed release checklist and the QP signature.",
    ),
    Section(
        "bedside",
        "Clinic receipt & bedside",
        CLINIC,
        "Receive the therapy, bedside wristband and bag check, infusion confirmation.",
    ),
    Section("deviations", "Deviations", WORKING, "Deviations and QA dispositions."),
    Section(
        "audit",
        "Audit trail",
        frozenset({Role.QA, Role.QP, Role.ADMIN}),
        "Search, read, export and verify the audit trail.",
    ),
    Section(
        "products",
        "Product approval",
        frozenset({Role.QA}),
        "Review product drafts against the current version; approve with a signature or reject.",
    ),
    Section(
        "admin",
        "Admin",
        frozenset({Role.ADMIN}),
        "Users, roles, sites, products, temperature profiles, printers, scanners.",
    ),
)


def sections_for(actor: Actor) -> list[Section]:
    """The sections ``actor`` is shown, in navigation order."""
    return [section for section in SECTIONS if actor.has_role(*section.roles)]


def role_names(actor: Actor) -> str:
    """The actor's roles as printed names, e.g. ``"Qualified Person"``."""
    return ", ".join(ROLE_NAMES[role] for role in sorted(actor.roles)) or "no role"
