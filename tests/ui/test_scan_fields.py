"""The one scan field, typed into as a keyboard-wedge scanner types (a fast burst, GS as the
control character or the configured substitute, an AIM prefix), and attacked: control
characters, a huge entry, an empty Enter. A bad scanner setting in the settings file is shown
by the window, which goes on scanning with the defaults."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from app.demo.journey import JourneyDriver
from app.scanning import GS, LONGEST_ENTRY, ScannerSettings
from ui.pages.scan_station.page import ScanStation
from ui.shell.main_window import MainWindow
from ui.widgets import ScanField, din_text
from ui.widgets.scanner_input import read_in_words

GS1_SCAN = "]C1010950110102091710LOT1234567890ABCD<GS>2112345"
WAIT_MS = 15_000


def _field(qtbot: QtBot, settings: ScannerSettings | None = None, *, keep: bool = False):
    field = ScanField(settings, keep=keep)
    qtbot.addWidget(field)
    field.show()
    qtbot.waitExposed(field)
    events: list[tuple[str, object]] = []
    field.scanned.connect(lambda scan: events.append(("scanned", scan)))
    field.blank.connect(lambda: events.append(("blank", None)))
    field.refused.connect(lambda: events.append(("refused", None)))
    return field, events


def _send_text(field: ScanField, text: str) -> None:
    """A key press carrying ``text`` and no key code (QTest cannot type control characters)."""
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(field, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, text))


def test_a_burst_with_the_substitute_and_an_aim_prefix_is_one_scan(qtbot: QtBot) -> None:
    field, events = _field(qtbot, ScannerSettings(gs_substitute="<GS>", aim_prefix_expected=True))
    qtbot.keyClicks(field, GS1_SCAN)
    assert field.text() == GS1_SCAN  # as keyed while it comes in
    qtbot.keyClick(field, Qt.Key.Key_Tab)  # a common scanner suffix: it ends the entry
    [(kind, scan)] = events
    assert kind == "scanned"
    assert scan.raw == GS1_SCAN.replace("<GS>", GS)
    assert scan.symbology == "]C1" and not scan.typed_by_hand
    assert field.text() == ""


def test_control_characters_a_huge_entry_and_an_empty_enter(qtbot: QtBot) -> None:
    field, events = _field(qtbot)
    qtbot.keyClicks(field, "=G1234")
    _send_text(field, "\x07")  # BEL as a character, as a misconfigured scanner sends it
    qtbot.keyClicks(field, "26000001")
    assert field.text() == "=G1234[0x07]26000001"  # shown, not silently dropped
    qtbot.keyClick(field, Qt.Key.Key_Return)
    [(kind, scan)] = events
    assert kind == "scanned"  # sent on: the service refuses it and records the refusal
    assert scan.raw == "=G1234\x0726000001"
    assert "for IT: control character 0x07" in scan.problem
    assert "=G1234[0x07]26000001" in scan.problem

    events.clear()
    qtbot.keyClicks(field, "A" * (LONGEST_ENTRY + 1))
    qtbot.keyClick(field, Qt.Key.Key_Return)
    [(kind, scan)] = events
    assert kind == "scanned" and f"{LONGEST_ENTRY + 1} characters long" in scan.problem

    events.clear()
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.keyClicks(field, "   ")
    qtbot.keyClick(field, Qt.Key.Key_Enter)
    assert events == [("blank", None), ("blank", None)]

    events.clear()
    qtbot.keyClick(field, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)  # a shortcut
    qtbot.keyClick(field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)  # no paste
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert events == [("blank", None)]


def test_a_kept_entry_stays_shown_until_the_next_key(qtbot: QtBot) -> None:
    field, events = _field(qtbot, keep=True)
    qtbot.keyClicks(field, "=G12342600000100")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    # issue 16 review: the field says what was read, not the scanner's raw "=G1234…00"
    assert field.value == "=G12342600000100" and field.text() == "DIN G1234 26 000001\u00a0[4]"
    assert field.toolTip() == "Scanned: =G12342600000100"
    qtbot.keyClick(field, Qt.Key.Key_Return)  # Enter again sends it again
    assert [kind for kind, _ in events] == ["scanned", "scanned"]
    qtbot.keyClicks(field, "=G9")
    assert field.value == "" and field.scan is None and field.text() == "=G9"
    assert field.finish_entry(quietly=True) is not None
    assert field.value == "=G9" and len(events) == 2  # kept, not sent
    field.clear()
    assert field.value == "" and field.text() == ""

    field.locked = True
    qtbot.keyClicks(field, "=G1")
    assert field.text() == "" and [kind for kind, _ in events][-1] == "refused"


def test_every_scan_field_of_the_screens_is_the_one_scan_field(qtbot: QtBot, demo, runner) -> None:
    """Every line edit a scan is typed into is a ScanField (no plain line edit left)."""
    from ui.pages.bedside.page import BedsidePage  # noqa: PLC0415
    from ui.pages.collection.page import CollectionPage  # noqa: PLC0415
    from ui.pages.receipt.page import ReceiptPage  # noqa: PLC0415

    pages = [
        BedsidePage(demo.database, demo["ivy.infusion"], runner),
        CollectionPage(demo.database, demo["alex.apheresis"], runner),
        ReceiptPage(demo.database, demo["otto.operator"], runner),
    ]
    for page in pages:
        qtbot.addWidget(page)
        scans = [
            edit for edit in page.findChildren(QLineEdit) if "scan" in edit.objectName().lower()
        ]
        assert scans, page.objectName()
        assert all(isinstance(edit, ScanField) for edit in scans), [
            edit.objectName() for edit in scans if not isinstance(edit, ScanField)
        ]
    qtbot.waitUntil(lambda: not runner.busy, timeout=WAIT_MS)


def test_a_bad_scanner_setting_is_shown_and_scanning_goes_on_with_defaults(
    qtbot: QtBot, demo, runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(
        json.dumps({"scanner": {"gs_substitute": "<GS>", "burst_max_interval_ms": "fast"}}),
        encoding="utf-8",
    )
    monkeypatch.setenv("COI_SETTINGS", str(settings_file))
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.enrol("H1", "Test", "Ann", date(1980, 1, 1))
    bag = driver.collect(case)

    window = MainWindow(demo.database, demo["otto.operator"])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.scanner == ScannerSettings()
    assert window.settings_message.isVisible()
    text = window.settings_message.text()
    assert text.startswith("⚠ The scanner settings were not used — Configuration problem: ")
    assert "burst_max_interval_ms must be a number" in text and "'fast'" in text
    assert "default settings" in text

    station = window.show_section("scan")
    assert isinstance(station, ScanStation)
    assert station.settings == ScannerSettings()
    station.scan_field.setFocus()
    with qtbot.waitSignal(station.case_chosen, timeout=WAIT_MS):
        qtbot.keyClicks(station.scan_field, f"&/{case.coi}")
        qtbot.keyClick(station.scan_field, Qt.Key.Key_Return)
    with qtbot.waitSignal(station.verdict_received, timeout=WAIT_MS) as verdict:
        qtbot.keyClicks(station.scan_field, f"]C0={bag.din}00")
        qtbot.keyClick(station.scan_field, Qt.Key.Key_Return)
    assert verdict.args[0].matched
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=WAIT_MS)
    window.close()


def test_a_kept_scan_reads_in_words_what_was_read() -> None:
    """Issue 16 review: "&#0009NBH200001" and "=G12342600002200" stayed in the fields."""
    assert read_in_words("&#0009NBH200001") == "Hospital number NBH200001"
    assert read_in_words("=G12342600002200") == f"DIN {din_text('G123426000022')}"
    assert read_in_words("(00)059012340000000017") == "SSCC (00) 0 5901234 000000001 7"
    assert read_in_words("=G1234\x07") == "=G1234[0x07]"  # no code: as scanned, made visible
    assert read_in_words(f"]C191WARD7{GS}8018123") == "]C191WARD7[GS]8018123"  # 8018 too short
    # A GS1 wristband: the hospital number (its GSRN) in words, never the raw "[GS]" separator
    assert read_in_words(f"]C191WARD7{GS}8018095011010000000018") == (
        "Hospital number 095011010000000018 (GS1)"
    )
    assert read_in_words(f"0109506000134352{GS}10ABC{GS}91WARD7") == (
        "GS1 (01) 09506000134352 (10) ABC (91) WARD7"
    )
