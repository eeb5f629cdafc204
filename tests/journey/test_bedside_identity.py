"""Bedside identity is two independent sources: a hospital-issued wristband and the bag's DIN.

Hostile testers found that the bedside check accepted `&/` + the case's COI as the wristband
(the demo itself scanned that), and that the final bag's QR code scanned as both the wristband
and the bag passed: no patient identifier was ever required. Each test here drives a demo case
to the clinic through the real services and scans what a nurse could scan.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.access.users import authenticate
from app.admin.sites import set_wristband_rules
from app.core.clinic_sealing import clinic_key, sealed_payload
from app.core.database import open_database
from app.core.errors import ScanMismatch
from app.core.unit_of_work import UnitOfWork
from app.demo.journey import JourneyDriver
from app.journey import CaseView, UnitView, bedside_check
from app.journey.infusion import BEDSIDE_CHECK
from app.scanning.wristband import (
    COI_ALONE,
    COI_ALSO_NEEDED,
    NO_PATIENT_IDENTIFIER,
    PRODUCT_LABEL,
    SAME_CODE_TWICE,
)
from db.enums import CaseStage, ScanOutcome
from db.models import Deviation, Label, Scan, Site, StageRecord
from labels.gs1 import build_gsrn
from labels.isbt128.compose import (
    compound_message,
    patient_id_structure,
    print_serial_structure,
    product_code_structure,
)
from tests.conftest import BACKENDS, PASSWORD, Demo, database_copy, demo_source
from tests.journey.steps import thaw_final_bags

HOSPITAL_NUMBER = "NBH200001"
OTHER_NUMBER = "NBH200002"


@dataclass
class Bedside:
    """A case at the clinic, its final bag, and another patient's case."""

    demo: Any
    case: CaseView
    bag: UnitView
    other: CaseView

    def check(self, wristband: str, bag: str | None = None) -> Any:
        """Ivy's bedside check with this wristband and (by default) the bag's DIN."""
        return bedside_check(
            self.demo.database,
            self.demo["ivy.infusion"],
            self.case.id,
            wristband_scan=wristband,
            bag_scan=f"={self.bag.din}00" if bag is None else bag,
        )

    def refused(self, wristband: str, bag: str | None = None) -> ScanMismatch:
        """The refusal of a bedside check; it is on record with its scan and nothing passed."""
        with pytest.raises(ScanMismatch) as refusal:
            self.check(wristband, bag)
        assert refusal.value.scan_id is not None
        with self.demo.database.read_session() as session:
            scan = session.get(Scan, refusal.value.scan_id)
            assert scan is not None and scan.purpose == "bedside wristband"
            assert scan.case_id == self.case.id
            assert scan.outcome in {ScanOutcome.MISMATCH, ScanOutcome.UNREADABLE}
            assert scan.mismatch_reason == "\n".join(refusal.value.reasons)
            if scan.outcome is ScanOutcome.MISMATCH:
                deviation = session.scalar(select(Deviation).where(Deviation.scan_id == scan.id))
                assert deviation is not None and deviation.kind == "scan_mismatch"
            passed = session.scalar(
                select(StageRecord).where(
                    StageRecord.case_id == self.case.id, StageRecord.action == BEDSIDE_CHECK
                )
            )
            assert passed is None
        return refusal.value

    def two_d_text(self) -> str:
        """What the final bag label's QR code carries (its stored payload)."""
        with self.demo.database.read_session() as session:
            payload = session.scalars(
                select(Label.payload)
                .where(Label.unit_id == self.bag.id)
                .order_by(Label.printed_at.desc())
            ).first()
        assert payload is not None
        return str(json.loads(payload)["compound"])

    def clinic_rules(self, *, mrn_pattern: str | None = None, carries_coi: bool = False) -> None:
        """The administrator sets the clinic's wristband rules."""
        admin = authenticate(self.demo.database, "admin", PASSWORD, "test-station")
        with self.demo.database.read_session() as session:
            clinic = session.scalar(select(Site).where(Site.code == "NBH"))
            assert clinic is not None
            clinic_id = clinic.id
        set_wristband_rules(
            self.demo.database, admin, clinic_id, mrn_pattern=mrn_pattern, carries_coi=carries_coi
        )


def at_bedside(demo: Any, tmp_path: Path, hospital_number: str = HOSPITAL_NUMBER) -> Bedside:
    """A case received at the clinic, ready for the bedside check."""
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.enrol(hospital_number, "Roe", "Richard", date(1965, 7, 2))
    other = driver.enrol(OTHER_NUMBER, "Smith", "Sara", date(1958, 11, 23))
    case = driver.run_to(case, CaseStage.RECEIVED_AT_CLINIC)
    bag = thaw_final_bags(driver, case)[0]
    return Bedside(demo, case, bag, other)


@pytest.fixture(scope="module", params=BACKENDS)
def bedside_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, str, Bedside]:
    """The case driven to the bedside once per backend (the journey is most of each test's
    time); each test gets a copy. The Bedside's ``demo`` is this template's, never used."""
    out = tmp_path_factory.mktemp("bedside-identity")
    source, url = demo_source(request, out)
    demo = Demo(open_database(url))
    try:
        return request.param, source, at_bedside(demo, out)
    finally:
        demo.database.dispose()


@pytest.fixture
def bedside(
    bedside_template: tuple[str, str, Bedside], request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Bedside]:
    """A copy of the template's case at the bedside, its bag thawed."""
    backend, source, driven = bedside_template
    with database_copy(request, backend, source, tmp_path) as database:
        yield replace(driven, demo=Demo(database))


# ---------------------------------------------------------------- the defects found


def test_the_coi_alone_is_not_a_wristband(bedside: Bedside) -> None:
    refusal = bedside.refused(f"&/{bedside.case.coi}")
    assert refusal.reasons == (COI_ALONE,)
    assert "scan the patient's wristband (hospital number)" in refusal.message
    # Typed with its check character, or another case's COI: refused too.
    typed = f"{bedside.case.coi}{bedside.case.coi_check}"
    assert bedside.refused(typed).reasons == (COI_ALONE,)
    other = bedside.refused(f"&/{bedside.other.coi}").reasons
    assert other[0] == COI_ALONE and other[1].startswith("WRONG PATIENT")


def test_the_bag_qr_code_cannot_be_both_the_wristband_and_the_bag(bedside: Bedside) -> None:
    qr = bedside.two_d_text()
    refusal = bedside.refused(qr, qr)
    assert refusal.reasons == (SAME_CODE_TWICE, PRODUCT_LABEL)
    assert "This is a product label, not a wristband" in refusal.message
    # As the wristband with the DIN on the bag: still a product label.
    assert bedside.refused(qr).reasons == (PRODUCT_LABEL,)


def test_the_same_scan_text_cannot_serve_as_wristband_and_bag(bedside: Bedside) -> None:
    wristband = patient_id_structure(HOSPITAL_NUMBER)
    assert bedside.refused(wristband, wristband).reasons == (SAME_CODE_TWICE,)
    # The same text with a scanner's AIM prefix and line end on one of them: the same code.
    assert bedside.refused(wristband, f"]C0{wristband}\r\n").reasons == (SAME_CODE_TWICE,)
    din = f"={bedside.bag.din}00"
    assert bedside.refused(din, din).reasons == (SAME_CODE_TWICE, PRODUCT_LABEL)


def test_codes_of_a_product_label_are_never_a_wristband(bedside: Bedside) -> None:
    patient = patient_id_structure(HOSPITAL_NUMBER)
    carriers = {
        "the bag's DIN": f"={bedside.bag.din}00",
        "a product code": product_code_structure("E0001V00"),
        "the hospital number with a DIN": compound_message([patient, f"={bedside.bag.din}00"]),
        "the hospital number with a product code": compound_message(
            [patient, product_code_structure("E0001V00")]
        ),
        "the hospital number with a print serial": compound_message(
            [patient, print_serial_structure("ZZ0000000000000001")]
        ),
    }
    for what, text in carriers.items():
        reasons = bedside.refused(text).reasons
        assert PRODUCT_LABEL in reasons, what


def _print_patient_code(demo: Any, bedside: Any, payload: Callable[[uuid.UUID, str], str]) -> str:
    """Record a label (as a template that prints the hospital number on its own would) whose
    stored payload is ``payload(label id, its JSON)``; the code it carries."""
    patient = patient_id_structure(HOSPITAL_NUMBER)
    with UnitOfWork(demo.database, demo["ivy.infusion"]) as uow:
        printed = uow.session.scalars(select(Label).where(Label.unit_id == bedside.bag.id)).first()
        assert printed is not None
        label_id = uuid.uuid4()
        uow.add(
            Label(
                id=label_id,
                unit_id=bedside.bag.id,
                template="final_bag",
                payload=payload(label_id, json.dumps({"patient": patient})),
                status=printed.status,
                printer_name="bedside-test",
                printed_at=printed.printed_at,
                printed_by_id=printed.printed_by_id,
            )
        )
        uow.commit()
    return patient


def test_a_code_a_label_printed_here_carries_is_not_a_wristband(bedside: Bedside) -> None:
    """A template that printed the hospital number on its own: its code is still a label's."""
    demo = bedside.demo
    patient = _print_patient_code(demo, bedside, lambda _id, text: text)
    assert bedside.refused(patient).reasons == (PRODUCT_LABEL,)
    # The same patient's wristband with another location code is not what the label carries.
    assert bedside.check(patient_id_structure(HOSPITAL_NUMBER, "01")).din == bedside.bag.din


def test_a_code_a_sealed_label_printed_here_carries_is_not_a_wristband(bedside: Bedside) -> None:
    """The same, with the label's payload sealed (it names the patient): found by its hash."""
    demo = bedside.demo
    key = clinic_key()
    assert key is not None
    patient = _print_patient_code(demo, bedside, partial(sealed_payload, key))
    assert bedside.refused(patient).reasons == (PRODUCT_LABEL,)


def test_another_patients_wristband_is_refused_without_echoing_the_number(bedside: Bedside) -> None:
    demo = bedside.demo
    refusal = bedside.refused(patient_id_structure(OTHER_NUMBER))
    (reason,) = refusal.reasons
    assert reason.startswith("WRONG PATIENT: this is a wristband of another patient")
    assert OTHER_NUMBER not in refusal.message and HOSPITAL_NUMBER not in refusal.message
    with demo.database.read_session() as session:
        deviation = session.scalar(select(Deviation).where(Deviation.scan_id == refusal.scan_id))
        assert deviation is not None and OTHER_NUMBER not in deviation.description


def test_this_patients_isbt_128_wristband_passes(bedside: Bedside) -> None:
    demo = bedside.demo
    check = bedside.check(f"]C0{patient_id_structure(HOSPITAL_NUMBER)}\r")
    assert check.din == bedside.bag.din and check.unit_id == bedside.bag.id
    with demo.database.read_session() as session:
        scan = session.scalar(select(Scan).where(Scan.purpose == "bedside wristband"))
        assert scan is not None and scan.outcome is ScanOutcome.MATCH


# ---------------------------------------------------------------- GS1 and the MRN pattern


def test_a_gs1_gsrn_wristband_passes_when_it_is_the_hospital_number(demo, tmp_path: Path) -> None:
    """A clinic banding patients with GS1 GSRNs enrols the GSRN as the hospital number."""
    gsrn = build_gsrn("0950110", 1)
    bedside = at_bedside(demo, tmp_path, hospital_number=gsrn)
    another = build_gsrn("0950110", 2)
    refusal = bedside.refused(f"(8018){another}")
    assert refusal.reasons[0].startswith("WRONG PATIENT") and another not in refusal.message
    # A GSRN of a service provider (8017) is not a patient's.
    assert bedside.refused(f"(8017){gsrn}").reasons == (NO_PATIENT_IDENTIFIER,)
    check = bedside.check(f"]C18018{gsrn}")
    assert check.din == bedside.bag.din


def test_the_site_mrn_pattern_reads_the_hospital_number(bedside: Bedside) -> None:
    # No pattern set: a plain MRN bar code is not read as a patient identifier.
    unset = bedside.refused(f"MRN{HOSPITAL_NUMBER}")
    assert NO_PATIENT_IDENTIFIER in unset.reasons[0]
    bedside.clinic_rules(mrn_pattern=r"MRN(?P<mrn>NBH[0-9]{6})")
    wrong = bedside.refused(f"MRN{OTHER_NUMBER}")
    assert wrong.reasons[0].startswith("WRONG PATIENT") and OTHER_NUMBER not in wrong.message
    assert NO_PATIENT_IDENTIFIER in bedside.refused(f"MRN{HOSPITAL_NUMBER}X").reasons[0]
    # The pattern never turns a COI or a product code into a wristband.
    assert bedside.refused(f"&/{bedside.case.coi}").reasons == (COI_ALONE,)
    assert bedside.check(f"MRN{HOSPITAL_NUMBER}").din == bedside.bag.din


def test_a_clinic_may_require_the_coi_on_the_wristband_in_addition(bedside: Bedside) -> None:
    bedside.clinic_rules(carries_coi=True)
    patient = patient_id_structure(HOSPITAL_NUMBER)
    coi = f"&/{bedside.case.coi}"
    assert bedside.refused(patient).reasons == (COI_ALSO_NEEDED,)
    assert bedside.refused(coi).reasons == (COI_ALONE,)  # never instead
    other_coi = compound_message([patient, f"&/{bedside.other.coi}"])
    assert bedside.refused(other_coi).reasons[0].startswith("WRONG PATIENT: this carries COI")
    assert bedside.check(compound_message([patient, coi])).din == bedside.bag.din


# ---------------------------------------------------------------- bad input at the wristband


BAD_WRISTBANDS = {
    "empty": "",
    "one megabyte": "&#00" + "9" * 1_000_000,
    "control characters": "\x00\x07\x1b[2J\x7f",
    "NUL inside a wristband": patient_id_structure(HOSPITAL_NUMBER) + "\x00",
    "a lone surrogate": "&#0009NBH20000\udcff",
    "invalid UTF-8": b"&#0009\xc3\x28NBH".decode("utf-8", "surrogateescape"),
    "an SSCC (a shipper's code)": "(00)095011010000000018",
    "a GTIN": "(01)09501101530003",
}


def test_bad_input_at_the_wristband_is_a_clear_recorded_refusal(bedside: Bedside) -> None:
    demo = bedside.demo
    for what, text in BAD_WRISTBANDS.items():
        refusal = bedside.refused(text)
        assert "scan the patient's wristband (hospital number)" in refusal.message, what
        assert len(refusal.message) < 1_000, what
        with demo.database.read_session() as session:
            scan = session.get(Scan, refusal.scan_id)
            assert scan is not None and len(scan.raw_text) <= 10_100, what
            assert "\x00" not in scan.raw_text, what
