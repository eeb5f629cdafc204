"""The scan station, driven as a bench operator drives it: keystrokes, clicks and F12 only.

A keyboard-wedge scan is a fast burst of `keyClicks` ending in Return; hand typing is the same
with a pause between keys. What the screen shows is asserted beside what the service recorded.
Screenshots of the green and the red states go to tests/artifacts/screens/.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import wave
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QImage, QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.core.errors import DatabaseUnavailable
from app.demo.journey import JourneyDriver
from app.journey.views import CaseView, UnitView
from app.scanning import GS, Keystroke, ScannerSettings
from app.scanning.rules import grouped
from db.enums import ScanOutcome
from db.models import AuditEvent, Deviation, Scan
from labels import mod37_2
from labels.isbt128 import parse_coi
from tests.support.scanner_keys import scanner_burst, typed_by_hand
from tests.ui.fit import (
    PAGE_AREA_1280,
    assert_fits_1280,
    placeholders_cut,
    save_both_sizes,
    shot_name,
)
from ui.pages.scan_station import page as scan_station
from ui.pages.scan_station.body import NO_CAMERA
from ui.pages.scan_station.page import ScanStation
from ui.shell.style import apply_style
from ui.tasks.runner import TaskRunner
from ui.widgets import scan_alarm
from ui.widgets.formats import din_text
from ui.widgets.scanner_input import keystroke
from ui.widgets.sounds import Sounds, sound_file

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screens"


def parse_din_check(din: str) -> str:
    """The check character printed in a box beside the DIN."""
    return mod37_2.ALPHABET[mod37_2.check_value(din)]


GS1_SCAN = "]C1010950110102091710LOT1234567890ABCD<GS>2112345"  # GTIN, batch <GS> serial
WAIT_MS = 15_000


# ---------------------------------------------------------------- the keyboard-wedge keys
# The wedge rules themselves (bursts, GS substitute, entries refused) are in
# tests/unit/scanning/test_wedge.py.


def test_gs_arrives_as_ctrl_bracket_or_as_its_own_character() -> None:
    no = Qt.KeyboardModifier.NoModifier
    ctrl = Qt.KeyboardModifier.ControlModifier
    alt_gr = ctrl | Qt.KeyboardModifier.AltModifier
    assert keystroke(Qt.Key.Key_BracketRight, "", ctrl, 1).kind == "gs"
    assert keystroke(Qt.Key.Key_BracketRight, "\x1d", ctrl, 1).kind == "gs"
    assert keystroke(0, GS, no, 1).kind == "gs"
    assert keystroke(Qt.Key.Key_BracketRight, "]", alt_gr, 1) == Keystroke("text", 1, "]")
    assert keystroke(Qt.Key.Key_C, "\x03", ctrl, 1) is None  # Ctrl+C is not data
    assert keystroke(Qt.Key.Key_Return, "\r", no, 1).kind == "enter"
    assert keystroke(Qt.Key.Key_Tab, "\t", no, 1).kind == "enter"
    assert keystroke(Qt.Key.Key_F12, "", no, 1) is None


def test_the_tones_exist_and_a_silent_computer_plays_nothing(qtbot: QtBot) -> None:
    for name, longest in (("match", 0.5), ("alarm", 1.5)):
        with wave.open(str(sound_file(name))) as tone:
            seconds = tone.getnframes() / tone.getframerate()
            assert tone.getnchannels() == 1
            assert 0.1 < seconds <= longest
    sounds = Sounds()
    assert not sounds.available  # offscreen: QtMultimedia is not even loaded
    sounds.play_alarm()
    sounds.stop()
    assert sounds.last_requested == "alarm"


# ---------------------------------------------------------------- the station on demo data


@dataclass
class Journey:
    """Two enrolled patients, each with a collected and labelled bag."""

    driver: JourneyDriver
    case: CaseView
    bag: UnitView
    other_case: CaseView
    other_bag: UnitView


@pytest.fixture
def journey(demo, tmp_path: Path) -> Journey:
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.enrol("H1", "Test", "Ann", date(1980, 1, 1))
    bag = driver.collect(case)
    other = driver.enrol("H2", "Other", "Bob", date(1975, 5, 5))
    other_bag = driver.collect(other)
    return Journey(driver, case, bag, other, other_bag)


def _open_station(qtbot: QtBot, demo, runner: TaskRunner, **options: object) -> ScanStation:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_style(app)
    station = ScanStation(demo.database, demo["otto.operator"], runner, **options)
    qtbot.addWidget(station)
    station.resize(1280, 800)
    station.show()
    qtbot.waitExposed(station)
    return station


@pytest.fixture
def station(qtbot: QtBot, demo, runner: TaskRunner) -> ScanStation:
    return _open_station(qtbot, demo, runner)


def _scan(qtbot: QtBot, station: ScanStation, text: str) -> None:
    """A scanner burst: the keys a few milliseconds apart as the window system stamps them,
    then Return."""
    scanner_burst(station.scan_field, text)


def _type_by_hand(qtbot: QtBot, station: ScanStation, text: str) -> None:
    typed_by_hand(station.scan_field, text)


def _settled(qtbot: QtBot, station: ScanStation) -> str:
    """Wait until every scan has its verdict; the banner's state then."""
    qtbot.waitUntil(
        lambda: not station.busy and station.banner.objectName() != "scanBannerChecking",
        timeout=WAIT_MS,
    )
    return station.banner.objectName()


def _station_scans(demo) -> list[Scan]:
    with demo.database.read_session() as session:
        query = select(Scan).where(Scan.purpose == "scan station").order_by(Scan.recorded_at)
        scans = list(session.scalars(query))
        session.expunge_all()
    return scans


def _acknowledgements(demo, scan: Scan) -> list[AuditEvent]:
    """The audit events that acknowledge the alarm of ``scan``."""
    with demo.database.read_session() as session:
        query = select(AuditEvent).where(
            AuditEvent.action == "acknowledge",
            AuditEvent.record_type == "scan",
            AuditEvent.record_id == str(scan.id),
        )
        events = list(session.scalars(query))
        session.expunge_all()
    return events


def _typed_coi(case: CaseView, check: str | None = None) -> str:
    """The COI as a person types it from the label: grouped, then the check character."""
    return f"{parse_coi(case.coi).eye_readable} {check or case.coi_check}"


def _choose(qtbot: QtBot, station: ScanStation, case: CaseView) -> None:
    with qtbot.waitSignal(station.case_chosen, timeout=WAIT_MS) as chosen:
        _scan(qtbot, station, f"&/{case.coi}")
    assert chosen.args == [case.coi]


def _din_scan(bag: UnitView) -> str:
    return f"={bag.din}00"


def _screenshot(qtbot: QtBot, station: ScanStation, name: str) -> None:
    qtbot.wait(100)  # let the layout follow the new banner text before the picture is taken
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert station.grab().save(str(ARTIFACTS / shot_name(name)))
    save_both_sizes(station, name.removesuffix(".png"))


def test_a_typed_coi_needs_its_check_character(
    qtbot: QtBot, station: ScanStation, journey: Journey, demo
) -> None:
    case = journey.case
    assert station.scan_field.hasFocus() or station.focusWidget() is station.scan_field
    assert "type the COI with its check character" in station.expectation.text()

    _type_by_hand(qtbot, station, f"&/{case.coi}")  # the scanned form, typed: no check
    assert station.coi is None
    assert station.banner.objectName() == "scanBannerWarning"
    assert station.headline.text() == "⚠ COI NOT ACCEPTED"
    assert "one character is missing" in station.detail.text()

    wrong = next(c for c in mod37_2.ALPHABET if c != case.coi_check)
    _type_by_hand(qtbot, station, _typed_coi(case, wrong))
    assert station.coi is None
    assert "does not match" in station.detail.text()
    assert "mistyped" in station.detail.text()

    with qtbot.waitSignal(station.case_chosen) as chosen:
        _type_by_hand(qtbot, station, _typed_coi(case).lower())
    assert chosen.args == [case.coi]
    assert station.banner.objectName() == "scanBannerInfo"
    assert station.expectation.text() == f"Scan a container of COI {case.coi_eye_readable}"
    assert _station_scans(demo) == []  # choosing the case is not a container scan


def test_a_well_formed_coi_of_no_case_is_not_chosen(
    qtbot: QtBot, station: ScanStation, journey: Journey, demo
) -> None:
    unknown = f"{journey.case.coi[:-6]}999999"  # well formed, but no such case
    with demo.database.read_session() as session:
        deviations_before = len(session.scalars(select(Deviation)).all())
    _scan(qtbot, station, f"&/{unknown}")
    assert station.coi is None
    assert station.headline.text() == "⚠ CASE NOT FOUND"
    assert f"No case with COI {parse_coi(unknown).eye_readable}" in station.detail.text()
    assert "type the COI with its check character" in station.expectation.text()
    assert _station_scans(demo) == []
    with demo.database.read_session() as session:
        assert len(session.scalars(select(Deviation)).all()) == deviations_before
    _choose(qtbot, station, journey.case)  # the real case is still chosen as before


def test_a_matching_container_turns_the_station_green(
    qtbot: QtBot, station: ScanStation, journey: Journey, demo
) -> None:
    _choose(qtbot, station, journey.case)
    with qtbot.waitSignal(station.verdict_received, timeout=WAIT_MS) as verdict:
        _scan(qtbot, station, _din_scan(journey.bag))
    assert verdict.args[0].matched
    assert _settled(qtbot, station) == "scanBannerMatch"
    assert station.headline.text() == "✔ MATCH"
    assert f"DIN {din_text(journey.bag.din)}" in station.detail.text()
    assert journey.case.coi_eye_readable in station.detail.text()
    assert not station.blocked
    assert not station.acknowledge_button.isVisible()
    assert station.sounds.last_requested == "match"
    assert station.focusWidget() is station.scan_field
    assert "✔ MATCH" in station.history.item(0).text()
    # the DIN reads as on the label, check character boxed, in the banner and the history
    check = parse_din_check(journey.bag.din)
    assert f"{journey.bag.din[7:]}\u00a0[{check}] is a container" in station.detail.text()
    assert f"[{check}]" in station.history.item(0).text()
    assert "=" + journey.bag.din[:5] not in station.history.item(0).text()  # not the raw scan
    # Readable at arm's length: banner ≥ 28 pt, everything else ≥ 11 pt.
    assert station.headline.font().pointSizeF() >= 28
    assert station.detail.font().pointSizeF() >= 28
    assert station.history.font().pointSizeF() >= 11
    _screenshot(qtbot, station, "scan-station-match.png")
    station.resize(*PAGE_AREA_1280)  # the next scan's hint read whole at 1280 × 800
    QApplication.processEvents()
    assert placeholders_cut(station) == []

    [scan] = _station_scans(demo)
    assert scan.outcome is ScanOutcome.MATCH
    assert scan.raw_text == _din_scan(journey.bag)
    assert scan.unit_id == journey.bag.id
    assert scan.station == "test-station"
    assert scan.recorded_by_id == demo["otto.operator"].user_id


def test_a_wrong_patient_blocks_the_station_until_acknowledged(
    qtbot: QtBot,
    station: ScanStation,
    journey: Journey,
    demo,
    runner: TaskRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _choose(qtbot, station, journey.case)
    _scan(qtbot, station, _din_scan(journey.other_bag))
    assert _settled(qtbot, station) == "scanBannerMismatch"
    assert station.headline.text() == "✖ MISMATCH — STOP"
    assert _banner_colour(station).name() == "#b3261e"  # red: a wrong item, not an unread scan
    assert station.acknowledge_button.text() == "Acknowledge (F12)"
    assert "WRONG PATIENT" in station.detail.text()
    assert grouped(journey.other_case.coi) in station.detail.text()
    other = parse_coi(journey.other_case.coi)
    assert f"{other.eye_readable}\u00a0[{other.check_character}]" in station.detail.text()
    logged = station.history.item(0).text()  # the refused bag by its DIN, not "=G5678…00"
    assert f"DIN {din_text(journey.other_bag.din)}" in logged and "  =" not in logged
    assert station.blocked
    assert station.acknowledge_button.isVisible()
    assert station.expectation.text().startswith("STOP")
    assert station.sounds.last_requested == "alarm"
    _screenshot(qtbot, station, "scan-station-mismatch.png")
    assert_fits_1280(qtbot, station, "scan-station-mismatch-1280.png")
    station.resize(960, 680)
    _screenshot(qtbot, station, "scan-station-mismatch-narrow.png")

    # While blocked the next scan, and Enter on its own, are ignored: nothing is recorded.
    _scan(qtbot, station, _din_scan(journey.bag))
    qtbot.keyClick(station.scan_field, Qt.Key.Key_Return)
    assert station.blocked
    assert station.banner.objectName() == "scanBannerMismatch"
    assert station.notice.isVisible()
    assert "Input ignored" in station.notice.text()
    assert station.scan_field.text() == ""
    [refused] = _station_scans(demo)
    assert refused.outcome is ScanOutcome.MISMATCH
    assert station.refused_scan == refused.id
    assert _acknowledgements(demo, refused) == []

    # The acknowledgement is a record: if it cannot be written, the station stays blocked.
    def unavailable(*_args: object, **_kwargs: object) -> None:
        raise DatabaseUnavailable("The database server cannot be reached: check the network.")

    with monkeypatch.context() as fault:
        fault.setattr(scan_alarm, "acknowledge_scan_refusal", unavailable)
        qtbot.keyClick(station.scan_field, Qt.Key.Key_F12)
        qtbot.waitUntil(lambda: not runner.busy, timeout=WAIT_MS)
    assert station.blocked and station.acknowledge_button.isVisible()
    assert station.acknowledge_button.isEnabled()
    assert station.notice.isVisible()
    assert station.notice.text().startswith("✖ Your acknowledgement was not recorded — ")
    assert "Database unavailable" in station.notice.text()
    assert "The screen stays blocked" in station.notice.text()
    assert _acknowledgements(demo, refused) == []
    _screenshot(qtbot, station, "scan-station-acknowledgement-not-recorded.png")

    with qtbot.waitSignal(station.blocked_changed, timeout=WAIT_MS) as unblocked:
        qtbot.keyClick(station.scan_field, Qt.Key.Key_F12)
    assert unblocked.args == [False]
    assert not station.blocked
    assert not station.acknowledge_button.isVisible()
    assert not station.notice.isVisible()
    assert station.headline.text() == "Acknowledged"
    [event] = _acknowledgements(demo, refused)
    assert event.user_id == str(demo["otto.operator"].user_id)
    assert event.username == "otto.operator" and event.station == "test-station"
    with demo.database.read_session() as session:
        number = session.scalar(select(Deviation.number).where(Deviation.scan_id == refused.id))
    assert number is not None and json.loads(event.new_values)["deviation"] == number
    assert number in station.detail.text()
    assert "acknowledged by Otto Operator" in station.history.item(0).text()

    _scan(qtbot, station, _din_scan(journey.bag))
    assert _settled(qtbot, station) == "scanBannerMatch"
    scans = _station_scans(demo)
    assert [s.outcome for s in scans] == [ScanOutcome.MISMATCH, ScanOutcome.MATCH]
    assert "WRONG PATIENT" in (scans[0].mismatch_reason or "")
    with demo.database.read_session() as session:
        deviation = session.scalar(select(Deviation).where(Deviation.scan_id == scans[0].id))
        assert deviation is not None


def _banner_colour(station: ScanStation) -> QColor:
    """The banner's background, read off its picture just inside the border."""
    return station.banner.grab().toImage().pixelColor(12, station.banner.height() // 2)


def test_an_unreadable_scan_is_amber_scan_again_and_needs_a_deliberate_click(
    qtbot: QtBot, station: ScanStation, journey: Journey, demo
) -> None:
    _choose(qtbot, station, journey.case)
    _scan(qtbot, station, "HELLO-WORLD")
    assert _settled(qtbot, station) == "scanBannerUnreadable"
    # Amber "could not read — scan again" as on the receipt and case pages, not a red STOP.
    assert station.headline.text() == "⚠ COULD NOT READ — scan again"
    assert "STOP" not in station.headline.text() + station.expectation.text()
    assert station.acknowledge_button.text() == "I will scan it again — acknowledge (F12)"
    assert station.expectation.text() == "Could not read — acknowledge (F12), then scan again"
    assert _banner_colour(station).name() == "#f6c343"  # the amber of every unread scan
    assert "⚠ NOT READ  HELLO-WORLD" in station.history.item(0).text()
    _screenshot(qtbot, station, "scan-station-unreadable.png")
    assert "could not be read" in station.detail.text()
    assert "not an ISBT 128, CoI or GS1 identifier" in station.detail.text()
    assert station.blocked
    [scan] = _station_scans(demo)
    assert scan.outcome is ScanOutcome.UNREADABLE

    qtbot.mouseClick(station.acknowledge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not station.blocked, timeout=WAIT_MS)
    [event] = _acknowledgements(demo, scan)
    assert event.username == "otto.operator"
    assert json.loads(event.new_values) == {
        "acknowledged_by": "Otto Operator",
        "deviation": None,
        "outcome": "unreadable",
    }
    assert station.focusWidget() is station.scan_field  # the click did not take the focus


def _scan_with_a_bell(qtbot: QtBot, station: ScanStation, text: str) -> None:
    qtbot.keyClicks(station.scan_field, text)
    bell = Qt.KeyboardModifier.NoModifier, "\x07"  # BEL, as a misconfigured scanner sends it
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(station.scan_field, QKeyEvent(kind, 0, *bell))
    qtbot.keyClick(station.scan_field, Qt.Key.Key_Return)


def test_text_no_code_could_be_is_recorded_as_unreadable(
    qtbot: QtBot, station: ScanStation, journey: Journey, demo
) -> None:
    # As the case: not chosen, said on the banner, and the refused entry is on record.
    _scan_with_a_bell(qtbot, station, f"&/{journey.case.coi}")
    assert station.coi is None and "for IT: control character 0x07" in station.detail.text()

    def as_case() -> list[Scan]:
        with demo.database.read_session() as session:
            found = select(Scan).where(Scan.purpose == scan_station.CASE_CHOICE)
            return list(session.scalars(found))

    qtbot.waitUntil(lambda: len(as_case()) == 1, timeout=WAIT_MS)
    [refused] = as_case()
    assert refused.outcome is ScanOutcome.UNREADABLE and refused.case_id is None
    assert not station.blocked
    _scan(qtbot, station, "(01)09501101530003")  # a valid code, not a COI: recorded too
    qtbot.waitUntil(lambda: len(as_case()) == 2, timeout=WAIT_MS)
    assert "not a case COI" in station.detail.text()
    # As a container of the chosen case: amber, blocked, recorded as unreadable.
    _choose(qtbot, station, journey.case)
    _scan_with_a_bell(qtbot, station, "=G1234")
    assert _settled(qtbot, station) == "scanBannerUnreadable"
    assert "for IT: control character 0x07" in station.detail.text()
    assert "Nothing was checked" in station.detail.text() and station.blocked
    [scan] = _station_scans(demo)
    assert scan.outcome is ScanOutcome.UNREADABLE and scan.raw_text == "=G1234\x07"
    qtbot.mouseClick(station.acknowledge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not station.blocked, timeout=WAIT_MS)
    assert len(_acknowledgements(demo, scan)) == 1


def test_gs_as_a_substitute_text_and_as_ctrl_bracket(
    qtbot: QtBot, demo, runner: TaskRunner, journey: Journey
) -> None:
    station = _open_station(qtbot, demo, runner, settings=ScannerSettings(gs_substitute="<GS>"))
    _choose(qtbot, station, journey.case)
    _scan(qtbot, station, GS1_SCAN)
    # Read as GS1 (the <GS> split batch from serial), then refused: it names no container.
    assert _settled(qtbot, station) == "scanBannerMismatch"
    assert "does not identify a container" in station.detail.text()
    qtbot.keyClick(station.scan_field, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: not station.blocked, timeout=WAIT_MS)  # once it is on record

    before, after = GS1_SCAN.split("<GS>")
    qtbot.keyClicks(station.scan_field, before)
    qtbot.keyClick(station.scan_field, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(station.scan_field, after)
    assert station.scan_field.text() == f"{before}[GS]{after}"
    qtbot.keyClick(station.scan_field, Qt.Key.Key_Return)
    assert _settled(qtbot, station) == "scanBannerMismatch"

    scans = _station_scans(demo)
    # The scan field put GS in place of the substitute: both are one and the same record.
    assert [s.raw_text for s in scans] == [f"{before}{GS}{after}"] * 2
    assert [s.parsed_kind for s in scans] == ["gs1", "gs1"]
    assert [s.outcome for s in scans] == [ScanOutcome.MISMATCH] * 2  # read, not UNREADABLE


def _label_png(journey: Journey, bag: UnitView, tmp_path: Path) -> Path:
    pdf = journey.driver.out_dir / f"label-{bag.kind.value}-{bag.din}.pdf"
    assert pdf.is_file()
    stem = tmp_path / f"label-{bag.din}"
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-singlefile", str(pdf), str(stem)], check=True
    )
    return stem.with_suffix(".png")


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) renders the label PNG"
)
def test_decoding_label_images(
    qtbot: QtBot,
    station: ScanStation,
    journey: Journey,
    demo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chosen: list[str] = []
    monkeypatch.setattr(
        scan_station.QFileDialog,
        "getOpenFileName",
        lambda *_args: (chosen[-1], "Images"),
    )
    assert not station.decode_button.isEnabled()  # no case yet
    _choose(qtbot, station, journey.case)

    chosen.append(str(_label_png(journey, journey.bag, tmp_path)))
    qtbot.mouseClick(station.decode_button, Qt.MouseButton.LeftButton)
    assert _settled(qtbot, station) == "scanBannerMatch"
    scans = _station_scans(demo)
    # The DIN bar code and the 2-D compound message are verified; the COI bar code alone
    # names no container and is the case's own, so it is listed but not sent for checking.
    assert [s.outcome for s in scans] == [ScanOutcome.MATCH, ScanOutcome.MATCH]
    assert {s.unit_id for s in scans} == {journey.bag.id}
    history = [station.history.item(i).text() for i in range(station.history.count())]
    assert any("the COI of this case (not a container), skipped" in line for line in history)

    blank = tmp_path / "blank.png"
    Image.new("RGB", (400, 300), "white").save(blank)
    chosen.append(str(blank))
    qtbot.mouseClick(station.decode_button, Qt.MouseButton.LeftButton)
    assert _settled(qtbot, station) == "scanBannerWarning"
    assert station.headline.text() == "⚠ NO CODE FOUND"
    assert "No bar code was found in blank.png" in station.detail.text()
    assert not station.blocked

    chosen.append(str(_label_png(journey, journey.other_bag, tmp_path)))
    qtbot.mouseClick(station.decode_button, Qt.MouseButton.LeftButton)
    assert _settled(qtbot, station) == "scanBannerMismatch"
    assert "WRONG PATIENT" in station.detail.text()
    assert station.blocked
    assert not station.decode_button.isEnabled()


def test_camera_button_and_full_window(
    qtbot: QtBot, station: ScanStation, journey: Journey
) -> None:
    assert not station.camera_button.isEnabled()  # offscreen: no camera
    assert station.camera_button.toolTip() == NO_CAMERA

    qtbot.keyClick(station.scan_field, Qt.Key.Key_F11)
    assert station.full_window
    assert station.body.window() is not station.window()
    assert station.body.window().isFullScreen()
    assert station.full_button.isChecked()
    _choose(qtbot, station, journey.case)  # the station works alone, full screen
    _scan(qtbot, station, _din_scan(journey.bag))
    assert _settled(qtbot, station) == "scanBannerMatch"

    qtbot.keyClick(station.scan_field, Qt.Key.Key_F11)
    assert not station.full_window
    assert station.body.parent() is station
    assert not station.full_button.isChecked()

    qtbot.mouseClick(station.full_button, Qt.MouseButton.LeftButton)
    assert station.full_window
    qtbot.waitUntil(station.body.window().isActiveWindow)  # shortcuts act in the active window
    qtbot.keyClick(station.scan_field, Qt.Key.Key_Escape)
    assert not station.full_window


# ---------------------------------------------------------------- the camera


def _barcode_frame(text: str) -> QImage:
    """A camera frame showing a Code 128 of ``text``, as zxing-cpp renders it, on a grey desk."""
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.Code128)
    pixels = np.ascontiguousarray(np.asarray(code.to_image(scale=3, add_quiet_zones=True)))
    frame = np.full((480, 640), 200, dtype=np.uint8)
    height, width = min(pixels.shape[0], 200), min(pixels.shape[1], 600)
    frame[100 : 100 + height, 20 : 20 + width] = pixels[:height, :width]
    frame = np.ascontiguousarray(frame)
    image = QImage(frame.data, 640, 480, 640, QImage.Format.Format_Grayscale8)
    return image.convertToFormat(QImage.Format.Format_RGB32)  # a copy, as cameras deliver


def test_camera_frames_are_decoded_off_the_gui_thread_and_verified_like_a_scan(
    qtbot: QtBot, station: ScanStation, journey: Journey, demo
) -> None:
    frames = station.frames
    assert not frames.offer(_barcode_frame(_din_scan(journey.bag)))  # not started: dropped
    _choose(qtbot, station, journey.case)

    # Only the case's own COI in view: skipped, the camera keeps looking.
    frames.start()
    assert frames.offer(_barcode_frame(f"&/{journey.case.coi}"))
    qtbot.waitUntil(lambda: not frames.in_flight, timeout=WAIT_MS)
    assert frames.accepting
    assert "the COI of this case (not a container), skipped" in station.history.item(0).text()
    assert _station_scans(demo) == []

    # This case's bag: one frame in flight, the rest dropped, then green like a keyed scan.
    frames.interval_s = 0.0
    with qtbot.waitSignal(station.verdict_received, timeout=WAIT_MS) as verdict:
        assert frames.offer(_barcode_frame(_din_scan(journey.bag)))
        assert not frames.offer(_barcode_frame(_din_scan(journey.other_bag)))  # one in flight
    assert verdict.args[0].matched
    assert _settled(qtbot, station) == "scanBannerMatch"
    assert not frames.accepting  # one code per start
    assert "(camera, Code128)" in station.history.item(0).text()
    [scan] = _station_scans(demo)
    assert scan.outcome is ScanOutcome.MATCH and scan.unit_id == journey.bag.id
    assert scan.raw_text == "]C0" + _din_scan(journey.bag)

    # Another patient's bag: red, blocked, the camera stopped.
    frames.start()
    with qtbot.waitSignal(station.verdict_received, timeout=WAIT_MS):
        assert frames.offer(_barcode_frame(_din_scan(journey.other_bag)))
    assert _settled(qtbot, station) == "scanBannerMismatch"
    assert "WRONG PATIENT" in station.detail.text()
    assert station.blocked and not frames.accepting
    frames.start()
    assert frames.offer(_barcode_frame(_din_scan(journey.bag)))  # a frame while blocked …
    qtbot.waitUntil(lambda: not frames.in_flight, timeout=WAIT_MS)
    assert [s.outcome for s in _station_scans(demo)] == [ScanOutcome.MATCH, ScanOutcome.MISMATCH]
    assert station.banner.objectName() == "scanBannerMismatch"  # … is not verified


def test_the_slowest_frames_are_throttled(qtbot: QtBot, station: ScanStation) -> None:
    now = [100.0]
    frames = station.frames
    frames.clock = lambda: now[0]
    frames.start()
    blank = _barcode_frame("=G12342600000100")
    assert frames.offer(blank)
    qtbot.waitUntil(lambda: not frames.in_flight, timeout=WAIT_MS)
    frames.accepting = True
    assert not frames.offer(blank)  # too soon after the last one
    now[0] += frames.interval_s
    assert frames.wants_frame()
    frames.stop()
    assert not frames.wants_frame()
    assert not frames.offer(QImage())


def test_no_camera_says_so_and_the_camera_stops_when_the_station_hides(
    qtbot: QtBot, station: ScanStation, journey: Journey
) -> None:
    assert station.body.cameras == []  # offscreen: no camera
    assert not station.camera_button.isEnabled()
    assert station.camera_button.toolTip() == NO_CAMERA
    _choose(qtbot, station, journey.case)
    assert not station.camera_button.isEnabled()
    station.start_camera()  # what the button does, had a camera been found at start
    assert station.headline.text() == "⚠ CAMERA"
    assert station.detail.text().startswith("No camera found on this computer.")
    assert "Decode image file" in station.detail.text()
    assert not station.camera.running and not station.blocked

    station.frames.start()
    station.hide()
    assert not station.frames.accepting
    station.camera.release()  # nothing was made: nothing to delete
    assert station.camera.camera is None


@pytest.mark.parametrize(
    ("username", "sees_identity"), [("otto.operator", False), ("alex.apheresis", True)]
)
def test_the_header_names_the_case_and_only_a_clinic_role_sees_the_patient(
    qtbot: QtBot, demo, runner: TaskRunner, journey: Journey, username: str, sees_identity: bool
) -> None:
    """Issue 16: the station named only the COI. Its pinned header names the product and the
    stage as the case pages do, and the patient's name and date of birth for a clinic role
    only: a manufacturer role never sees identity."""
    station = ScanStation(demo.database, demo[username], runner)
    qtbot.addWidget(station)
    station.resize(*PAGE_AREA_1280)
    station.show()
    qtbot.waitExposed(station)
    assert station.case_header.text() == "No case chosen: scan the case COI."
    _choose(qtbot, station, journey.case)
    qtbot.waitUntil(lambda: "Stage:" in station.case_header.text(), timeout=WAIT_MS)
    header = station.case_header.text()
    assert f"COI {journey.case.coi_eye_readable}" in header
    assert journey.case.product_name in header and "Stage: Collected" in header
    identity = ("TEST, Ann", "born 01 Jan 1980")
    assert all((part in header) is sees_identity for part in identity), header
    if not sees_identity:
        shown = " ".join(
            widget.text() for widget in station.findChildren(QLabel) if widget.isVisible()
        )
        assert "TEST, Ann" not in shown and "1980" not in shown  # nowhere on the station
    assert_fits_1280(qtbot, station, f"scan-station-header-{username}-1280.png")
    station.change_case()
    assert station.case_header.text() == "No case chosen: scan the case COI."
