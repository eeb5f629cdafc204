"""Idle lock: after the configured minutes without input, the window asks for the password again.

The lock covers the window with a panel; the pages underneath keep whatever was typed, so
unsaved input survives. Only the signed-in user unlocks it (wrong passwords count towards the
account lockout, like any sign-in); "Sign out" ends the session instead (the main window
then asks about unsaved input and returns to the sign-in dialog).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.access import check_password
from app.core import Actor, CoiError, Database

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


LOCK_BOX_WIDTH = 520
"""The width of the box of the lock's title, words, password and buttons (centred)."""


class LockPanel(QWidget):
    """The panel over a locked window: who is signed in, a password field, unlock."""

    unlocked = Signal()
    sign_out = Signal()

    def __init__(self, parent: QWidget, database: Database, actor: Actor) -> None:
        super().__init__(parent)
        self.database = database
        self.actor = actor
        self.setObjectName("lockPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAutoFillBackground(True)  # nothing of the locked page shows through
        layout = QVBoxLayout(self)
        layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # issue 16 review: the title was plain text, the password field had no name and the
        # three ran the whole width of the window: a titled box of a readable width now
        title = QLabel("Locked after inactivity")
        title.setObjectName("lockTitle")
        big = QFont(title.font())
        big.setPointSizeF(big.pointSizeF() * 1.5)
        big.setBold(True)
        title.setFont(big)
        who = QLabel(
            f"{actor.full_name} ({actor.username}) is signed in. Enter your password to "
            "continue; what you were typing is kept."
        )
        who.setWordWrap(True)
        self.password_field = QLineEdit()
        self.password_field.setObjectName("lockPassword")
        self.password_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_field.setPlaceholderText("Your password")
        self.password_field.returnPressed.connect(self.try_unlock)
        self.message = QLabel()
        self.message.setObjectName("errorMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        unlock = QPushButton("Unlock")
        unlock.setObjectName("unlockButton")
        unlock.clicked.connect(self.try_unlock)
        leave = QPushButton("Sign out")
        leave.setObjectName("lockSignOut")
        leave.clicked.connect(self.sign_out.emit)
        buttons = QHBoxLayout()
        buttons.addWidget(unlock)
        buttons.addWidget(leave)
        box = QWidget()
        box.setObjectName("lockBox")
        box.setFixedWidth(LOCK_BOX_WIDTH)
        inside = QVBoxLayout(box)
        for widget in (title, who, self.password_field, self.message):
            inside.addWidget(widget)
        inside.addLayout(buttons)
        layout.addWidget(box, alignment=Qt.AlignmentFlag.AlignCenter)

    def try_unlock(self) -> None:
        """Check the password of the signed-in user; unlock or say why not."""
        assert self.actor.user_id is not None  # only signed-in people have windows
        try:
            check_password(
                self.database, self.actor.user_id, self.password_field.text(), self.actor.station
            )
        except CoiError as error:
            self.message.setText(f"✖ {error.message}")
            self.message.show()
            self.password_field.clear()
            return
        self.password_field.clear()
        self.message.hide()
        self.unlocked.emit()


class IdleLock(QObject):
    """Watches the application's input and locks ``window`` after ``minutes`` of none."""

    locked = Signal()

    def __init__(
        self,
        window: QWidget,
        database: Database,
        actor: Actor,
        minutes: float,
        *,
        on_sign_out: Callable[[], object] | None = None,
    ) -> None:
        app = QApplication.instance()
        assert app is not None
        # Owned by the application, not the window: a child would be gone (and its slot with
        # it) by the time the window's destroyed signal asks it to detach.
        super().__init__(app)
        self.window = window
        self.panel = LockPanel(window, database, actor)
        self.panel.hide()
        self.panel.unlocked.connect(self.unlock)
        leave = on_sign_out or window.close
        self.panel.sign_out.connect(leave)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(max(1, int(minutes * 60_000)))
        self.timer.timeout.connect(self.lock)
        app.installEventFilter(self)
        self._attached = True
        window.destroyed.connect(self.detach)
        self.timer.start()

    @property
    def is_locked(self) -> bool:
        """True while the lock panel covers the window."""
        return self.panel.isVisible()

    def detach(self) -> None:
        """Stop watching the application's input and go (the window is closing or gone)."""
        if not self._attached:
            return
        self._attached = False
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.deleteLater()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Restart the countdown on input; swallow input meant for the locked window."""
        if not getattr(self, "_attached", False):
            return False  # detached, or a wrapper Qt still calls while it is torn down
        if event.type() in _INPUT_EVENTS:
            if self.is_locked:
                return isinstance(watched, QWidget) and not self._from_panel(watched)
            self.timer.start()
        return False

    def _from_panel(self, widget: QWidget) -> bool:
        """True for the panel, its children, and windows it opened (the sign-out question)."""
        current: QWidget | None = widget
        while current is not None:
            if current is self.panel:
                return True
            current = current.parentWidget()
        return False

    def lock(self) -> None:
        """Cover the window and ask for the password."""
        self.panel.setGeometry(self.window.rect())
        self.panel.raise_()
        self.panel.show()
        self.panel.password_field.setFocus()
        self.locked.emit()

    def unlock(self) -> None:
        """Remove the panel; the pages are as they were."""
        self.panel.hide()
        self.timer.start()
