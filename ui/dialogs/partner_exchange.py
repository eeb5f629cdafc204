"""Send a case to its partner site, and import what a partner sent: signed exchange bundles.

"Send to manufacturer…" / "Send to clinic…" asks for a folder (a shared drive, or where an
e-mail attachment is made from) and writes the case's bundle there, signed with this site's key
(``$COI_SITE_KEY``, or a key file chosen once per session); "Import from partner…" asks for a
bundle file and says in words what the import made and brought up to date, or why it was
refused. Both run on the one write worker; the GUI thread only asks and shows.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPushButton, QWidget

from app.core import Actor, Database, now
from app.exchange import (
    KEY_VARIABLE,
    BundleExport,
    BundleImport,
    BundlePartner,
    export_bundle,
    import_bundle,
    load_site_key,
    may_import_bundles,
    may_send_bundles,
)
from ui.tasks import Failure, TaskRunner, WriteOp
from ui.widgets import coi_words, message_line, show_failed, show_message

BUNDLE_FILTER = "Exchange bundles (*.coibundle *.bundle *.json);;All files (*)"
_SHOWN = 4
"""Lines of what was made or updated named in the result; the rest are counted."""


def bundle_file_name(partner: BundlePartner) -> str:
    """The file a bundle is written to in the chosen folder: COI, partner, UTC time."""
    return f"{partner.coi}-to-{partner.site_code}-{now().strftime('%Y%m%dT%H%M%SZ')}.coibundle"


def _listed(lines: tuple[str, ...]) -> str:
    more = f" and {len(lines) - _SHOWN} more" if len(lines) > _SHOWN else ""
    return "; ".join(lines[:_SHOWN]) + more


def import_words(result: BundleImport) -> str:
    """What an accepted bundle did, in words."""
    attached = sum(o.outcome == "imported" for o in result.outcomes)
    # issue 16 review: "Bundle from NBH": the site by its name, as "Bundle for …" says it
    parts = [
        f"✔ Bundle from {result.from_site_name} ({result.from_site}) imported for case "
        f"{coi_words(result.coi)}"
    ]
    if result.created:
        parts.append(f"Created {len(result.created)}: {_listed(result.created)}")
    if result.updated:
        parts.append(f"Brought up to date: {_listed(result.updated)}")
    parts.append(f"Partner events attached: {attached}; recorded in the audit trail")
    return ". ".join(parts) + "."


class PartnerExchange(QWidget):
    """The "Send to …" and "Import from partner…" buttons of a case screen, with a result line."""

    sent = Signal(object)
    """Emitted with the ``BundleExport`` once a bundle is written and recorded."""
    imported = Signal(object)
    """Emitted with the ``BundleImport`` once a bundle is imported."""

    def __init__(
        self, database: Database, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.database, self.actor, self.runner = database, actor, runner
        self.partner: BundlePartner | None = None
        self.key_path: Path | None = None
        self.send_button = QPushButton("Send to partner…")
        self.send_button.setObjectName("sendBundle")
        self.send_button.setEnabled(False)
        # Only those who may send a bundle see the button (the service refuses the others).
        self.send_button.setVisible(may_send_bundles(actor))
        self.send_button.clicked.connect(self.send)
        self.import_button = QPushButton("Import from partner…")
        self.import_button.setObjectName("importBundle")
        self.import_button.setVisible(may_import_bundles(actor))
        self.import_button.clicked.connect(self.import_from_partner)
        self.message = message_line()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        # No "Partner site:" caption: the buttons name the partner, and the row shares the case
        # screen's action row (a caption followed by nothing read as an empty field).
        row.addWidget(self.send_button)
        row.addWidget(self.import_button)
        row.addWidget(self.message, stretch=1)

    def offer(self, partner: BundlePartner | None) -> None:
        """Offer sending the shown case to ``partner`` (None: no case, or not ours to send)."""
        self.partner = partner
        if partner is None:
            self.send_button.setText("Send to partner…")
        else:
            kind = "manufacturer" if partner.is_manufacturer else "clinic"
            # the site by its name in the tooltip: in the text it widened the case page past a
            # 1280 × 800 window ("Send to manufacturer: Cell Therapy Facility (demo)…")
            self.send_button.setText(f"Send to {kind}…")
            self.send_button.setToolTip(
                f"Sign this case's bundle for {partner.site_name} (site code "
                f"{partner.site_code}) and write it to a folder you choose."
            )
        self.send_button.setEnabled(partner is not None)

    def _key(self) -> Path | None:
        if self.key_path is None and os.environ.get(KEY_VARIABLE):
            self.key_path = Path(os.environ[KEY_VARIABLE])
        if self.key_path is None:
            chosen, _selected = QFileDialog.getOpenFileName(
                self, "Choose this site's private key (PEM)", str(Path.home()), "Keys (*.pem)"
            )
            self.key_path = Path(chosen) if chosen else None
        return self.key_path

    def send(self) -> None:
        """Ask for a folder, then sign, write and record the case's bundle in the background."""
        partner = self.partner
        if partner is None:
            return
        folder = QFileDialog.getExistingDirectory(
            self,
            f"Choose the folder to write the bundle for {partner.site_name} to",
            QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
            or str(Path.home()),
        )
        if not folder:
            return
        key_path = self._key()
        if key_path is None:
            show_message(
                self.message,
                f"✖ No site key chosen: nothing was written. Set {KEY_VARIABLE} or choose the "
                "key file `coi exchange keygen` made.",
                ok=False,
            )
            return
        out = Path(folder) / bundle_file_name(partner)
        database, actor, coi, site = self.database, self.actor, partner.coi, partner.site_code

        def work() -> BundleExport:
            return export_bundle(database, actor, coi, site, load_site_key(key_path), out=out)

        WriteOp(work, doing="The bundle was not sent", changes={"exchange"}).busy(
            self._busy
        ).success(self._sent).failure(self._failed).run(self.runner)

    def import_from_partner(self) -> None:
        """Ask for a bundle file, then verify and import it in the background."""
        chosen, _selected = QFileDialog.getOpenFileName(
            self, "Choose the bundle a partner site sent", str(Path.home()), BUNDLE_FILTER
        )
        if not chosen:
            return
        database, actor, path = self.database, self.actor, Path(chosen)
        WriteOp(
            lambda: import_bundle(database, actor, path),
            doing="The bundle was not imported",
            changes={"exchange", "case"},
        ).busy(self._busy).success(self._imported).failure(self._failed).run(self.runner)

    def _busy(self, busy: bool) -> None:
        self.send_button.setEnabled(not busy and self.partner is not None)
        self.import_button.setEnabled(not busy)
        if busy:
            show_message(self.message, "Working…", ok=True)

    def _sent(self, bundle: BundleExport) -> None:
        partner = self.partner
        name = partner.site_name if partner and partner.site_code == bundle.to_site else ""
        to = f"{name} ({bundle.to_site})" if name else bundle.to_site
        show_message(
            self.message,
            f"✔ Bundle for {to} written ({bundle.events} events, SHA-256 "
            f"{bundle.digest[:16]}…); recorded as sent. Send the file to {name or to}.",
            ok=True,
        )
        self.sent.emit(bundle)

    def _imported(self, result: BundleImport) -> None:
        show_message(self.message, import_words(result), ok=True)
        self.imported.emit(result)

    def _failed(self, failure: Failure) -> None:
        show_failed(self.message, failure)
