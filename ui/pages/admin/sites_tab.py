"""The Sites tab (clinics and manufacturers, with GLN and FIN) and the Products tab."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QFileDialog, QLabel, QLineEdit, QWidget

from app.admin import (
    FIN_PATTERN,
    ProductVersionView,
    ProductView,
    SiteKind,
    SiteSummary,
    import_product,
    list_products,
    list_sites,
    register_site,
    set_wristband_rules,
)
from app.core import Actor, Database
from app.scanning import mrn_pattern_problem
from ui.pages.admin.base import AdminTab, fill_table, index_of, selected_row
from ui.pages.admin.dialogs import CheckedDialog, run_dialog
from ui.tasks import TaskRunner, WriteOp
from ui.widgets import table

KIND_NAMES = {SiteKind.CLINIC: "Clinic", SiteKind.MANUFACTURER: "Manufacturer"}
MRN_HINT = "regular expression, e.g. MRN(?P<mrn>[0-9]{7}); blank: none"
COI_TOO = "Wristbands also carry the COI (required in addition to the hospital number)"


class WristbandFields:
    """The two wristband settings of a clinic, on a dialog's form."""

    def __init__(self, dialog: CheckedDialog, site: SiteSummary | None = None) -> None:
        self.mrn_field = QLineEdit((site.wristband_mrn_pattern or "") if site else "")
        self.mrn_field.setObjectName("siteMrnPattern")
        self.mrn_field.setPlaceholderText(MRN_HINT)
        self.coi_field = QCheckBox(COI_TOO)
        self.coi_field.setObjectName("siteCoiOnWristband")
        self.coi_field.setChecked(bool(site and site.wristband_carries_coi))
        dialog.form.addRow("Wristband &MRN pattern", self.mrn_field)
        dialog.form.addRow("", self.coi_field)

    @property
    def pattern(self) -> str | None:
        """The pattern as typed (None when blank)."""
        return self.mrn_field.text().strip() or None

    def problem(self) -> str | None:
        """A pattern that cannot be set, in words."""
        return None if self.pattern is None else mrn_pattern_problem(self.pattern)


class WristbandDialog(CheckedDialog):
    """A clinic's wristband rules: its MRN bar-code pattern, and whether the COI is on it too."""

    def __init__(self, parent: QWidget | None, site: SiteSummary) -> None:
        super().__init__(parent, f"Wristband rules of {site.code}", "wristbandDialog")
        self.wristband = WristbandFields(self, site)
        self.finish("Save")
        self.wristband.mrn_field.setFocus()

    def problem(self) -> str | None:
        """A pattern that cannot be set."""
        return self.wristband.problem()


class SiteDialog(CheckedDialog):
    """Code, name, kind and the GS1 / ISBT 128 identifiers of a new site."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent, "Add a site", "siteDialog")
        self.code_field = self._line("siteCode", "short code, e.g. NBH")
        self.name_field = self._line("siteName", "e.g. Northbridge University Hospital")
        self.kind_field = QComboBox()
        self.kind_field.setObjectName("siteKind")
        for kind, text in KIND_NAMES.items():
            self.kind_field.addItem(text, kind)
        self.gln_field = self._line("siteGln", "13 digits (GS1 Global Location Number)")
        self.fin_field = self._line("siteFin", "a letter and four digits, e.g. G1234")
        self.prefix_field = self._line("sitePrefix", "6 to 12 digits")
        self.address_field = self._line("siteAddress", "street, town")
        self.form.addRow("&Code", self.code_field)
        self.form.addRow("&Name", self.name_field)
        self.form.addRow("&Kind", self.kind_field)
        self.form.addRow("&GLN", self.gln_field)
        self.form.addRow("ISBT 128 &FIN", self.fin_field)
        self.form.addRow("GS1 company &prefix", self.prefix_field)
        self.form.addRow("&Address", self.address_field)
        self.wristband = WristbandFields(self)
        self.finish("Add site")
        self.code_field.setFocus()

    def _line(self, name: str, hint: str) -> QLineEdit:
        field = QLineEdit()
        field.setObjectName(name)
        field.setPlaceholderText(hint)
        return field

    def value(self, field: QLineEdit) -> str | None:
        """A field's text, trimmed; None when blank."""
        return field.text().strip() or None

    @property
    def kind(self) -> SiteKind:
        """The chosen kind."""
        return SiteKind(self.kind_field.currentData())

    def problem(self) -> str | None:
        """A missing code or name, or a FIN that cannot be one."""
        if not self.value(self.code_field) or not self.value(self.name_field):
            return "A site needs a code and a name."
        fin = self.value(self.fin_field)
        if fin is not None and not FIN_PATTERN.match(fin):
            return f"FIN {fin!r} is not an ISBT 128 facility number (a letter and four digits)."
        return self.wristband.problem()


class SitesTab(AdminTab):
    """Clinics and manufacturing sites."""

    records = "sites"

    def __init__(self, database: Database, actor: Actor, runner: TaskRunner) -> None:
        super().__init__(database, actor, runner, "sites")
        self.sites: list[SiteSummary] = []
        self.add_button = self.button("&Add site…", "addSite", self.add_site)
        self.wristband_button = self.button(
            "&Wristband rules…", "wristbandRules", self.edit_wristband_rules
        )
        self.finish_tools()
        self.table = table(
            "sites",
            ("Code", "Name", "Kind", "GLN", "FIN", "GS1 prefix", "Address", "Active"),
        )
        self.layout_.addWidget(self.table, stretch=1)

    def reader(self) -> Callable[[], list[SiteSummary]]:
        """Every site."""
        return partial(list_sites, self.database)

    def show_records(self, records: list[SiteSummary]) -> None:
        """Fill the table."""
        row = selected_row(self.table)
        chosen = self.sites[row].id if row is not None and row < len(self.sites) else None
        self.sites = records
        fill_table(
            self.table,
            [
                (
                    site.code,
                    site.name,
                    KIND_NAMES[site.kind],
                    site.gln or "—",
                    site.fin or "—",
                    site.gs1_company_prefix or "—",
                    " ".join(site.address.split()) or "—",
                    "✔ Yes" if site.active else "✖ No",
                )
                for site in records
            ],
            select=index_of([site.id for site in records], chosen),
            stretch=6,
        )

    def add_site(self) -> None:
        """Ask for the new site and register it."""
        dialog = SiteDialog(self)
        if not run_dialog(dialog):
            return
        value = dialog.value
        code, name = value(dialog.code_field) or "", value(dialog.name_field) or ""
        kind, gln, fin = dialog.kind, value(dialog.gln_field), value(dialog.fin_field)
        prefix, address = value(dialog.prefix_field), value(dialog.address_field) or ""
        WriteOp(
            partial(
                register_site,
                self.database,
                self.actor,
                code=code,
                name=name,
                kind=kind,
                gln=gln,
                fin=fin,
                gs1_company_prefix=prefix,
                address=address,
                wristband_mrn_pattern=dialog.wristband.pattern,
                wristband_carries_coi=dialog.wristband.coi_field.isChecked(),
            ),
            doing="The site was not registered",
            changes={"site"},
        ).busy(self.set_busy).success(
            lambda site: self.done(f"✔ Site {site.code} ({site.name}) registered.")
        ).failure(self.refused).run(self.runner)

    def edit_wristband_rules(self) -> None:
        """Set the chosen clinic's MRN bar-code pattern and whether its wristbands carry the COI."""
        row = selected_row(self.table)
        if row is None or row >= len(self.sites):
            self.say("✖ Choose a clinic first.", ok=False)
            return
        site = self.sites[row]
        if site.kind is not SiteKind.CLINIC:
            self.say("✖ Wristband rules belong to a clinic: choose a clinic.", ok=False)
            return
        dialog = WristbandDialog(self, site)
        if not run_dialog(dialog):
            return
        pattern, coi = dialog.wristband.pattern, dialog.wristband.coi_field.isChecked()
        WriteOp(
            partial(
                set_wristband_rules,
                self.database,
                self.actor,
                site.id,
                mrn_pattern=pattern,
                carries_coi=coi,
            ),
            doing="The wristband rules were not saved",
            changes={"site"},
        ).busy(self.set_busy).success(
            lambda saved: self.done(f"✔ Wristband rules of {saved.code} saved.")
        ).failure(self.refused).run(self.runner)


PRODUCT_STATUS_WORDS = {
    "approved": "✔ Approved",
    "draft": "Draft: awaits QA",
    "retired": "Retired",
}
"""A product version's status in words (the stored word was shown lowercase; issue 16)."""


class ProductsTab(AdminTab):
    """The product catalogue, read-only: profiles, limits, step template and QC panel."""

    records = "products"

    def __init__(self, database: Database, actor: Actor, runner: TaskRunner) -> None:
        super().__init__(database, actor, runner, "products")
        self.products: list[ProductView] = []
        self.import_button = self.button(
            "&Import product file…", "importProduct", self.choose_product_file
        )
        self.finish_tools()
        self.note(
            "Each product version is a file checked against the product schema. An imported "
            "file becomes a draft: it has no effect until QA approves it with a signature on "
            "the Product approval page; cases keep the version they were enrolled with.",
            "productsNote",
        )
        self.table = table(
            "products",
            (  # two-line headers: at 1280 × 800 the one-line ones left the name elided
                "Code",
                "Name",
                "Starting\nmaterial",
                "Final\nproduct",
                "Steps",
                "QC\ntests",
                "Shelf\nlife",
                "After\nthaw",
                "Bags",
                "Version",
                "Status",
            ),
        )
        self.table.itemSelectionChanged.connect(self._show_steps)
        self.layout_.addWidget(self.table, stretch=1)
        self.steps = QLabel("Select a product to see its manufacturing steps.")
        self.steps.setObjectName("productSteps")
        self.steps.setWordWrap(True)
        self.steps.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.layout_.addWidget(self.steps)

    def reader(self) -> Callable[[], list[ProductView]]:
        """Every product."""
        return partial(list_products, self.database, self.actor)

    def show_records(self, records: list[ProductView]) -> None:
        """Fill the table; the first product's steps are shown."""
        self.products = records
        fill_table(
            self.table,
            [
                (
                    product.code,
                    product.name,
                    product.starting_material_profile or "—",
                    product.final_product_profile or "—",
                    str(len(product.steps)),
                    str(product.qc_tests),
                    f"{product.shelf_life_days} days" if product.shelf_life_days else "—",
                    f"{product.post_thaw_minutes} min" if product.post_thaw_minutes else "—",
                    f"{product.min_final_bags}–{product.max_final_bags}",
                    str(product.version_number),
                    PRODUCT_STATUS_WORDS.get(product.status, product.status),
                )
                for product in records
            ],
            select=0,
            stretch=1,
        )
        self._show_steps()

    def _show_steps(self) -> None:
        row = selected_row(self.table)
        if row is None or row >= len(self.products):
            self.steps.setText("Select a product to see its manufacturing steps.")
            return
        product = self.products[row]
        steps = "; ".join(f"{n}. {name}" for n, name in enumerate(product.steps, start=1))
        receipt = (
            f" Starting material must arrive within {product.max_hours_collection_to_receipt:g} h"
            " of collection."
            if product.max_hours_collection_to_receipt
            else ""
        )
        if product.status == "draft":
            self.steps.setText(
                f"{product.code} · {product.name}, version {product.version_number}: a draft "
                "awaiting QA approval; its steps and QC tests are written when it is approved."
            )
            return
        self.steps.setText(
            f"{product.code} · {product.name}. Steps: {steps or 'none'}. {product.qc_tests} QC "
            f"tests.{receipt}"
        )

    def choose_product_file(self) -> None:
        """Ask for a product file and import it as a new draft version."""
        name, _filter = QFileDialog.getOpenFileName(
            self, "Product file to import", "", "Product files (*.json);;All files (*)"
        )
        if name:
            self.import_file(Path(name))

    def import_file(self, path: Path) -> None:
        """Import the product file at ``path`` as a draft (checked by the service)."""
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.say(f"✖ {path.name} is not a product file: it is not UTF-8 text.", ok=False)
            return
        except OSError as exc:
            self.say(f"✖ {path.name} cannot be read: {exc.strerror or exc}.", ok=False)
            return
        WriteOp(
            partial(import_product, self.database, self.actor, text, reason=f"file {path.name}"),
            doing=f"{path.name} was not imported",
            changes={"product"},
        ).busy(self.set_busy).success(self._imported).failure(self.refused).run(self.runner)

    def _imported(self, view: ProductVersionView) -> None:
        self.done(
            f"✔ Product {view.code} version {view.version_number} imported as a draft: "
            "QA approves it before new cases get it."
        )
