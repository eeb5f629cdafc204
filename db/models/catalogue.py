"""Products, their temperature profiles, manufacturing step templates and QC specifications."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import NOT_SIGNED, Base, Versioned
from db.enums import ProductStatus, enum_column


class TemperatureProfile(Versioned, Base):
    """Limits and allowances a logger trace is judged against (DESIGN.md §4)."""

    __tablename__ = "temperature_profile"
    __table_args__ = (
        CheckConstraint(
            "lower_c IS NULL OR upper_c IS NULL OR lower_c < upper_c", name="limits_ordered"
        ),
    )

    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    lower_c: Mapped[float | None] = mapped_column()
    upper_c: Mapped[float | None] = mapped_column()
    max_single_excursion_min: Mapped[float] = mapped_column(default=0.0)
    max_cumulative_excursion_min: Mapped[float] = mapped_column(default=0.0)
    max_gap_min: Mapped[float] = mapped_column(default=15.0)
    mkt_judged: Mapped[bool] = mapped_column(default=False)
    mkt_limit_c: Mapped[float | None] = mapped_column()


class Product(Versioned, Base):
    """One version of a therapy product; ISBT 128 product code, optional GTIN.

    Each version is its own row (unique code and version number) owning its steps and QC
    specifications; a case keeps the row it was enrolled with. ``definition`` is the approved
    document (resources/products/product.schema.json); ``status`` is bookkeeping outside the
    approval signature, so retiring a version does not break it.
    """

    __tablename__ = "product"
    __table_args__ = (UniqueConstraint("code", "version_number"),)

    code: Mapped[str] = mapped_column(String(16))
    version_number: Mapped[int] = mapped_column(default=1)
    status: Mapped[ProductStatus] = mapped_column(
        enum_column(ProductStatus, "product_status"),
        default=ProductStatus.APPROVED,
        info=NOT_SIGNED,
    )
    definition: Mapped[str | None] = mapped_column(Text)
    max_cumulative_excursion_min: Mapped[float | None] = mapped_column()
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    approved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    approved_at: Mapped[datetime | None] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    gtin: Mapped[str | None] = mapped_column(String(14))
    starting_material_profile_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("temperature_profile.id")
    )
    final_product_profile_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("temperature_profile.id")
    )
    max_hours_collection_to_receipt: Mapped[float | None] = mapped_column()
    shelf_life_days: Mapped[int | None] = mapped_column()
    post_thaw_minutes: Mapped[int | None] = mapped_column()
    min_final_bags: Mapped[int] = mapped_column(default=1)
    max_final_bags: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)


class StepTemplate(Versioned, Base):
    """One step of a product's batch record, in order. ``parameters`` is a JSON list."""

    __tablename__ = "step_template"
    __table_args__ = (UniqueConstraint("product_id", "position"),)

    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("product.id"))
    position: Mapped[int] = mapped_column()
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    parameters: Mapped[str] = mapped_column(Text, default="[]")
    output_kind: Mapped[str | None] = mapped_column(String(32))


class QcSpecification(Versioned, Base):
    """A QC test and its acceptance criterion for a product."""

    __tablename__ = "qc_specification"
    __table_args__ = (UniqueConstraint("product_id", "test_code"),)

    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("product.id"))
    test_code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(32), default="")
    lower: Mapped[float | None] = mapped_column()
    upper: Mapped[float | None] = mapped_column()
    expected_text: Mapped[str | None] = mapped_column(String(100))
    criterion: Mapped[str] = mapped_column(String(200))
    may_be_pending_at_release: Mapped[bool] = mapped_column(default=False)
