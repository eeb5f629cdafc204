"""ISBT 128 product codes the journey prints."""

from __future__ import annotations

from db.models import Product

AUTOLOGOUS = "1"
"""ISBT 128 type of donation (product code position 6): for autologous use only."""
NO_DIVISION = "00"


def autologous_product_code(product: Product) -> str:
    """Data structure 003 content: product description code, type of donation, division."""
    return f"{product.code}{AUTOLOGOUS}{NO_DIVISION}"
