"""Which product version new cases get, and the ISBT 128 product codes the journey prints."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.enums import ProductStatus
from db.models import Product

AUTOLOGOUS = "1"
"""ISBT 128 type of donation (product code position 6): for autologous use only."""
NO_DIVISION = "00"


def current_product(session: Session, code: str) -> Product | None:
    """The version of product ``code`` new cases are enrolled with: its approved, active one.

    A draft (not yet approved by QA) or a retired version is never returned.
    """
    return session.scalar(
        select(Product)
        .where(Product.code == code, Product.status == ProductStatus.APPROVED, Product.active)
        .order_by(Product.version_number.desc())
        .limit(1)
    )


def current_products(session: Session) -> list[Product]:
    """The current version of every product new cases may be enrolled with, by code."""
    query = (
        select(Product)
        .where(Product.status == ProductStatus.APPROVED, Product.active)
        .order_by(Product.code, Product.version_number.desc())
    )
    current: dict[str, Product] = {}
    for row in session.scalars(query):
        current.setdefault(row.code, row)
    return list(current.values())


def autologous_product_code(product: Product) -> str:
    """Data structure 003 content: product description code, type of donation, division."""
    return f"{product.code}{AUTOLOGOUS}{NO_DIVISION}"
