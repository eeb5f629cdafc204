"""Print-and-verify in software: render each label to PDF, rasterise it at 300 dpi as a printer
would, decode every symbol, parse every scan, and get back exactly the content the label was made
from. The rasters are kept in tests/artifacts/labels/ for a person to look at.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from labels.content import LabelContent
from labels.decode import decode_image, decode_pil_image
from labels.isbt128 import build_coi, build_din
from labels.render_pdf import render_label_pdf
from labels.scan import ScanResult, parse_scan
from labels.templates import (
    IDENTITY_FIELDS,
    TEMPLATE_NAMES,
    FieldElement,
    IdentifierElement,
    LabelTemplate,
    load_template,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "labels"
DPI = 300
POINTS_PER_MM = 72 / 25.4
CEST = dt.timezone(dt.timedelta(hours=2), "CEST")
CONTENT = LabelContent(
    coi=build_coi("G1234", 2025, 1),
    din=build_din("G1234", 25, 654321).with_type3_flag(),
    product_code="S1234100",
    product_name="CD19 CAR-T (autologous), demo",
    collected_at=dt.datetime(2025, 7, 31, 8, 30, tzinfo=dt.UTC),
    expires_at=dt.datetime(2026, 4, 30, 23, 59, tzinfo=dt.UTC),
    time_zone=CEST,
    unit_description="Leukapheresis, fresh",
    volume_ml=248.5,
    patient_name="Anna-Lena Müller-Lüdenscheidt",
    patient_date_of_birth=dt.date(1962, 3, 14),
    hospital_number="H00012345",
    sscc="306141411234567891",
    from_site="Demo Clinic, Haematology Day Unit",
    to_site="Demo Manufacturing Site, Leiden",
    profile_name="fresh-2-8 (2-8 °C)",
)
SERIAL = "G12340000000000042"
"""The print serial of the clinic's identity label (its linear code, and last in its 2-D code)."""
FORMATS = {"code128": "Code128", "gs1-128": "Code128", "qr": "QRCode", "datamatrix": "DataMatrix"}
Expected = tuple[str, str, dict[str, str]]  # (format, scan kind, scan fields)

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="pdftoppm/pdftotext (poppler-utils) are not installed; cannot rasterise the PDF",
)


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(CEST).replace(tzinfo=None)


def _merged(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Fields as `parse_scan` reports them: a repeated name gets `_2`, `_3`, …"""
    merged: dict[str, str] = {}
    for key, value in pairs:
        name, n = key, 1
        while name in merged:
            n += 1
            name = f"{key}_{n}"
        merged[name] = value
    return merged


def _din_pairs() -> list[tuple[str, str]]:
    din = CONTENT.din
    assert din is not None
    return [
        ("din", din.din),
        ("check_character", din.check_character),
        ("flag", din.flag),
        ("flag_meaning", "mod 37-2 check value (Type 3)"),
    ]


def _item_pairs(item: str) -> tuple[str, list[tuple[str, str]]]:
    """The data structure number of a compound item and the fields the reader gives it."""
    c = CONTENT
    assert c.collected_at and c.expires_at and c.patient_date_of_birth and c.hospital_number
    collected, expires = _local(c.collected_at), _local(c.expires_at)
    pairs: dict[str, tuple[str, list[tuple[str, str]]]] = {
        "din": ("001", _din_pairs()),
        "product_code": ("003", [("product_code", "S1234100"),
                                 ("product_description_code", "S1234")]),
        "collected_at": ("007", [("collection_date", collected.date().isoformat()),
                                 ("collection", collected.isoformat(timespec="minutes"))]),
        "expires_at": ("005", [("expiry_date", expires.date().isoformat()),
                               ("expiry", expires.isoformat(timespec="minutes"))]),
        "coi": ("040", [("coi", c.coi.code), ("check_character", c.coi.check_character)]),
        "patient_date_of_birth": ("024", [("patient_birth_date", "1962-03-14"),
                                          ("patient_birth_date_location", "00")]),
        "hospital_number": ("025", [("patient_id_location", "00"), ("patient_id", "H00012345")]),
    }  # fmt: skip
    return pairs[item]


def _content_of(template: LabelTemplate) -> LabelContent:
    """CONTENT, with a print serial for the label whose linear code is its serial."""
    serial = any(s.data == "print_serial" for s in template.symbols)
    return dataclasses.replace(CONTENT, print_serial=SERIAL) if serial else CONTENT


def _serial_pairs() -> list[tuple[str, str]]:
    return [("mpho_supplemental_id", SERIAL)]


def expected_scans(template: LabelTemplate, two_d: str, show_identity: bool) -> list[Expected]:
    """What scanning each symbol must give, worked out from CONTENT, not from the renderer."""
    expected: list[Expected] = []
    serial = _content_of(template).print_serial is not None
    for symbol in template.symbols:
        if symbol.data == "din":
            expected.append(
                ("Code128", "isbt128", _merged([*_din_pairs(), ("data_structures", "001")]))
            )
        elif symbol.data == "coi":
            fields = {"coi": CONTENT.coi.code, "check_character": CONTENT.coi.check_character}
            expected.append(("Code128", "coi", fields))
        elif symbol.data == "sscc":
            expected.append(("Code128", "gs1", {"00": "306141411234567891"}))
        elif symbol.data == "print_serial":
            fields = {**dict(_serial_pairs()), "data_structures": "036", "print_serial": SERIAL}
            expected.append(("Code128", "isbt128", fields))
        else:
            items = [i for i in template.compound if show_identity or i not in IDENTITY_FIELDS]
            count = len(items) + (1 if serial else 0)
            pairs = [("compound_count", f"{count:02d}"), ("compound_sequence", "000")]
            numbers = ["023"]
            for item in items:
                number, item_pairs = _item_pairs(item)
                numbers.append(number)
                pairs.extend(item_pairs)
            if serial:
                numbers.append("036")
                pairs.extend(_serial_pairs())
            fields = _merged([*pairs, ("data_structures", " ".join(numbers))])
            if serial:
                fields["print_serial"] = SERIAL
            expected.append((FORMATS[two_d], "isbt128", fields))
    return expected


def _scan(symbology_identifier: str | None, text: str) -> ScanResult:
    return parse_scan((symbology_identifier or "") + text)


def _rasterise(pdf: bytes, stem: Path) -> Path:
    stem.with_suffix(".pdf").write_bytes(pdf)
    command = ["pdftoppm", "-r", str(DPI), "-png", "-singlefile", str(stem.with_suffix(".pdf"))]
    subprocess.run([*command, str(stem)], check=True, capture_output=True)
    return stem.with_suffix(".png")


def _page_text(pdf_path: Path) -> str:
    result = subprocess.run(
        ["pdftotext", str(pdf_path), "-"], check=True, capture_output=True, text=True
    )
    return " ".join(result.stdout.split())


def _sort(scans: list[Expected]) -> list[Expected]:
    return sorted(scans, key=lambda s: (s[0], s[1], sorted(s[2].items())))


@needs_poppler
@pytest.mark.parametrize("show_identity", [True, False], ids=["identity", "no-identity"])
@pytest.mark.parametrize("two_d", ["qr", "datamatrix"])
@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_label_round_trip(name: str, two_d: str, show_identity: bool, tmp_path: Path) -> None:
    template = load_template(name)
    pdf = render_label_pdf(
        template, _content_of(template), show_identity=show_identity, two_d=two_d
    )

    media_box = re.search(rb"/MediaBox \[ 0 0 ([0-9.]+) ([0-9.]+) \]", pdf)
    assert media_box is not None
    assert float(media_box.group(1)) == pytest.approx(template.width_mm * POINTS_PER_MM, abs=1e-3)
    assert float(media_box.group(2)) == pytest.approx(template.height_mm * POINTS_PER_MM, abs=1e-3)

    stem = tmp_path / f"{name}_{two_d}_{'identity' if show_identity else 'no-identity'}"
    png = _rasterise(pdf, stem)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(png, ARTIFACTS / png.name)

    decoded = decode_image(png)
    assert decoded.error is None
    scans = [(s.format, _scan(s.symbology_identifier, s.text)) for s in decoded.symbols]
    assert all(scan.valid for _, scan in scans), [scan.errors for _, scan in scans]
    got = [(fmt, scan.kind, scan.fields) for fmt, scan in scans]
    assert _sort(got) == _sort(expected_scans(template, two_d, show_identity))

    _assert_each_symbol_reads_alone_in_its_box(template, png, two_d)
    _assert_eye_readable_text(template, stem.with_suffix(".pdf"), show_identity)


def _assert_each_symbol_reads_alone_in_its_box(
    template: LabelTemplate, png: Path, two_d: str
) -> None:
    """A hand scanner aimed at one symbol: the crop of its box decodes to that symbol only."""
    px = DPI / 25.4
    with Image.open(png) as page:
        assert abs(page.width - template.width_mm * px) <= 1
        assert abs(page.height - template.height_mm * px) <= 1
        border = page.convert("L")
        inner = border.crop((3, 3, border.width - 3, border.height - 3))
        assert border.getextrema()[0] < 128  # something is printed …
        assert sum(border.histogram()[:200]) == sum(inner.histogram()[:200])  # … not at the edge
        for symbol in template.symbols:
            box = symbol.box
            left, top = round(box.x * px), round(box.y * px)
            right, bottom = round((box.x + box.width) * px), round((box.y + box.height) * px)
            crop = page.crop((left, top, right, bottom))
            found = decode_pil_image(crop)
            symbology = two_d if symbol.data == "compound" else symbol.symbology
            assert [s.format for s in found] == [FORMATS[symbology]], symbol.name


def _assert_eye_readable_text(template: LabelTemplate, pdf_path: Path, show_identity: bool) -> None:
    text = _page_text(pdf_path)
    assert "FOR AUTOLOGOUS USE ONLY" in text
    assert CONTENT.coi.eye_readable_with_check in text  # CH G1234 25 000001 + boxed check
    din = CONTENT.din
    assert din is not None
    has_din = any(isinstance(e, IdentifierElement) and e.field == "din" for e in template.elements)
    assert (f"{din.eye_readable} {din.flag} {din.check_character}" in text) is has_din
    for element in template.elements:
        if not isinstance(element, FieldElement):
            continue
        if element.optional:  # printed only when the content has it: this content has not
            assert element.caption not in text or not element.caption
            continue
        printed = element.caption in text and _field_value(element.field) in text
        assert printed is (show_identity or not element.identity), element.name
    if not show_identity:
        for secret in ("Müller", "H00012345", "1962"):
            assert secret not in text


def _field_value(field: str) -> str:
    values = {
        "product_name": "CD19 CAR-T (autologous), demo",
        "product_code": "S1234100",
        "collected_at": "31 JUL 2025 10:30 CEST",
        "expires_at": "01 MAY 2026 01:59 CEST",
        "unit_description": "Leukapheresis, fresh",
        "volume_ml": "248.5 mL",
        "patient_name": "Anna-Lena Müller-Lüdenscheidt",
        "patient_date_of_birth": "14 MAR 1962",
        "hospital_number": "H00012345",
        "sscc": "(00) 306141411234567891",
        "from_site": "Demo Clinic, Haematology Day Unit",
        "to_site": "Demo Manufacturing Site, Leiden",
        "profile_name": "fresh-2-8 (2-8 °C)",
    }
    return values[field]


@needs_poppler
def test_identity_needs_both_the_caller_and_the_template(tmp_path: Path) -> None:
    """The sample tube has no patient elements: allowing identity adds nothing to it."""
    template = load_template("sample_tube")
    for show_identity in (True, False):
        pdf = render_label_pdf(template, CONTENT, show_identity=show_identity)
        path = tmp_path / f"tube_{show_identity}.pdf"
        path.write_bytes(pdf)
        text = _page_text(path)
        assert "Müller" not in text
        assert "H00012345" not in text


def test_unknown_two_d_override_is_refused() -> None:
    with pytest.raises(ValueError, match="two_d must be one of datamatrix, qr, got 'aztec'"):
        render_label_pdf(load_template("shipper"), CONTENT, show_identity=False, two_d="aztec")
