"""Sites, users, their roles, and label printers."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import SECRET, Base, Versioned
from db.enums import PrinterKind, Role, SiteKind, enum_column


class Site(Versioned, Base):
    """A clinic or a manufacturing site, identified by GS1 GLN and ISBT 128 FIN."""

    __tablename__ = "site"
    __table_args__ = (
        CheckConstraint("gln IS NULL OR length(gln) = 13", name="gln_13_digits"),
        CheckConstraint("fin IS NULL OR length(fin) = 5", name="fin_5_characters"),
    )

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[SiteKind] = mapped_column(enum_column(SiteKind, "site_kind"))
    gln: Mapped[str | None] = mapped_column(String(13), unique=True)
    fin: Mapped[str | None] = mapped_column(String(5), unique=True)
    gs1_company_prefix: Mapped[str | None] = mapped_column(String(12))
    address: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    active: Mapped[bool] = mapped_column(default=True)
    wristband_mrn_pattern: Mapped[str | None] = mapped_column(String(200))
    """A clinic's MRN bar-code pattern (a regular expression): its wristbands' hospital number."""
    wristband_carries_coi: Mapped[bool] = mapped_column(default=False, server_default=false())
    """The clinic's wristbands carry the COI too: the bedside then requires it, in addition."""


class User(Versioned, Base):
    """A person who signs in. ``full_name`` is the printed name on signatures."""

    __tablename__ = "app_user"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("site.id"))
    password_hash: Mapped[str] = mapped_column(String(255), info=SECRET)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_at: Mapped[datetime | None] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column()
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    """The password was generated (``coi init``): the user must choose their own first."""

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    site: Mapped[Site | None] = relationship(lazy="joined")

    @property
    def role_set(self) -> frozenset[Role]:
        """The roles this user holds."""
        return frozenset(r.role for r in self.roles)


class UserRole(Base):
    """One role held by one user."""

    __tablename__ = "user_role"
    __deletable__ = True  # removing a role is recorded as a "delete" audit event

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), primary_key=True)

    user: Mapped[User] = relationship(back_populates="roles")


class Printer(Versioned, Base):
    """A label printer: the system print dialog, or raw ZPL over TCP (default port 9100)."""

    __tablename__ = "printer"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[PrinterKind] = mapped_column(enum_column(PrinterKind, "printer_kind"))
    host: Mapped[str | None] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(default=9100)
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("site.id"))
    dpi: Mapped[int] = mapped_column(default=300)
    active: Mapped[bool] = mapped_column(default=True)
