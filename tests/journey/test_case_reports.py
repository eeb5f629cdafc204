"""The chain-of-identity and custody report, the QP release certificate and the FHIR bundle of a
finished demo journey (SQLite and PostgreSQL): the PDFs' text is extracted and checked fact by
fact, the first page is rasterised into ``tests/artifacts/reports/`` and its QR code decoded, and
no patient identity reaches a manufacturing role.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
from pathlib import Path
from uuid import uuid4

import pytest
from fhir.resources.biologicallyderivedproduct import BiologicallyDerivedProduct
from fhir.resources.bundle import Bundle
from PIL import Image
from pypdf import PdfReader
from pyzbar import pyzbar

from app.audit import AuditFilter, export_audit_csv
from app.core import (
    NotFound,
    NotPermitted,
    StageNotAllowed,
    ValidationFailed,
    parse_seal,
    verify_database,
)
from app.reports import build_bundle, certificate_pdf, save_certificate, save_custody_report
from tests.conftest import ARTIFACTS, CORPORA
from tests.support.finished_journey import (
    IDENTITY_TEXTS,
    Journey,
    journey,
    journey_postgres_template,
    journey_sqlite_template,
)
from tests.support.pdf_words import plain

__all__ = ["journey", "journey_postgres_template", "journey_sqlite_template"]

REPORTS = ARTIFACTS / "reports"


def pdf_text(path: Path) -> str:
    """Every page's text, joined (lines kept)."""
    return plain("\n".join(page.extract_text() or "" for page in PdfReader(path).pages))


def rasterise(path: Path, stem: Path, dpi: int, page: int = 1) -> Path:
    """Page ``page`` of the PDF as STEM.png at ``dpi``."""
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-f", str(page), "-l", str(page), "-singlefile",
         str(path), str(stem)],
        check=True,
        timeout=60,
    )  # fmt: skip
    return stem.with_suffix(".png")


def first_page(path: Path, name: str) -> Path:
    """Rasterise page 1 at 100 dpi into tests/artifacts/reports/NAME.png (to look at)."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    return rasterise(path, REPORTS / name, 100)


def qr_texts(path: Path, page: int = 1) -> list[str]:
    """The text of every QR code on a page of the PDF, read from a 300 dpi rendering (the
    footer's 17 mm code has modules of half a millimetre: a printer's and a scanner's size)."""
    png = rasterise(path, path.with_name(f"{path.stem}-qr-{page}"), 300, page)
    with Image.open(png) as image:
        return sorted({found.data.decode("utf-8") for found in pyzbar.decode(image)})


def _squash(text: str) -> str:
    """The text without white space (a table cell may wrap a word anywhere)."""
    return "".join(text.split())


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_custody_report_holds_every_fact_of_the_journey(
    journey: Journey, tmp_path: Path
) -> None:
    nurse = journey["cora.coordinator"]
    saved = save_custody_report(journey.database, nurse, journey.case_id, tmp_path / "coc.pdf")
    text = _flat(pdf_text(saved.path))
    # Issue 16: a DIN's or COI's check character never wraps away from it onto a line of its
    # own ("… 000008" then "[J]"): the two are joined by a no-break space, kept in the PDF.
    lines = "\n".join(page.extract_text() or "" for page in PdfReader(saved.path).pages)
    assert not re.search(r"^\[[0-9A-Z*]\]", lines, re.MULTILINE), "a check character alone"

    # Chain of identity: the COI and, for a clinic role, the patient.
    assert "Chain-of-identity and custody report" in text
    assert "CH G1234 26" in text and "OKAFOR, Ada" in text and "NBH100233" in text
    # issue 16 review: the date of birth in the one form of the screens, not 1971-03-14
    assert "14 Mar 1971" in text and "1971-03-14" not in text
    # Every unit of the genealogy (apheresis bag, five intermediates, two final bags).
    assert text.count("Apheresis bag") >= 1 and text.count("Final product") >= 2
    assert text.count("Intermediate") >= 5
    # Custody: given to and received by the courier, received at both sites, dispensed.
    squashed = _squash(text)
    for words in ("SamDriver", "CryoCouriersLtd", "Commissioned", "Given", "Received"):
        assert words in squashed, words
    # issue 16 review: statuses, events, checks and record types in words, never the codes
    for words in ("Consumed", "Infused", "Bedsidebag", "Stagerecord", "QCresult", "Scanmismatch"):
        assert words in squashed, words
    for code in ("consumed", "infused", "commissioned", "qcresult", "stagerecord"):
        assert code not in squashed, code
    assert "Dispensed" in squashed and "059012340000000017" in squashed
    # Scans: matches and the refused wrong-patient scan with its reason.
    assert "MISMATCH" in squashed and "WRONGPATIENT" in squashed and "1 refused" in text
    # Temperature: the excursion and its disposition, the cryogenic leg within limits.
    assert "EXCURSION" in squashed and "WITHINLIMITS" in squashed
    assert "ACCEPTEDbyAsha" in squashed  # QA's decision in words, not the code 'accept'
    assert "Fresh,refrigerated2–8°C" in squashed and "fresh-2-8" not in squashed
    # Issue 16: the operation in the timeline's words, never the stored 'dispositioned accept'
    assert "ColdchainacceptedbyQA" in squashed and "dispositionedaccept" not in squashed
    # the footer names the COI as printed, the custody lines the shipper's SSCC as GS1 does
    assert re.search(r"custody report CH G1234 26 \w{6} \[.\]", text), "the footer's COI"
    assert "(00) 0 5901234 000000001 7" in text
    # ... and so does the audit trail's CSV, beside the stored action it keeps
    csv_path = export_audit_csv(
        journey.database, journey["asha.qa"], AuditFilter(case_id=journey.case_id), tmp_path / "a"
    ).path
    with csv_path.open(newline="", encoding="utf-8-sig") as handle:
        said = {r["action"]: r["action_in_words"] for r in csv.DictReader(handle)}
    assert said["cold chain dispositioned accept"] == "cold chain accepted by QA"
    # Signatures with their manifestation, and the deviation the wrong scan opened.
    assert "Certifiedforrelease" in squashed and "DrPetraQualified" in squashed
    assert "Dispositioned" in squashed and "CLOSED" in squashed
    # The seal: printed, as QR on the first page, and it checks against the database.
    assert _squash(saved.seal) in squashed
    first_page(saved.path, f"coc-clinic-{journey.backend}")
    assert qr_texts(saved.path) == [saved.seal]  # the seal block's code and the footer's
    result = verify_database(journey.database, seal=parse_seal(saved.seal))
    assert result.ok, result.problems


def test_the_custody_report_withholds_identity_from_manufacturing_roles(
    journey: Journey, tmp_path: Path
) -> None:
    operator = journey["otto.operator"]
    saved = save_custody_report(journey.database, operator, journey.case_id, tmp_path / "c.pdf")
    raw = PdfReader(saved.path)
    text = pdf_text(saved.path)
    metadata = json.dumps({k: str(v) for k, v in (raw.metadata or {}).items()})
    for identity in IDENTITY_TEXTS:
        assert identity not in text and identity not in metadata, identity
        assert identity.encode() not in saved.path.read_bytes()
    assert "withheld" in _flat(text)
    first_page(saved.path, f"coc-manufacturer-{journey.backend}")


def test_the_custody_report_refuses_unknown_cases_roles_and_paths(
    journey: Journey, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ValidationFailed, match="does not exist"):
        save_custody_report(
            journey.database, journey["cora.coordinator"], journey.case_id, out / "no" / "x"
        )
    with pytest.raises(NotPermitted, match="Cases are seen by"):
        save_custody_report(journey.database, journey["admin"], journey.case_id, out / "a")
    with pytest.raises(NotFound, match="does not exist"):
        save_custody_report(journey.database, journey["otto.operator"], uuid4(), out / "b")
    assert list(out.iterdir()) == []


def test_the_certificate_of_the_certified_batch(journey: Journey, tmp_path: Path) -> None:
    qp = journey["petra.qp"]
    saved = save_certificate(journey.database, qp, journey.case_id, tmp_path / "cert.pdf")
    text = _flat(pdf_text(saved.path))
    assert "QP release certificate" in text
    assert "S1234 — CD19 CAR-T (autologous), demo" in text and "product record version" in text
    assert "CH G1234 26" in text
    # The checklist as signed, each item with its evidence.
    assert "Every manufacturing step complete and verified" in text
    assert "9 steps performed and verified" in text
    assert "Custody unbroken" in text and text.count("✔ satisfied") == 10
    # QC results against their specifications, the sterility exception shown.
    for words in ("Sterility", "No growth", "Viability", "≥ 70 %", "PASS", "exception"):
        assert words in text, words
    # Deviations and their closure, and the QP's signature manifestation.
    assert "CLOSED" in text
    assert "Dr Petra Qualified ·" in text and "Certified for release" in text
    for identity in IDENTITY_TEXTS:
        assert identity not in text
    first_page(saved.path, f"certificate-{journey.backend}")
    assert qr_texts(saved.path) == [saved.seal]


def test_no_certificate_for_a_batch_not_certified_nor_for_other_roles(
    journey: Journey, tmp_path: Path
) -> None:
    qa = journey["asha.qa"]
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(StageNotAllowed, match="is not certified for release"):
        save_certificate(journey.database, qa, journey.facts.other_id, out / "x.pdf")
    for who in ("otto.operator", "cora.coordinator"):
        with pytest.raises(NotPermitted, match="print release certificates"):
            certificate_pdf(journey.database, journey[who], journey.case_id)
    assert list(out.iterdir()) == []


def test_the_fhir_bundle_of_the_final_product_units(journey: Journey) -> None:
    export = build_bundle(journey.database, journey["otto.operator"], journey.case_id)
    bundle = Bundle.model_validate_json(export.json)
    assert bundle.type == "collection" and export.products == 2
    products = [entry.resource for entry in bundle.entry or []]
    assert [p.get_resource_type() for p in products] == ["BiologicallyDerivedProduct"] * 2
    statuses = {p.identifier[0].value: p.productStatus.code for p in products}
    assert sorted(statuses.values()) == ["unavailable", "unavailable"]  # the dose: both infused
    for product in products:
        assert product.identifier[0].system.endswith("DonationIdentificationNumber")
        assert product.productCode.coding[0].code == "S1234"
        assert product.biologicalSourceEvent.value.startswith("G1234")  # the collected bag
        assert float(product.storageTempRequirements.high.value) == -150.0
        assert product.collection.collectedPeriod.end is not None
    for identity in IDENTITY_TEXTS:
        assert identity not in export.json
    example = CORPORA / "fhir-bdp" / "biologicallyderivedproduct-example.xml"
    if example.is_file():  # shaped like HL7's example: every field it fills, ours fills too
        theirs = BiologicallyDerivedProduct.model_validate_xml(example.read_bytes())
        wanted = set(theirs.model_dump(exclude_none=True)) - {"fhir_comments"}
        for product in products:
            assert wanted <= set(product.model_dump(exclude_none=True))
