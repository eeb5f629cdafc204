"""Admin services on the demo data: users, profiles, products, sites, printers, settings.

Each runs on SQLite and PostgreSQL. Every service refuses anyone but an administrator, and a
change made on a stale read is refused with who changed the record, leaving it untouched.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import app.admin.users as users_module
from app.access.users import MAX_FAILED_LOGINS, authenticate, change_own_password
from app.admin.products import list_products
from app.admin.profiles import (
    ProfileDraft,
    create_profile,
    list_profiles,
    update_profile,
)
from app.admin.sites import list_sites, register_site, set_wristband_rules
from app.admin.station_settings import (
    read_station_settings,
    save_database_url,
    save_scanner_settings,
    try_connection,
)
from app.admin.users import (
    UserAccount,
    add_account,
    change_access,
    deactivate_account,
    list_accounts,
    reactivate_account,
    reset_password,
    unlock_account,
)
from app.core.actor import Actor
from app.core.config import load_settings
from app.core.errors import (
    AuthenticationFailed,
    DatabaseUnavailable,
    NotPermitted,
    StaleRecord,
    ValidationFailed,
)
from app.core.unit_of_work import UnitOfWork
from app.labelling.printers import (
    PrinterKind,
    list_printers,
    register_printer,
    set_printer_active,
    update_printer,
)
from db.enums import Role, SiteKind
from db.models import AuditEvent, User
from tests.conftest import PASSWORD

NEW_PASSWORD = "a new long password"
FRESH = ProfileDraft(
    name="fresh-2-8",
    lower_c=2.0,
    upper_c=8.0,
    max_single_excursion_min=15.0,
    max_cumulative_excursion_min=30.0,
    max_gap_min=15.0,
    mkt_judged=True,
    mkt_limit_c=8.0,
)


@pytest.fixture(autouse=True)
def settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private settings file (COI_SETTINGS)."""
    path = tmp_path / "settings.json"
    monkeypatch.setenv("COI_SETTINGS", str(path))
    monkeypatch.delenv("COI_DATABASE_URL", raising=False)
    return path


@pytest.fixture
def admin(demo: Any) -> Actor:
    """The demo database's administrator."""
    return authenticate(demo.database, "admin", PASSWORD, "test-station")


def account(demo: Any, admin: Actor, username: str) -> UserAccount:
    """The account ``username`` as the Admin screen reads it."""
    return {a.username: a for a in list_accounts(demo.database, admin)}[username]


def audit_count(demo: Any) -> int:
    """How many audit events the database holds."""
    with demo.database.read_session() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def events(demo: Any, action: str) -> list[AuditEvent]:
    """The audit events with ``action``, oldest first."""
    with demo.database.read_session() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        return list(session.scalars(query))


# ---------------------------------------------------------------- permissions
def _every_admin_service(demo: Any, who: Actor) -> list[tuple[str, Callable[[], Any]]]:
    db = demo.database
    anyone = uuid.uuid4()
    return [
        ("list_accounts", lambda: list_accounts(db, who)),
        (
            "add_account",
            lambda: add_account(
                db,
                who,
                username="x.y",
                full_name="X Y",
                password=NEW_PASSWORD,
                roles=[Role.QA],
                site_code="CTF",
            ),
        ),
        (
            "change_access",
            lambda: change_access(
                db, who, anyone, roles=[Role.QA], site_code="CTF", reason="r", seen_version=1
            ),
        ),
        ("deactivate", lambda: deactivate_account(db, who, anyone, reason="r", seen_version=1)),
        ("reactivate", lambda: reactivate_account(db, who, anyone, reason="r", seen_version=1)),
        ("unlock", lambda: unlock_account(db, who, anyone, reason="r", seen_version=1)),
        (
            "reset_password",
            lambda: reset_password(
                db, who, anyone, new_password=NEW_PASSWORD, reason="r", seen_version=1
            ),
        ),
        ("list_profiles", lambda: list_profiles(db, who)),
        ("create_profile", lambda: create_profile(db, who, FRESH)),
        (
            "update_profile",
            lambda: update_profile(db, who, anyone, FRESH, reason="r", seen_version=1),
        ),
        ("list_products", lambda: list_products(db, who)),
        (
            "register_site",
            lambda: register_site(db, who, code="X", name="X", kind=SiteKind.CLINIC),
        ),
        (
            "set_wristband_rules",
            lambda: set_wristband_rules(db, who, anyone, mrn_pattern=None, carries_coi=True),
        ),
        (
            "register_printer",
            lambda: register_printer(db, who, name="P", kind=PrinterKind.SYSTEM),
        ),
        (
            "update_printer",
            lambda: update_printer(
                db,
                who,
                anyone,
                name="P",
                kind=PrinterKind.SYSTEM,
                host=None,
                port=9100,
                dpi=300,
                site_code=None,
                seen_version=1,
            ),
        ),
        (
            "set_printer_active",
            lambda: set_printer_active(db, who, anyone, active=False, reason="r", seen_version=1),
        ),
        ("read_station_settings", lambda: read_station_settings(who)),
        ("save_scanner_settings", lambda: save_scanner_settings(who, {})),
        ("save_database_url", lambda: save_database_url(who, "sqlite:///x.db")),
        ("try_connection", lambda: try_connection(who, db.url)),
    ]


@pytest.mark.parametrize("username", ["asha.qa", "petra.qp", "otto.operator", "cora.coordinator"])
def test_only_an_administrator_may_use_the_admin_services(
    demo: Any, username: str, settings_file: Path
) -> None:
    who = demo[username]  # signing in is recorded; nothing after it may be
    before = audit_count(demo)
    refused = []
    for name, call in _every_admin_service(demo, who):
        with pytest.raises(NotPermitted, match=f"you are signed in as {username}") as error:
            call()
        assert "Administrator" in error.value.message, name
        refused.append(name)
    assert len(refused) == 20
    assert audit_count(demo) == before
    assert not settings_file.exists()


# ---------------------------------------------------------------- users
def test_add_account_checks_the_site_against_the_roles(demo: Any, admin: Actor) -> None:
    def add(roles: list[Role], site: str | None) -> UserAccount:
        return add_account(
            demo.database,
            admin,
            username="new.person",
            full_name="New Person",
            password=NEW_PASSWORD,
            roles=roles,
            site_code=site,
        )

    with pytest.raises(ValidationFailed, match="at least one role"):
        add([], "CTF")
    with pytest.raises(ValidationFailed, match="works at a site: choose the user's site"):
        add([Role.QA], None)
    with pytest.raises(ValidationFailed, match="QC analyst works at a manufacturer site, not"):
        add([Role.QC_ANALYST], "NBH")
    with pytest.raises(ValidationFailed, match="Apheresis nurse works at a clinic site"):
        add([Role.APHERESIS_NURSE, Role.CLINIC_COORDINATOR], "CTF")
    with pytest.raises(ValidationFailed, match="already taken"):
        add_account(
            demo.database,
            admin,
            username="otto.operator",
            full_name="Otto Two",
            password=NEW_PASSWORD,
            roles=[Role.MFG_OPERATOR],
            site_code="CTF",
        )
    created = add([Role.QA, Role.QP], "CTF")
    assert (created.roles, created.site_code, created.active) == ({Role.QA, Role.QP}, "CTF", True)
    assert created.role_names == "Quality assurance, Qualified Person"
    actor = authenticate(demo.database, "new.person", NEW_PASSWORD, "s")
    assert actor.site_name == "Cell Therapy Facility (demo)"
    assert (
        add_account(
            demo.database,
            admin,
            username="second.admin",
            full_name="Second Admin",
            password=NEW_PASSWORD,
            roles=[Role.ADMIN],
            site_code=None,
        ).site_code
        is None
    )


def test_roles_and_site_change_with_reason_and_refuse_a_stale_edit(demo: Any, admin: Actor) -> None:
    otto = account(demo, admin, "otto.operator")
    changed = change_access(
        demo.database,
        admin,
        otto.id,
        roles=[Role.MFG_VERIFIER, Role.QC_ANALYST],
        site_code="CTF",
        reason="trained as verifier",
        seen_version=otto.version,
    )
    assert changed.roles == {Role.MFG_VERIFIER, Role.QC_ANALYST}
    assert changed.version == otto.version + 1
    granted = events(demo, "grant role")
    assert [json.loads(e.new_values)["role"] for e in granted] == ["mfg_verifier", "qc_analyst"]
    assert {e.reason for e in granted} == {"trained as verifier"}
    revoked = events(demo, "revoke role")
    assert [(json.loads(e.old_values)["role"], e.reason) for e in revoked] == [
        ("mfg_operator", "trained as verifier")
    ]
    (access,) = events(demo, "change access")
    assert (access.username, access.reason) == ("admin", "trained as verifier")
    assert json.loads(access.old_values) == {"roles": ["mfg_operator"], "site": "CTF"}
    assert json.loads(access.new_values) == {
        "roles": ["mfg_verifier", "qc_analyst"],
        "site": "CTF",
    }

    with pytest.raises(StaleRecord) as stale:
        change_access(
            demo.database,
            admin,
            otto.id,
            roles=[Role.MFG_OPERATOR],
            site_code="CTF",
            reason="undo",
            seen_version=otto.version,
        )
    assert "was changed by Ada Admin (admin) at " in stale.value.message
    assert account(demo, admin, "otto.operator").roles == {Role.MFG_VERIFIER, Role.QC_ANALYST}
    assert authenticate(demo.database, "otto.operator", "demo-password", "s").roles == {
        Role.MFG_VERIFIER,
        Role.QC_ANALYST,
    }
    with pytest.raises(ValidationFailed, match="Give the reason"):
        change_access(
            demo.database,
            admin,
            otto.id,
            roles=[Role.MFG_OPERATOR],
            site_code="CTF",
            reason=" ",
            seen_version=changed.version,
        )


def test_an_administrator_cannot_change_their_own_roles_or_deactivate_themselves(
    demo: Any, admin: Actor
) -> None:
    me = account(demo, admin, "admin")
    with pytest.raises(NotPermitted, match="cannot change your own roles or site"):
        change_access(
            demo.database,
            admin,
            me.id,
            roles=[Role.QA],
            site_code="CTF",
            reason="r",
            seen_version=me.version,
        )
    with pytest.raises(NotPermitted, match="cannot deactivate your own account"):
        deactivate_account(demo.database, admin, me.id, reason="r", seen_version=me.version)
    assert account(demo, admin, "admin") == me


def test_deactivate_and_reactivate(demo: Any, admin: Actor) -> None:
    ivy = account(demo, admin, "ivy.infusion")
    off = deactivate_account(
        demo.database, admin, ivy.id, reason="left the hospital", seen_version=ivy.version
    )
    assert not off.active
    with pytest.raises(AuthenticationFailed, match="user name or password is wrong"):
        authenticate(demo.database, "ivy.infusion", "demo-password", "s")
    with pytest.raises(ValidationFailed, match="already deactivated"):
        deactivate_account(demo.database, admin, ivy.id, reason="r", seen_version=off.version)
    on = reactivate_account(
        demo.database, admin, ivy.id, reason="came back", seen_version=off.version
    )
    assert on.active
    assert authenticate(demo.database, "ivy.infusion", "demo-password", "s").username == (
        "ivy.infusion"
    )
    assert [e.reason for e in events(demo, "deactivate")] == ["left the hospital"]
    assert [e.reason for e in events(demo, "reactivate")] == ["came back"]


def test_unlock_and_reset_password(demo: Any, admin: Actor) -> None:
    quinn = account(demo, admin, "quinn.qc")
    with pytest.raises(ValidationFailed, match="is not locked"):
        unlock_account(demo.database, admin, quinn.id, reason="r", seen_version=quinn.version)
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(AuthenticationFailed):
            authenticate(demo.database, "quinn.qc", "wrong password", "s")
    locked = account(demo, admin, "quinn.qc")
    assert locked.locked
    unlocked = unlock_account(
        demo.database, admin, quinn.id, reason="identity checked", seen_version=locked.version
    )
    assert not unlocked.locked and unlocked.failed_logins == 0
    with pytest.raises(ValidationFailed, match="at least 10 characters"):
        reset_password(
            demo.database,
            admin,
            quinn.id,
            new_password="short",
            reason="forgotten",
            seen_version=unlocked.version,
        )
    reset_password(
        demo.database,
        admin,
        quinn.id,
        new_password=NEW_PASSWORD,
        reason="forgotten",
        seen_version=unlocked.version,
    )
    assert authenticate(demo.database, "quinn.qc", NEW_PASSWORD, "s").username == "quinn.qc"
    (reset,) = events(demo, "password_reset")
    assert reset.reason == "forgotten"
    assert json.loads(reset.new_values) == {
        "password_hash": "[changed]",
        "must_change_password": True,
    }


# ---------------------------------------------------------------- temperature profiles
def _draft(**changes: Any) -> ProfileDraft:
    values = {**FRESH.__dict__, "name": "chilled-test", **changes}
    return ProfileDraft(**values)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"name": "  "}, "needs a name"),
        ({"lower_c": None, "upper_c": None}, "needs a lower limit, an upper limit, or both"),
        ({"lower_c": 8.0, "upper_c": 8.0}, r"lower limit \(8.0 °C\) must be below"),
        ({"max_single_excursion_min": -1.0}, "cannot be negative"),
        ({"max_single_excursion_min": 40.0}, "cannot be longer than the cumulative"),
        ({"max_gap_min": 0.0}, "must be more than 0 minutes"),
        ({"mkt_limit_c": None}, "give its limit"),
        ({"upper_c": float("nan")}, "upper limit must be a number"),
        ({"name": "fresh-2-8"}, "already exists"),
    ],
)
def test_a_profile_that_cannot_judge_a_trace_is_refused(
    demo: Any, admin: Actor, changes: dict[str, Any], problem: str
) -> None:
    before = audit_count(demo)
    with pytest.raises(ValidationFailed, match=problem):
        create_profile(demo.database, admin, _draft(**changes))
    assert audit_count(demo) == before


def test_profiles_are_created_and_changed_with_a_reason(demo: Any, admin: Actor) -> None:
    created = create_profile(
        demo.database, admin, _draft(lower_c=None, upper_c=-60.0, mkt_judged=False)
    )
    assert (created.limits, created.version, created.updated_by) == (
        "≤ -60.0 °C",
        1,
        "Ada Admin (admin)",
    )
    assert created.mkt_limit_c is None  # not judged: no limit kept
    profiles = {p.name: p for p in list_profiles(demo.database, admin)}
    assert sorted(profiles) == ["ambient-15-25", "chilled-test", "cryo-lnd", "fresh-2-8"]
    fresh = profiles["fresh-2-8"]
    assert fresh.draft() == FRESH
    with pytest.raises(ValidationFailed, match="Give the reason"):
        update_profile(demo.database, admin, fresh.id, FRESH, reason="", seen_version=1)
    with pytest.raises(ValidationFailed, match="Nothing was changed"):
        update_profile(demo.database, admin, fresh.id, FRESH, reason="r", seen_version=1)
    with pytest.raises(ValidationFailed, match="already exists"):
        update_profile(
            demo.database,
            admin,
            fresh.id,
            _draft(name="cryo-lnd"),
            reason="r",
            seen_version=1,
        )
    wider = ProfileDraft(**{**FRESH.__dict__, "upper_c": 10.0})
    saved = update_profile(
        demo.database, admin, fresh.id, wider, reason="stability study", seen_version=1
    )
    assert (saved.upper_c, saved.version) == (10.0, 2)
    (change,) = events(demo, "change profile")
    assert (json.loads(change.old_values), json.loads(change.new_values), change.reason) == (
        {"upper_c": 8.0},
        {"upper_c": 10.0},
        "stability study",
    )


def test_a_stale_profile_edit_names_who_changed_it_and_saves_nothing(
    demo: Any, admin: Actor
) -> None:
    bea = add_account(
        demo.database,
        admin,
        username="bea.admin",
        full_name="Bea Admin",
        password=NEW_PASSWORD,
        roles=[Role.ADMIN],
        site_code=None,
    )
    bea_actor = change_own_password(
        demo.database,
        authenticate(demo.database, bea.username, NEW_PASSWORD, "station-b"),
        NEW_PASSWORD,
        "bea's own password",
    )
    fresh = {p.name: p for p in list_profiles(demo.database, admin)}["fresh-2-8"]
    update_profile(
        demo.database,
        bea_actor,
        fresh.id,
        ProfileDraft(**{**FRESH.__dict__, "upper_c": 9.0}),
        reason="from B",
        seen_version=fresh.version,
    )
    before = audit_count(demo)
    with pytest.raises(StaleRecord) as stale:
        update_profile(
            demo.database,
            admin,
            fresh.id,
            ProfileDraft(**{**FRESH.__dict__, "upper_c": 12.0}),
            reason="from A",
            seen_version=fresh.version,
        )
    assert "temperature profile was changed by Bea Admin (bea.admin) at " in stale.value.message
    assert audit_count(demo) == before
    now = {p.name: p for p in list_profiles(demo.database, admin)}["fresh-2-8"]
    assert (now.upper_c, now.version, now.updated_by) == (9.0, 2, "Bea Admin (bea.admin)")


# ---------------------------------------------------------------- products, sites, printers
def test_products_show_their_profiles_steps_and_qc_panel(demo: Any, admin: Actor) -> None:
    product, hsc = list_products(demo.database, admin)  # the two shipped products, version 1
    assert (hsc.code, hsc.version_number, hsc.status, len(hsc.steps)) == ("S4321", 1, "approved", 7)
    assert (product.code, product.starting_material_profile, product.final_product_profile) == (
        "S1234",
        "fresh-2-8",
        "cryo-lnd",
    )
    assert len(product.steps) == 9
    assert product.qc_tests == 8
    assert product.max_hours_collection_to_receipt == 48


def test_sites_are_registered(demo: Any, admin: Actor) -> None:
    site = register_site(
        demo.database,
        admin,
        code="SGH",
        name="St George's Hospital",
        kind=SiteKind.CLINIC,
        fin="G4321",
        address="  Blackshaw Road ",
    )
    assert (site.code, site.fin, site.address, site.active) == (
        "SGH",
        "G4321",
        "Blackshaw Road",
        True,
    )
    assert [s.code for s in list_sites(demo.database)] == ["CTF", "NBH", "SGH"]
    with pytest.raises(ValidationFailed, match="already in use"):
        register_site(demo.database, admin, code="SGH", name="Again", kind=SiteKind.CLINIC)
    ivy = account(demo, admin, "ivy.infusion")
    moved = change_access(
        demo.database,
        admin,
        ivy.id,
        roles=ivy.roles,
        site_code="SGH",
        reason="moved to St George's",
        seen_version=ivy.version,
    )
    assert (moved.site_code, moved.site_name) == ("SGH", "St George's Hospital")
    signed_in = authenticate(demo.database, "ivy.infusion", "demo-password", "s")
    assert signed_in.site_id == site.id
    (access,) = events(demo, "change access")
    assert json.loads(access.new_values) == {"roles": ["infusion_nurse"], "site": "SGH"}


def test_a_clinics_wristband_rules_are_checked_and_audited(demo: Any, admin: Actor) -> None:
    """The MRN bar-code pattern must compile, need characters, and not nest repeats."""
    clinic = register_site(
        demo.database,
        admin,
        code="SGH",
        name="St George's Hospital",
        kind=SiteKind.CLINIC,
        wristband_mrn_pattern=r"MRN(?P<mrn>[0-9]{7})",
        wristband_carries_coi=True,
    )
    assert (clinic.wristband_mrn_pattern, clinic.wristband_carries_coi) == (
        r"MRN(?P<mrn>[0-9]{7})",
        True,
    )
    refused = {
        "MRN([0-9]+": "not a valid regular expression",
        "[0-9]*": "matches an empty scan",
        "M" * 201: "at most 200",
        "(a+)+$": "without nesting",
        "(MRN)([0-9]+)": "name the one that holds",
    }
    before = audit_count(demo)
    for pattern, words in refused.items():
        with pytest.raises(ValidationFailed, match=words):
            set_wristband_rules(
                demo.database, admin, clinic.id, mrn_pattern=pattern, carries_coi=False
            )
        with pytest.raises(ValidationFailed, match=words):
            register_site(
                demo.database,
                admin,
                code="BAD",
                name="Bad",
                kind=SiteKind.CLINIC,
                wristband_mrn_pattern=pattern,
            )
    assert audit_count(demo) == before
    ctf = next(s for s in list_sites(demo.database) if s.code == "CTF")
    with pytest.raises(ValidationFailed, match="belong to a clinic"):
        set_wristband_rules(demo.database, admin, ctf.id, mrn_pattern=None, carries_coi=True)

    cleared = set_wristband_rules(
        demo.database, admin, clinic.id, mrn_pattern="", carries_coi=False
    )
    assert (cleared.wristband_mrn_pattern, cleared.wristband_carries_coi) == (None, False)
    (event,) = events(demo, "set wristband rules")
    assert json.loads(event.new_values) == {
        "wristband_carries_coi": False,
        "wristband_mrn_pattern": None,
    }
    listed = next(s for s in list_sites(demo.database) if s.code == "SGH")
    assert listed == cleared


def test_printers_are_updated_retired_and_refuse_stale_edits(demo: Any, admin: Actor) -> None:
    printer = register_printer(
        demo.database, admin, name="CTF 1", kind=PrinterKind.ZPL, host=" 10.0.0.5 ", site_code="CTF"
    )
    assert (printer.address, printer.version) == ("10.0.0.5:9100", 1)

    def update(seen: int, **changes: Any) -> Any:
        values = {
            "name": "CTF 1",
            "kind": PrinterKind.ZPL,
            "host": "10.0.0.5",
            "port": 9100,
            "dpi": 300,
            "site_code": "CTF",
            **changes,
        }
        return update_printer(demo.database, admin, printer.id, seen_version=seen, **values)

    with pytest.raises(ValidationFailed, match="needs its network host"):
        update(1, host="  ")
    with pytest.raises(ValidationFailed, match="must be one of"):
        update(1, dpi=150)
    moved = update(1, port=6101, dpi=600, site_code=None)
    assert (moved.address, moved.dpi, moved.site_code, moved.version) == (
        "10.0.0.5:6101",
        600,
        None,
        2,
    )
    with pytest.raises(StaleRecord, match="printer was changed by Ada Admin"):
        update(1, port=9100)
    retired = set_printer_active(
        demo.database, admin, printer.id, active=False, reason="broken", seen_version=2
    )
    assert not retired.active
    assert list_printers(demo.database) == []
    assert [p.name for p in list_printers(demo.database, include_retired=True)] == ["CTF 1"]
    with pytest.raises(ValidationFailed, match="already retired"):
        set_printer_active(
            demo.database, admin, printer.id, active=False, reason="r", seen_version=3
        )
    assert [e.reason for e in events(demo, "retire")] == ["broken"]


# ---------------------------------------------------------------- workstation settings
def test_scanner_settings_and_database_url_go_to_the_settings_file(
    demo: Any, admin: Actor, settings_file: Path, tmp_path: Path
) -> None:
    scanner = {"gs_substitute": "<GS>", "aim_prefix_expected": True}
    assert save_scanner_settings(admin, scanner) == settings_file
    assert load_settings().scanner == scanner
    # Checked by the schema the window reads the file with (app.scanning.ScannerSettings).
    with pytest.raises(ValidationFailed, match="gs_substitute must be text"):
        save_scanner_settings(admin, {"gs_substitute": ["<GS>"]})
    with pytest.raises(ValidationFailed, match="would also match ordinary bar code data"):
        save_scanner_settings(admin, {"gs_substitute": "0"})
    with pytest.raises(ValidationFailed, match="unknown scanner settings"):
        save_scanner_settings(admin, {"gs": "^"})
    assert load_settings().scanner == scanner  # nothing refused was written

    url = "postgresql+psycopg://coi:s3cret@db.example:5432/coi"
    saved = save_database_url(admin, url)
    assert "s3cret" not in settings_file.read_text(encoding="utf-8")  # never in a plain file
    assert saved.note  # where the password went, or why it was not saved
    stored = json.loads(settings_file.read_text(encoding="utf-8"))
    assert stored["database_url"] == "postgresql+psycopg://coi@db.example:5432/coi"
    assert stored["scanner"] == scanner  # kept
    seen = read_station_settings(admin)
    assert seen.saved_url_shown == "postgresql+psycopg://coi@db.example:5432/coi"
    assert seen.path == settings_file
    with pytest.raises(ValidationFailed, match="is not usable"):
        save_database_url(admin, "mysql://root@localhost/coi")
    save_database_url(admin, "  ")
    assert load_settings().database_url is None


def test_a_connection_test_reads_the_schema_and_creates_nothing(
    demo: Any, admin: Actor, tmp_path: Path
) -> None:
    check = try_connection(admin, demo.database.url)
    assert check.backend == demo.database.backend
    assert check.url_shown == demo.database.display_url
    assert "COI Tracker schema version " in check.summary and "up to date" in check.summary
    assert check.revision.startswith("Database migration 0")  # the id: for a tooltip only
    assert check.revision.split()[2] not in check.summary
    missing = tmp_path / "missing.db"
    with pytest.raises(DatabaseUnavailable, match="There is no database file"):
        try_connection(admin, f"sqlite:///{missing}")
    assert not missing.exists()
    with pytest.raises(DatabaseUnavailable, match="Cannot reach the database"):
        try_connection(admin, "postgresql+psycopg://coi:pw@127.0.0.1:1/coi")


def test_a_sign_in_meanwhile_does_not_make_an_open_account_stale(demo: Any, admin: Actor) -> None:
    otto = account(demo, admin, "otto.operator")
    with pytest.raises(AuthenticationFailed):
        authenticate(demo.database, "otto.operator", "not the password", "bench-2")
    authenticate(demo.database, "otto.operator", "demo-password", "bench-2")  # meanwhile
    after_sign_in = account(demo, admin, "otto.operator")
    assert after_sign_in.version == otto.version  # bookkeeping, not an edit of the account
    assert after_sign_in.last_login_at is not None

    changed = change_access(
        demo.database,
        admin,
        otto.id,
        roles=[Role.MFG_VERIFIER],
        site_code="CTF",
        reason="trained as verifier",
        seen_version=otto.version,
    )
    assert changed.roles == {Role.MFG_VERIFIER}
    assert changed.last_login_at == after_sign_in.last_login_at  # the sign-in is kept
    (failed,) = events(demo, "password_failed")
    assert json.loads(failed.new_values) == {"failed_logins": 1}
    sign_ins = [e for e in events(demo, "sign_in") if e.record_id == str(otto.id)]
    assert json.loads(sign_ins[-1].new_values)["failed_logins"] == 0


# ---------------------------------------------------------------- passwords someone else knows
def test_a_password_an_administrator_set_must_be_replaced_by_its_user(
    demo: Any, admin: Actor
) -> None:
    """Nobody acts under a password another person knows: a new account's first password and a
    reset password let the user in only to choose their own (not when admins reset their own)."""
    add_account(
        demo.database,
        admin,
        username="nora.nurse",
        full_name="Nora Nurse",
        password=NEW_PASSWORD,
        roles=[Role.INFUSION_NURSE],
        site_code="NBH",
    )
    quinn = account(demo, admin, "quinn.qc")
    reset_password(
        demo.database,
        admin,
        quinn.id,
        new_password=NEW_PASSWORD,
        reason="forgotten",
        seen_version=quinn.version,
    )
    for username in ("nora.nurse", "quinn.qc"):
        person = authenticate(demo.database, username, NEW_PASSWORD, "s")
        assert person.must_change_password
        with (
            pytest.raises(NotPermitted, match="must be changed before anything else"),
            UnitOfWork(demo.database, person),
        ):
            pass
        chosen = change_own_password(demo.database, person, NEW_PASSWORD, "my own password 1")
        assert not chosen.must_change_password
        assert not authenticate(
            demo.database, username, "my own password 1", "s"
        ).must_change_password

    me = account(demo, admin, "admin")
    reset_password(
        demo.database, admin, me.id, new_password=NEW_PASSWORD, reason="rotation",
        seen_version=me.version,
    )  # fmt: skip
    assert not authenticate(demo.database, "admin", NEW_PASSWORD, "s").must_change_password


def test_two_administrators_deactivating_each_other_at_once_leave_one_winner(
    demo: Any, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL each write holds a share lock on its actor's account row, so two admins
    deactivating each other deadlock; the database rolls one back, which must read as a clear
    refusal (not a database error), and exactly one deactivation holds."""
    if demo.database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE: the two cannot interleave")
    add_account(
        demo.database,
        admin,
        username="bea.admin",
        full_name="Bea Admin",
        password=NEW_PASSWORD,
        roles=[Role.ADMIN],
        site_code=None,
    )
    first = authenticate(demo.database, "bea.admin", NEW_PASSWORD, "station-b")
    bea = change_own_password(demo.database, first, NEW_PASSWORD, "bea's own password")
    accounts = {a.username: a for a in list_accounts(demo.database, admin)}
    both_locked_in = threading.Barrier(2, timeout=20)
    editable = users_module._editable

    def meet_then_edit(uow: Any, user_id: uuid.UUID, seen_version: int) -> Any:
        user = editable(uow, user_id, seen_version)
        both_locked_in.wait()  # each holds the share lock on its own account by now
        return user

    monkeypatch.setattr(users_module, "_editable", meet_then_edit)
    outcomes: dict[str, object] = {}

    def deactivate(who: Actor, target: str) -> None:
        try:
            outcomes[who.username] = deactivate_account(
                demo.database,
                who,
                accounts[target].id,
                reason="at the same moment",
                seen_version=accounts[target].version,
            )
        except Exception as error:
            outcomes[who.username] = error

    threads = [
        threading.Thread(target=deactivate, args=(admin, "bea.admin")),
        threading.Thread(target=deactivate, args=(bea, "admin")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    won = [o for o in outcomes.values() if isinstance(o, UserAccount)]
    lost = [o for o in outcomes.values() if not isinstance(o, UserAccount)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert isinstance(lost[0], StaleRecord), repr(lost[0])
    assert "at the same moment" in str(lost[0]) and "Nothing was saved" in str(lost[0])
    with demo.database.read_session() as session:
        rows = session.execute(select(User.username, User.active)).all()
    active = {row.username: row.active for row in rows}
    assert sorted(active[name] for name in ("admin", "bea.admin")) == [False, True]
    assert len(events(demo, "deactivate")) == 1
