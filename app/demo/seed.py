"""Demo reference data (sites, users for every role, profiles, the demo product)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from app.access import create_user, parse_role, require_role
from app.admin import create_site
from app.coldchain import SEED_PROFILES
from app.core import Actor, Database, UnitOfWork
from db.enums import Role, SiteKind
from db.models import Product, QcSpecification, StepTemplate, TemperatureProfile
from resources import read_text


@dataclass(frozen=True)
class SeedReport:
    """What seeding created."""

    sites: int
    users: int
    profiles: int
    products: int


def reference_data() -> dict[str, Any]:
    """The demo reference data shipped in ``resources/demo/reference.json``."""
    data: dict[str, Any] = json.loads(read_text("demo", "reference.json"))
    return data


def seed_demo(database: Database, admin: Actor) -> SeedReport:
    """Create the demo reference data in one transaction (administrators only)."""
    require_role(admin, Role.ADMIN, doing="load demo data")
    data = reference_data()
    with UnitOfWork(database, admin) as uow:
        uow.reason = "demo data"
        for site in data["sites"]:
            create_site(uow, **{**site, "kind": SiteKind(site["kind"])})
        for user in data["users"]:
            create_user(
                uow,
                username=user["username"],
                full_name=user["full_name"],
                password=data["password"],
                roles=[parse_role(r) for r in user["roles"]],
                site_code=user["site"],
            )
        profiles = {}
        for seed in SEED_PROFILES:
            profile = TemperatureProfile(**asdict(seed))
            uow.add(profile)
            profiles[profile.name] = profile
        uow.flush()
        for product_data in data["products"]:
            _add_product(uow, product_data, profiles)
        report = SeedReport(
            sites=len(data["sites"]),
            users=len(data["users"]),
            profiles=len(profiles),
            products=len(data["products"]),
        )
        uow.commit()
    return report


def _add_product(
    uow: UnitOfWork, data: dict[str, Any], profiles: dict[str, TemperatureProfile]
) -> None:
    if uow.session.scalar(select(Product).where(Product.code == data["code"])) is not None:
        return
    product = Product(
        code=data["code"],
        name=data["name"],
        starting_material_profile_id=profiles[data["starting_material_profile"]].id,
        final_product_profile_id=profiles[data["final_product_profile"]].id,
        max_hours_collection_to_receipt=data["max_hours_collection_to_receipt"],
        shelf_life_days=data["shelf_life_days"],
        post_thaw_minutes=data["post_thaw_minutes"],
        min_final_bags=data["min_final_bags"],
        max_final_bags=data["max_final_bags"],
    )
    uow.add(product)
    uow.flush()
    for position, step in enumerate(data["steps"], start=1):
        uow.add(
            StepTemplate(
                product_id=product.id,
                position=position,
                code=step["code"],
                name=step["name"],
                output_kind=step["output_kind"],
                parameters=json.dumps(step["parameters"], ensure_ascii=False),
            )
        )
    for spec in data["qc"]:
        uow.add(QcSpecification(product_id=product.id, **spec))
