"""Electronic signatures: password re-entry, fixed meanings, digest, broken after change."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from app.access.duties import batch_participants, ensure_independent_qp, ensure_second_person
from app.admin.sites import create_site
from app.core.actor import Actor
from app.core.database import Database
from app.core.errors import AccountLocked, AuthenticationFailed, NotPermitted, SeparationOfDuties
from app.core.unit_of_work import UnitOfWork
from app.quality.signatures import record_digest, sign, signatures_of
from db.enums import Role, SignatureMeaning, SiteKind
from db.models import Signature, Site

PASSWORD = "correct horse battery"


@pytest.fixture
def site_id(database: Database, admin: Actor) -> uuid.UUID:
    with UnitOfWork(database, admin) as uow:
        site = create_site(uow, code="MFG", name="Cell Factory", kind=SiteKind.MANUFACTURER)
        uow.commit()
    return site.id


def _sign_site(database: Database, actor: Actor, site_id: uuid.UUID, password: str) -> None:
    with UnitOfWork(database, actor) as uow:
        site = uow.session.get(Site, site_id)
        assert site is not None
        sign(uow, site, SignatureMeaning.REVIEWED, password, comment="site data reviewed")
        uow.commit()


def _views(database: Database, site_id: uuid.UUID):
    with database.read_session() as session:
        site = session.get(Site, site_id)
        assert site is not None
        return signatures_of(session, site)


def test_signature_records_signer_time_meaning_and_digest(
    database: Database, admin: Actor, make_user, site_id: uuid.UUID
) -> None:
    qa = make_user("qa.quentin", Role.QA)
    _sign_site(database, qa, site_id, PASSWORD)
    (view,) = _views(database, site_id)
    assert view.intact
    assert view.signer_name == "Qa Quentin"
    assert view.meaning is SignatureMeaning.REVIEWED
    assert view.signed_at.tzinfo is not None
    assert view.manifestation.startswith("Qa Quentin · ")
    assert view.manifestation.endswith(" UTC · Reviewed")
    with database.read_session() as session:
        site = session.get(Site, site_id)
        stored = session.scalar(select(Signature))
        assert site is not None and stored is not None
        assert stored.record_digest == record_digest(site)


def test_record_changed_after_signing_shows_the_signature_broken(
    database: Database, admin: Actor, make_user, site_id: uuid.UUID
) -> None:
    qa = make_user("qa.quentin", Role.QA)
    _sign_site(database, qa, site_id, PASSWORD)
    with UnitOfWork(database, admin) as uow:
        site = uow.session.get(Site, site_id)
        assert site is not None
        site.address = "1 New Street"
        uow.commit()
    (view,) = _views(database, site_id)
    assert not view.intact
    assert "BROKEN" in view.manifestation


def test_wrong_password_signs_nothing_and_counts_towards_lockout(
    database: Database, admin: Actor, make_user, site_id: uuid.UUID
) -> None:
    qa = make_user("qa.quentin", Role.QA)
    for _ in range(4):
        with pytest.raises(AuthenticationFailed, match="password is wrong"):
            _sign_site(database, qa, site_id, "not my password")
    with pytest.raises(AccountLocked):
        _sign_site(database, qa, site_id, "not my password")
    with pytest.raises(NotPermitted, match=r"'qa\.quentin' was locked at .* failed passwords"):
        _sign_site(database, qa, site_id, PASSWORD)  # the unit of work re-reads the account
    assert _views(database, site_id) == []


def test_administrators_do_not_sign(database: Database, admin: Actor, site_id: uuid.UUID) -> None:
    with pytest.raises(NotPermitted, match="do not sign"):
        _sign_site(database, admin, site_id, PASSWORD)


def test_separation_of_duties_helpers(database: Database) -> None:
    performer, verifier = uuid.uuid4(), uuid.uuid4()
    ensure_second_person(performer, verifier)
    with pytest.raises(SeparationOfDuties, match="cannot also verify"):
        ensure_second_person(performer, performer)
    ensure_independent_qp(uuid.uuid4(), [performer, verifier])
    with pytest.raises(SeparationOfDuties, match="cannot certify"):
        ensure_independent_qp(verifier, [performer, verifier])
    with database.read_session() as session:
        assert batch_participants(session, uuid.uuid4()) == frozenset()
