"""Printing a unit's label and its record: print, scan back, void, reprint, reconcile.

On both backends, through the real services as the demo people use them. Every test looks at
what the service returned and at what it stored: the Label rows, the Scan rows, the deviations
and the audit events. A printed PDF is measured (pdfinfo), read as text (pdftotext), and
rasterised at 300 dpi (pdftoppm) and decoded as a scanner would read the paper label.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import threading
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.access.users import authenticate
from app.core.actor import Actor
from app.core.clinic_sealing import opened_payload
from app.core.database import Database
from app.core.errors import (
    DatabaseUnavailable,
    NotFound,
    NotPermitted,
    PrinterUnavailable,
    ScanMismatch,
    ValidationFailed,
)
from app.core.unit_of_work import UnitOfWork
from app.demo.journey import DEMO_PASSWORD, STEP_PARAMETERS, JourneyDriver
from app.journey.collection import CollectedBag, register_collection
from app.journey.manufacturing import StepRecord, perform_step, start_manufacture, verify_step
from app.journey.views import CaseView, UnitView
from app.labelling.printing import SCREEN_PRINTER, PrintedLabel, print_unit_label
from app.labelling.records import (
    LabelReconciliation,
    confirm_label,
    label_reconciliation,
    labels_of_unit,
    void_label,
)
from db.engine import make_engine
from db.enums import (
    CaseStage,
    DeviationStatus,
    LabelStatus,
    PrinterKind,
    ScanOutcome,
    UnitKind,
)
from db.models import AuditEvent, Deviation, Label, Printer, Scan, Unit
from db.types import utc_now
from labels.decode import decode_image
from labels.scan import ScanResult, parse_scan
from tests.conftest import PASSWORD
from tests.journey.steps import din_scan, enrol
from tests.support.fake_printer import FakePrinter
from tests.support.identity_keys import keys_of
from tests.support.readers import reader

needs_poppler = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdfinfo", "pdftoppm", "pdftotext")),
    reason="poppler-utils (pdfinfo, pdftoppm, pdftotext) is not installed",
)
POINTS_PER_MM = 72 / 25.4
PATIENT = ("OKAFOR", "Ada", "H0001", "1971")  # what enrol() records; never on a CTF label
REPRINT_REASON = "Label smudged with ACD-A during connection"


# ---------------------------------------------------------------- set-up


def _registered_bag(
    demo, hospital_number: str = "H0001", family: str = "Okafor"
) -> tuple[CaseView, UnitView]:
    """Cora enrols a patient; Alex registers one apheresis bag (not yet labelled)."""
    case = enrol(demo, hospital_number=hospital_number, family=family)
    end = utc_now() - timedelta(hours=1)
    bag = register_collection(
        demo.database,
        demo["alex.apheresis"],
        case.id,
        CollectedBag(250.0, "ACD-A", end - timedelta(hours=3), end),
    )
    return case, bag


def _admin(database: Database) -> Actor:
    return authenticate(database, "admin", PASSWORD, "test-station")


def _add_zpl_printer(demo, name: str, port: int) -> None:
    """The administrator registers a networked ZPL printer at the clinic."""
    with UnitOfWork(demo.database, _admin(demo.database)) as uow:
        uow.add(
            Printer(
                name=name,
                kind=PrinterKind.ZPL,
                host="127.0.0.1",
                port=port,
                site_id=demo["alex.apheresis"].site_id,
            )
        )
        uow.commit()


def _derived_unit(demo, tmp_path: Path) -> tuple[CaseView, uuid.UUID]:
    """A case driven to the manufacturer; Otto performs selection, which makes an intermediate.

    Alex printed the bag label at the clinic on the way (the driver saved its PDF).
    """
    db = demo.database
    driver = JourneyDriver(db, tmp_path, station="test-station")
    case = driver.enrol("H0001", "Okafor", "Ada", date(1971, 3, 14))
    driver.run_to(case, CaseStage.RECEIVED_AT_MANUFACTURER)
    with db.read_session() as session:
        bag = session.scalars(
            select(Unit).where(Unit.case_id == case.id, Unit.kind == UnitKind.APHERESIS_BAG)
        ).one()
    otto, vera = driver.who("otto.operator"), driver.who("vera.verifier")
    receipt, selection = start_manufacture(db, otto, case.id)[:2]
    scans = (f"={bag.din}00",)
    perform_step(db, otto, receipt.id, StepRecord(scans, dict(STEP_PARAMETERS["receipt"])))
    verify_step(db, vera, receipt.id, DEMO_PASSWORD)
    made = perform_step(
        db, otto, selection.id, StepRecord(scans, dict(STEP_PARAMETERS["selection"]))
    )
    (derived,) = made.outputs
    return case, derived


# ---------------------------------------------------------------- what was stored


def _labels(database: Database, unit_id: uuid.UUID) -> list[Label]:
    with database.read_session() as session:
        return list(
            session.scalars(
                select(Label).where(Label.unit_id == unit_id).order_by(Label.printed_at)
            )
        )


def _label(database: Database, label_id: uuid.UUID) -> Label:
    with database.read_session() as session:
        row = session.get(Label, label_id)
        assert row is not None
        return row


def _events(database: Database, record_type: str, record_id: uuid.UUID) -> list[AuditEvent]:
    with database.read_session() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.record_type == record_type, AuditEvent.record_id == str(record_id)
                )
                .order_by(AuditEvent.seq)
            )
        )


def _event_count(database: Database) -> int:
    with database.read_session() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def _label_checks(database: Database) -> list[Scan]:
    with database.read_session() as session:
        return list(
            session.scalars(
                select(Scan).where(Scan.purpose == "label check").order_by(Scan.recorded_at)
            )
        )


def _reconciles(database: Database, unit_id: uuid.UUID) -> LabelReconciliation:
    """The service's counts, checked against a count of the stored rows by status."""
    counts = dict.fromkeys(LabelStatus, 0)
    for row in _labels(database, unit_id):
        counts[row.status] += 1
    result = label_reconciliation(database, reader(database), unit_id)
    assert result.issued == sum(counts.values())
    assert result.applied == counts[LabelStatus.APPLIED]
    assert result.voided == counts[LabelStatus.VOIDED]
    assert result.outstanding == counts[LabelStatus.ISSUED]
    assert result.issued == result.applied + result.voided + result.outstanding
    return result


# ---------------------------------------------------------------- the paper label


def _pdf_file(printed: PrintedLabel, path: Path) -> Path:
    path.write_bytes(printed.pdf)
    return path


def _page_size_mm(pdf: Path) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    found = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout)
    assert found, info.stdout
    return float(found[1]) / POINTS_PER_MM, float(found[2]) / POINTS_PER_MM


def _text(pdf: Path) -> str:
    result = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    )
    return " ".join(result.stdout.split())


def _read_symbols(pdf: Path) -> tuple[list[str], list[ScanResult]]:
    """Rasterise at 300 dpi; decode every symbol; parse each as the scanner would send it."""
    stem = pdf.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-singlefile", str(pdf), str(stem)],
        check=True,
        capture_output=True,
    )
    decoded = decode_image(stem.with_suffix(".png"))
    assert decoded.error is None
    texts = [symbol.text for symbol in decoded.symbols]
    scans = [parse_scan((s.symbology_identifier or "") + s.text) for s in decoded.symbols]
    assert scans and all(scan.valid for scan in scans), [scan.errors for scan in scans]
    return texts, scans


def _compound(scans: list[ScanResult]) -> ScanResult:
    (compound,) = [s for s in scans if s.fields.get("data_structures", "").startswith("023")]
    return compound


# ---------------------------------------------------------------- print and verify


@needs_poppler
def test_a_bag_label_prints_at_size_decodes_and_is_applied_when_scanned_back(
    demo, tmp_path: Path
) -> None:
    db, alex = demo.database, demo["alex.apheresis"]
    case, bag = _registered_bag(demo)
    assert bag.din is not None

    printed = print_unit_label(db, alex, bag.id)

    assert printed.page_size_mm == (100, 100)  # the apheresis_bag template's stock
    pdf = _pdf_file(printed, tmp_path / "bag.pdf")
    assert _page_size_mm(pdf) == pytest.approx((100, 100), abs=0.05)
    view = printed.label
    assert (view.unit_id, view.template, view.status) == (
        bag.id,
        "apheresis_bag",
        LabelStatus.ISSUED,
    )
    assert (view.printer_name, view.copies) == (SCREEN_PRINTER, 1)
    assert (view.reprint_of_id, view.reprint_reason, view.void_reason) == (None, None, None)
    (row,) = _labels(db, bag.id)
    assert row.id == view.id and row.status is LabelStatus.ISSUED
    assert (row.printer_name, row.copies, row.printed_by_id) == (SCREEN_PRINTER, 1, alex.user_id)
    assert row.applied_at is None and row.voided_at is None
    (printed_event,) = _events(db, "label", view.id)
    assert (printed_event.action, printed_event.username) == ("print label", "alex.apheresis")

    texts, scans = _read_symbols(pdf)
    payload = opened_payload(keys_of(db), row.id, row.payload)  # sealed: it names the patient
    assert sorted(texts) == sorted(json.loads(payload).values())  # the record is the paper
    din_reads = [s for s in scans if s.fields.get("data_structures") == "001"]
    coi_reads = [s for s in scans if s.kind == "coi"]
    assert [s.fields["din"] for s in din_reads] == [bag.din]
    assert [s.fields["coi"] for s in coi_reads] == [case.coi]
    compound = _compound(scans)
    assert (compound.fields["din"], compound.fields["coi"]) == (bag.din, case.coi)

    assert printed.din_scan == din_scan(bag)
    applied = confirm_label(db, alex, bag.id, printed.din_scan)

    assert applied.id == view.id and applied.status is LabelStatus.APPLIED
    row = _label(db, view.id)
    assert row.status is LabelStatus.APPLIED and row.applied_at is not None
    (check,) = _label_checks(db)
    assert check.outcome is ScanOutcome.MATCH and check.raw_text == printed.din_scan
    assert (check.unit_id, check.case_id) == (bag.id, case.id)
    assert (check.recorded_by_id, check.station) == (alex.user_id, "test-station")
    assert [e.action for e in _events(db, "scan", check.id)] == ["scan matched"]
    assert [e.action for e in _events(db, "label", view.id)] == ["print label", "apply label"]
    reconciliation = _reconciles(db, bag.id)
    assert (reconciliation.issued, reconciliation.applied, reconciliation.voided) == (1, 1, 0)
    assert reconciliation.reconciled
    assert labels_of_unit(db, bag.id) == [applied]


@needs_poppler
def test_scanning_the_printed_2d_symbol_also_applies_the_label(demo, tmp_path: Path) -> None:
    db, alex = demo.database, demo["alex.apheresis"]
    case, bag = _registered_bag(demo)
    printed = print_unit_label(db, alex, bag.id)
    _texts, scans = _read_symbols(_pdf_file(printed, tmp_path / "bag.pdf"))
    compound = _compound(scans)
    assert compound.symbology_identifier == "]Q1"

    applied = confirm_label(db, alex, bag.id, compound.symbology_identifier + compound.data)

    assert applied.status is LabelStatus.APPLIED
    (check,) = _label_checks(db)
    assert check.outcome is ScanOutcome.MATCH and check.parsed_kind == "isbt128"
    assert (check.unit_id, check.case_id) == (bag.id, case.id)
    assert _reconciles(db, bag.id).reconciled


def test_the_label_check_scan_names_the_label_it_applied(demo) -> None:
    """Scan.label_id exists to link print-and-verify evidence to the label it verified."""
    db, alex = demo.database, demo["alex.apheresis"]
    _case, bag = _registered_bag(demo)
    printed = print_unit_label(db, alex, bag.id)

    confirm_label(db, alex, bag.id, printed.din_scan)

    (check,) = _label_checks(db)
    assert check.label_id == printed.label.id


# ---------------------------------------------------------------- patient identity


@needs_poppler
def test_patient_identity_is_printed_at_the_clinic_and_never_at_the_manufacturer(
    demo, tmp_path: Path
) -> None:
    db, otto = demo.database, demo["otto.operator"]
    case, derived = _derived_unit(demo, tmp_path)

    (clinic_pdf,) = tmp_path.glob("label-apheresis_bag-*.pdf")  # printed by Alex on the way
    clinic_text = _text(clinic_pdf)
    assert "Patient OKAFOR, Ada" in clinic_text
    assert "Hospital no. H0001" in clinic_text and "Born 14 MAR 1971" in clinic_text
    clinic_compound = _compound(_read_symbols(clinic_pdf)[1])
    assert clinic_compound.fields["patient_id"] == "H0001"
    assert clinic_compound.fields["patient_birth_date"] == "1971-03-14"

    tube = print_unit_label(db, otto, derived)
    # The received bag's label, reprinted at CTF: its template carries the patient fields.
    with db.read_session() as session:
        bag_id = session.scalars(
            select(Unit.id).where(Unit.case_id == case.id, Unit.kind == UnitKind.APHERESIS_BAG)
        ).one()
    relabel = print_unit_label(db, otto, bag_id, reprint_reason="relabelled at receipt")
    assert relabel.label.template == "apheresis_bag"

    assert tube.page_size_mm == (50, 25) and relabel.page_size_mm == (100, 100)

    for name, printed in (("tube", tube), ("bag", relabel)):
        pdf = _pdf_file(printed, tmp_path / f"{name}.pdf")
        text = _text(pdf)
        assert case.coi in text.replace(" ", "")  # the label is there: it shows the COI
        for identifying in PATIENT:
            assert identifying not in text, (name, identifying)
        _texts, scans = _read_symbols(pdf)
        compound = _compound(scans)
        assert compound.fields["coi"] == case.coi
        assert "patient_id" not in compound.fields
        assert "patient_birth_date" not in compound.fields
        stored = _label(db, printed.label.id)
        assert "H0001" not in stored.payload and "19710314" not in stored.payload
        for event in _events(db, "label", printed.label.id):
            assert "H0001" not in event.new_values and "OKAFOR" not in event.new_values.upper()


# ---------------------------------------------------------------- reprints


def test_a_reprint_needs_a_reason_voids_the_earlier_label_and_reconciles(demo) -> None:
    db, alex = demo.database, demo["alex.apheresis"]
    _case, bag = _registered_bag(demo)
    first = print_unit_label(db, alex, bag.id)
    events = _event_count(db)

    for reason in (None, "   "):
        with pytest.raises(ValidationFailed, match="reprint needs a reason"):
            print_unit_label(db, alex, bag.id, reprint_reason=reason)
    assert [row.id for row in _labels(db, bag.id)] == [first.label.id]
    assert _event_count(db) == events

    second = print_unit_label(db, alex, bag.id, reprint_reason=f"  {REPRINT_REASON} ")

    assert second.label.status is LabelStatus.ISSUED
    assert second.label.reprint_of_id == first.label.id
    assert second.label.reprint_reason == REPRINT_REASON
    earlier, latest = _labels(db, bag.id)
    assert earlier.id == first.label.id and latest.id == second.label.id
    assert earlier.status is LabelStatus.VOIDED and earlier.voided_at is not None
    assert earlier.voided_by_id == alex.user_id
    assert earlier.void_reason is not None and REPRINT_REASON in earlier.void_reason
    assert (latest.reprint_of_id, latest.reprint_reason) == (first.label.id, REPRINT_REASON)
    voided = _events(db, "label", earlier.id)
    assert [e.action for e in voided] == ["print label", "void label"]
    assert voided[1].reason is not None and REPRINT_REASON in voided[1].reason
    (reprinted,) = _events(db, "label", latest.id)
    assert (reprinted.action, reprinted.reason) == ("reprint label", REPRINT_REASON)
    counts = _reconciles(db, bag.id)
    assert (counts.issued, counts.applied, counts.voided, counts.outstanding) == (2, 0, 1, 1)
    assert not counts.reconciled

    applied = confirm_label(db, alex, bag.id, second.two_d_scan)  # the reprint goes on the bag

    assert applied.id == second.label.id
    counts = _reconciles(db, bag.id)
    assert (counts.issued, counts.applied, counts.voided, counts.outstanding) == (2, 1, 1, 0)
    assert counts.reconciled

    third = print_unit_label(db, alex, bag.id, reprint_reason="Bag relabelled after a spill")

    assert third.label.reprint_of_id == second.label.id
    assert _label(db, second.label.id).status is LabelStatus.VOIDED  # even an applied label
    counts = _reconciles(db, bag.id)
    assert (counts.issued, counts.applied, counts.voided, counts.outstanding) == (3, 0, 2, 1)
    assert not counts.reconciled
    assert [v.status for v in labels_of_unit(db, bag.id)] == [
        LabelStatus.VOIDED,
        LabelStatus.VOIDED,
        LabelStatus.ISSUED,
    ]


# ---------------------------------------------------------------- a networked ZPL printer


def test_a_zpl_printer_receives_one_job_per_copy_and_the_label_records_it(demo) -> None:
    db, alex = demo.database, demo["alex.apheresis"]
    _case, bag = _registered_bag(demo)
    assert bag.din is not None

    with FakePrinter() as fake:
        _add_zpl_printer(demo, "NBH Zebra 1", fake.port)
        printed = print_unit_label(db, alex, bag.id, printer="NBH Zebra 1", copies=2)
        jobs = fake.jobs

    assert len(jobs) == 2 and jobs[0] == jobs[1]
    for job in jobs:
        assert job.startswith(b"^XA") and job.rstrip(b"\r\n").endswith(b"^XZ")
        assert bag.din.encode() in job
        assert b"OKAFOR, Ada" in job  # a clinic nurse prints the patient's name
    assert (printed.label.printer_name, printed.label.copies) == ("NBH Zebra 1", 2)
    (row,) = _labels(db, bag.id)
    assert (row.printer_name, row.copies, row.status) == ("NBH Zebra 1", 2, LabelStatus.ISSUED)
    assert row.send_state == "sent" and printed.label.send_state == "sent"
    assert [e.action for e in _events(db, "label", row.id)] == ["print label", "label sent"]


def test_a_refusing_printer_leaves_a_failed_voided_record_and_keeps_the_replaced_label(
    demo,
) -> None:
    db, alex = demo.database, demo["alex.apheresis"]
    _case, bag = _registered_bag(demo)

    with FakePrinter(behaviour="refuse") as fake:
        _add_zpl_printer(demo, "NBH Zebra 2", fake.port)
        with pytest.raises(PrinterUnavailable, match="refused the connection"):
            print_unit_label(db, alex, bag.id, printer="NBH Zebra 2", copies=2)
        (failed,) = _labels(db, bag.id)  # the job was recorded before the send, then failed
        assert (failed.send_state, failed.status) == ("failed", LabelStatus.VOIDED)
        assert "refused the connection" in (failed.send_error or "")
        actions = [e.action for e in _events(db, "label", failed.id)]
        assert actions == ["print label", "label print failed"]
        assert label_reconciliation(db, reader(db), bag.id).sending == 0

        screen = print_unit_label(db, alex, bag.id)  # a voided failed job needs no reason
        with pytest.raises(PrinterUnavailable):
            print_unit_label(db, alex, bag.id, printer="NBH Zebra 2", reprint_reason="smudged")
        assert fake.jobs == []

    rows = {row.id: row for row in _labels(db, bag.id)}
    assert len(rows) == 3
    # the failed reprint did not void the label it would replace
    assert rows[screen.label.id].status is LabelStatus.ISSUED
    assert [r.send_state for r in rows.values()].count("failed") == 2
    with pytest.raises(NotFound, match="no active printer"):
        print_unit_label(db, alex, bag.id, printer="Nowhere", reprint_reason="smudged")


def test_a_zpl_reprint_voids_the_label_it_replaces_once_the_printer_took_it(demo) -> None:
    db, alex = demo.database, demo["alex.apheresis"]
    _case, bag = _registered_bag(demo)
    first = print_unit_label(db, alex, bag.id)

    with FakePrinter() as fake:
        _add_zpl_printer(demo, "NBH Zebra 3", fake.port)
        again = print_unit_label(db, alex, bag.id, printer="NBH Zebra 3", reprint_reason="torn")
        assert len(fake.jobs) == 1

    rows = {row.id: row for row in _labels(db, bag.id)}
    assert rows[first.label.id].status is LabelStatus.VOIDED
    assert rows[first.label.id].void_reason == "reprinted: torn"
    assert (rows[again.label.id].status, rows[again.label.id].send_state) == (
        LabelStatus.ISSUED,
        "sent",
    )


class _RecordCheckingPrinter:
    """A raw-TCP printer on 127.0.0.1 that, as each connection arrives and before it reads a
    byte, looks in the database (its own engine) for the unit's label records."""

    def __init__(self, url: str, unit_id: uuid.UUID) -> None:
        self.url, self.unit_id = url, unit_id
        self.seen: list[list[tuple[str | None, LabelStatus]]] = []
        self.jobs: list[bytes] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> _RecordCheckingPrinter:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        engine = make_engine(self.url)
        try:
            conn, _ = self._server.accept()
            with conn:
                with Session(engine) as session:
                    rows = session.scalars(select(Label).where(Label.unit_id == self.unit_id))
                    self.seen.append([(row.send_state, row.status) for row in rows])
                conn.settimeout(5)
                job = bytearray()
                while chunk := conn.recv(4096):
                    job += chunk
                self.jobs.append(bytes(job))
        except OSError:
            pass  # closed by __exit__
        finally:
            engine.dispose()


def test_a_zpl_job_is_recorded_as_sending_before_a_byte_reaches_the_printer(demo) -> None:
    db, alex = demo.database, demo["alex.apheresis"]
    _case, bag = _registered_bag(demo)

    with _RecordCheckingPrinter(db.url, bag.id) as printer:
        _add_zpl_printer(demo, "NBH Zebra 4", printer.port)
        printed = print_unit_label(db, alex, bag.id, printer="NBH Zebra 4")

    assert printer.seen == [[("sending", LabelStatus.ISSUED)]]  # committed before the send
    assert len(printer.jobs) == 1 and printer.jobs[0].startswith(b"^XA")
    (row,) = _labels(db, bag.id)
    assert row.id == printed.label.id and row.send_state == "sent"


def test_a_commit_failure_after_the_send_leaves_the_sending_record_for_reconciliation(
    demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, alex = demo.database, demo["alex.apheresis"]
    _case, bag = _registered_bag(demo)
    commit = UnitOfWork.commit
    commits: list[int] = []

    def commit_then_fail(uow: UnitOfWork) -> None:
        commits.append(1)
        if len(commits) > 1:  # the confirmation after the send
            raise OperationalError("COMMIT", {}, Exception("server closed the connection"))
        commit(uow)

    with FakePrinter() as fake:
        _add_zpl_printer(demo, "NBH Zebra 5", fake.port)
        monkeypatch.setattr(UnitOfWork, "commit", commit_then_fail)
        with pytest.raises(DatabaseUnavailable, match=r"was sent to the printer.*'sending'"):
            print_unit_label(db, alex, bag.id, printer="NBH Zebra 5")
        monkeypatch.undo()
        assert len(fake.jobs) == 1

    (row,) = _labels(db, bag.id)
    assert (row.send_state, row.status) == ("sending", LabelStatus.ISSUED)
    labels = label_reconciliation(db, reader(db), bag.id)
    assert labels.sending == 1 and not labels.reconciled
    confirm_label(db, demo["alex.apheresis"], bag.id, din_scan(bag))  # someone looked: applied
    assert label_reconciliation(db, reader(db), bag.id).sending == 0


# ---------------------------------------------------------------- scanning back


def test_a_wrong_scan_back_is_refused_and_a_voided_label_cannot_be_applied(demo) -> None:
    db, alex = demo.database, demo["alex.apheresis"]
    case, bag = _registered_bag(demo)
    _other_case, other_bag = _registered_bag(demo, hospital_number="H0002", family="Berg")
    printed = print_unit_label(db, alex, bag.id)

    with pytest.raises(ScanMismatch, match="WRONG PATIENT"):
        confirm_label(db, alex, bag.id, din_scan(other_bag))

    row = _label(db, printed.label.id)
    assert row.status is LabelStatus.ISSUED and row.applied_at is None
    (refused,) = _label_checks(db)
    assert refused.outcome is ScanOutcome.MISMATCH and refused.raw_text == din_scan(other_bag)
    assert (refused.case_id, refused.unit_id) == (case.id, other_bag.id)
    assert refused.mismatch_reason is not None and "WRONG PATIENT" in refused.mismatch_reason
    assert [e.action for e in _events(db, "scan", refused.id)] == ["scan refused"]
    with db.read_session() as session:
        (deviation,) = session.scalars(select(Deviation).where(Deviation.scan_id == refused.id))
    assert (deviation.kind, deviation.status) == ("scan_mismatch", DeviationStatus.OPEN)
    assert deviation.case_id == case.id
    assert [e.action for e in _events(db, "label", row.id)] == ["print label"]

    with pytest.raises(ScanMismatch, match="could not be read"):
        confirm_label(db, alex, bag.id, "=G12XX")
    unreadable = _label_checks(db)[-1]
    assert unreadable.outcome is ScanOutcome.UNREADABLE
    with db.read_session() as session:
        assert (
            session.scalars(select(Deviation).where(Deviation.scan_id == unreadable.id)).all() == []
        )

    with pytest.raises(ValidationFailed, match="reason"):
        void_label(db, alex, printed.label.id, "  ")
    voided = void_label(db, alex, printed.label.id, "Torn while applying")

    assert voided.status is LabelStatus.VOIDED and voided.void_reason == "Torn while applying"
    row = _label(db, printed.label.id)
    assert row.status is LabelStatus.VOIDED and row.voided_by_id == alex.user_id
    (void_event,) = [e for e in _events(db, "label", row.id) if e.action == "void label"]
    assert void_event.reason == "Torn while applying"
    with pytest.raises(ValidationFailed, match="already voided"):
        void_label(db, alex, printed.label.id, "again")
    checks = len(_label_checks(db))

    with pytest.raises(ValidationFailed, match="No printed label is waiting"):
        confirm_label(db, alex, bag.id, printed.din_scan)

    row = _label(db, printed.label.id)
    assert row.status is LabelStatus.VOIDED and row.applied_at is None
    assert len(_label_checks(db)) == checks
    counts = _reconciles(db, bag.id)
    assert (counts.issued, counts.applied, counts.voided, counts.outstanding) == (1, 0, 1, 0)
    assert not counts.reconciled  # nothing is on the bag


# ---------------------------------------------------------------- who may print where


def test_wrong_site_and_wrong_roles_cannot_print_a_bag_label(demo) -> None:
    db = demo.database
    _case, bag = _registered_bag(demo)
    actors = (demo["otto.operator"], demo["asha.qa"], demo["ivy.infusion"], _admin(db))
    events = _event_count(db)  # after the sign-ins, which are audited

    for actor in actors:
        with pytest.raises(NotPermitted):
            print_unit_label(db, actor, bag.id)

    assert _labels(db, bag.id) == []
    assert _event_count(db) == events
    with pytest.raises(NotPermitted, match="own site"):
        print_unit_label(db, demo["otto.operator"], bag.id)


@pytest.mark.parametrize("username", ["cora.coordinator", "vera.verifier"])
def test_only_the_roles_of_the_design_table_print_labels(
    demo, tmp_path: Path, username: str
) -> None:
    """DESIGN.md §7: bag labels are printed by the apheresis nurse, derived units' labels by
    the manufacturing operator; the coordinator and the verifier only check.
    """
    db = demo.database
    if username == "cora.coordinator":
        unit_id = _registered_bag(demo)[1].id
    else:
        unit_id = _derived_unit(demo, tmp_path)[1]

    with pytest.raises(NotPermitted):
        print_unit_label(db, demo[username], unit_id)

    assert _labels(db, unit_id) == []


@pytest.mark.parametrize("operation", ["scan back", "void"])
def test_a_clinic_label_cannot_be_scanned_back_or_voided_from_another_site(
    demo, operation: str
) -> None:
    """Own site applies to every label operation, not only to printing (DESIGN.md §7)."""
    db, otto = demo.database, demo["otto.operator"]
    _case, bag = _registered_bag(demo)
    printed = print_unit_label(db, demo["alex.apheresis"], bag.id)
    events = _event_count(db)  # Otto signed in above

    with pytest.raises(NotPermitted):
        if operation == "scan back":
            confirm_label(db, otto, bag.id, printed.din_scan)
        else:
            void_label(db, otto, printed.label.id, "not ours")

    assert _label(db, printed.label.id).status is LabelStatus.ISSUED
    assert _event_count(db) == events


def test_an_operator_prints_a_derived_units_label_at_the_manufacturer(demo, tmp_path: Path) -> None:
    db = demo.database
    case, derived = _derived_unit(demo, tmp_path)

    with pytest.raises(NotPermitted):
        print_unit_label(db, demo["alex.apheresis"], derived)  # the clinic's nurse, wrong site
    printed = print_unit_label(db, demo["otto.operator"], derived)
    applied = confirm_label(db, demo["otto.operator"], derived, printed.din_scan)

    assert printed.label.template == "sample_tube"
    assert applied.status is LabelStatus.APPLIED
    with db.read_session() as session:
        unit = session.get(Unit, derived)
        assert unit is not None and unit.kind is UnitKind.INTERMEDIATE and unit.coi == case.coi
    (row,) = _labels(db, derived)
    assert row.printed_by_id == demo["otto.operator"].user_id
    assert _reconciles(db, derived).reconciled
