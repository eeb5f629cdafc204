"""Label printers: the system print dialog, or raw ZPL to a networked printer (host:port)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from app.database import Database
from app.errors import ValidationFailed
from app.permissions import require_role
from app.uow import UnitOfWork
from db.enums import PrinterKind, Role
from db.models import Printer, Site

SUPPORTED_DPI = (203, 300, 600)


@dataclass(frozen=True)
class PrinterView:
    """A configured printer."""

    id: uuid.UUID
    name: str
    kind: PrinterKind
    host: str | None
    port: int
    dpi: int
    site_code: str | None
    active: bool

    @property
    def address(self) -> str:
        """``host:port`` for a network printer, the dialog otherwise."""
        return f"{self.host}:{self.port}" if self.kind is PrinterKind.ZPL else "print dialog"


def _view(printer: Printer, site_code: str | None) -> PrinterView:
    return PrinterView(
        printer.id,
        printer.name,
        printer.kind,
        printer.host,
        printer.port,
        printer.dpi,
        site_code,
        printer.active,
    )


def add_printer(
    uow: UnitOfWork,
    *,
    name: str,
    kind: PrinterKind,
    host: str | None = None,
    port: int = 9100,
    dpi: int = 300,
    site_code: str | None = None,
) -> PrinterView:
    """Register a printer (administrators only); a ZPL printer needs its host."""
    require_role(uow.actor, Role.ADMIN, doing="configure printers")
    name = name.strip()
    if not name:
        raise ValidationFailed("A printer needs a name the operators will recognise.")
    if kind is PrinterKind.ZPL and not (host and host.strip()):
        raise ValidationFailed("A ZPL printer needs its network host name or address.")
    if not 1 <= port <= 65535:
        raise ValidationFailed(f"Port {port} is not a TCP port (1-65535).")
    if dpi not in SUPPORTED_DPI:
        raise ValidationFailed(f"Print resolution must be one of {SUPPORTED_DPI} dpi.")
    if uow.session.scalar(select(Printer.id).where(Printer.name == name)) is not None:
        raise ValidationFailed(f"A printer named {name!r} already exists.")
    site_id = None
    if site_code is not None:
        site_id = uow.session.scalar(select(Site.id).where(Site.code == site_code))
        if site_id is None:
            raise ValidationFailed(f"There is no site {site_code!r}.")
    printer = Printer(
        name=name,
        kind=kind,
        host=host.strip() if host else None,
        port=port,
        dpi=dpi,
        site_id=site_id,
    )
    uow.add(printer)
    uow.flush()
    return _view(printer, site_code)


def list_printers(database: Database, *, site_id: uuid.UUID | None = None) -> list[PrinterView]:
    """Active printers, by name (those of ``site_id`` and those of no site, when given)."""
    with database.read_session() as session:
        query = (
            select(Printer, Site.code)
            .outerjoin(Site, Site.id == Printer.site_id)
            .where(Printer.active)
            .order_by(Printer.name)
        )
        if site_id is not None:
            query = query.where((Printer.site_id == site_id) | Printer.site_id.is_(None))
        return [_view(printer, code) for printer, code in session.execute(query)]
