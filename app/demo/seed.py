"""Demo reference data (sites, users for every role, profiles, the shipped example products)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from app.access import authenticate, create_user, parse_role, require_role
from app.admin import add_draft, approve_product, check_document, create_site, parse_document
from app.coldchain import SEED_PROFILES
from app.core import Actor, Database, UnitOfWork
from db.enums import Role, SiteKind
from db.models import Product, TemperatureProfile
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


def product_file(name: str) -> str:
    """The text of a product definition shipped in ``resources/products``."""
    return read_text("products", name)


def seed_demo(database: Database, admin: Actor) -> SeedReport:
    """Create the demo reference data in one transaction (administrators only), then have the
    demo's QA approve the shipped products the administrator imported (a signature each)."""
    require_role(admin, Role.ADMIN, doing="load demo data")
    data = reference_data()
    documents = [check_document(parse_document(product_file(n))) for n in data["product_files"]]
    new_codes = []
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
        for document in documents:
            known = select(Product.id).where(Product.code == document["code"]).limit(1)
            if uow.session.scalar(known) is None:
                add_draft(uow, document, reason="demo data")
                new_codes.append(document["code"])
        report = SeedReport(
            sites=len(data["sites"]),
            users=len(data["users"]),
            profiles=len(profiles),
            products=len(documents),
        )
        uow.commit()
    if new_codes:
        station = admin.station or "demo"
        approver = authenticate(database, data["product_approver"], data["password"], station)
        for code in new_codes:
            approve_product(database, approver, code, data["password"], comment="demo product")
    return report
