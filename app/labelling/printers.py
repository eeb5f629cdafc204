"""Label printers: the system print dialog, or raw ZPL to a networked printer (host:port)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from app.access import require_role
from app.core import Actor, Database, NotFound, UnitOfWork, ValidationFailed
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
    version: int = 0

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
        printer.version,
    )


def _checked(
    uow: UnitOfWork,
    own_id: uuid.UUID | None,
    *,
    name: str,
    kind: PrinterKind,
    host: str | None,
    port: int,
    dpi: int,
    site_code: str | None,
) -> tuple[str, str | None, uuid.UUID | None]:
    """The trimmed name and host and the site's id; a clear refusal for a bad value."""
    name = name.strip()
    if not name:
        raise ValidationFailed("A printer needs a name the operators will recognise.")
    host = host.strip() if host and host.strip() else None
    if kind is PrinterKind.ZPL and host is None:
        raise ValidationFailed("A ZPL printer needs its network host name or address.")
    if not 1 <= port <= 65535:
        raise ValidationFailed(f"Port {port} is not a TCP port (1-65535).")
    if dpi not in SUPPORTED_DPI:
        raise ValidationFailed(f"Print resolution must be one of {SUPPORTED_DPI} dpi.")
    other = uow.session.scalar(select(Printer.id).where(Printer.name == name))
    if other is not None and other != own_id:
        raise ValidationFailed(f"A printer named {name!r} already exists.")
    site_id = None
    if site_code is not None:
        site_id = uow.session.scalar(select(Site.id).where(Site.code == site_code))
        if site_id is None:
            raise ValidationFailed(f"There is no site {site_code!r}.")
    return name, host, site_id


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
    name, host, site_id = _checked(
        uow, None, name=name, kind=kind, host=host, port=port, dpi=dpi, site_code=site_code
    )
    printer = Printer(
        name=name,
        kind=kind,
        host=host,
        port=port,
        dpi=dpi,
        site_id=site_id,
    )
    uow.add(printer)
    uow.flush()
    return _view(printer, site_code)


def list_printers(
    database: Database, *, site_id: uuid.UUID | None = None, include_retired: bool = False
) -> list[PrinterView]:
    """Active printers, by name (those of ``site_id`` and those of no site, when given).

    ``include_retired`` lists retired printers too (the administrator's view).
    """
    with database.read_session() as session:
        query = (
            select(Printer, Site.code)
            .outerjoin(Site, Site.id == Printer.site_id)
            .order_by(Printer.name)
        )
        if not include_retired:
            query = query.where(Printer.active)
        if site_id is not None:
            query = query.where((Printer.site_id == site_id) | Printer.site_id.is_(None))
        return [_view(printer, code) for printer, code in session.execute(query)]


def register_printer(
    database: Database,
    actor: Actor,
    *,
    name: str,
    kind: PrinterKind,
    host: str | None = None,
    port: int = 9100,
    dpi: int = 300,
    site_code: str | None = None,
) -> PrinterView:
    """Register a printer in its own transaction (administrators only)."""
    require_role(actor, Role.ADMIN, doing="configure printers")
    with UnitOfWork(database, actor) as uow:
        view = add_printer(
            uow, name=name, kind=kind, host=host, port=port, dpi=dpi, site_code=site_code
        )
        uow.commit()
    return view


def _editable(uow: UnitOfWork, printer_id: uuid.UUID, seen_version: int) -> Printer:
    printer = uow.session.get(Printer, printer_id)
    if printer is None:
        raise NotFound("That printer does not exist. Refresh the list.")
    uow.expect_version(printer, seen_version)
    return printer


def _site_code(uow: UnitOfWork, site_id: uuid.UUID | None) -> str | None:
    if site_id is None:
        return None
    return uow.session.scalar(select(Site.code).where(Site.id == site_id))


def update_printer(
    database: Database,
    actor: Actor,
    printer_id: uuid.UUID,
    *,
    name: str,
    kind: PrinterKind,
    host: str | None,
    port: int,
    dpi: int,
    site_code: str | None,
    seen_version: int,
) -> PrinterView:
    """Change a printer's name, address, resolution or site (administrators only)."""
    require_role(actor, Role.ADMIN, doing="configure printers")
    with UnitOfWork(database, actor) as uow:
        printer = _editable(uow, printer_id, seen_version)
        name, host, site_id = _checked(
            uow,
            printer.id,
            name=name,
            kind=kind,
            host=host,
            port=port,
            dpi=dpi,
            site_code=site_code,
        )
        printer.name = name
        printer.kind = kind
        printer.host = host
        printer.port = port
        printer.dpi = dpi
        printer.site_id = site_id
        uow.flush()
        view = _view(printer, _site_code(uow, site_id))
        uow.commit()
    return view


def set_printer_active(
    database: Database,
    actor: Actor,
    printer_id: uuid.UUID,
    *,
    active: bool,
    reason: str,
    seen_version: int,
) -> PrinterView:
    """Retire a printer (no longer offered for printing) or return it to service."""
    require_role(actor, Role.ADMIN, doing="configure printers")
    if not reason.strip():
        raise ValidationFailed("Give the reason: it is kept in the audit trail.")
    with UnitOfWork(database, actor) as uow:
        printer = _editable(uow, printer_id, seen_version)
        if printer.active is active:
            state = "in service" if active else "retired"
            raise ValidationFailed(f"Printer {printer.name!r} is already {state}.")
        printer.active = active
        uow.annotate(printer, action="return to service" if active else "retire", reason=reason)
        uow.flush()
        view = _view(printer, _site_code(uow, printer.site_id))
        uow.commit()
    return view
