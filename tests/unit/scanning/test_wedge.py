"""The keyboard-wedge rules without a window: keystrokes in, entries out (`app.scanning`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.errors import ConfigurationError
from app.scanning import (
    GS,
    LONGEST_ENTRY,
    Keystroke,
    ScannerSettings,
    WedgeReader,
    WedgeScan,
    case_coi,
    entry_problem,
    names_only_coi,
    shortened,
    shown,
)
from labels.isbt128 import InvalidCoi, parse_coi
from labels.scan import parse_scan

GS1_SCAN = "]C1010950110102091710LOT1234567890ABCD<GS>2112345"  # GTIN, batch <GS> serial


def _strokes(text: str, gap_ms: float, start: float = 0.0) -> list[Keystroke]:
    strokes = [
        Keystroke("gs" if ch == GS else "text", start + i * gap_ms, "" if ch == GS else ch)
        for i, ch in enumerate(text)
    ]
    return [*strokes, Keystroke("enter", start + len(text) * gap_ms)]


def _feed(reader: WedgeReader, strokes: list[Keystroke]) -> WedgeScan | None:
    results = [reader.press(stroke) for stroke in strokes]
    assert all(result is None for result in results[:-1])
    return results[-1]


def _entry(reader: WedgeReader, strokes: list[Keystroke]) -> WedgeScan:
    scan = _feed(reader, strokes)
    assert scan is not None
    return scan


def test_a_fast_burst_is_a_scan_and_slow_keys_are_hand_typing() -> None:
    reader = WedgeReader(ScannerSettings(burst_max_interval_ms=50))
    burst = _entry(reader, _strokes("=G12342600000100", 8))
    assert burst.raw == "=G12342600000100"
    assert not burst.typed_by_hand
    assert burst.problem is None
    typed = _entry(reader, _strokes("CHG1234260000014", 180, start=10_000))
    assert typed.typed_by_hand
    assert typed.longest_gap_ms == 180
    assert reader.text == ""  # each Enter starts a new entry
    assert reader.press(Keystroke("enter", 20_000)) is None  # an empty Enter is no scan


def test_correcting_a_short_or_unprefixed_entry_counts_as_hand_typing() -> None:
    reader = WedgeReader(ScannerSettings())
    strokes = _strokes("=G1234X", 5)
    strokes.insert(-1, Keystroke("erase", strokes[-1].at_ms))
    corrected = _entry(reader, strokes)
    assert corrected.raw == "=G1234"
    assert corrected.typed_by_hand  # scanners never erase
    assert _entry(reader, _strokes("=G1", 5)).typed_by_hand  # too short for a burst
    aim = WedgeReader(ScannerSettings(aim_prefix_expected=True))
    prefixed = _entry(aim, _strokes("]C0=G12342600000100", 5))
    assert prefixed.typed_by_hand is False
    assert prefixed.symbology == "]C0"
    assert _entry(aim, _strokes("=G12342600000100", 5)).typed_by_hand is True
    assert _entry(aim, _strokes("=G12342600000100", 5)).symbology is None


def test_the_gs_substitute_becomes_gs_so_every_screen_parses_the_same_text() -> None:
    reader = WedgeReader(ScannerSettings(gs_substitute="<GS>"))
    scan = _entry(reader, _strokes(GS1_SCAN, 3))
    assert scan.raw == GS1_SCAN.replace("<GS>", GS)
    assert scan.shown == GS1_SCAN.replace("<GS>", "[GS]")
    parsed = parse_scan(scan.raw)
    assert parsed == parse_scan(GS1_SCAN, gs_substitute="<GS>")  # as the parser would read it
    assert parsed.kind == "gs1" and parsed.fields["21"] == "12345"
    # GS as the control character and as the substitute give one and the same entry.
    control = _entry(reader, _strokes(GS1_SCAN.replace("<GS>", GS), 3, start=1_000))
    assert control.raw == scan.raw


def test_substitute_text_typed_inside_an_entry_is_gs_too_and_the_parser_refuses_it() -> None:
    """A person typing the substitute in the middle of a DIN gets GS there: the parser refuses
    the DIN in words; nothing is dropped (the entry keeps every other character)."""
    reader = WedgeReader(ScannerSettings(gs_substitute="^"))
    typed = _entry(reader, _strokes("=G1234^2600000100", 150))
    assert typed.typed_by_hand and typed.raw == f"=G1234{GS}2600000100"
    assert typed.problem is None
    result = parse_scan(typed.raw)
    assert not result.valid and result.errors


def test_control_characters_and_huge_entries_are_refused_in_words() -> None:
    reader = WedgeReader(ScannerSettings())
    strokes = _strokes("=G12342600000100", 4)
    strokes.insert(5, Keystroke("control", strokes[5].at_ms, "\x07"))
    scan = _entry(reader, strokes)
    assert scan.raw == "=G123\x0742600000100"  # kept, not silently dropped
    assert scan.problem is not None
    assert "for IT: control character 0x07" in scan.problem
    assert "=G123[0x07]4" in scan.problem
    huge = "=" + "G" * (LONGEST_ENTRY + 10)
    problem = entry_problem(huge)
    assert problem is not None and f"{len(huge)} characters long" in problem
    assert len(problem) < 300  # the words do not repeat the entry
    assert entry_problem(GS1_SCAN.replace("<GS>", GS)) is None
    assert shortened("x" * 500).endswith("(500 characters)")
    with pytest.raises(InvalidCoi, match="control character"):
        case_coi(scan)


def test_surrounding_spaces_are_no_data_and_spaces_alone_are_no_entry() -> None:
    reader = WedgeReader(ScannerSettings())
    assert _entry(reader, _strokes("  =G12342600000100 ", 5)).raw == "=G12342600000100"
    assert _feed(reader, _strokes("   ", 5)) is None


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_any_keystrokes_give_an_entry_or_none_never_an_error(text: str) -> None:
    reader = WedgeReader(ScannerSettings(gs_substitute="<GS>"))
    strokes = [
        Keystroke("text" if ch.isprintable() else "control", float(i), ch)
        for i, ch in enumerate(text)
    ]
    scan = _feed(reader, [*strokes, Keystroke("enter", float(len(text)))])
    if scan is None:
        assert text.replace("<GS>", GS).strip(" ") == ""
        return
    assert scan.raw == text.replace("<GS>", GS).strip(" ")
    data = scan.raw.rstrip("\r\n\t")  # a scanner's suffix
    separators = (GS, "\x1e", "\x04")  # GS1 and ISBT 128 (ISO/IEC 15434) carry them
    readable = bool(data.strip()) and all(ch.isprintable() or ch in separators for ch in data)
    assert (scan.problem is None) == readable
    assert shown(scan.raw).isprintable()
    parse_scan(scan.raw)  # never raises


def test_a_typed_case_coi_needs_its_check_character_a_scanned_one_does_not() -> None:
    coi = parse_coi("CHG123426000001")
    typed = f"{coi.eye_readable} {coi.check_character}"
    assert case_coi(WedgeScan(typed, True, 21, 150)) == coi
    with pytest.raises(InvalidCoi, match="one character is missing"):
        case_coi(WedgeScan(f"&/{coi.code}", True, 18, 150))
    assert case_coi(WedgeScan(f"&/{coi.code}", False, 18, 5)) == coi
    assert case_coi(WedgeScan(f"]C0&/{coi.code}", False, 21, 5)) == coi
    with pytest.raises(InvalidCoi, match="not a case COI"):
        case_coi(WedgeScan("=G12342600000100", False, 17, 5))
    with pytest.raises(InvalidCoi, match="could not be read"):
        case_coi(WedgeScan("HELLO", False, 6, 5))
    assert names_only_coi(f"]C0&/{coi.code}", coi.code)
    assert not names_only_coi("&/CHG123426000002", coi.code)
    assert not names_only_coi("=G12342600000100", coi.code)


def test_scanner_settings_from_the_settings_file() -> None:
    settings = ScannerSettings.from_mapping(
        {"gs_substitute": "^", "aim_prefix_expected": True, "burst_max_interval_ms": 30}
    )
    assert settings == ScannerSettings("^", True, 30.0)
    assert ScannerSettings.from_mapping({}) == ScannerSettings()
    assert ScannerSettings.from_mapping({"gs_substitute": ""}) == ScannerSettings()
    assert ScannerSettings.from_mapping(settings.as_mapping()) == settings


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"gs": "^"}, "unknown scanner settings ['gs']"),
        ({"burst_max_interval_ms": "fast"}, "burst_max_interval_ms must be a number"),
        ({"burst_max_interval_ms": 0}, "from 1 to 1000"),
        ({"burst_max_interval_ms": True}, "must be a number"),
        ({"burst_min_characters": 2.5}, "whole number"),
        ({"burst_min_characters": -3}, "from 1 to 100"),
        ({"aim_prefix_expected": "false"}, "true or false"),
        ({"gs_substitute": 29}, "must be text"),
        ({"gs_substitute": "A"}, "would also match ordinary bar code data"),
        ({"gs_substitute": "GS"}, "would also match"),
        ({"gs_substitute": "="}, "would also match"),
        ({"gs_substitute": " ^"}, "without spaces"),
        ({"gs_substitute": "\x1d"}, "visible characters"),
        ({"gs_substitute": "<" * 11}, "1 to 10"),
        (["gs_substitute"], "must be an object"),
        ("^", "must be an object"),
    ],
)
def test_a_bad_scanner_setting_is_a_configuration_error_naming_it(
    values: object, words: str
) -> None:
    with pytest.raises(ConfigurationError) as refused:
        ScannerSettings.from_mapping(values)
    assert words in refused.value.message
