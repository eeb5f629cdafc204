"""The clinic's alerts on Home: a released product failed or was recalled.

Each open alert is a red panel with what happened and what to do; clinic staff acknowledge it
with a signature ("Acknowledged"). An alert about a product already infused asks first for the
name of the treating physician who was informed. Acknowledged alerts stay listed, quietly.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.access import CLINIC_ROLES
from app.casefile import ClinicAlertView, SignatureMeaning
from app.core import Actor, Database
from app.journey import acknowledge_clinic_alert
from ui.dialogs import StatementDialog, ask_password, ask_statement
from ui.tasks import Failure, TaskRunner, WriteOp
from ui.widgets import escape


class ClinicAlertsPanel(QFrame):
    """The clinic alerts of the cases the signed-in person sees (hidden when there are none)."""

    def __init__(
        self,
        database: Database,
        actor: Actor,
        runner: TaskRunner,
        done: Callable[[str], None],
        refused: Callable[[Failure], None],
    ) -> None:
        super().__init__()
        self.setObjectName("clinicAlerts")
        self.database, self.actor, self.runner = database, actor, runner
        self.done, self.refused = done, refused
        self.may_acknowledge = actor.has_role(*CLINIC_ROLES)
        self.rows = QVBoxLayout(self)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.buttons: list[QPushButton] = []
        self.hide()

    def show_alerts(self, alerts: tuple[ClinicAlertView, ...]) -> None:
        """Show the open alerts (red, with their button) and the acknowledged ones."""
        while self.rows.count():
            item = self.rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.buttons = []
        for alert in alerts:
            self.rows.addWidget(self._row(alert))
        self.setVisible(bool(alerts))

    def _row(self, alert: ClinicAlertView) -> QWidget:
        row = QFrame()
        row.setObjectName("clinicAlertOpen" if alert.open else "clinicAlertDone")
        layout = QHBoxLayout(row)
        text = QLabel()
        text.setWordWrap(True)
        text.setObjectName("clinicAlertText")
        if alert.open:
            text.setText(
                f"<b>⚠ CLINIC ALERT</b> · {alert.coi_eye_readable} · raised "
                f"{alert.raised_at:%Y-%m-%d %H:%M} UTC<br>{escape(alert.message)}"
            )
        else:
            informed = (
                f"; physician informed: {escape(alert.physician_informed)}"
                if alert.physician_informed
                else ""
            )
            text.setText(
                f"✔ Alert on {alert.coi_eye_readable} acknowledged by "
                f"{escape(alert.acknowledged_by or '?')} at "
                f"{alert.acknowledged_at:%Y-%m-%d %H:%M} UTC{informed}."
            )
        layout.addWidget(text, stretch=1)
        if alert.open and self.may_acknowledge:
            button = QPushButton("Acknowledge…")
            button.setObjectName("acknowledgeAlert")
            button.clicked.connect(partial(self.acknowledge, alert))
            self.buttons.append(button)
            layout.addWidget(button)
        return row

    def acknowledge(self, alert: ClinicAlertView) -> None:
        """Acknowledge ``alert`` with a signature (naming the physician informed if infused)."""
        informed: str | None = None
        if alert.infused:
            answer = ask_statement(
                StatementDialog(
                    self,
                    "Inform the treating physician",
                    "The product was already infused. Inform the treating physician now, then "
                    "enter the name of the physician you informed.",
                    action="Sign…",
                )
            )
            if answer is None:
                return
            informed = answer[0]
        password = ask_password(
            self,
            self.actor,
            SignatureMeaning.ACKNOWLEDGED,
            f"Clinic alert on {alert.coi_eye_readable}: {alert.message}",
        )
        if password is None:
            return
        WriteOp(
            partial(
                acknowledge_clinic_alert,
                self.database,
                self.actor,
                alert.id,
                password,
                physician_informed=informed,
            ),
            doing="The alert was not acknowledged",
            changes={"case"},
        ).success(
            lambda _done: self.done(f"✔ Alert on {alert.coi_eye_readable} acknowledged.")
        ).failure(self.refused).run(self.runner)
