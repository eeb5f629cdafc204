"""The Receipt screen (stages 4 and 9): scan every container of an arrived shipper against
what it should hold, import and judge its data-logger file, and have a second person verify.

Every service call runs through the screen's `TaskRunner`: scans and imports on the single
writer, lists and the trace on the readers. The logger import and the loading of its trace
run in a helper process (see `HelperProcess`): parsing and storing a million readings holds
Python's global interpreter lock in long C calls and garbage collections, which would freeze
this screen for up to a second even though the work is on another thread.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateTimeEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.actor import Actor
from app.database import Database, connect
from app.errors import ScanMismatch
from app.journey.shipping import complete_receipt, receive_unit
from app.logger_records import LoggerFileView, import_logger_file, logger_files_of_shipment
from app.shipment_queries import (
    AssessedTrace,
    ExpectedUnit,
    ReceiptStatus,
    ShipmentView,
    assessed_trace,
    receipt_status,
    shipments_for_receipt,
)
from app.users import authenticate
from ui.messages import describe
from ui.tasks import Task, TaskRunner
from ui.temperature_plot import TemperaturePlot

T = TypeVar("T")
READ_CHUNK = 1 << 20

# ---------------------------------------------------------------- helper process


class HelperProcess:
    """One spawned worker process for heavy service calls; a task thread waits for it.

    The waiting thread holds no interpreter lock, so the screen stays responsive whatever the
    call does. Services take a database URL here, never an open session: the process opens
    its own connection per call. Writes stay serialised because only the single writer
    thread submits writes.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def run(self, function: Callable[..., T], *args: Any) -> T:
        """Call ``function(*args)`` in the helper process and return its result (or raise)."""
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    1, mp_context=multiprocessing.get_context("spawn"), initializer=_yield_cpu
                )
            pool = self._pool
        try:
            return pool.submit(function, *args).result()
        except BrokenProcessPool:
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            raise


HELPER = HelperProcess()


def _yield_cpu() -> None:
    """Run the helper at a lower priority, so the screen wins the CPU when both want it."""
    if hasattr(os, "nice"):
        os.nice(10)


def _import_in_helper(
    url: str, actor: Actor, shipment_id: uuid.UUID, path: str, window: tuple[datetime, datetime]
) -> LoggerFileView:
    database = connect(url)
    try:
        return import_logger_file(database, actor, shipment_id, path, window=window)
    finally:
        database.dispose()


def _assessed_in_helper(url: str, logger_file_id: uuid.UUID) -> AssessedTrace:
    database = connect(url)
    try:
        return assessed_trace(database, logger_file_id)
    finally:
        database.dispose()


# ---------------------------------------------------------------- words


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def _stamp(iso: str) -> str:
    return _utc(datetime.fromisoformat(iso.replace("Z", "+00:00")))


def _count(value: int) -> str:
    """Thousands apart by a narrow no-break space: 1 000 000 never wraps inside."""
    return f"{value:,}".replace(",", "\u202f")


def _minutes(value: float) -> str:
    return f"{value:.1f} min" if value < 120 else f"{value:.1f} min ({value / 60:.1f} h)"


STATUS_WORDS = {
    "received": ("✔ received", QStyle.StandardPixmap.SP_DialogApplyButton),
    "missing": ("✖ missing", QStyle.StandardPixmap.SP_DialogCancelButton),
    None: ("… waiting for scan", QStyle.StandardPixmap.SP_MessageBoxQuestion),
}
REFUSED = QStyle.StandardPixmap.SP_MessageBoxCritical
VERDICT_WORDS = {
    "within_limits": "✔ WITHIN LIMITS",
    "excursion": "✖ EXCURSION",
    "incomplete": "⚠ INCOMPLETE DATA",
}


def unit_status(unit: ExpectedUnit) -> tuple[str, QStyle.StandardPixmap]:
    """How the unit was found, in words with a symbol and an icon (never colour alone)."""
    outcome = unit.receipt_outcome.value if unit.receipt_outcome else None
    return STATUS_WORDS.get(outcome, (f"✖ {outcome}", REFUSED))


def cold_chain_numbers(view: LoggerFileView) -> dict[str, str]:
    """The assessment of a stored logger file as label → text, from its stored report."""
    report, profile = view.report, view.report.get("profile", {})
    gaps = report.get("gaps", [])
    gap_min = sum(float(g["duration_min"]) for g in gaps)
    mkt = f"{report['mkt_c']:.2f} °C"
    if profile.get("mkt_judged"):
        mkt += f" (limit {profile['mkt_limit_c']:g} °C)"
    else:
        mkt += " (shown, not judged for this profile)"
    limits = " to ".join(
        f"{profile[k]:g} °C" if profile.get(k) is not None else "open"
        for k in ("lower_c", "upper_c")
    )
    return {
        "Profile": f"{view.profile_name or profile.get('name', '?')} ({limits})",
        "Readings": f"{_count(int(report['readings']))} in the trip window "
        f"({_count(int(report.get('rows_read', view.reading_count)))} rows in the file)",
        "Window": f"{_stamp(report['start'])} → {_stamp(report['end'])}",
        "Min / max / mean": f"{report['min_c']:.2f} / {report['max_c']:.2f} / "
        f"{report['mean_c']:.2f} °C",
        "Excursions": str(len(report.get("excursions", []))),
        "Longest excursion": f"{_minutes(float(report['longest_excursion_min']))} "
        f"(allowed {profile.get('max_single_excursion_min', 0):g} min)",
        "Cumulative excursion": f"{_minutes(float(report['cumulative_excursion_min']))} "
        f"(allowed {profile.get('max_cumulative_excursion_min', 0):g} min)",
        "Data gaps": f"{len(gaps)}, {_minutes(gap_min)} in total "
        f"(longest allowed silence {profile.get('max_gap_min', 0):g} min)",
        "MKT": mkt,
        "File": f"{view.file_name} · SHA-256 {view.sha256[:12]}… · imported by "
        f"{view.imported_by}, {_utc(view.imported_at)}",
    }


def _restyle(widget: QWidget, **properties: object) -> None:
    """Set dynamic properties the stylesheet selects on, and re-apply the style."""
    for name, value in properties.items():
        widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def _message(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.hide()
    return label


def _fit(dialog: QDialog) -> None:
    """Grow a dialog to the height its wrapped text needs at its width (Qt does not)."""
    dialog.resize(dialog.width(), max(dialog.height(), dialog.heightForWidth(dialog.width())))


def _qt_utc(moment: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(moment.timestamp()), QTimeZone.utc())


def _utc_edit(moment: datetime) -> QDateTimeEdit:
    edit = QDateTimeEdit(_qt_utc(moment))
    edit.setTimeZone(QTimeZone.utc())
    edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss 'UTC'")
    return edit


# ---------------------------------------------------------------- dialogs


class LoggerImportDialog(QDialog):
    """Import one logger file for a shipment: trip window, progress, and a cancel that is
    possible only until storing begins (storing is one transaction and cannot stop half-way)."""

    imported = Signal(object)

    def __init__(
        self,
        database: Database,
        actor: Actor,
        runner: TaskRunner,
        shipment: ShipmentView,
        path: Path,
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("loggerImportDialog")
        self.setWindowTitle(f"Import logger file — shipment {shipment.sscc}")
        self.setMinimumWidth(620)
        self.database, self.actor, self.runner = database, actor, runner
        self.shipment, self.path = shipment, path
        self.task: Task | None = None
        self.storing = False
        size = path.stat().st_size
        shown = f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{max(size / 1e3, 0.1):.1f} kB"
        about = QLabel(f"<b>{path.name}</b> — {shown}")
        start = (shipment.handed_over_at or datetime.now(UTC)).replace(microsecond=0)
        end = shipment.received_at or datetime.now(UTC)
        end = end.replace(microsecond=0) + timedelta(seconds=1 if end.microsecond else 0)
        self.window_from = _utc_edit(start)
        self.window_to = _utc_edit(end)
        form = QFormLayout()
        form.addRow("Trip window from", self.window_from)
        form.addRow("Trip window to", self.window_to)
        hint = QLabel(
            "The window defaults to the recorded hand-over to the courier and the receipt. "
            "It must contain both; readings outside it are stored but not judged."
        )
        hint.setWordWrap(True)
        self.phase = QLabel("Ready to import.")
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.error = _message("errorMessage")
        self.import_button = QPushButton("Import")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.phase)
        layout.addWidget(self.progress)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        _fit(self)

    def trip_window(self) -> tuple[datetime, datetime]:
        """The trip window entered (UTC)."""
        first, last = (
            datetime.fromtimestamp(edit.dateTime().toSecsSinceEpoch(), UTC)
            for edit in (self.window_from, self.window_to)
        )
        return first, last

    def start(self) -> None:
        """Read the file (cancellable), then import and store it on the single writer."""
        for widget in (self.import_button, self.window_from, self.window_to):
            widget.setEnabled(False)
        self.error.hide()
        self.phase.setText("Waiting for the previous save to finish…")
        url, actor, shipment_id = self.database.url, self.actor, self.shipment.id
        path, window = self.path, self.trip_window()

        def work(task: Task) -> LoggerFileView | None:
            digest, total, done = hashlib.sha256(), max(path.stat().st_size, 1), 0
            with path.open("rb") as handle:
                while chunk := handle.read(READ_CHUNK):
                    if task.cancelled:
                        return None
                    digest.update(chunk)
                    done += len(chunk)
                    task.report(done * 1000 // total, 1000)
            if task.cancelled:
                return None
            task.report(0, 0)  # storing begins: from here on nothing can be cancelled
            return HELPER.run(_import_in_helper, url, actor, shipment_id, str(path), window)

        self.task = self.runner.write(work, self._done, self._failed, self._progress)

    def _progress(self, done: int, total: int) -> None:
        if total:
            self.phase.setText(f"Reading {self.path.name}… (you may still cancel)")
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            return
        self.storing = True
        self.cancel_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.phase.setText(
            "Checking and storing every reading with its assessment. This is one "
            "transaction and cannot be cancelled; the screen stays usable."
        )

    def cancel(self) -> None:
        """The Cancel button: close, or stop the import if storing has not begun."""
        self.reject()

    def reject(self) -> None:
        """Cancel, Escape or closing the window: never hides a running import; stops it
        while the file is still being read, waits for it once storing began."""
        if self.task is None:
            super().reject()
        elif not self.storing:
            self.task.cancel()
            self.phase.setText("Cancelling… nothing will be stored.")
            self.cancel_button.setEnabled(False)

    def _done(self, view: LoggerFileView | None) -> None:
        self.task = None
        if view is None:
            self.reject()
            return
        self.imported.emit(view)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.task, self.storing = None, False
        title, text = describe(error)
        self.error.setText(f"✖ {title}: {text}")
        self.error.show()
        _fit(self)
        self.phase.setText("Nothing was stored.")
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        for widget in (self.import_button, self.window_from, self.window_to, self.cancel_button):
            widget.setEnabled(True)


class VerifyReceiptDialog(QDialog):
    """A second person signs in on this screen and verifies the receipt with a signature."""

    verified = Signal(object, object)

    def __init__(
        self,
        database: Database,
        station: str,
        runner: TaskRunner,
        shipment: ShipmentView,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("verifyReceiptDialog")
        self.setWindowTitle(f"Verify receipt — shipment {shipment.sscc}")
        self.setMinimumWidth(520)
        self.database, self.station, self.runner, self.shipment = (
            database, station, runner, shipment,
        )  # fmt: skip
        meaning = QLabel(
            f"The verifier — not the person who scanned the containers in — signs in here. "
            f"Signing means: <b>verified</b> — I checked the receipt of shipment "
            f"{shipment.sscc}: every container scanned, the logger file imported."
        )
        meaning.setWordWrap(True)
        self.username = QLineEdit()
        self.username.setObjectName("verifierUsername")
        self.password = QLineEdit()
        self.password.setObjectName("verifierPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self.sign)
        form = QFormLayout()
        form.addRow("Verifier user name", self.username)
        form.addRow("Password", self.password)
        self.error = _message("errorMessage")
        self.sign_button = QPushButton("Verify and sign")
        self.sign_button.setDefault(True)
        self.sign_button.clicked.connect(self.sign)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sign_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(meaning)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.username.setFocus()
        _fit(self)

    def sign(self) -> None:
        """Authenticate the verifier, then verify and sign the receipt as them."""
        if not self.sign_button.isEnabled():
            return
        self.sign_button.setEnabled(False)
        self.error.hide()
        database, station, shipment_id = self.database, self.station, self.shipment.id
        username, password = self.username.text(), self.password.text()

        def work(_task: Task) -> tuple[ShipmentView, Actor]:
            verifier = authenticate(database, username, password, station)
            return complete_receipt(database, verifier, shipment_id, password), verifier

        self.runner.write(work, self._done, self._failed)

    def _done(self, result: tuple[ShipmentView, Actor]) -> None:
        self.verified.emit(*result)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        title, text = describe(error)
        self.error.setText(f"✖ {title}: {text}")
        self.error.show()
        _fit(self)
        self.password.clear()
        self.password.setFocus()
        self.sign_button.setEnabled(True)


# ---------------------------------------------------------------- the page


class ReceiptPage(QWidget):
    """Shipments arriving at the user's site; for the chosen one: scan, logger, verification."""

    def __init__(self, database: Database, actor: Actor, runner: TaskRunner) -> None:
        super().__init__()
        self.setObjectName("receiptPage")
        self.database, self.actor, self.runner = database, actor, runner
        self.shipment: ShipmentView | None = None
        self.status: ReceiptStatus | None = None
        self.logger_file: LoggerFileView | None = None
        self.plotted: uuid.UUID | None = None
        self.import_dialog: LoggerImportDialog | None = None
        self.verify_dialog: VerifyReceiptDialog | None = None
        title = QLabel("Receive shipment")
        title.setObjectName("pageTitle")
        self.error = _message("errorMessage")
        right = QVBoxLayout()
        right.addLayout(self._receipt_column())
        right.addLayout(self._cold_chain_column(), stretch=1)
        self.state = QLabel()
        self.state.setObjectName("receiptState")
        self.state.setWordWrap(True)
        right.addWidget(self.state)
        right.addWidget(self.error)
        body = QHBoxLayout()
        body.addLayout(self._list_column(), stretch=0)
        body.addLayout(right, stretch=1)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(body, stretch=1)
        self._enable()
        self.refresh()

    def _list_column(self) -> QVBoxLayout:
        self.shipment_list = QListWidget()
        self.shipment_list.setObjectName("receiptShipments")
        self.shipment_list.currentRowChanged.connect(self._chosen)
        refresh = QPushButton("Refresh list")
        refresh.clicked.connect(self.refresh)
        column = QVBoxLayout()
        column.addWidget(QLabel(f"Shipments for receipt at {self.actor.site_name or 'no site'}"))
        column.addWidget(self.shipment_list, stretch=1)
        column.addWidget(refresh)
        return column

    def _receipt_column(self) -> QVBoxLayout:
        self.header = QLabel("Choose a shipment on the left.")
        self.header.setObjectName("receiptHeader")
        self.header.setWordWrap(True)
        self.units = QTableWidget(0, 4)
        self.units.setObjectName("receiptUnits")
        self.units.setHorizontalHeaderLabels(["Container", "DIN", "Status", "Condition"])
        self.units.verticalHeader().hide()
        self.units.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.units.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.units.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.units.setMaximumHeight(150)
        self.scan_field = QLineEdit()
        self.scan_field.setObjectName("receiptScanField")
        self.scan_field.setPlaceholderText("Scan each container's DIN bar code here")
        self.scan_field.returnPressed.connect(self.submit_scan)
        self.scan_ok = _message("okMessage")
        self.mismatch = QFrame()
        self.mismatch.setObjectName("receiptMismatch")
        self.mismatch_headline = QLabel()
        self.mismatch_headline.setObjectName("receiptMismatchHeadline")
        self.mismatch_text = QLabel()
        self.mismatch_text.setObjectName("receiptMismatchText")
        self.mismatch_text.setWordWrap(True)
        self.acknowledge = QPushButton("I have set this container aside — acknowledge")
        self.acknowledge.setObjectName("receiptAcknowledge")
        self.acknowledge.clicked.connect(self.acknowledge_mismatch)
        box = QVBoxLayout(self.mismatch)
        box.addWidget(self.mismatch_headline)
        box.addWidget(self.mismatch_text)
        box.addWidget(self.acknowledge, alignment=Qt.AlignmentFlag.AlignRight)
        self.mismatch.hide()
        self.import_button = QPushButton("Import logger file…")
        self.import_button.clicked.connect(self.choose_logger_file)
        self.verify_button = QPushButton("Verify receipt (second person)…")
        self.verify_button.clicked.connect(self.open_verification)
        actions = QHBoxLayout()
        actions.addWidget(self.import_button)
        actions.addWidget(self.verify_button)
        actions.addStretch(1)
        column = QVBoxLayout()
        for widget in (self.header, self.units, self.scan_field, self.scan_ok, self.mismatch):
            column.addWidget(widget)
        column.addLayout(actions)
        return column

    def _cold_chain_column(self) -> QGridLayout:
        self.verdict = QLabel("No logger file imported yet.")
        self.verdict.setObjectName("receiptVerdict")
        self.numbers: dict[str, QLabel] = {}
        self.numbers_form = QFormLayout()
        self.plot = TemperaturePlot()
        self.plot_note = QLabel()
        self.plot_note.setObjectName("receiptPlotNote")
        numbers_column = QVBoxLayout()
        numbers_column.addWidget(self.verdict)
        numbers_column.addLayout(self.numbers_form)
        numbers_column.addStretch(1)
        grid = QGridLayout()
        grid.addLayout(numbers_column, 0, 0)
        grid.addWidget(self.plot, 0, 1)
        grid.addWidget(self.plot_note, 1, 1)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 3)
        return grid

    # ------------------------------------------------------------ loading
    def refresh(self) -> None:
        """Reload the list of shipments for receipt."""
        database, actor = self.database, self.actor
        self.runner.read(
            lambda _t: shipments_for_receipt(database, actor), self._listed, self._failed
        )

    def _listed(self, shipments: list[ShipmentView]) -> None:
        keep = self.shipment.id if self.shipment else None
        self.shipment_list.blockSignals(True)
        self.shipment_list.clear()
        for view in shipments:
            arrived = "received" if view.status.value == "received" else "in transit"
            item = QListWidgetItem(
                f"{view.sscc}\n{arrived} · handed over {_utc(view.handed_over_at)}"
            )
            item.setData(Qt.ItemDataRole.UserRole, view)
            self.shipment_list.addItem(item)
        self.shipment_list.blockSignals(False)
        ids = [view.id for view in shipments]
        self.shipment_list.setCurrentRow(ids.index(keep) if keep in ids else 0 if ids else -1)

    def _chosen(self, row: int) -> None:
        item = self.shipment_list.item(row) if row >= 0 else None
        view = item.data(Qt.ItemDataRole.UserRole) if item else None
        if not isinstance(view, ShipmentView):
            return
        if self.shipment is None or self.shipment.id != view.id:
            self.logger_file, self.plotted = None, None
            self.plot.clear_trace()
            self._show_logger(None)
        self.shipment = view
        self.load_receipt()

    def load_receipt(self) -> None:
        """Reload the chosen shipment's units, logger files and state."""
        if self.shipment is None:
            return
        database, shipment_id = self.database, self.shipment.id

        def work(_task: Task) -> tuple[ReceiptStatus, list[LoggerFileView]]:
            return (
                receipt_status(database, shipment_id),
                logger_files_of_shipment(database, shipment_id),
            )

        self.runner.read(work, self._loaded, self._failed)

    def _loaded(self, result: tuple[ReceiptStatus, list[LoggerFileView]]) -> None:
        status, files = result
        if self.shipment is None or status.shipment.id != self.shipment.id:
            return  # the user chose another shipment meanwhile
        self.status, self.shipment = status, status.shipment
        units = len(status.units)
        self.header.setText(
            f"<b>Shipment {status.shipment.sscc}</b> from {status.from_site} · COI "
            f"{', '.join(sorted({u.coi for u in status.units})) or '—'} · {units} container(s)"
            f" · courier {status.shipment.courier_name or '—'}"
        )
        self.units.setRowCount(units)
        for row, unit in enumerate(status.units):
            words, icon = unit_status(unit)
            state = unit.side_state.value.replace("_", " ")
            cells = [unit.description, unit.din or "—", words, state]
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column == 2:
                    cell.setIcon(self.style().standardIcon(icon))
                if column == 3 and unit.side_state_reason:
                    cell.setToolTip(unit.side_state_reason)
                self.units.setItem(row, column, cell)
        if files:
            self._show_logger(files[-1], earlier=len(files) - 1)
        self._show_state()
        self._enable()

    def _enable(self) -> None:
        status = self.status
        open_receipt = status is not None and not status.verified
        self.scan_field.setEnabled(open_receipt and self.mismatch.isHidden())
        self.import_button.setEnabled(status is not None)
        waiting_scans = status is not None and any(u.receipt_outcome is None for u in status.units)
        self.verify_button.setEnabled(
            open_receipt and status is not None and bool(status.received_by)
        )
        if open_receipt and waiting_scans and self.mismatch.isHidden():
            self.scan_field.setFocus()

    # ------------------------------------------------------------ scanning
    def submit_scan(self) -> None:
        """Verify the scanned text against the shipment on the single writer."""
        raw = self.scan_field.text()
        self.scan_field.clear()
        if not raw.strip() or self.shipment is None:
            return
        database, actor, shipment_id = self.database, self.actor, self.shipment.id
        self.runner.write(
            lambda _t: receive_unit(database, actor, shipment_id, raw),
            self._scanned,
            self._scan_refused,
        )

    def _scanned(self, view: ShipmentView) -> None:
        self.scan_ok.setText(
            f"✔ Match: container received ({len(view.received_units)} of "
            f"{len(view.packed_units)} scanned in)."
        )
        self.scan_ok.show()
        self.load_receipt()

    def _scan_refused(self, error: BaseException) -> None:
        title, text = describe(error)
        if isinstance(error, ScanMismatch):
            self.mismatch_headline.setText("✖ WRONG CONTAINER — STOP")
            reasons = error.reasons or (text,)
            text = "<br>".join(f"• {reason}" for reason in reasons) + (
                "<br>The scan was recorded and nothing was received. Set the container "
                "aside, then acknowledge to continue scanning."
            )
        else:
            self.mismatch_headline.setText(f"✖ {title}")
            text += "<br>Nothing was received. Acknowledge to continue."
        self.mismatch_text.setText(text)
        self.scan_ok.hide()
        self.mismatch.show()
        self.scan_field.setEnabled(False)
        self.acknowledge.setFocus()

    def acknowledge_mismatch(self) -> None:
        """The operator has seen the refusal; scanning may continue."""
        self.mismatch.hide()
        self._enable()
        self.scan_field.setFocus()

    # ------------------------------------------------------------ the logger file
    def choose_logger_file(self) -> None:
        """Ask for the logger file, then open the import dialog for it."""
        if self.shipment is None:
            return
        name, _filter = QFileDialog.getOpenFileName(
            self,
            f"Logger file of shipment {self.shipment.sscc}",
            "",
            "Logger files (*.csv *.txt *.json *.jsonld);;All files (*)",
        )
        if name:
            self.open_import(Path(name))

    def open_import(self, path: Path) -> LoggerImportDialog:
        """Open the import dialog for ``path`` (window-modal, does not block)."""
        assert self.shipment is not None
        dialog = LoggerImportDialog(
            self.database, self.actor, self.runner, self.shipment, path, parent=self
        )
        dialog.imported.connect(self._imported)
        self.import_dialog = dialog
        dialog.open()
        return dialog

    def _imported(self, view: LoggerFileView) -> None:
        self._show_logger(view)
        self.load_receipt()

    def _show_logger(self, view: LoggerFileView | None, earlier: int = 0) -> None:
        self.logger_file = view
        while self.numbers_form.rowCount():
            self.numbers_form.removeRow(0)
        self.numbers = {}
        if view is None:
            self.verdict.setText("No logger file imported yet.")
            _restyle(self.verdict, verdict="none")
            self.plot_note.setText("")
            return
        verdict = view.verdict.value if view.verdict else "not assessed"
        words = VERDICT_WORDS.get(verdict, verdict.upper())
        if view.disposition is not None:
            words += f" — QA: {view.disposition.value}"
        self.verdict.setText(words)
        _restyle(self.verdict, verdict=verdict)
        for name, text in cold_chain_numbers(view).items():
            label = QLabel(text)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.numbers[name] = label
            self.numbers_form.addRow(name, label)
        if earlier:
            self.numbers_form.addRow("", QLabel(f"{earlier} earlier file(s); showing the latest."))
        if self.plotted != view.id:
            self._load_plot(view)

    def _load_plot(self, view: LoggerFileView) -> None:
        self.plotted = view.id
        self.plot.clear_trace()
        self.plot_note.setText(f"Loading the trace ({_count(view.reading_count)} readings)…")
        url, logger_file_id = self.database.url, view.id
        self.runner.read(
            lambda _t: HELPER.run(_assessed_in_helper, url, logger_file_id),
            self._plot_loaded,
            self._failed,
        )

    def _plot_loaded(self, result: AssessedTrace) -> None:
        if self.logger_file is None or self.plotted != self.logger_file.id:
            return
        profile = result.profile
        self.plot.show_trace(result.trace, result.assessment, profile.lower_c, profile.upper_c)
        self.plot_note.setText(
            f"{_count(len(result.trace))} readings in the file, drawn by peaks at this zoom; "
            "drag to pan, wheel to zoom."
        )

    # ------------------------------------------------------------ verification
    def open_verification(self) -> VerifyReceiptDialog | None:
        """Open the second person's sign-in and verification dialog (does not block)."""
        if self.shipment is None:
            return None
        dialog = VerifyReceiptDialog(
            self.database, self.actor.station, self.runner, self.shipment, self
        )
        dialog.verified.connect(self._verified)
        self.verify_dialog = dialog
        dialog.open()
        return dialog

    def _verified(self, view: ShipmentView, _verifier: Actor) -> None:
        self.shipment = view
        self.load_receipt()
        self.refresh()

    def _show_state(self) -> None:
        status = self.status
        if status is None:
            return
        reasons = "".join(f"<br>• {reason}" for reason in status.blocking_reasons)
        if status.verified and status.shipment.receipt_accepted:
            state = "accepted"
            text = (
                f"✔ ACCEPTED — receipt verified by {status.verified_by}; "
                "the containers are released from quarantine."
            )
        elif status.verified:
            state = "quarantined"
            text = (
                f"⚠ QUARANTINED — receipt verified by {status.verified_by}, but the "
                f"containers stay in quarantine until QA accepts the receipt:{reasons}"
            )
        else:
            waiting = sum(1 for u in status.units if u.receipt_outcome is None)
            steps = [f"scan {waiting} more container(s)"] if waiting else []
            steps += [] if self.logger_file else ["import the logger file"]
            steps.append("a second person verifies")
            state = "open"
            text = f"… RECEIPT OPEN — next: {', '.join(steps)}."
            if status.received_by:
                text += f" Scanned in by {status.received_by}."
            if reasons:
                text += (
                    f"<br>Until resolved, verifying leaves the containers in quarantine:{reasons}"
                )
        self.state.setText(text)
        _restyle(self.state, state=state)

    def _failed(self, error: BaseException) -> None:
        title, text = describe(error)
        self.error.setText(f"✖ {title}: {text}")
        self.error.show()
