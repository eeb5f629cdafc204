"""The product catalogue as the administrator sees it: codes, profiles, steps and QC panel."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select

from app.access import require_role
from app.core import Actor, Database
from db.enums import Role
from db.models import Product, QcSpecification, StepTemplate, TemperatureProfile


@dataclass(frozen=True)
class ProductView:
    """One product with the profiles it ships in and the size of its batch record."""

    id: uuid.UUID
    code: str
    name: str
    starting_material_profile: str | None
    final_product_profile: str | None
    max_hours_collection_to_receipt: float | None
    shelf_life_days: int | None
    post_thaw_minutes: int | None
    min_final_bags: int
    max_final_bags: int
    steps: tuple[str, ...]
    qc_tests: int
    active: bool
    version_number: int = 1
    status: str = "approved"


def list_products(database: Database, actor: Actor) -> list[ProductView]:
    """Every product version, by code and version, with its step template and QC count
    (a draft has neither until QA approves it)."""
    require_role(actor, Role.ADMIN, doing="see the product catalogue")
    with database.read_session() as session:
        profiles = {
            row[0]: row[1]
            for row in session.execute(select(TemperatureProfile.id, TemperatureProfile.name))
        }
        qc_query = select(QcSpecification.product_id, func.count()).group_by(
            QcSpecification.product_id
        )
        qc_counts = {row[0]: row[1] for row in session.execute(qc_query)}
        steps: dict[uuid.UUID, list[str]] = {}
        for product_id, name in session.execute(
            select(StepTemplate.product_id, StepTemplate.name).order_by(
                StepTemplate.product_id, StepTemplate.position
            )
        ):
            steps.setdefault(product_id, []).append(name)
        views = []
        query = select(Product).order_by(Product.code, Product.version_number)
        for product in session.scalars(query):
            starting = product.starting_material_profile_id
            final = product.final_product_profile_id
            views.append(
                ProductView(
                    id=product.id,
                    code=product.code,
                    name=product.name,
                    starting_material_profile=profiles.get(starting) if starting else None,
                    final_product_profile=profiles.get(final) if final else None,
                    max_hours_collection_to_receipt=product.max_hours_collection_to_receipt,
                    shelf_life_days=product.shelf_life_days,
                    post_thaw_minutes=product.post_thaw_minutes,
                    min_final_bags=product.min_final_bags,
                    max_final_bags=product.max_final_bags,
                    steps=tuple(steps.get(product.id, ())),
                    qc_tests=qc_counts.get(product.id, 0),
                    active=product.active,
                    version_number=product.version_number,
                    status=product.status.value,
                )
            )
        return views
