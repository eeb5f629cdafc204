"""A start-up check of the Qt bindings: a build that loses references would crash later.

PySide6 6.12.0 on Python 3.11 drops one reference to ``True`` each time Python emits a signal
(``SignalInstance.emit`` returns it without taking a reference). Python 3.12 made ``True``
immortal, so there nothing shows; on 3.11 the count runs down with every emitted signal (tasks
finishing, scans, the temperature plot's range changes) until ``True`` is freed and the process
aborts, minutes or hours later, wherever it happens to be. pyproject.toml keeps that build out;
this check refuses to start on one that got in anyway (an older environment, a packager's
choice), before anything is done that a crash could interrupt.
"""

from __future__ import annotations

import sys

import PySide6
from PySide6.QtCore import QObject, Signal

EMITS = 64


class _Probe(QObject):
    ping = Signal()


def references_lost_per_emit() -> float:
    """How many references to ``True`` and ``False`` one emitted signal loses (0 when sound)."""
    probe = _Probe()
    before = sys.getrefcount(True) + sys.getrefcount(False)
    for _ in range(EMITS):
        probe.ping.emit()
    after = sys.getrefcount(True) + sys.getrefcount(False)
    return (before - after) / EMITS


def bindings_defect() -> str | None:
    """What is wrong with the installed Qt bindings, in words, or None."""
    lost = references_lost_per_emit()
    if lost < 0.5:
        return None
    return (
        f"The installed PySide6 {PySide6.__version__} loses a reference each time a signal is "
        "emitted on this Python, and would make COI Tracker crash after a while. Install a "
        "sound version (run scripts/setup.sh, or ask your administrator)."
    )
