"""This workstation's settings file: the bench scanner, and the database for the next start.

Neither changes the running window: the scan station reads the scanner settings when it is
opened, and the database URL is read when the application starts.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
)

from app.admin import (
    ConnectionCheck,
    StationSettings,
    read_station_settings,
    save_database_url,
    save_scanner_settings,
    try_connection,
)
from app.core import Actor, CoiError, Database
from app.scanning import ScannerSettings
from ui.pages.admin.base import AdminTab
from ui.tasks import ReadOp, TaskRunner, WriteOp
from ui.widgets import show_failed, typed_input


class ScannerTab(AdminTab):
    """How the bench scanner sends GS and AIM prefixes, and what counts as a scanner burst."""

    records = "scanner settings"

    def __init__(self, database: Database, actor: Actor, runner: TaskRunner) -> None:
        super().__init__(database, actor, runner, "scanner")
        self.save_button = self.button("&Save scanner settings", "saveScanner", self.save)
        self.finish_tools()
        box = QGroupBox("Bench scanner of this workstation")
        form = QFormLayout(box)
        self.gs_field = QLineEdit()
        self.gs_field.setObjectName("scannerGs")
        self.gs_field.setPlaceholderText("blank: the scanner sends GS itself (0x1D)")
        self.aim_field = QCheckBox("The scanner sends an &AIM symbology prefix (]C1, ]d2, ]Q3)")
        self.aim_field.setObjectName("scannerAim")
        self.interval_field = QSpinBox()
        self.interval_field.setObjectName("scannerInterval")
        self.interval_field.setRange(5, 1000)
        self.interval_field.setSuffix(" ms")
        self.minimum_field = QSpinBox()
        self.minimum_field.setObjectName("scannerMinimum")
        self.minimum_field.setRange(2, 100)
        self.minimum_field.setSuffix(" characters")
        form.addRow("&GS sent as", self.gs_field)
        form.addRow(self.aim_field)
        form.addRow("&Keystroke gap of a scan, at most", self.interval_field)
        form.addRow("&Length of a scan, at least", self.minimum_field)
        self.layout_.addWidget(box)
        self.explanation = self.note(
            "A scan is the scanner's burst of keystrokes: no two more than the interval apart "
            "and at least the minimum length; anything slower was typed by hand and is shown "
            "as typed. When the scanner always sends an AIM prefix, an entry without one was "
            "typed. The scan station reads these settings when it is opened.",
            "scannerNote",
        )
        self.path_label = self.note("", "settingsPath")
        self.layout_.addStretch(1)

    def reader(self) -> Callable[[], StationSettings]:
        """The settings file."""
        return partial(read_station_settings, self.actor)

    def show_records(self, records: StationSettings) -> None:
        """Show the stored scanner settings (defaults where none are stored)."""
        try:
            scanner = ScannerSettings.from_mapping(records.settings.scanner)
        except CoiError as error:
            self.say(f"⚠ The stored scanner settings are not valid: {error.message}", ok=False)
            scanner = ScannerSettings()
        self.gs_field.setText(scanner.gs_substitute or "")
        self.aim_field.setChecked(scanner.aim_prefix_expected)
        self.interval_field.setValue(round(scanner.burst_max_interval_ms))
        self.minimum_field.setValue(scanner.burst_min_characters)
        self.path_label.setText(f"Settings file: {records.path}")

    def values(self) -> dict[str, object]:
        """The settings as entered in the form (checked when saved)."""
        return {
            "gs_substitute": self.gs_field.text().strip() or None,
            "aim_prefix_expected": self.aim_field.isChecked(),
            "burst_max_interval_ms": float(self.interval_field.value()),
            "burst_min_characters": self.minimum_field.value(),
        }

    def settings(self) -> ScannerSettings:
        """The settings as shown in the form (a `CoiError` when they are not acceptable)."""
        return ScannerSettings.from_mapping(self.values())

    def save(self) -> None:
        """Write the scanner settings to this workstation's settings file."""
        values = self.values()
        WriteOp(
            partial(save_scanner_settings, self.actor, values),
            doing="The scanner settings were not saved",
            changes={"settings"},
        ).busy(self.set_busy).success(
            lambda path: self.done(
                f"✔ Scanner settings saved to {path}. The scan station uses them from the next "
                "time it is opened."
            )
        ).failure(self.refused).run(self.runner)


class DatabaseTab(AdminTab):
    """The database this window uses, and the one the application opens at its next start."""

    records = "workstation settings"

    def __init__(self, database: Database, actor: Actor, runner: TaskRunner) -> None:
        super().__init__(database, actor, runner, "database")
        self.finish_tools()
        current = QGroupBox("Connected now")
        current_form = QFormLayout(current)
        self.current_url = QLabel(database.display_url)
        self.current_url.setObjectName("currentUrl")
        self.current_url.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.current_url.setWordWrap(True)
        current_form.addRow("This window uses", self.current_url)
        current_form.addRow("Kind", QLabel(database.short_name))
        self.layout_.addWidget(current)

        upcoming = QGroupBox("At the next start of COI Tracker on this workstation")
        form = QFormLayout(upcoming)
        self.saved_url = QLabel("…")
        self.saved_url.setObjectName("savedUrl")
        self.saved_url.setWordWrap(True)
        self.saved_url.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Saved database", self.saved_url)
        self.url_field = QLineEdit()
        self.url_field.setObjectName("databaseUrl")
        self.url_field.setPlaceholderText(
            "postgresql+psycopg://user:password@host:5432/coi   or   sqlite:////path/coi.db"
        )
        self.url_field.returnPressed.connect(self.test_connection)
        form.addRow("New database UR&L", self.url_field)
        buttons = QHBoxLayout()
        self.test_button = self._action("Test conn&ection", "testConnection", self.test_connection)
        self.save_button = self._action("&Save for next start", "saveDatabaseUrl", self.save)
        self.default_button = self._action(
            "Use the &default at next start", "forgetDatabaseUrl", self.forget
        )
        for button in (self.test_button, self.save_button, self.default_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        form.addRow(buttons)
        self.layout_.addWidget(upcoming)
        self.environment = self.note("", "environmentUrl")
        self.environment.setTextFormat(Qt.TextFormat.PlainText)
        self.environment.hide()
        self.path_label = self.note("", "settingsPath")
        self.note(
            "Saving does not switch this window: sign out and start COI Tracker again to use "
            "the saved database. The password in a saved URL is kept in the settings file; "
            "protect that file like the password itself.",
            "databaseNote",
        )
        self.layout_.addStretch(1)

    def _action(self, text: str, name: str, slot: object) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        self.action_buttons.append(button)
        return button

    def reader(self) -> Callable[[], StationSettings]:
        """The settings file."""
        return partial(read_station_settings, self.actor)

    def show_records(self, records: StationSettings) -> None:
        """Show the saved URL (password hidden) and where the settings live."""
        self.saved_url.setText(
            records.saved_url_shown or "none saved — the default SQLite file of this user"
        )
        self.path_label.setText(f"Settings file: {records.path}")
        if records.environment_url_shown:
            self.environment.setText(
                "⚠ COI_DATABASE_URL is set on this workstation "
                f"({records.environment_url_shown}): it is used instead of the "
                "saved database until it is removed."
            )
        self.environment.setVisible(bool(records.environment_url_shown))

    def test_connection(self) -> None:
        """Try the typed URL off the GUI thread and say what was found."""
        url = self.url_field.text()
        self.message.setToolTip("")
        self.say("… Connecting to the database (this can take a few seconds).", ok=True)

        def done(check: ConnectionCheck) -> None:
            self.say(f"✔ {check.url_shown} ({check.backend}) — {check.summary}", ok=True)
            self.message.setToolTip(check.revision)  # the migration id, for IT only

        ReadOp(partial(try_connection, self.actor, url), doing="The connection test failed").busy(
            self.set_busy
        ).success(done).failure(lambda failure: show_failed(self.message, failure)).run(self.runner)

    def save(self) -> None:
        """Store the typed URL for the next start."""
        url = self.url_field.text()
        WriteOp(
            partial(save_database_url, self.actor, url),
            doing="The database URL was not saved",
            changes={"settings"},
        ).busy(self.set_busy).success(self._saved).failure(self.refused).run(self.runner)

    def _saved(self, saved: Any) -> None:
        self.url_field.clear()  # saved (its password in the keyring): nothing left unsaved
        self.done(
            f"✔ Saved to {saved.path}: COI Tracker opens this database at its next start. "
            f"This window stays on the current one. {saved.note}"
        )

    def unsaved_input(self) -> str | None:
        """A database URL typed and not saved (None: none)."""
        return typed_input([("the new database URL field", self.url_field)])

    def forget(self) -> None:
        """Go back to the default database at the next start."""
        WriteOp(
            partial(save_database_url, self.actor, None),
            doing="The saved database URL was not removed",
            changes={"settings"},
        ).busy(self.set_busy).success(
            lambda saved: self.done(
                f"✔ Saved to {saved.path}: the default database is used at the next start."
            )
        ).failure(self.refused).run(self.runner)
