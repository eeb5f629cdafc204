"""Issuing identifiers from database counters: COI, DIN, SSCC, print serials, deviation numbers.

COI and DIN sequences are drawn into separate ranges two characters apart
(`labels.isbt128.sequences`): no COI's 13 characters equal, or differ in one character from,
any DIN's or another COI's of the same issuer and year.

Every counter is advanced with one ``UPDATE ... RETURNING`` in the caller's transaction, so two
workstations issuing at the same moment on PostgreSQL queue on the row lock and never get the
same value; on SQLite the write transaction (``BEGIN IMMEDIATE``) serialises them. A value
belongs to the transaction that commits it; one that rolls back keeps nothing, so the next
issue takes the same value and the series has no gaps.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.errors import ValidationFailed
from db.models import CoiSequence, Counter, Site
from db.types import utc_now
from labels.isbt128 import CoiIdentifier, Din, build_coi, build_din
from labels.isbt128.sequences import MAX_NUMBER, coi_sequence, din_sequence

_SSCC_EXTENSION_DIGIT = 0


def _advance(
    session: Session,
    model: type[Counter] | type[CoiSequence],
    where: ColumnElement[bool],
    first: Counter | CoiSequence,
) -> int:
    statement = (
        update(model)
        .where(where)
        .values(last_value=model.last_value + 1, version=model.version + 1, updated_at=utc_now())
        .returning(model.last_value)
        .execution_options(synchronize_session=False)
    )
    value = session.execute(statement).scalar_one_or_none()
    if value is not None:
        return int(value)
    try:
        with session.begin_nested():
            session.add(first)
        return 1
    except IntegrityError:  # another transaction created the row first: advance it instead
        return int(session.execute(statement).scalar_one())


def next_counter_value(session: Session, name: str) -> int:
    """The next value (from 1) of the named counter."""
    return _advance(session, Counter, Counter.name == name, Counter(name=name, last_value=1))


def issue_coi(session: Session, issuer: Site, when: datetime | None = None) -> CoiIdentifier:
    """Issue the next COI for ``issuer`` (its FIN) in the nominal year of ``when``."""
    if issuer.fin is None:
        raise ValidationFailed(
            f"Site {issuer.code} has no ISBT 128 FIN, so it cannot issue COI identifiers. "
            "An administrator must set the site's FIN first."
        )
    year = (when or utc_now()).year % 100
    value = _advance(
        session,
        CoiSequence,
        (CoiSequence.fin == issuer.fin) & (CoiSequence.year == year),
        CoiSequence(fin=issuer.fin, year=year, last_value=1),
    )
    if value > MAX_NUMBER:
        raise ValidationFailed(
            f"Site {issuer.code} has issued all {MAX_NUMBER} COI identifiers for 20{year:02d}."
        )
    return build_coi(issuer.fin, year, coi_sequence(value))


def issue_din(session: Session, site: Site, when: datetime | None = None) -> Din:
    """Issue the next DIN of ``site`` (its FIN) in the year of ``when``."""
    if site.fin is None:
        raise ValidationFailed(
            f"Site {site.code} has no ISBT 128 FIN, so it cannot number containers."
        )
    year = (when or utc_now()).year % 100
    value = next_counter_value(session, din_counter_name(site.fin, year))
    if value > MAX_NUMBER:
        raise ValidationFailed(
            f"Site {site.code} has issued all {MAX_NUMBER} DINs for 20{year:02d}."
        )
    return build_din(site.fin, year, din_sequence(value))


def din_counter_name(fin: str, year: int) -> str:
    """The counter of the DINs a FIN issues in a year (two-digit year)."""
    return f"din:{fin}:{year % 100:02d}"


PRINT_SERIAL_DIGITS = 13
NO_FIN = "00000"


def issue_print_serial(session: Session, site: Site | None) -> str:
    """The next label print serial: the printing site's FIN and a 13-digit count (18 characters)."""
    fin = site.fin if site is not None and site.fin else NO_FIN
    value = next_counter_value(session, f"label-serial:{fin}")
    return f"{fin}{value:0{PRINT_SERIAL_DIGITS}d}"


def issue_sscc(session: Session, site: Site) -> str:
    """Issue the next SSCC under the GS1 company prefix of ``site``."""
    prefix = site.gs1_company_prefix
    if prefix is None:
        raise ValidationFailed(
            f"Site {site.code} has no GS1 company prefix, so it cannot number shippers (SSCC). "
            "An administrator must set it first."
        )
    serial = next_counter_value(session, f"sscc:{prefix}")
    from labels.gs1.keys import build_sscc  # noqa: PLC0415 - the GS1 tables, on first use

    return build_sscc(_SSCC_EXTENSION_DIGIT, prefix, serial)


def issue_deviation_number(session: Session, when: datetime | None = None) -> str:
    """The next deviation number, e.g. ``DEV-2026-0007``."""
    year = (when or utc_now()).year
    return f"DEV-{year}-{next_counter_value(session, f'deviation:{year}'):04d}"
