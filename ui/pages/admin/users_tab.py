"""The Users tab: accounts with roles, site and state; add, change access, (de)activate,
unlock and reset a password. Every change carries the version the table showed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from app.admin import (
    SiteSummary,
    UserAccount,
    add_account,
    change_access,
    deactivate_account,
    list_accounts,
    list_sites,
    reactivate_account,
    reset_password,
    unlock_account,
)
from app.core import Actor, Database
from ui.dialogs import StatementDialog, ask_statement
from ui.pages.admin.base import AdminTab, fill_table, index_of, selected_row, when
from ui.pages.admin.dialogs import run_dialog
from ui.pages.admin.user_dialogs import AccessDialog, NewAccountDialog, PasswordResetDialog
from ui.tasks import TaskRunner, WriteOp
from ui.widgets import table


@dataclass(frozen=True)
class UsersSnapshot:
    """The accounts and the sites they can be placed at."""

    accounts: list[UserAccount]
    sites: list[SiteSummary]


class UsersTab(AdminTab):
    """Every account: who, which roles, where, and whether they can sign in."""

    records = "user accounts"

    def __init__(self, database: Database, actor: Actor, runner: TaskRunner) -> None:
        super().__init__(database, actor, runner, "users")
        self.snapshot = UsersSnapshot([], [])
        self.add_button = self.button("&Add user…", "addUser", self.add_user)
        self.access_button = self.button("&Edit roles and site…", "editAccess", self.edit_access)
        self.active_button = self.button("&Deactivate…", "toggleActive", self.toggle_active)
        self.unlock_button = self.button("Un&lock…", "unlockUser", self.unlock)
        self.reset_button = self.button("Reset &password…", "resetPassword", self.reset)
        self.finish_tools()
        self.table = table(
            "users",
            ("User name", "Name", "Roles", "Site", "Active", "Locked", "Last sign-in"),
        )
        self.table.itemSelectionChanged.connect(self.update_buttons)
        self.layout_.addWidget(self.table, stretch=1)
        self.note(
            "Accounts are never deleted: deactivate a person who leaves, and their signatures "
            "keep their printed name. Every change is recorded in the audit trail with its "
            "reason.",
            "usersNote",
        )

    # ------------------------------------------------------------------ reading
    def reader(self) -> Callable[[], UsersSnapshot]:
        """The accounts and sites."""
        database, actor = self.database, self.actor
        return lambda: UsersSnapshot(list_accounts(database, actor), list_sites(database))

    def show_records(self, records: UsersSnapshot) -> None:
        """Fill the table, keeping the selected account selected."""
        chosen = self.selected()
        self.snapshot = records
        ids = [account.id for account in records.accounts]
        fill_table(
            self.table,
            [
                (
                    account.username,
                    account.full_name,
                    account.role_names,
                    account.site_code or "—",
                    "✔ Yes" if account.active else "✖ Deactivated",
                    "🔒 Locked" if account.locked else "No",
                    when(account.last_login_at),
                )
                for account in records.accounts
            ],
            select=index_of(ids, chosen.id if chosen else None),
            stretch=2,
        )
        self.update_buttons()

    def selected(self) -> UserAccount | None:
        """The account selected in the table."""
        row = selected_row(self.table)
        accounts = self.snapshot.accounts
        return accounts[row] if row is not None and row < len(accounts) else None

    def update_buttons(self) -> None:
        """Enable what fits the selected account."""
        super().update_buttons()
        account = self.selected()
        idle = not self.working
        for button in (self.access_button, self.active_button, self.reset_button):
            button.setEnabled(idle and account is not None)
        self.unlock_button.setEnabled(idle and account is not None and account.locked)
        deactivate = account is None or account.active
        self.active_button.setText("&Deactivate…" if deactivate else "Reacti&vate…")

    # ------------------------------------------------------------------ actions
    def add_user(self) -> None:
        """Ask for the new account and create it."""
        dialog = NewAccountDialog(self, self.snapshot.sites)
        if not run_dialog(dialog):
            return
        username = dialog.username_field.text()
        full_name = dialog.full_name_field.text()
        password = dialog.password_field.text()
        roles, site = dialog.access.roles, dialog.access.site_code
        WriteOp(
            partial(
                add_account,
                self.database,
                self.actor,
                username=username,
                full_name=full_name,
                password=password,
                roles=roles,
                site_code=site,
            ),
            doing="The user was not added",
            changes={"user"},
        ).busy(self.set_busy).success(
            lambda account: self.done(
                f"✔ User {account.username} ({account.full_name}) added as "
                f"{account.role_names}. They sign in with this password and choose their own."
            )
        ).failure(self.refused).run(self.runner)

    def edit_access(self) -> None:
        """Change the selected user's roles and site, with a reason."""
        account = self.selected()
        if account is None:
            return
        dialog = AccessDialog(self, account, self.snapshot.sites)
        if not run_dialog(dialog):
            return
        roles, site = dialog.access.roles, dialog.access.site_code
        reason = dialog.reason_field.text()
        WriteOp(
            partial(
                change_access,
                self.database,
                self.actor,
                account.id,
                roles=roles,
                site_code=site,
                reason=reason,
                seen_version=account.version,
            ),
            doing=f"The roles of {account.username} were not changed",
            changes={"user"},
        ).busy(self.set_busy).success(
            lambda saved: self.done(
                f"✔ {saved.username} now holds {saved.role_names} at "
                f"{saved.site_code or 'no site'}."
            )
        ).failure(self.refused).run(self.runner)

    def _with_reason(
        self,
        account: UserAccount,
        title: str,
        prompt: str,
        *,
        action: str,
        doing: str,
        service: Callable[..., Any],
        success: Callable[[Any], str],
    ) -> None:
        answer = ask_statement(StatementDialog(self, title, prompt, action=action))
        if answer is None:
            return
        reason = answer[0]
        WriteOp(
            partial(
                service,
                self.database,
                self.actor,
                account.id,
                reason=reason,
                seen_version=account.version,
            ),
            doing=doing,
            changes={"user"},
        ).busy(self.set_busy).success(lambda result: self.done(success(result))).failure(
            self.refused
        ).run(self.runner)

    def toggle_active(self) -> None:
        """Deactivate the selected account, or reactivate a deactivated one."""
        account = self.selected()
        if account is None:
            return
        if account.active:
            self._with_reason(
                account,
                f"Deactivate {account.username}",
                f"<b>{account.full_name}</b> ({account.username}) will no longer be able to "
                "sign in. Their records and signatures stay. Why is the account deactivated?",
                action="Deactivate",
                doing=f"{account.username} was not deactivated",
                service=deactivate_account,
                success=lambda saved: (
                    f"✔ {saved.username} is deactivated and can no longer sign in."
                ),
            )
            return
        self._with_reason(
            account,
            f"Reactivate {account.username}",
            f"<b>{account.full_name}</b> ({account.username}) will be able to sign in again "
            "with their roles. Why is the account reactivated?",
            action="Reactivate",
            doing=f"{account.username} was not reactivated",
            service=reactivate_account,
            success=lambda saved: f"✔ {saved.username} is active again and can sign in.",
        )

    def unlock(self) -> None:
        """Unlock the selected account after failed passwords."""
        account = self.selected()
        if account is None:
            return
        self._with_reason(
            account,
            f"Unlock {account.username}",
            f"<b>{account.username}</b> is locked after {account.failed_logins} failed "
            "passwords. Confirm who asked and how you checked their identity.",
            action="Unlock",
            doing=f"{account.username} was not unlocked",
            service=unlock_account,
            success=lambda saved: f"✔ {saved.username} is unlocked and can sign in.",
        )

    def reset(self) -> None:
        """Give the selected user a new password."""
        account = self.selected()
        if account is None:
            return
        dialog = PasswordResetDialog(self, account)
        if not run_dialog(dialog):
            return
        password, reason = dialog.password_field.text(), dialog.reason_field.text()
        WriteOp(
            partial(
                reset_password,
                self.database,
                self.actor,
                account.id,
                new_password=password,
                reason=reason,
                seen_version=account.version,
            ),
            doing=f"The password of {account.username} was not reset",
            changes={"user"},
        ).busy(self.set_busy).success(
            lambda saved: self.done(
                f"✔ The password of {saved.username} is reset: they choose their own "
                "at their next sign-in."
            )
        ).failure(self.refused).run(self.runner)
