"""ZPL II output: label size in dots, positions, bar code commands and their data, escaping."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from labels.content import LabelContent, encode_symbol, symbol_payloads
from labels.isbt128 import build_coi, build_din
from labels.layout import dots
from labels.templates import TEMPLATE_NAMES, load_template
from labels.zpl import field_data, render_label_zpl

CONTENT = LabelContent(
    coi=build_coi("G1234", 2025, 1),
    din=build_din("G1234", 25, 654321).with_type3_flag(),
    product_code="S1234100",
    product_name="CD19 CAR-T (autologous), demo",
    collected_at=dt.datetime(2025, 7, 31, 8, 30, tzinfo=dt.UTC),
    expires_at=dt.datetime(2026, 4, 30, 23, 59, tzinfo=dt.UTC),
    unit_description="Leukapheresis, fresh",
    volume_ml=248.5,
    patient_name="Zoë Åberg",
    patient_date_of_birth=dt.date(1962, 3, 14),
    hospital_number="H00012345",
    sscc="306141411234567891",
    from_site="Demo Clinic",
    to_site="Demo Manufacturing",
    profile_name="fresh-2-8",
    print_serial="G12340000000000042",
)
FIELD = re.compile(r"\^FO(\d+),(\d+)(.*?)(?:\^FH(.))?\^FD(.*?)\^FS")
BARCODE = re.compile(r"\^B([CQX])")


def fields(zpl: str) -> list[tuple[int, int, str, str]]:
    """(x, y, commands, data with ^FH escapes undone) for every field of a ZPL script."""
    found = []
    for x, y, commands, indicator, raw in FIELD.findall(zpl):
        data = raw
        if indicator:
            escape = re.escape(indicator) + r"([0-9A-F]{2})"
            data = re.sub(escape, lambda m: chr(int(m.group(1), 16)), raw)
        found.append((int(x), int(y), commands, data))
    return found


@pytest.mark.parametrize("show_identity", [True, False])
@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_script_frame_and_label_size(name: str, show_identity: bool) -> None:
    template = load_template(name)
    zpl = render_label_zpl(template, CONTENT, show_identity=show_identity)
    lines = zpl.splitlines()
    assert lines[0] == "^XA"
    assert lines[-1] == "^XZ"
    assert "^CI28" in lines
    assert f"^PW{round(template.width_mm / 25.4 * 300)}" in lines
    assert f"^LL{round(template.height_mm / 25.4 * 300)}" in lines
    for x, y, _, _ in fields(zpl):
        assert 0 <= x < dots(template.width_mm, 300)
        assert 0 <= y < dots(template.height_mm, 300)


@pytest.mark.parametrize("two_d", [None, "qr", "datamatrix"])
@pytest.mark.parametrize("show_identity", [True, False])
@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_bar_codes_carry_exactly_the_symbol_payloads(
    name: str, show_identity: bool, two_d: str | None
) -> None:
    template = load_template(name)
    zpl = render_label_zpl(template, CONTENT, show_identity=show_identity, two_d=two_d)
    payloads = symbol_payloads(template, CONTENT, show_identity)
    encoded = []
    for _, _, commands, data in fields(zpl):
        kind = BARCODE.search(commands)
        if kind is None:
            continue
        if kind.group(1) == "Q":
            assert data.startswith("MA,")  # error correction M, automatic mode
        encoded.append(data.removeprefix("MA,") if kind.group(1) == "Q" else data)
    assert encoded == [payloads[s.name] for s in template.symbols]
    wanted = {"qr": "^BQN,2,", "datamatrix": "^BXN,"}
    for symbol in template.symbols:
        if symbol.data == "compound":
            assert wanted[two_d or symbol.symbology] in zpl


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_patient_identity_is_absent_unless_allowed(name: str) -> None:
    template = load_template(name)
    hidden = render_label_zpl(template, CONTENT, show_identity=False)
    shown = render_label_zpl(template, CONTENT, show_identity=True)
    for secret in ("Zoë Åberg", "H00012345", "14 MAR 1962", "=#", "&#"):
        assert secret not in hidden
    if name == "patient_identity":  # the name in large type; the codes never carry identity
        assert "Zoë Åberg" in shown and "14 MAR 1962" in shown and "=#" not in shown
    if name in {"apheresis_bag", "final_bag"}:
        assert "Patient Zoë Åberg" in shown
        assert "=#0019620314&#0009H00012345" in shown


def test_positions_are_the_template_millimetres_in_dots() -> None:
    template = load_template("apheresis_bag")
    for dpi in (203, 300, 600):
        zpl = render_label_zpl(template, CONTENT, show_identity=True, dpi=dpi)
        assert f"^PW{dots(100, dpi)}" in zpl
        product = template.elements[0].box  # text is centred vertically in its box
        top = dots(product.y, dpi) + (dots(product.height, dpi) - round(11 * dpi / 72)) // 2
        assert f"^FO{dots(product.x, dpi)},{top}^A0N," in zpl
        band = template.elements[1].box  # the inverse "FOR AUTOLOGOUS USE ONLY" band
        width, height = dots(band.width, dpi), dots(band.height, dpi)
        origin = f"^FO{dots(band.x, dpi)},{dots(band.y, dpi)}"
        assert f"{origin}^GB{width},{height},{height}^FS" in zpl
        assert "^FR" in zpl


def test_code128_and_gs1_128_commands() -> None:
    zpl = render_label_zpl(load_template("shipper"), CONTENT, show_identity=False)
    assert re.search(r"\^BY4\^BCN,\d+,N,N,N,A\^FD&/CHG123425000001\^FS", zpl)
    assert re.search(r"\^BY6\^BCN,\d+,N,N,N,D\^FD\(00\)306141411234567891\^FS", zpl)


def test_data_matrix_states_the_size_zxing_chose() -> None:
    template = load_template("sample_tube")
    zpl = render_label_zpl(template, CONTENT, show_identity=False)
    payload = symbol_payloads(template, CONTENT, show_identity=False)["compound"]
    matrix = encode_symbol("datamatrix", payload)
    assert f"^BXN,4,200,{matrix.columns},{matrix.rows}^FD{payload}^FS" in zpl


def test_field_data_escapes_caret_and_tilde() -> None:
    assert field_data("plain Zoë") == "^FDplain Zoë^FS"
    assert field_data("A^B~C_D") == "^FH_^FDA_5EB_7EC_5FD^FS"
    content = dataclasses.replace(CONTENT, patient_name="O^Brien ~ Smith_Jones")
    zpl = render_label_zpl(load_template("final_bag"), content, show_identity=True)
    texts = [data for _, _, _, data in fields(zpl)]
    assert "Patient O^Brien ~ Smith_Jones" in texts
    assert "O^Brien" not in zpl
    assert zpl.count("^XA") == zpl.count("^XZ") == 1


def test_a_label_too_fine_for_the_printer_is_refused() -> None:
    with pytest.raises(ValueError, match="at 203 dpi"):
        render_label_zpl(load_template("sample_tube"), CONTENT, show_identity=False, dpi=203)


def test_unknown_two_d_override_is_refused() -> None:
    with pytest.raises(ValueError, match="two_d must be one of"):
        render_label_zpl(load_template("shipper"), CONTENT, show_identity=False, two_d="aztec")
