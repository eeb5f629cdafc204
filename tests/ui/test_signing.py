"""The signature and second-person dialogs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel

from ui.dialogs.signing import SecondPersonDialog, SignatureDialog


def test_signature_dialog_shows_signer_meaning_and_record(qtbot, demo) -> None:
    actor = demo["petra.qp"]
    dialog = SignatureDialog(None, actor, "Certified for release", "Batch CH G1234 26 000001 [4]")
    qtbot.addWidget(dialog)
    statement = dialog.findChild(QLabel, "signatureStatement")
    assert "Dr Petra Qualified" in statement.text()
    assert "Certified for release" in statement.text()
    assert "CH G1234 26 000001 [4]" in statement.text()
    qtbot.keyClicks(dialog.password_field, "demo-password")
    assert dialog.password == "demo-password"


def test_second_person_signs_in_or_is_told_why_not(qtbot, demo) -> None:
    dialog = SecondPersonDialog(None, demo.database, "step 1", "test-station")
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.username_field, "vera.verifier")
    qtbot.keyClicks(dialog.password_field, "wrong password")
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.actor is None and not dialog.error_label.isHidden()
    assert dialog.result() != QDialog.DialogCode.Accepted
    dialog.password_field.clear()
    qtbot.keyClicks(dialog.password_field, "demo-password")
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.actor is not None and dialog.actor.username == "vera.verifier"
    assert dialog.result() == QDialog.DialogCode.Accepted
