"""Dialogs of the Users tab: a new account, a user's roles and site, a password reset.

Each dialog checks what it can without the database (matching passwords, a role ticked, the
site fitting the roles, a reason given) and stays open with the problem in words until the
input is complete; the service checks everything again when it saves.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QWidget,
)

from app.access import check_policy
from app.admin import ROLE_NAMES, Role, SiteSummary, UserAccount, site_problem
from app.core import CoiError
from ui.pages.admin.dialogs import CheckedDialog


class _RolesAndSite:
    """Role check boxes in two columns and a site chooser."""

    def __init__(self, form: QFormLayout, sites: Sequence[SiteSummary]) -> None:
        self.sites = [site for site in sites if site.active]
        self.site_field = QComboBox()
        self.site_field.setObjectName("accountSite")
        self.site_field.addItem("— no site (administrators only)", None)
        for site in self.sites:
            self.site_field.addItem(f"{site.code} · {site.name} ({site.kind.value})", site.code)
        form.addRow("&Site", self.site_field)
        box = QGroupBox("Roles")
        grid = QGridLayout(box)
        self.role_boxes: dict[Role, QCheckBox] = {}
        for index, role in enumerate(Role):
            check = QCheckBox(ROLE_NAMES[role])
            check.setObjectName(f"role-{role.value}")
            self.role_boxes[role] = check
            grid.addWidget(check, index // 2, index % 2)
        form.addRow(box)

    @property
    def roles(self) -> frozenset[Role]:
        """The ticked roles."""
        return frozenset(role for role, check in self.role_boxes.items() if check.isChecked())

    @property
    def site_code(self) -> str | None:
        """The chosen site's code (None: no site)."""
        code = self.site_field.currentData()
        return str(code) if code else None

    def choose(self, roles: frozenset[Role], site_code: str | None) -> None:
        """Show ``roles`` ticked and ``site_code`` chosen."""
        for role, check in self.role_boxes.items():
            check.setChecked(role in roles)
        index = self.site_field.findData(site_code) if site_code else 0
        self.site_field.setCurrentIndex(max(index, 0))

    def problem(self) -> str | None:
        """A missing role, or a site that does not fit the roles."""
        if not self.roles:
            return "Tick at least one role."
        kinds = {site.code: site.kind for site in self.sites}
        return site_problem(self.roles, kinds.get(self.site_code or ""))


def _password_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


def _password_problem(password: str, repeated: str) -> str | None:
    try:
        check_policy(password)
    except CoiError as error:
        return error.message
    if password != repeated:
        return "The two passwords differ: type the same password twice."
    return None


class NewAccountDialog(CheckedDialog):
    """User name, printed name, first password, site and roles of a new account."""

    def __init__(self, parent: QWidget | None, sites: Sequence[SiteSummary]) -> None:
        super().__init__(parent, "Add a user", "newAccountDialog")
        self.username_field = QLineEdit()
        self.username_field.setObjectName("accountUsername")
        self.username_field.setPlaceholderText("e.g. jane.doe (lower case)")
        self.full_name_field = QLineEdit()
        self.full_name_field.setObjectName("accountFullName")
        self.full_name_field.setPlaceholderText("printed beside the user's signatures")
        self.password_field = _password_field("accountPassword")
        self.repeat_field = _password_field("accountPasswordRepeat")
        self.form.addRow("&User name", self.username_field)
        self.form.addRow("&Full name", self.full_name_field)
        self.form.addRow("First &password", self.password_field)
        self.form.addRow("Repeat pass&word", self.repeat_field)
        self.access = _RolesAndSite(self.form, sites)
        self.finish("Add user")
        self.username_field.setFocus()

    def problem(self) -> str | None:
        """A missing name, a weak or mistyped password, or roles that do not fit."""
        if not self.username_field.text().strip():
            return "Type the user name the person signs in with."
        if not self.full_name_field.text().strip():
            return "Type the person's full name: it is printed beside their signatures."
        return (
            _password_problem(self.password_field.text(), self.repeat_field.text())
            or self.access.problem()
        )


class AccessDialog(CheckedDialog):
    """A user's roles and site, changed with a reason."""

    def __init__(
        self, parent: QWidget | None, account: UserAccount, sites: Sequence[SiteSummary]
    ) -> None:
        super().__init__(parent, f"Roles and site of {account.username}", "accessDialog")
        heading = QLabel(f"<b>{account.full_name}</b> ({account.username})")
        self.form.addRow(heading)
        self.access = _RolesAndSite(self.form, sites)
        self.access.choose(account.roles, account.site_code)
        self.reason_field = QLineEdit()
        self.reason_field.setObjectName("accessReason")
        self.reason_field.setPlaceholderText("e.g. moved to the QC laboratory (change request 42)")
        self.form.addRow("&Reason", self.reason_field)
        self.finish("Save roles and site")
        self.access.site_field.setFocus()

    def problem(self) -> str | None:
        """Roles that do not fit the site, or no reason."""
        problem = self.access.problem()
        if problem is None and not self.reason_field.text().strip():
            problem = "Give the reason for the change: it is kept in the audit trail."
        return problem


class PasswordResetDialog(CheckedDialog):
    """A new password for someone else's account, with the reason."""

    def __init__(self, parent: QWidget | None, account: UserAccount) -> None:
        super().__init__(parent, f"Reset the password of {account.username}", "resetDialog")
        self.form.addRow(
            QLabel(
                f"<b>{account.full_name}</b> ({account.username}) signs in with this password "
                "from now on. Give it to them in person."
            )
        )
        self.password_field = _password_field("resetPassword")
        self.repeat_field = _password_field("resetPasswordRepeat")
        self.reason_field = QLineEdit()
        self.reason_field.setObjectName("resetReason")
        self.reason_field.setPlaceholderText("e.g. forgotten; identity checked in person")
        self.form.addRow("New &password", self.password_field)
        self.form.addRow("Repeat pass&word", self.repeat_field)
        self.form.addRow("&Reason", self.reason_field)
        self.finish("Reset password")
        self.password_field.setFocus()

    def problem(self) -> str | None:
        """A weak or mistyped password, or no reason."""
        problem = _password_problem(self.password_field.text(), self.repeat_field.text())
        if problem is None and not self.reason_field.text().strip():
            problem = "Give the reason for the reset: it is kept in the audit trail."
        return problem
