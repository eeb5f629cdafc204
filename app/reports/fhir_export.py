"""The final product units of a case as a FHIR R5 Bundle of BiologicallyDerivedProduct resources.

Built and validated with the ``fhir.resources`` R5 models, shaped like HL7's examples
(``../shared/corpora/fhir-bdp/``): the ISBT 128 product code, the unit's DIN as identifier, the
collection's DIN as the biological source event, the collection period, the storage temperature
range of the product's final profile, the status, the expiry and the ISBT 128 collection type
"For Autologous Use Only". No patient identity and no reference to a Patient resource is written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fhir.resources.bundle import Bundle
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.casefile import case_detail_in
from app.core import Actor, Database, chain_head, load, seal_text
from app.reports.saving import SavedFile, check_writable, record_made, write_file
from db.enums import SideState, UnitKind, UnitStatus
from db.models import Case, Product, Site, TemperatureProfile, Unit, UnitParent
from db.types import utc_now

ISBT = "https://www.isbt128.org/uri/"
DIN_SYSTEM = f"{ISBT}DonationIdentificationNumber"
PRODUCT_CODE_SYSTEM = f"{ISBT}ProductDescriptionCode"
COI_SYSTEM = "urn:coi-tracker:chain-of-identity"
"""The COI is this application's case identifier; a local URI system says so."""
UCUM = "http://unitsofmeasure.org"
STATUS_SYSTEM = "http://hl7.org/fhir/biologicalderivedproductstatus"
CATEGORY_SYSTEM = "http://hl7.org/fhir/product-category"
AVAILABLE = frozenset({UnitStatus.AVAILABLE, UnitStatus.RELEASED, UnitStatus.STORED})


@dataclass(frozen=True)
class FhirExport:
    """The bundle as JSON text, the number of products in it, and the seal it was read at."""

    json: str
    products: int
    coi: str
    seal: str


def _celsius(value: float) -> dict[str, Any]:
    return {"value": value, "unit": "degrees C", "system": UCUM, "code": "Cel"}


def _storage(session: Session, product: Product) -> dict[str, Any] | None:
    if product.final_product_profile_id is None:
        return None
    profile = load(session, TemperatureProfile, product.final_product_profile_id, "profile")
    limits: dict[str, Any] = {}
    if profile.lower_c is not None:
        limits["low"] = _celsius(profile.lower_c)
    if profile.upper_c is not None:
        limits["high"] = _celsius(profile.upper_c)
    return limits or None


def _collection_din(session: Session, unit: Unit) -> str | None:
    """The DIN of the collected bag this unit descends from (its root ancestor)."""
    seen: set[uuid.UUID] = set()
    current = [unit.id]
    root: Unit | None = None
    while current:
        parents = list(
            session.scalars(select(UnitParent.parent_id).where(UnitParent.child_id.in_(current)))
        )
        fresh = [p for p in parents if p not in seen]
        seen.update(fresh)
        for parent_id in fresh:
            parent = session.get(Unit, parent_id)
            if parent is not None and parent.kind is UnitKind.APHERESIS_BAG:
                root = parent
        current = fresh
    return root.din if root is not None else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _product_resource(
    session: Session, unit: Unit, case: Case, product: Product, facility: str
) -> dict[str, Any]:
    available = unit.status in AVAILABLE and unit.side_state is SideState.NONE
    resource: dict[str, Any] = {
        "resourceType": "BiologicallyDerivedProduct",
        "id": f"din-{unit.din}",
        "productCategory": {"system": CATEGORY_SYSTEM, "code": "cells", "display": "Cells"},
        "productCode": {
            "coding": [{"system": PRODUCT_CODE_SYSTEM, "code": (unit.product_code or "")[:5]}],
            "text": product.name,
        },
        "identifier": [
            {"system": DIN_SYSTEM, "value": unit.din},
            {"system": COI_SYSTEM, "value": case.coi},
        ],
        "processingFacility": [{"display": facility}],
        "productStatus": {
            "system": STATUS_SYSTEM,
            "code": "available" if available else "unavailable",
            "display": unit.status.value.replace("_", " ")  # in words: "stored, on hold"
            + (
                f", {unit.side_state.value.replace('_', ' ')}"
                if unit.side_state is not SideState.NONE
                else ""
            ),
        },
        "property": [
            {
                "type": {"coding": [{"system": ISBT, "code": "CollectionType"}]},
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": f"{ISBT}CollectionType",
                            "code": "1",
                            "display": "For Autologous Use Only",
                        }
                    ]
                },
            }
        ],
    }
    if unit.product_code and len(unit.product_code) == 8:
        resource["division"] = unit.product_code[6:]
    source = _collection_din(session, unit)
    if source:
        resource["biologicalSourceEvent"] = {"system": DIN_SYSTEM, "value": source}
    if unit.collection_start or unit.collection_end:
        period = {"start": _iso(unit.collection_start), "end": _iso(unit.collection_end)}
        resource["collection"] = {
            "collectedPeriod": {k: v for k, v in period.items() if v is not None}
        }
    if unit.expires_at is not None:
        resource["expirationDate"] = _iso(unit.expires_at)
    storage = _storage(session, product)
    if storage is not None:
        resource["storageTempRequirements"] = storage
    return resource


def build_bundle(database: Database, actor: Actor, case_id: uuid.UUID) -> FhirExport:
    """The Bundle of a case ``actor`` may see, validated by the R5 models."""
    with database.read_session() as session:
        seal = seal_text(chain_head(session.connection()))
        detail = case_detail_in(session, actor, case_id)
        case = load(session, Case, case_id, "case")
        product = load(session, Product, case.product_id, "product")
        site = session.get(Site, case.manufacturing_site_id)
        units = session.scalars(
            select(Unit)
            .where(Unit.case_id == case.id, Unit.kind == UnitKind.FINAL_PRODUCT_BAG)
            .order_by(Unit.created_at, Unit.id)
        ).all()
        resources = [
            _product_resource(session, unit, case, product, site.name if site else "")
            for unit in units
            if unit.din
        ]
    bundle = {
        "resourceType": "Bundle",
        "id": f"coi-{case.coi}",
        "identifier": {"system": COI_SYSTEM, "value": case.coi},
        "type": "collection",
        "timestamp": utc_now().isoformat(),
        "meta": {"tag": [{"system": "urn:coi-tracker:audit-seal", "code": seal[:200]}]},
        "entry": [
            {"fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, r['id'])}", "resource": r}
            for r in resources
        ],
    }
    try:
        model = Bundle.model_validate(bundle)
    except ValidationError as exc:  # pragma: no cover - a defect in the mapping above
        raise RuntimeError(f"the FHIR bundle of {case.coi} does not validate: {exc}") from exc
    text = model.model_dump_json(indent=2, exclude_none=True)
    return FhirExport(text, len(resources), detail.case.coi, seal)


def save_fhir_bundle(
    database: Database, actor: Actor, case_id: uuid.UUID, path: Path
) -> tuple[SavedFile, FhirExport]:
    """Write the case's FHIR bundle to ``path`` and record the export in the audit trail."""
    check_writable(path)
    export = build_bundle(database, actor, case_id)
    saved = write_file(path, export.json.encode("utf-8"), export.seal)
    record_made(
        database,
        actor,
        case_id,
        "export FHIR bundle",
        saved,
        coi=export.coi,
        report="fhir",
        products=export.products,
    )
    return saved, export
