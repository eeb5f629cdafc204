"""Searching and exporting the audit trail, on a trail written by a real journey, both backends.

Expectations are computed from the audit table itself: a case's events are found by following
record ids through the stored old and new values (independently of how the service gathers
the case's records), a site's events from the users' sites.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import re
import shutil
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.audit import queries as audit_queries
from app.audit.export import CSV_COLUMNS, export_audit_csv, export_audit_pdf, inert
from app.audit.queries import (
    IDENTITY_HIDDEN,
    AuditFilter,
    search_audit,
)
from app.core import chain_head, parse_seal
from app.core.actor import Actor
from app.core.audit_verify import verify_database
from app.core.clinic_sealing import bound_to
from app.core.database import Database
from app.core.errors import NotFound, NotPermitted, ValidationFailed
from app.core.unit_of_work import UnitOfWork
from db.models import AuditEvent, Site, User
from labels.decode import decode_image
from tests.conftest import ARTIFACTS
from tests.support import audit_trail
from tests.support.audit_trail import Trail
from tests.support.identity_keys import keys_of
from tests.support.pdf_words import plain

trail_template = audit_trail.trail_template
trail = audit_trail.trail

PDF_ARTIFACTS = ARTIFACTS / "audit"
EVENT_LINE = re.compile(r"^\s*(\d+)\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s", re.MULTILINE)
"""A table row of the PDF as pdftotext lays it out: seq, then the time."""


def _events(database: Database) -> list[AuditEvent]:
    with database.read_session() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return set()


def case_events(events: list[AuditEvent], case_id: uuid.UUID) -> set[int]:
    """Seqs of the events of a case: records reached from the case through stored values.

    A record belongs to the case when one of its events names the case or a record that
    belongs to it; the case's patient and patient identity are named by the case's own values.
    """
    values = {
        e.seq: _strings(json.loads(e.old_values)) | _strings(json.loads(e.new_values))
        for e in events
    }
    ids = {str(case_id)}
    for event in events:
        if event.record_id == str(case_id) and "patient_id" in json.loads(event.new_values):
            ids.add(json.loads(event.new_values)["patient_id"])
    growing = True
    while growing:
        growing = False
        for event in events:
            if event.record_id not in ids and values[event.seq] & ids:
                ids.add(event.record_id)
                growing = True
    return {e.seq for e in events if e.record_id in ids}


def _all(database: Database, actor: Actor, audit_filter: AuditFilter) -> list[int]:
    page = search_audit(database, actor, audit_filter, limit=1000)
    assert page.total == len(page.rows) < 1000
    return [row.seq for row in page.rows]


def test_case_filter_finds_exactly_the_events_of_the_case(trail: Trail) -> None:
    admin = trail["admin"]
    events = _events(trail.database)
    for case in (trail.case_a, trail.case_b):
        expected = case_events(events, case.id)
        typed = f"{case.coi_eye_readable}"
        found = _all(trail.database, admin, AuditFilter(case=typed))
        assert found == sorted(expected, reverse=True)  # newest first, nothing else
        compact = _all(trail.database, admin, AuditFilter(case=case.coi.lower()))
        assert compact == found
        by_id = _all(trail.database, admin, AuditFilter(case_id=case.id))
        assert by_id == found
    a = case_events(events, trail.case_a.id)
    kinds = {e.record_type for e in events if e.seq in a}
    assert {
        "therapy_case", "unit", "unit_parent", "step_unit", "label", "scan", "signature",
        "shipment", "shipment_item", "logger_file", "custody_event", "deviation",
        "manufacturing_step", "stage_record", "patient", "patient_identity",
    } <= kinds  # fmt: skip
    assert "site" not in kinds and "app_user" not in kinds


def test_a_mistyped_or_unknown_coi_is_refused_in_words(trail: Trail) -> None:
    admin = trail["admin"]
    coi = trail.case_a.coi
    with pytest.raises(ValidationFailed, match="not a whole COI"):
        search_audit(trail.database, admin, AuditFilter(case=coi[:-2]))
    wrong_check = "0" if trail.case_a.coi_check != "0" else "1"
    with pytest.raises(ValidationFailed):
        search_audit(trail.database, admin, AuditFilter(case=f"{coi}{wrong_check}"))
    unknown = coi[:-6] + "999999"
    with pytest.raises(NotFound, match="No case has the COI"):
        search_audit(trail.database, admin, AuditFilter(case=unknown))


def test_filters_by_user_record_action_and_time(trail: Trail) -> None:
    admin = trail["admin"]
    events = _events(trail.database)

    def expect(keep: Any) -> list[int]:
        return sorted((e.seq for e in events if keep(e)), reverse=True)

    assert _all(trail.database, admin, AuditFilter(username=" Vera.Verifier ")) == expect(
        lambda e: e.username == "vera.verifier"
    )
    assert _all(trail.database, admin, AuditFilter(record_type="signature")) == expect(
        lambda e: e.record_type == "signature"
    )
    assert _all(trail.database, admin, AuditFilter(action="SIGN")) == expect(
        lambda e: "sign" in e.action.lower()
    )
    case_id = str(trail.case_a.id)
    assert _all(trail.database, admin, AuditFilter(record_id=case_id.upper())) == expect(
        lambda e: e.record_id == case_id
    )
    since, until = events[40].at, events[len(events) - 40].at
    assert since < until
    window = _all(trail.database, admin, AuditFilter(since=since, until=until))
    assert window == expect(lambda e: since <= e.at < until)
    assert 0 < len(window) < len(events)
    combined = AuditFilter(case=trail.case_a.coi, username="otto.operator", action="scan")
    in_case = case_events(events, trail.case_a.id)
    assert _all(trail.database, admin, combined) == expect(
        lambda e: e.seq in in_case and e.username == "otto.operator" and "scan" in e.action
    )
    with pytest.raises(ValidationFailed, match="before"):
        search_audit(trail.database, admin, AuditFilter(since=until, until=since))
    with pytest.raises(ValidationFailed, match="time zone"):
        search_audit(trail.database, admin, AuditFilter(since=since.replace(tzinfo=None)))


def test_pages_cover_the_trail_once_newest_first(trail: Trail) -> None:
    admin = trail["admin"]
    audit_filter = AuditFilter(case=trail.case_a.coi)
    whole = _all(trail.database, admin, audit_filter)
    pages = []
    offset = 0
    while True:
        page = search_audit(trail.database, admin, audit_filter, offset=offset, limit=25)
        assert page.total == len(whole)
        if not page.rows:
            break
        assert len(page.rows) <= 25
        pages.extend(row.seq for row in page.rows)
        offset += 25
    assert pages == whole
    assert len(whole) > 100  # several pages


def _site_users(database: Database, site_name: str | None) -> set[str]:
    query = select(User.id).join(Site, Site.id == User.site_id).where(Site.name == site_name)
    with database.read_session() as session:
        return {str(user_id) for user_id in session.scalars(query)}


@pytest.mark.parametrize("username", ["asha.qa", "petra.qp"])
def test_qa_and_qp_see_the_events_of_their_own_site(trail: Trail, username: str) -> None:
    actor = trail[username]
    users = _site_users(trail.database, actor.site_name)
    events = _events(trail.database)
    expected = sorted(
        (
            e.seq
            for e in events
            if e.user_id in users or (e.record_type == "app_user" and e.record_id in users)
        ),
        reverse=True,
    )
    page = search_audit(trail.database, actor, AuditFilter(), limit=1000)
    assert [row.seq for row in page.rows] == expected
    assert page.scope == f"events of the users at {actor.site_name}"
    names = {row.username for row in page.rows}
    assert "otto.operator" in names and "vera.verifier" in names
    assert not names & {"cora.coordinator", "alex.apheresis"}
    # The administrator appears only for changes to the site's user accounts.
    assert {row.record_type for row in page.rows if row.username == "admin"} <= {"app_user"}
    # The case filter keeps the site rule: the clinic's part of the case is not theirs to see.
    in_case = search_audit(trail.database, actor, AuditFilter(case=trail.case_a.coi), limit=1000)
    assert {row.username for row in in_case.rows} <= {
        "otto.operator", "vera.verifier", "quinn.qc", "asha.qa", "petra.qp", "system",
    }  # fmt: skip
    assert 0 < in_case.total < len(case_events(events, trail.case_a.id))


@pytest.mark.parametrize("username", ["otto.operator", "cora.coordinator", "quinn.qc"])
def test_other_roles_are_refused(trail: Trail, username: str, tmp_path: Path) -> None:
    actor = trail[username]
    before = len(_events(trail.database))
    with pytest.raises(NotPermitted, match="QA, the Qualified Person and administrators"):
        search_audit(trail.database, actor, AuditFilter())
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "trail.csv"
    with pytest.raises(NotPermitted):
        export_audit_csv(trail.database, actor, AuditFilter(), target)
    assert list(folder.iterdir()) == []  # no file, not even a partial one
    assert len(_events(trail.database)) == before  # no export recorded


def test_admin_sees_every_event_with_patient_identity_hidden(trail: Trail) -> None:
    admin = trail["admin"]
    with trail.database.read_session() as session:
        count = session.scalar(select(func.count()).select_from(AuditEvent))
    page = search_audit(trail.database, admin, AuditFilter(), limit=5)
    assert page.total == count
    assert page.scope == "every event"
    identity = search_audit(
        trail.database, admin, AuditFilter(case=trail.case_a.coi, record_type="patient_identity")
    )
    assert identity.total == 1
    created = identity.rows[0]
    assert created.new_values["family_name"] == IDENTITY_HIDDEN
    assert created.new_values["hospital_number"] == IDENTITY_HIDDEN
    events = _events(trail.database)
    enrolled = next(e for e in events if e.record_id == str(trail.case_a.id))
    assert created.new_values["patient_id"] == json.loads(enrolled.new_values)["patient_id"]
    stored = next(e for e in events if e.seq == created.seq)
    assert "Okafor" not in stored.new_values  # the trail keeps it sealed; the view hides it
    sealed = json.loads(stored.new_values)["family_name"]
    key = keys_of(trail.database)
    assert sealed.startswith("coi-enc2:")  # with the patient's own key
    assert (
        key.open(sealed, bound_to("patient_identity", "family_name", stored.record_id)) == "Okafor"
    )


def test_an_export_streams_the_trail_in_batches_of_the_size_asked(
    trail: Trail, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each batch's erased patients are read at once: a batch is the size asked, not one row
    (SQLAlchemy's ``partitions()`` without a size ignores ``yield_per``)."""
    batches: list[int] = []
    prefetch = audit_queries._Shown.prefetch

    def counted(shown: Any, texts: Any) -> None:
        texts = list(texts)
        batches.append(len(texts))
        prefetch(shown, texts)

    monkeypatch.setattr(audit_queries._Shown, "prefetch", counted)
    admin = trail["admin"]  # signed in before the count: the sign-in is an event too
    with trail.database.read_session() as session:
        count = session.scalar(select(func.count()).select_from(AuditEvent))
        _scope, entries = audit_queries.iter_audit(session, admin, AuditFilter(), batch=50)
        assert len(list(entries)) == count
    assert count is not None and count > 100
    assert len(batches) == -(-count // 50)  # ceil: every batch but the last holds 50 events


def test_entries_carry_names_and_values(trail: Trail) -> None:
    admin = trail["admin"]
    page = search_audit(
        trail.database,
        admin,
        AuditFilter(record_id=str(trail.case_a.id), action="enrolled -> collected"),
    )
    assert page.total == 1
    entry = page.rows[0]
    assert entry.user_name == "Ana Second-Nurse" and entry.username == "ana.apheresis"
    assert entry.who == "Ana Second-Nurse (ana.apheresis)"  # the verifier moves the case on
    assert entry.station == "bench-7"
    assert entry.record_type_name == "Case"
    assert entry.old_values == {"stage": "enrolled"}
    assert entry.new_values == {"stage": "collected"}
    assert ("stage", "enrolled", "collected") in entry.changes()
    assert entry.at.tzinfo is not None
    sign_in = search_audit(trail.database, admin, AuditFilter(action="sign_in"), limit=1).rows[0]
    assert sign_in.user_name == "COI Tracker (system)"


def test_every_entry_of_a_page_carries_every_field(trail: Trail) -> None:
    page = search_audit(trail.database, trail["admin"], AuditFilter(), limit=50)
    assert page.rows
    for entry in page.rows:  # built without __init__: rebuilt through it, field by field
        assert dataclasses.replace(entry) == entry
        assert entry.old_values == dataclasses.replace(entry).old_values


def test_values_that_may_hold_identity_are_never_left_unread() -> None:
    may_guard = audit_queries._may_guard
    assert not may_guard("scan", '{"status": "available"}', None)  # nothing to hide
    assert not may_guard("unit", '{"raw_text": "x"}', "{}")  # not a guarded record type
    assert may_guard("scan", None, '{"raw_text": "=%12345"}')
    assert may_guard("patient_identity", '{"family_name": "x"}', "{}")
    # A key spelt with an escape still names the column once parsed: read it.
    assert may_guard("scan", "{}", '{"raw\\u005ftext": "=%12345"}')
    assert json.loads('{"raw\\u005ftext": 1}') == {"raw_text": 1}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _last_event(database: Database) -> AuditEvent:
    return _events(database)[-1]


def test_csv_export_holds_every_matching_event_and_is_recorded(
    trail: Trail, tmp_path: Path
) -> None:
    qa = trail["asha.qa"]
    audit_filter = AuditFilter(case=trail.case_a.coi_eye_readable)
    expected = search_audit(trail.database, qa, audit_filter, limit=1000)
    target = tmp_path / "case-a.csv"
    with trail.database.engine.connect() as connection:
        chain_head_before = chain_head(connection)
    export = export_audit_csv(trail.database, qa, audit_filter, target)
    assert export.events == expected.total
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM: spreadsheets read UTF-8
    with target.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    seal_row = rows.pop()  # the last row: the chain's head the export was read at
    assert seal_row["seq"] == export.seal
    assert parse_seal(export.seal) == chain_head_before
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == expected.total
    assert [int(r["seq"]) for r in rows] == sorted(r.seq for r in expected.rows)  # oldest first
    by_seq = {row.seq: row for row in expected.rows}
    for row in rows:
        entry = by_seq[int(row["seq"])]
        assert row["username"] == entry.username
        assert row["action"] == entry.action
        assert row["record_id"] == entry.record_id
        assert json.loads(row["new_values"]) == entry.new_values
        assert json.loads(row["old_values"]) == entry.old_values
        assert row["time_utc"].startswith(entry.at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert export.sha256 == _sha256(target)

    recorded = _last_event(trail.database)
    assert (recorded.action, recorded.record_type, recorded.username) == (
        "export", "audit_trail", "asha.qa",
    )  # fmt: skip
    values = json.loads(recorded.new_values)
    assert values == {
        "format": "csv",
        "filter": {"case": trail.case_a.coi_eye_readable},
        "events": expected.total,
        "file_name": "case-a.csv",
        "sha256": export.sha256,
        "seal": export.seal,
    }
    assert verify_database(trail.database).ok
    # The export is found in the trail like any other event.
    found = search_audit(trail.database, qa, AuditFilter(action="export"))
    assert [row.seq for row in found.rows] == [recorded.seq]


def pdf_text(path: Path) -> str:
    """The text of a PDF as pdftotext reads it (layout kept)."""
    return plain(
        subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
    )


def rasterise(path: Path, prefix: Path, pages: int) -> list[Path]:
    """The first two and the last of the ``pages`` pages of a PDF as 100 dpi PNGs (to look
    at; every page of a long export took ten seconds)."""
    for first, last in ((1, min(2, pages)), (pages, pages)):
        subprocess.run(
            ["pdftoppm", "-r", "100", "-f", str(first), "-l", str(last), "-png", str(path),
             str(prefix)],
            check=True,
        )  # fmt: skip
    return sorted(prefix.parent.glob(f"{prefix.name}*.png"))


def test_pdf_export_prints_the_filter_the_exporter_and_every_event(
    trail: Trail, tmp_path: Path
) -> None:
    admin = trail["admin"]
    since = _events(trail.database)[0].at - timedelta(minutes=1)
    audit_filter = AuditFilter(case=trail.case_a.coi, since=since)
    expected = search_audit(trail.database, admin, audit_filter, limit=1000)
    target = tmp_path / "case-a.pdf"
    export = export_audit_pdf(trail.database, admin, audit_filter, target)
    assert export.events == expected.total
    assert target.read_bytes().startswith(b"%PDF")
    text = pdf_text(target)
    assert "Audit trail" in text
    assert f"case {trail.case_a.coi}; from {since:%Y-%m-%d %H:%M:%S} UTC" in text
    assert "by Ada Admin (admin) at test-station" in text
    first, last = expected.rows[-1], expected.rows[0]
    for entry in (first, last):
        assert f"{entry.seq}  " in text or f"{entry.seq} " in text
        assert entry.action_words.split(" → ")[0] in " ".join(text.split())
    # issue 16 review: actions in words, as on the screen (the CSV keeps the stored code)
    flat = " ".join(text.split())
    moved = [row for row in expected.rows if row.action.startswith("stage ")]
    assert moved
    for entry in moved:
        before = entry.action_words.split(" → ")[0]
        assert before in flat, before
    assert " -> " not in flat
    assert "sign_in" not in flat and "password_check" not in flat
    # issue 16: the records named as on the screen (stage records by stage and case)
    staged = [row for row in expected.rows if row.record_type == "stage_record"]
    cells = " ".join(
        plain(
            subprocess.run(
                ["pdftotext", str(target), "-"], check=True, capture_output=True, text=True
            ).stdout
        ).split()
    )  # cell by cell, not laid out: a cell's wrapped lines stay together
    assert staged and all(plain(row.record_words) in cells for row in staged)
    assert all(" · COI CH G1234 " in row.record_words for row in staged)
    assert first.at.strftime("%Y-%m-%d %H:%M:%S") in text
    pages = text.count("\f") or 1
    assert f"page 1 of {pages}" in text
    assert f"page {pages} of {pages}" in text
    assert text.count(export.seal) == pages  # the chain's head, in every page's footer
    # Every seq is printed once, in order.
    printed = [int(match.group(1)) for match in EVENT_LINE.finditer(text)]
    assert printed == sorted(row.seq for row in expected.rows)

    PDF_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = f"audit-export-{trail.database.backend}"
    for old in PDF_ARTIFACTS.glob(f"{stem}*.png"):
        old.unlink()
    images = rasterise(target, PDF_ARTIFACTS / stem, pages)
    assert len(images) == min(pages, 3)
    for image in (images[0], images[-1]):  # the seal's QR code, drawn once, on every page
        assert export.seal in decode_image(image).texts
    shutil.copyfile(target, PDF_ARTIFACTS / f"{stem}.pdf")

    recorded = _last_event(trail.database)
    assert recorded.action == "export"
    values = json.loads(recorded.new_values)
    assert values["format"] == "pdf"
    assert values["filter"] == {"case": trail.case_a.coi, "since": since.isoformat()}
    assert values["sha256"] == _sha256(target)


def test_an_empty_export_says_so(trail: Trail, tmp_path: Path) -> None:
    petra = trail["petra.qp"]
    audit_filter = AuditFilter(username="cora.coordinator")  # another site's user: none visible
    export = export_audit_pdf(trail.database, petra, audit_filter, tmp_path / "none.pdf")
    assert export.events == 0
    assert "No events match the filter." in pdf_text(tmp_path / "none.pdf")


def test_csv_export_makes_formula_like_text_inert(trail: Trail, tmp_path: Path) -> None:
    admin = trail["admin"]
    with UnitOfWork(trail.database, admin) as uow:
        uow.record_event("note", "case", "formula-probe", reason='=HYPERLINK("http://x","y")')
        uow.commit()
    target = tmp_path / "all.csv"
    export_audit_csv(trail.database, admin, AuditFilter(record_id="formula-probe"), target)
    with target.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["reason"] for row in rows[:-1]] == ['\'=HYPERLINK("http://x","y")']
    assert inert("-12") == "'-12" and inert("plain") == "plain"


def test_keyset_pages_follow_each_other_and_the_count_stops_one_past_its_cap(
    trail: Trail, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin, database = trail["admin"], trail.database
    whole = search_audit(database, admin, AuditFilter(), limit=1000)
    assert not whole.more and whole.total == len(whole.rows) > 14
    first = search_audit(database, admin, AuditFilter(), limit=7)
    after = first.rows[-1].seq
    for _ in range(2):  # the same page asked twice is the same page
        second = search_audit(
            database, admin, AuditFilter(), limit=7, before_seq=after, known_total=first.total
        )
        assert [r.seq for r in first.rows + second.rows] == [r.seq for r in whole.rows[:14]]
        assert second.total == first.total == whole.total
    signatures = AuditFilter(record_type="signature")
    signed = search_audit(database, admin, signatures, limit=1000)
    assert len(signed.rows) > 2
    following = search_audit(database, admin, signatures, before_seq=signed.rows[1].seq)
    assert following.rows == signed.rows[2:]  # keyset keeps the filter

    monkeypatch.setattr(audit_queries, "COUNT_CAP", whole.total)  # exactly at the cap: exact
    at_cap = search_audit(database, admin, AuditFilter(), limit=3)
    assert (at_cap.total, at_cap.more) == (whole.total, False)
    monkeypatch.setattr(audit_queries, "COUNT_CAP", whole.total - 1)  # one past it: "more"
    past = search_audit(database, admin, AuditFilter(), limit=3)
    assert (past.total, past.more) == (whole.total - 1, True)
    assert [r.seq for r in past.rows] == [r.seq for r in whole.rows[:3]]
