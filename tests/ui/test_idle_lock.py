"""The idle lock: locks after inactivity, keeps unsaved input, unlocks only with the password."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from tests.conftest import ARTIFACTS
from ui.shell.idle_lock import LOCK_BOX_WIDTH, IdleLock


def test_locks_keeps_input_and_unlocks_with_the_password(qtbot, demo) -> None:
    window = QWidget()
    window.resize(700, 400)
    layout = QVBoxLayout(window)
    draft = QLineEdit()
    layout.addWidget(draft)
    qtbot.addWidget(window)
    window.show()
    qtbot.keyClicks(draft, "half-typed note")
    lock = IdleLock(window, demo.database, demo["otto.operator"], minutes=0.002)  # 120 ms
    qtbot.waitUntil(lambda: lock.is_locked, timeout=30_000)
    # issue 16 review: a plain-text title, an unnamed password field, all the window wide
    panel = lock.panel
    title = panel.findChild(QLabel, "lockTitle")
    assert title is not None and title.font().bold()
    assert title.font().pointSizeF() > panel.font().pointSizeF()
    assert panel.password_field.placeholderText() == "Your password"
    assert (
        LOCK_BOX_WIDTH * 3 // 4 <= panel.password_field.width() <= LOCK_BOX_WIDTH < window.width()
    )
    ARTIFACTS.joinpath("screens").mkdir(parents=True, exist_ok=True)
    window.grab().save(str(ARTIFACTS / "screens" / "idle-lock.png"))

    qtbot.keyClicks(draft, " more")  # input to the locked window is swallowed
    assert draft.text() == "half-typed note"
    qtbot.keyClicks(lock.panel.password_field, "wrong password")
    qtbot.keyClick(lock.panel.password_field, Qt.Key.Key_Return)
    assert lock.is_locked and "wrong" in lock.panel.message.text().lower()
    qtbot.keyClicks(lock.panel.password_field, "demo-password")
    qtbot.keyClick(lock.panel.password_field, Qt.Key.Key_Return)
    assert not lock.is_locked
    assert draft.text() == "half-typed note"
    lock.detach()
    qtbot.keyClick(draft, Qt.Key.Key_End)  # a detached lock no longer watches input
    qtbot.keyClicks(draft, "!")
    assert draft.text() == "half-typed note!"


def test_a_destroyed_window_takes_its_lock_with_it(qtbot, demo) -> None:
    window = QWidget()
    lock = IdleLock(window, demo.database, demo["otto.operator"], minutes=10)
    window.deleteLater()  # destroyed without a close event, as at the end of a test
    qtbot.waitUntil(lambda: not shiboken6.isValid(lock), timeout=30_000)

    other = QLineEdit()  # input elsewhere is no longer filtered by the dead lock
    qtbot.addWidget(other)
    other.show()
    qtbot.keyClicks(other, "still typing")
    assert other.text() == "still typing"
