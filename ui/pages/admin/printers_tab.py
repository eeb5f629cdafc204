"""The Printers tab: label printers (print dialog or ZPL over the network), by site."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtWidgets import QComboBox, QLineEdit, QSpinBox, QWidget

from app.admin import SiteSummary, list_sites
from app.core import Actor, Database
from app.labelling import (
    SUPPORTED_DPI,
    PrinterKind,
    PrinterView,
    list_printers,
    register_printer,
    set_printer_active,
    update_printer,
)
from ui.dialogs import StatementDialog, ask_statement
from ui.pages.admin.base import AdminTab, fill_table, index_of, selected_row
from ui.pages.admin.dialogs import CheckedDialog, run_dialog
from ui.tasks import TaskRunner, WriteOp
from ui.widgets import table

KIND_NAMES = {
    PrinterKind.ZPL: "ZPL label printer on the network",
    PrinterKind.SYSTEM: "System print dialog",
}


class PrinterDialog(CheckedDialog):
    """Name, kind, network address, resolution and site of a printer."""

    def __init__(
        self, parent: QWidget | None, sites: list[SiteSummary], printer: PrinterView | None = None
    ) -> None:
        title = f"Edit printer {printer.name}" if printer else "Add a printer"
        super().__init__(parent, title, "printerDialog")
        self.name_field = QLineEdit()
        self.name_field.setObjectName("printerName")
        self.name_field.setPlaceholderText("as the operators know it, e.g. CTF cleanroom 1")
        self.kind_field = QComboBox()
        self.kind_field.setObjectName("printerKind")
        for kind, text in KIND_NAMES.items():
            self.kind_field.addItem(text, kind)
        self.host_field = QLineEdit()
        self.host_field.setObjectName("printerHost")
        self.host_field.setPlaceholderText("host name or IP address")
        self.port_field = QSpinBox()
        self.port_field.setObjectName("printerPort")
        self.port_field.setRange(1, 65535)
        self.port_field.setValue(9100)
        self.dpi_field = QComboBox()
        self.dpi_field.setObjectName("printerDpi")
        for dpi in SUPPORTED_DPI:
            self.dpi_field.addItem(f"{dpi} dpi", dpi)
        self.dpi_field.setCurrentIndex(SUPPORTED_DPI.index(300))
        self.site_field = QComboBox()
        self.site_field.setObjectName("printerSite")
        self.site_field.addItem("— every site", None)
        for site in sites:
            self.site_field.addItem(f"{site.code} · {site.name}", site.code)
        self.form.addRow("&Name", self.name_field)
        self.form.addRow("&Kind", self.kind_field)
        self.form.addRow("&Host", self.host_field)
        self.form.addRow("&Port", self.port_field)
        self.form.addRow("&Resolution", self.dpi_field)
        self.form.addRow("&Site", self.site_field)
        self.kind_field.currentIndexChanged.connect(self._kind_changed)
        if printer is not None:
            self.name_field.setText(printer.name)
            self.kind_field.setCurrentIndex(self.kind_field.findData(printer.kind))
            self.host_field.setText(printer.host or "")
            self.port_field.setValue(printer.port)
            self.dpi_field.setCurrentIndex(max(self.dpi_field.findData(printer.dpi), 0))
            found = self.site_field.findData(printer.site_code) if printer.site_code else 0
            self.site_field.setCurrentIndex(max(found, 0))
        self._kind_changed()
        self.finish("Save printer" if printer else "Add printer")
        self.name_field.setFocus()

    @property
    def kind(self) -> PrinterKind:
        """The chosen kind."""
        return PrinterKind(self.kind_field.currentData())

    def _kind_changed(self) -> None:
        network = self.kind is PrinterKind.ZPL
        self.host_field.setEnabled(network)
        self.port_field.setEnabled(network)

    def problem(self) -> str | None:
        """A missing name, or a network printer without its host."""
        if not self.name_field.text().strip():
            return "Give the printer a name the operators will recognise."
        if self.kind is PrinterKind.ZPL and not self.host_field.text().strip():
            return "A ZPL printer needs its network host name or address."
        return None


class PrintersTab(AdminTab):
    """Every printer, in service or retired."""

    records = "printers"

    def __init__(self, database: Database, actor: Actor, runner: TaskRunner) -> None:
        super().__init__(database, actor, runner, "printers")
        self.printers: list[PrinterView] = []
        self.sites: list[SiteSummary] = []
        self.add_button = self.button("&Add printer…", "addPrinter", self.add_printer)
        self.edit_button = self.button("&Edit printer…", "editPrinter", self.edit_printer)
        self.retire_button = self.button("Out of &service…", "retirePrinter", self.toggle_service)
        self.finish_tools()
        self.table = table(
            "printers", ("Name", "Kind", "Address", "Resolution", "Site", "In service")
        )
        self.table.itemSelectionChanged.connect(self.update_buttons)
        self.layout_.addWidget(self.table, stretch=1)
        self.note(
            "Operators are offered the printers in service at their site and those for every "
            "site. A retired printer stays listed here with its history.",
            "printersNote",
        )

    def reader(self) -> Callable[[], tuple[list[PrinterView], list[SiteSummary]]]:
        """Every printer and the sites."""
        database = self.database
        return lambda: (list_printers(database, include_retired=True), list_sites(database))

    def show_records(self, records: tuple[list[PrinterView], list[SiteSummary]]) -> None:
        """Fill the table, keeping the selected printer selected."""
        chosen = self.selected()
        self.printers, self.sites = records
        fill_table(
            self.table,
            [
                (
                    printer.name,
                    "ZPL (network)" if printer.kind is PrinterKind.ZPL else "Print dialog",
                    printer.address,
                    f"{printer.dpi} dpi",
                    printer.site_code or "every site",
                    "✔ Yes" if printer.active else "✖ Retired",
                )
                for printer in self.printers
            ],
            select=index_of([p.id for p in self.printers], chosen.id if chosen else None),
            stretch=0,
        )
        self.update_buttons()

    def selected(self) -> PrinterView | None:
        """The printer selected in the table."""
        row = selected_row(self.table)
        return self.printers[row] if row is not None and row < len(self.printers) else None

    def update_buttons(self) -> None:
        """Edit and retire need a selected printer."""
        super().update_buttons()
        printer = self.selected()
        for button in (self.edit_button, self.retire_button):
            button.setEnabled(not self.working and printer is not None)
        retire = printer is None or printer.active
        self.retire_button.setText("Out of &service…" if retire else "Back in &service…")

    def _fields(self, dialog: PrinterDialog) -> dict[str, Any]:
        network = dialog.kind is PrinterKind.ZPL
        return {
            "name": dialog.name_field.text(),
            "kind": dialog.kind,
            "host": dialog.host_field.text() if network else None,
            "port": dialog.port_field.value(),
            "dpi": int(dialog.dpi_field.currentData()),
            "site_code": dialog.site_field.currentData(),
        }

    def add_printer(self) -> None:
        """Ask for a new printer and register it."""
        dialog = PrinterDialog(self, self.sites)
        if not run_dialog(dialog):
            return
        fields = self._fields(dialog)
        WriteOp(
            partial(register_printer, self.database, self.actor, **fields),
            doing="The printer was not added",
            changes={"printer"},
        ).busy(self.set_busy).success(
            lambda saved: self.done(f"✔ Printer {saved.name} added ({saved.address}).")
        ).failure(self.refused).run(self.runner)

    def edit_printer(self) -> None:
        """Change the selected printer."""
        printer = self.selected()
        if printer is None:
            return
        dialog = PrinterDialog(self, self.sites, printer)
        if not run_dialog(dialog):
            return
        fields = self._fields(dialog)
        WriteOp(
            partial(
                update_printer,
                self.database,
                self.actor,
                printer.id,
                seen_version=printer.version,
                **fields,
            ),
            doing=f"Printer {printer.name} was not saved",
            changes={"printer"},
        ).busy(self.set_busy).success(
            lambda saved: self.done(f"✔ Printer {saved.name} saved ({saved.address}).")
        ).failure(self.refused).run(self.runner)

    def toggle_service(self) -> None:
        """Retire the selected printer, or return a retired one to service."""
        printer = self.selected()
        if printer is None:
            return
        verb = "Retire" if printer.active else "Return to service"
        answer = ask_statement(
            StatementDialog(
                self,
                f"{verb}: {printer.name}",
                f"<b>{printer.name}</b> ({printer.address}). Why?",
                action=verb,
            )
        )
        if answer is None:
            return
        reason, active = answer[0], not printer.active
        WriteOp(
            partial(
                set_printer_active,
                self.database,
                self.actor,
                printer.id,
                active=active,
                reason=reason,
                seen_version=printer.version,
            ),
            doing=f"Printer {printer.name} was not changed",
            changes={"printer"},
        ).busy(self.set_busy).success(
            lambda saved: self.done(
                f"✔ Printer {saved.name} is {'back in service' if saved.active else 'retired'}."
            )
        ).failure(self.refused).run(self.runner)
