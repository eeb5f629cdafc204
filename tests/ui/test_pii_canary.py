"""The PII canary (issue 13, point 4): the manufacturer never sees who the patient is.

A patient with a name, date of birth and hospital number found nowhere else goes through the
whole journey once per backend; the bag is received at the manufacturer by scanning its label's
QR code (which carries date of birth and hospital number), a manufacturing operator scans the
patient's wristband by mistake, and searches the case list by the hospital number. Then, signed
in as each manufacturing role (operator, verifier, QC, QA, QP), everything that role is shown is
searched for the canary in every form (as typed, upper and lower case, dates as YYYYMMDD,
YYYY-MM-DD, DD/MM/YYYY):

- every screen: every section of the main window and the canary case opened in the Cases
  section; the text of every widget, window titles and tool tips, every cell of every table,
  list and tree;
- every export: the audit trail as CSV and PDF (QA, QP), the cold-chain excursion reports, the
  custody report, the release certificate, the FHIR bundle and the EPCIS document;
- every JSON output of the read commands (`case list`, `case list --search`, `case show`,
  `slots show`);
- the log (everything logged at any level while the journey ran and the roles read);
- every error message raised along the way.

Zero hits. (The database bytes are checked by the encryption-at-rest work, not here.)
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.access import birth_date_text
from app.audit import AuditFilter, export_audit_csv, export_audit_pdf
from app.cli.main import main as coi
from app.coldchain import excursion_report_pdf
from app.core import Database, open_database
from app.demo.journey import DEMO_PASSWORD, JourneyDriver
from app.exchange import export_epcis
from app.journey import CaseView
from app.reports import build_bundle, certificate_pdf, custody_report_pdf
from app.scanning import Expectation, verify_scan
from db.enums import CaseStage
from db.models import LoggerFile
from labels.isbt128.compose import patient_id_structure
from tests.support.pdf_words import plain
from ui.pages.audit import AuditTrailPage
from ui.shell.main_window import MainWindow

FAMILY = "Quarrington-Vexley"
GIVEN = "Zenobia"
HOSPITAL_NUMBER = "QZV8830417"
BORN = date(1937, 11, 23)
MANUFACTURING_ROLES = ("otto.operator", "vera.verifier", "quinn.qc", "asha.qa", "petra.qp")
AUDIT_ROLES = ("asha.qa", "petra.qp")


def canary_forms() -> tuple[str, ...]:
    """Every form the canary may take, lower case (texts are searched lower-cased)."""
    forms = {
        FAMILY,
        GIVEN,
        f"{FAMILY.upper()}, {GIVEN}",
        HOSPITAL_NUMBER,
        f"{BORN:%Y%m%d}",
        f"{BORN:%Y-%m-%d}",
        f"{BORN:%d/%m/%Y}",
        birth_date_text(BORN),  # the screens' and reports' form: 23 Nov 1937
    }
    return tuple(sorted(form.lower() for form in forms))


def hits(text: str) -> list[str]:
    """The canary forms found in ``text`` (any case)."""
    lowered = text.lower()
    return [form for form in canary_forms() if form in lowered]


@dataclass
class Journey:
    """The canary's journey on one backend, and everything it gave off."""

    database: Database
    url: str
    case: CaseView
    out_dir: Path
    errors: list[str] = field(default_factory=list)
    log: io.StringIO = field(default_factory=io.StringIO)
    exports: str = ""


@contextlib.contextmanager
def _logged(into: io.StringIO) -> Iterator[None]:
    """Everything logged, at every level, into ``into`` (as the application's log file)."""
    handler = logging.StreamHandler(into)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def units_of(driver: JourneyDriver, case: CaseView) -> list[Any]:
    """The units of the case."""
    from app.journey import unit_view, units_of_case  # noqa: PLC0415

    with driver.database.read_session() as session:
        return [unit_view(u) for u in units_of_case(session, case.id)]


def _drive(database: Database, url: str, out_dir: Path) -> Journey:
    driver = JourneyDriver(database, out_dir, receive_by_two_d_code=True)
    case = driver.enrol(HOSPITAL_NUMBER, FAMILY, GIVEN, BORN)
    journey = Journey(database, url, case, out_dir)
    wristband = patient_id_structure(HOSPITAL_NUMBER)
    with _logged(journey.log):
        # The clinic packs the wristband's code by mistake (refused, a deviation on the case).
        journey.case = driver.run_to(case, CaseStage.INFUSED, wrong_scan=wristband, excursion=True)
        # At the manufacturer's scan station the operator scans the wristband, then the bag's
        # QR code (date of birth and hospital number in it).
        bag = next(u for u in units_of(driver, case) if u.kind.value == "apheresis_bag")
        expected = Expectation(purpose="scan station", description="a unit", coi=case.coi)
        operator = driver.who("otto.operator")
        for raw in (wristband, driver.two_d_code(bag)):
            verdict = verify_scan(database, operator, raw, expected)
            journey.errors.extend(verdict.reasons)
    journey.errors.extend(driver.log.refused_scans)
    with _logged(journey.log):
        journey.exports = _exports(journey)
    return journey


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def journey(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Journey]:
    """The canary's journey, built once per backend for this module."""
    out_dir = tmp_path_factory.mktemp(f"canary-{request.param}")
    if request.param == "sqlite":
        target = out_dir / "demo.db"
        shutil.copyfile(request.getfixturevalue("demo_sqlite_template"), target)
        url, drop = f"sqlite:///{target}", None
    else:
        server = request.getfixturevalue("postgres_server")
        made = server.create(template=request.getfixturevalue("demo_postgres_template"))
        url, drop = made.render_as_string(hide_password=False), (server, made.database)
    database = open_database(url)
    yield _drive(database, url, out_dir)
    database.dispose()
    if drop is not None:
        drop[0].drop(drop[1])


# ---------------------------------------------------------------- what a screen shows


def _columns(model: QAbstractItemModel, parent: QModelIndex) -> int:
    try:
        return int(model.columnCount(parent))
    except TypeError:  # a list model keeps columnCount private: one column
        return 1


def _has_children(model: QAbstractItemModel, index: QModelIndex) -> bool:
    try:
        return bool(model.hasChildren(index))
    except TypeError:  # a list or table model keeps it private: no children
        return False


def _model_texts(model: QAbstractItemModel, parent: QModelIndex, into: list[str]) -> None:
    columns = _columns(model, parent)
    for row in range(model.rowCount(parent)):
        for column in range(max(columns, 1)):
            index = model.index(row, column, parent)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                value = model.data(index, role)
                if value is not None:
                    into.append(str(value))
            if column == 0 and _has_children(model, index):
                _model_texts(model, index, into)
    for column in range(columns):
        header = model.headerData(column, Qt.Orientation.Horizontal)
        if header is not None:
            into.append(str(header))


def screen_text(top: QWidget) -> str:
    """Every text ``top`` and its children show: labels, fields, buttons, tables, titles."""
    texts: list[str] = [top.windowTitle()]
    for widget in [top, *top.findChildren(QWidget)]:
        texts += [widget.windowTitle(), widget.toolTip(), widget.accessibleName()]
        if isinstance(widget, QLabel | QLineEdit | QAbstractButton):
            texts.append(widget.text())
        if isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
        if isinstance(widget, QTextEdit | QPlainTextEdit):
            texts.append(widget.toPlainText())
        if isinstance(widget, QComboBox):
            texts += [widget.itemText(i) for i in range(widget.count())]
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            _model_texts(widget.model(), QModelIndex(), texts)
    return "\n".join(t for t in texts if t)


def _every_screen(qtbot: QtBot, journey: Journey, username: str) -> str:
    actor = journey_actor(journey, username)
    window = MainWindow(journey.database, actor, idle_lock_minutes=600)
    qtbot.addWidget(window)
    window.show()
    shown: list[str] = []

    def idle() -> None:
        qtbot.waitUntil(lambda: not window.runner.busy, timeout=60_000)

    for section in window.sections:
        page = window.show_section(section.key)
        idle()
        shown.append(screen_text(window))
        if isinstance(page, AuditTrailPage):
            shown += _audit_details(page)
    window.open_case(journey.case.coi)
    idle()
    shown.append(screen_text(window))
    window.close()
    window.deleteLater()  # by Qt, as the application does after a sign-out
    return "\n".join(shown)


def _audit_details(page: AuditTrailPage) -> list[str]:
    """The detail pane of every scan, label and deviation event in the audit trail screen
    (where old and new values are shown in full)."""
    details = []
    for row, entry in enumerate(page.model.rows):
        if entry.record_type in {"scan", "label", "deviation"}:
            page.table.selectRow(row)
            details.append(screen_text(page.detail))
    assert details  # the journey's scans are in the trail
    return details


_ACTORS: dict[tuple[str, str], Any] = {}


def journey_actor(journey: Journey, username: str) -> Any:
    """``username`` signed in on the journey's database (once)."""
    from app.access import authenticate  # noqa: PLC0415

    key = (journey.url, username)
    if key not in _ACTORS:
        _ACTORS[key] = authenticate(journey.database, username, DEMO_PASSWORD, "test-station")
    return _ACTORS[key]


# ---------------------------------------------------------------- exports and commands


def _pdf_text(path_or_bytes: Path | bytes) -> str:
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    return plain("\n".join(page.extract_text() or "" for page in PdfReader(source).pages))


def _exports(journey: Journey) -> str:
    """The audit trail as QA and the QP export it (CSV; PDF once: the same events as the
    CSV), and every cold-chain report as QA prints it."""
    texts: list[str] = []
    for username in AUDIT_ROLES:
        actor = journey_actor(journey, username)
        csv_path = journey.out_dir / f"audit-{username}.csv"
        export_audit_csv(journey.database, actor, AuditFilter(), csv_path)
        rows = list(csv.reader(csv_path.read_text(encoding="utf-8-sig").splitlines()))
        assert len(rows) > 50  # the trail of a whole journey, not an empty file
        texts += [" ".join(row) for row in rows]
    qa = journey_actor(journey, "asha.qa")
    pdf_path = journey.out_dir / "audit.pdf"
    export_audit_pdf(journey.database, qa, AuditFilter(), pdf_path)
    texts.append(_pdf_text(pdf_path))
    with journey.database.read_session() as session:
        loggers = session.scalars(select(LoggerFile.id)).all()
    assert loggers  # the inbound and outbound logger files
    for logger_id in loggers:
        texts.append(_pdf_text(excursion_report_pdf(journey.database, qa, logger_id)))
    # The case's reports and standard exports, as the manufacturer's QA and QP make them.
    case_id = journey.case.id
    qp = journey_actor(journey, "petra.qp")
    texts.append(_pdf_text(custody_report_pdf(journey.database, qa, case_id).pdf))
    texts.append(_pdf_text(certificate_pdf(journey.database, qp, case_id).pdf))
    texts.append(build_bundle(journey.database, qa, case_id).json)
    epcis = export_epcis(journey.database, qa, coi=journey.case.coi)
    assert epcis.event_count > 5  # the journey's events, not an empty document
    texts.append(epcis.json_bytes().decode("utf-8"))
    return "\n".join(texts)


def _commands(journey: Journey, username: str, capsys: pytest.CaptureFixture[str]) -> str:
    reads = [
        ["case", "list"],
        ["case", "list", "--search", HOSPITAL_NUMBER],
        ["case", "show", journey.case.coi],
    ]
    outputs = []
    for command in reads:
        status = coi([*command, "--as", username, "--db", journey.url])
        out, err = capsys.readouterr()
        assert status in {0, 1}, (command, err)
        if status == 0 and command[:2] == ["case", "show"]:
            assert json.loads(out)  # the case is shown, without who the patient is
        outputs += [out, err]
    return "\n".join(outputs)


# ---------------------------------------------------------------- the canary


@pytest.mark.parametrize("username", MANUFACTURING_ROLES)
def test_the_manufacturer_sees_no_trace_of_who_the_patient_is(
    qtbot: QtBot,
    runner: Any,
    journey: Journey,
    username: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COI_AS_PASSWORD", DEMO_PASSWORD)
    with _logged(journey.log):
        outputs = {
            "screens": _every_screen(qtbot, journey, username),
            "commands": _commands(journey, username, capsys),
        }
    outputs["exports"] = journey.exports
    outputs["errors"] = "\n".join(journey.errors)
    outputs["log"] = journey.log.getvalue()
    assert journey.errors, "the wrong scans were refused with a message"
    found = {where: hits(text) for where, text in outputs.items() if hits(text)}
    assert found == {}, f"{username} was shown the patient's identity: {found}"


def test_the_canary_search_would_find_the_identity_where_it_is_shown(
    qtbot: QtBot, runner: Any, journey: Journey
) -> None:
    """The search is attacked: the clinic coordinator's screens do show the canary."""
    shown = _every_screen(qtbot, journey, "cora.coordinator")
    assert set(hits(shown)) >= {FAMILY.lower(), HOSPITAL_NUMBER.lower()}


def test_the_administrators_audit_export_holds_no_identity(journey: Journey) -> None:
    """Found: the administrator's export held dates of birth and hospital numbers (in label
    payloads and clinic scans) beside "[identity hidden]". The administrator sees every event,
    and no patient's identity in any of them."""
    from app.access import authenticate  # noqa: PLC0415
    from tests.conftest import PASSWORD  # noqa: PLC0415

    admin = authenticate(journey.database, "admin", PASSWORD, "test-station")
    path = journey.out_dir / "audit-admin.csv"
    export_audit_csv(journey.database, admin, AuditFilter(), path)
    text = path.read_text(encoding="utf-8-sig")
    # Identity columns are hidden; label payloads and clinic scans that carry identity are
    # either redacted for display or (with the clinic key) stored sealed, never in clear.
    assert "[identity hidden]" in text
    assert "[patient identity removed]" in text or "coi-enc2:" in text
    assert hits(text) == []
