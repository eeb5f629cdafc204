"""The Temperature profiles tab: limits and allowances every logger trace is judged against.

A change names its reason and carries the version the table showed: when another window saved
the profile first, the save is refused with who changed it and when, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QWidget

from app.admin import (
    ProfileDraft,
    ProfileView,
    check_profile,
    create_profile,
    list_profiles,
    update_profile,
)
from app.core import Actor, CoiError, Database
from ui.pages.admin.base import AdminTab, fill_table, index_of, selected_row, when
from ui.pages.admin.dialogs import CheckedDialog, number, required, run_dialog
from ui.tasks import TaskRunner, WriteOp
from ui.widgets import table


def _text(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


class ProfileDialog(CheckedDialog):
    """The fields of a profile; an edit also asks for the reason."""

    def __init__(self, parent: QWidget | None, profile: ProfileView | None = None) -> None:
        title = f"Edit profile {profile.name}" if profile else "Add a temperature profile"
        super().__init__(parent, title, "profileDialog")
        self.profile = profile
        self.name_field = self._line("profileName", "e.g. fresh-2-8")
        self.description_field = self._line("profileDescription", "what it is used for")
        self.lower_field = self._line("profileLower", "°C; blank: no lower limit")
        self.upper_field = self._line("profileUpper", "°C; blank: no upper limit")
        self.single_field = self._line("profileSingle", "minutes one excursion may last")
        self.cumulative_field = self._line("profileCumulative", "minutes all excursions may last")
        self.gap_field = self._line("profileGap", "minutes between readings before data is missing")
        self.mkt_judged_field = QCheckBox("&Judge the mean kinetic temperature (MKT)")
        self.mkt_judged_field.setObjectName("profileMktJudged")
        self.mkt_limit_field = self._line("profileMktLimit", "°C the MKT may not exceed")
        self.mkt_judged_field.toggled.connect(self.mkt_limit_field.setEnabled)
        self.form.addRow("&Name", self.name_field)
        self.form.addRow("&Description", self.description_field)
        self.form.addRow("&Lower limit (°C)", self.lower_field)
        self.form.addRow("&Upper limit (°C)", self.upper_field)
        self.form.addRow("Single e&xcursion (min)", self.single_field)
        self.form.addRow("&Cumulative excursions (min)", self.cumulative_field)
        self.form.addRow("Maximum &gap (min)", self.gap_field)
        self.form.addRow(self.mkt_judged_field)
        self.form.addRow("&MKT limit (°C)", self.mkt_limit_field)
        self.reason_field = self._line("profileReason", "e.g. stability study SR-12 (CR 57)")
        if profile is not None:
            self._fill(profile)
            note = QLabel(
                f"Version {profile.version}, last changed by {profile.updated_by or '—'} at "
                f"{when(profile.updated_at)}. Shipments judged from now on use the new values."
            )
            note.setWordWrap(True)
            note.setObjectName("profileVersion")
            self.form.addRow(note)
            self.form.addRow("&Reason for change", self.reason_field)
        else:
            self.gap_field.setText("15")
            self.single_field.setText("0")
            self.cumulative_field.setText("0")
        self.mkt_limit_field.setEnabled(self.mkt_judged_field.isChecked())
        self.finish("Save profile" if profile else "Add profile")
        self.name_field.setFocus()

    def _line(self, name: str, hint: str) -> QLineEdit:
        field = QLineEdit()
        field.setObjectName(name)
        field.setPlaceholderText(hint)
        return field

    def _fill(self, profile: ProfileView) -> None:
        self.name_field.setText(profile.name)
        self.description_field.setText(profile.description)
        self.lower_field.setText(_text(profile.lower_c))
        self.upper_field.setText(_text(profile.upper_c))
        self.single_field.setText(_text(profile.max_single_excursion_min))
        self.cumulative_field.setText(_text(profile.max_cumulative_excursion_min))
        self.gap_field.setText(_text(profile.max_gap_min))
        self.mkt_judged_field.setChecked(profile.mkt_judged)
        self.mkt_limit_field.setText(_text(profile.mkt_limit_c))

    def draft(self) -> ProfileDraft:
        """The values typed; ValueError names a field that is not a number."""
        judged = self.mkt_judged_field.isChecked()
        return ProfileDraft(
            name=self.name_field.text(),
            description=self.description_field.text(),
            lower_c=number(self.lower_field, "lower limit", optional=True),
            upper_c=number(self.upper_field, "upper limit", optional=True),
            max_single_excursion_min=required(self.single_field, "single excursion"),
            max_cumulative_excursion_min=required(self.cumulative_field, "cumulative excursions"),
            max_gap_min=required(self.gap_field, "maximum gap"),
            mkt_judged=judged,
            mkt_limit_c=number(self.mkt_limit_field, "MKT limit", optional=True)
            if judged
            else None,
        )

    @property
    def reason(self) -> str:
        """The reason typed for an edit."""
        return self.reason_field.text().strip()

    def problem(self) -> str | None:
        """A value that is not a number, a rule the profile breaks, or no reason."""
        try:
            check_profile(self.draft())
        except ValueError as error:
            return str(error)
        except CoiError as error:
            return error.message
        if self.profile is not None and not self.reason:
            return "Give the reason for the change: it is kept in the audit trail."
        return None


class ProfilesTab(AdminTab):
    """Every temperature profile with its limits, allowances and last change."""

    records = "temperature profiles"

    def __init__(self, database: Database, actor: Actor, runner: TaskRunner) -> None:
        super().__init__(database, actor, runner, "profiles")
        self.profiles: list[ProfileView] = []
        self.add_button = self.button("&Add profile…", "addProfile", self.add_profile)
        self.edit_button = self.button("&Edit profile…", "editProfile", self.edit_profile)
        self.finish_tools()
        self.table = table(
            "profiles",
            (
                "Name",
                "Limits",
                "Excursions: one / all",
                "Max gap",
                "MKT",
                "Version",
                "Last changed by",
            ),
        )
        self.table.itemSelectionChanged.connect(self._selected)
        self.table.doubleClicked.connect(self.edit_profile)
        self.layout_.addWidget(self.table, stretch=1)
        self.details = QLabel()
        self.details.setObjectName("profileDetails")
        self.details.setWordWrap(True)
        self.layout_.addWidget(self.details)
        self.note(
            "Every logger trace of a shipment is judged against its product's profile when it "
            "is imported. A change applies to the traces imported after it; judged shipments "
            "keep their verdict.",
            "profilesNote",
        )

    def reader(self) -> Callable[[], list[ProfileView]]:
        """Every profile."""
        return partial(list_profiles, self.database, self.actor)

    def show_records(self, records: list[ProfileView]) -> None:
        """Fill the table, keeping the selected profile selected."""
        chosen = self.selected()
        self.profiles = records
        fill_table(
            self.table,
            [
                (
                    profile.name,
                    profile.limits,
                    f"{profile.max_single_excursion_min:g} / "
                    f"{profile.max_cumulative_excursion_min:g} min",
                    f"{profile.max_gap_min:g} min",
                    f"≤ {profile.mkt_limit_c:g} °C" if profile.mkt_judged else "shown, not judged",
                    str(profile.version),
                    profile.updated_by or "—",
                )
                for profile in records
            ],
            select=index_of([p.id for p in records], chosen.id if chosen else None),
            stretch=6,
        )
        self._selected()

    def selected(self) -> ProfileView | None:
        """The profile selected in the table."""
        row = selected_row(self.table)
        return self.profiles[row] if row is not None and row < len(self.profiles) else None

    def _selected(self) -> None:
        profile = self.selected()
        if profile is None:
            self.details.setText("Select a profile to see its description and last change.")
        else:
            self.details.setText(
                f"{profile.name}: {profile.description or 'no description'}. Version "
                f"{profile.version}, last changed by {profile.updated_by or '—'} at "
                f"{when(profile.updated_at)}."
            )
        self.update_buttons()

    def update_buttons(self) -> None:
        """Edit needs a selected profile."""
        super().update_buttons()
        self.edit_button.setEnabled(not self.working and self.selected() is not None)

    def add_profile(self) -> None:
        """Ask for a new profile and store it."""
        dialog = ProfileDialog(self)
        if not run_dialog(dialog):
            return
        draft = dialog.draft()
        WriteOp(
            partial(create_profile, self.database, self.actor, draft),
            doing="The profile was not added",
            changes={"profile"},
        ).busy(self.set_busy).success(
            lambda saved: self.done(f"✔ Profile {saved.name} added ({saved.limits}).")
        ).failure(self.refused).run(self.runner)

    def edit_profile(self) -> None:
        """Change the selected profile, with the reason."""
        profile = self.selected()
        if profile is None or self.working:
            return
        dialog = ProfileDialog(self, profile)
        if not run_dialog(dialog):
            return
        draft, reason = dialog.draft(), dialog.reason
        WriteOp(
            partial(
                update_profile,
                self.database,
                self.actor,
                profile.id,
                draft,
                reason=reason,
                seen_version=profile.version,
            ),
            doing=f"Profile {profile.name} was not saved",
            changes={"profile"},
        ).busy(self.set_busy).success(
            lambda saved: self.done(
                f"✔ Profile {saved.name} saved as version {saved.version} ({saved.limits})."
            )
        ).failure(self.refused).run(self.runner)
