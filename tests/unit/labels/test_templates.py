"""Label templates as data: loading, validation, layout geometry and label content."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from itertools import combinations
from typing import Any

import pytest

from labels.content import (
    LabelContent,
    check_content,
    encode_symbol,
    field_text,
    identifier_parts,
    symbol_payloads,
)
from labels.isbt128 import build_coi, build_din
from labels.layout import dots, fit_font_size, layout_identifier, place_symbol
from labels.render_pdf import printable
from labels.templates import (
    IDENTITY_FIELDS,
    IDENTITY_LABEL,
    TEMPLATE_NAMES,
    FieldElement,
    IdentifierElement,
    TextElement,
    TextStyle,
    load_template,
    parse_template,
    symbology_of,
)
from resources import read_text

CET = dt.timezone(dt.timedelta(hours=1), "CET")
COI = build_coi("G1234", 2025, 1)
DIN = build_din("G1234", 25, 654321).with_type3_flag()
CONTENT = LabelContent(
    coi=COI,
    din=DIN,
    product_code="S1234100",
    product_name="CD19 CAR-T (autologous), demo",
    collected_at=dt.datetime(2025, 1, 31, 7, 5, tzinfo=dt.UTC),
    expires_at=dt.datetime(2025, 10, 31, 23, 30, tzinfo=dt.UTC),
    time_zone=CET,
    unit_description="Leukapheresis, fresh",
    volume_ml=248.5,
    patient_name="Zoë Åberg",
    patient_date_of_birth=dt.date(1962, 3, 14),
    hospital_number="H00012345",
    sscc="306141411234567891",
    from_site="Demo Clinic",
    to_site="Demo Manufacturing",
    profile_name="fresh-2-8",
)
SIZES = {
    "apheresis_bag": (100, 100),
    "sample_tube": (50, 25),
    "final_bag": (100, 100),
    "shipper": (100, 150),
    "patient_identity": (80, 42),
}


def raw(name: str = "apheresis_bag") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(read_text("labels", f"{name}.json"))
    return data


# ---------------------------------------------------------------- the shipped templates


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_every_template_loads_at_its_stock_size(name: str) -> None:
    template = load_template(name)
    assert template.name == name
    assert (template.width_mm, template.height_mm) == SIZES[name]


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_every_template_has_the_chain_of_identity_elements(name: str) -> None:
    template = load_template(name)
    texts = [e.text for e in template.elements if isinstance(e, TextElement)]
    assert "FOR AUTOLOGOUS USE ONLY" in texts
    assert any(isinstance(e, IdentifierElement) and e.field == "coi" for e in template.elements)
    linear = {(s.symbology, s.data) for s in template.symbols}
    own = "print_serial" if name == IDENTITY_LABEL else "coi"  # its own print, not the bag's
    assert ("code128", own) in linear
    assert any(s.data == "compound" for s in template.symbols)
    assert "coi" in template.compound


@pytest.mark.parametrize("name", ["apheresis_bag", "sample_tube", "final_bag"])
def test_every_container_label_carries_its_din_in_a_linear_code(name: str) -> None:
    """A handheld linear scanner reads the container's own DIN from every label, tubes too."""
    template = load_template(name)
    assert ("code128", "din") in {(s.symbology, s.data) for s in template.symbols}
    assert "din" in template.compound


@pytest.mark.parametrize("name", ["apheresis_bag", "final_bag"])
def test_bag_labels_carry_din_product_and_a_date(name: str) -> None:
    template = load_template(name)
    assert ("code128", "din") in {(s.symbology, s.data) for s in template.symbols}
    fields = {e.field for e in template.elements if isinstance(e, FieldElement)}
    assert {"product_name", "product_code"} <= fields
    assert fields & {"collected_at", "expires_at"}
    assert fields >= IDENTITY_FIELDS


def test_differences_between_templates_are_data() -> None:
    tube, shipper = load_template("sample_tube"), load_template("shipper")
    assert [s.symbology for s in tube.symbols] == ["code128", "datamatrix", "code128"]
    assert ("gs1-128", "sscc") in {(s.symbology, s.data) for s in shipper.symbols}
    shipper_fields = {e.field for e in shipper.elements if isinstance(e, FieldElement)}
    assert {"from_site", "to_site", "profile_name", "sscc"} <= shipper_fields
    assert load_template("apheresis_bag").symbols[-1].symbology == "qr"


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_no_element_overlaps_another_or_leaves_the_label(name: str) -> None:
    template = load_template(name)
    for element in template.elements:
        box = element.box
        assert box.x >= 0 and box.y >= 0
        assert box.x + box.width <= template.width_mm
        assert box.y + box.height <= template.height_mm
    for a, b in combinations(template.elements, 2):
        assert not a.box.overlaps(b.box), (a.name, b.name)


# ---------------------------------------------------------------- validation


def _set(path: str, value: object) -> dict[str, Any]:
    data = raw()
    target: Any = data
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last: int | str = int(keys[-1]) if keys[-1].isdigit() else keys[-1]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("data", "where", "problem"),
    [
        (_set("width_mm", 0), "width_mm", "at least 1.0"),
        (_set("title", ""), "title", "non-empty string"),
        (_set("elements", []), "elements", "non-empty list"),
        (_set("compound_message", ["din", "shoe_size"]), "compound_message", "must list"),
        (_set("compound_message", ["din", "din"]), "compound_message", "twice"),
        (_set("elements.0.type", "picture"), "elements[0].type", "'picture' is not one of"),
        (_set("elements.0.x", KeyError), "elements[0].x", "is required"),
        (_set("elements.0.x", "4"), "elements[0].x", "must be a number"),
        (_set("elements.0.width", -2), "elements[0].width", "at least 0.1"),
        (_set("elements.0.bold", "yes"), "elements[0].bold", "true or false"),
        (_set("elements.0.colour", "red"), "elements[0].colour", "not a known key"),
        (_set("elements.0.field", "mood"), "elements[0].field", "'mood' is not one of"),
        (_set("elements.0.font_size", 40), "elements[0].height", "lower than the 40"),
        (_set("elements.0.min_font_size", 20), "elements[0].min_font_size", "larger than"),
        (_set("elements.0.align", "justify"), "elements[0].align", "is not one of"),
        (_set("elements.1.name", "product_name"), "elements[1].name", "used twice"),
        (_set("elements.1.y", 5), "elements[1].y", "overlaps 'product_name'"),
        (_set("elements.1.x", 20), "elements[1].x", "runs off"),
        (_set("elements.2.data", "compound"), "elements[2].data", "'compound' is not one of"),
        (_set("elements.2.module", 0.1), "elements[2].module", "at least 0.15"),
        (_set("elements.10.identity", False), "elements[10].identity", "identifies the patient"),
        (_set("elements.13.symbology", "aztec"), "elements[13].symbology", "not one of"),
        (_set("compound_message", []), "compound_message", "2-D symbol carries it"),
        (_set("elements.3", "din"), "elements[3]", "must be an object"),
    ],
)  # fmt: skip
def test_bad_template_data_names_file_and_field(data: object, where: str, problem: str) -> None:
    with pytest.raises(ValueError, match=r"label template test\.json") as error:
        parse_template(data, "test.json")
    assert f": {where}: " in str(error.value)
    assert problem in str(error.value)


def test_the_top_level_must_be_an_object() -> None:
    with pytest.raises(ValueError, match=r"test.json: \(top level\): must be an object"):
        parse_template([], "test.json")


def test_unknown_template_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown label template 'wristband'"):
        load_template("wristband")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", r"shipper\.json: not valid JSON"),
        (json.dumps(raw("sample_tube")), r"shipper\.json: name: 'sample_tube' does not match"),
    ],
)
def test_a_broken_template_file_is_named(
    monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    monkeypatch.setattr("labels.templates.read_text", lambda *parts: text)
    with pytest.raises(ValueError, match=message):
        load_template("shipper")


# ---------------------------------------------------------------- geometry


def test_symbols_get_whole_dot_modules_centred_in_their_box() -> None:
    template = load_template("sample_tube")
    code128, datamatrix, _din = template.symbols
    matrix = encode_symbol("code128", COI.data_structure)
    place = place_symbol(code128, "code128", matrix.columns, 1, 300)
    assert place.module == 2  # 187 modules with quiet zones fit 33 mm only at 2 dots
    left_spare = place.x - dots(code128.box.x, 300) - 10 * place.module
    right_edge = dots(code128.box.x + code128.box.width, 300)
    right_spare = right_edge - (place.x + (matrix.columns + 10) * place.module)
    assert abs(left_spare - right_spare) <= 1
    square = encode_symbol("datamatrix", "=+01000" + COI.data_structure)
    assert square.columns == square.rows
    assert place_symbol(datamatrix, "datamatrix", square.columns, square.rows, 300).module == 4


def test_a_symbol_that_cannot_fit_is_an_error() -> None:
    code128 = load_template("sample_tube").symbols[0]
    with pytest.raises(ValueError, match=r"do not fit .* at 203 dpi"):
        place_symbol(code128, "code128", 167, 1, 203)


def test_text_shrinks_to_fit_but_not_below_its_minimum() -> None:
    style = TextStyle(font_size=12, min_font_size=6)
    assert fit_font_size("short", style, 50, "here") == 12
    assert 6 <= fit_font_size("a much longer line of text", style, 40, "here") < 12
    with pytest.raises(ValueError, match=r"here: 'x+' does not fit 10 mm even at 6"):
        fit_font_size("x" * 60, style, 10, "here")


def test_identifier_check_character_sits_after_flag_inside_the_box() -> None:
    element = next(
        e for e in load_template("apheresis_bag").elements if isinstance(e, IdentifierElement)
    )
    layout = layout_identifier(element, DIN.eye_readable, DIN.flag, DIN.check_character)
    assert 0 <= layout.text_x < layout.flag_x < layout.frame_x
    assert layout.frame_x + layout.frame_width <= element.box.width + 1e-9
    assert layout.flag_size < layout.size


def test_an_identifier_shrinks_to_its_box_and_no_further() -> None:
    data = raw("sample_tube")
    data["elements"][0]["width"] = 32  # 9 pt needs about 42 mm, the 6 pt minimum about 28 mm
    element = parse_template(data, "test.json").elements[0]
    assert isinstance(element, IdentifierElement)
    layout = layout_identifier(element, COI.eye_readable, "", COI.check_character)
    assert 6 <= layout.size < 9
    assert layout.frame_x + layout.frame_width <= 32
    data["elements"][0]["width"] = 20
    element = parse_template(data, "test.json").elements[0]
    assert isinstance(element, IdentifierElement)
    with pytest.raises(ValueError, match="coi: 'CH G1234 25 000001' does not fit 20 mm"):
        layout_identifier(element, COI.eye_readable, "", COI.check_character)


def test_two_d_override_only_replaces_two_d_symbologies() -> None:
    template = load_template("apheresis_bag")
    assert [symbology_of(s, "datamatrix") for s in template.symbols] == [
        "code128",
        "code128",
        "datamatrix",
    ]
    assert symbology_of(template.symbols[2], None) == "qr"


# ---------------------------------------------------------------- content


def test_eye_readable_fields_use_the_site_time_zone() -> None:
    assert field_text(CONTENT, "collected_at") == "31 JAN 2025 08:05 CET"
    assert field_text(CONTENT, "expires_at") == "01 NOV 2025 00:30 CET"
    assert field_text(CONTENT, "patient_date_of_birth") == "14 MAR 1962"
    assert field_text(CONTENT, "volume_ml") == "248.5 mL"
    assert field_text(CONTENT, "sscc") == "(00) 306141411234567891"
    assert identifier_parts(CONTENT, "din") == ("G1234 25 654321", "70", "A")
    assert identifier_parts(CONTENT, "coi") == ("CH G1234 25 000001", "", COI.check_character)


def test_payloads_carry_identity_only_when_allowed() -> None:
    template = load_template("apheresis_bag")
    hidden = symbol_payloads(template, CONTENT, show_identity=False)
    shown = symbol_payloads(template, CONTENT, show_identity=True)
    assert hidden["din_barcode"] == DIN.data_structure == "=G12342565432170"
    assert hidden["coi_barcode"] == COI.data_structure
    assert hidden["compound"] == ("=+04000=G12342565432170=<S1234100&*0250310805&/CHG123425000001")
    assert shown["compound"] == hidden["compound"].replace("=+04", "=+06") + (
        "=#0019620314&#0009H00012345"
    )
    shipper = symbol_payloads(load_template("shipper"), CONTENT, show_identity=True)
    assert shipper["sscc_barcode"] == "(00)306141411234567891"
    assert shipper["compound"] == "=+01000&/CHG123425000001"


def test_content_missing_what_the_template_prints_is_an_error() -> None:
    bare = LabelContent(coi=COI)
    with pytest.raises(ValueError, match="final_bag prints din, expires_at, product_code"):
        check_content(load_template("final_bag"), bare, show_identity=False)
    no_patient = dataclasses.replace(CONTENT, patient_name=None)
    template = load_template("apheresis_bag")
    check_content(template, no_patient, show_identity=False)
    with pytest.raises(ValueError, match="apheresis_bag prints patient_name"):
        check_content(template, no_patient, show_identity=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"collected_at": dt.datetime(2025, 1, 1, 8, 0)}, "aware datetime"),  # noqa: DTZ001
        ({"sscc": "306141411234567890"}, "GS1 check digit"),
        ({"hospital_number": "MRN-1234"}, "A-Z, a-z or 0-9"),
        ({"product_code": "S1234"}, "8 characters"),
        ({"patient_id_location": "X1", "hospital_number": "H1"}, "location code"),
    ],
)
def test_content_refuses_values_it_could_not_bar_code(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        LabelContent(coi=COI, **changes)  # type: ignore[arg-type]


def test_text_the_label_font_cannot_print_is_refused() -> None:
    assert printable("Zoë Åberg, 2-8 °C", "name") == "Zoë Åberg, 2-8 °C"
    with pytest.raises(ValueError, match="name: the label font cannot print 'Ł'"):
        printable("Łukasz", "name")
