"""Background work: operations (reads on a pool, writes on one worker), helper processes, and
the garbage collection that keeps Qt objects on the GUI thread."""

from __future__ import annotations

from ui.tasks.collector import GuiThreadCollector
from ui.tasks.helper_process import HELPER, assessed_in_helper, import_in_helper
from ui.tasks.operations import Failure, Operation, ReadOp, WriteOp, words_for
from ui.tasks.runner import Task, TaskRunner

__all__ = [
    "HELPER",
    "Failure",
    "GuiThreadCollector",
    "Operation",
    "ReadOp",
    "Task",
    "TaskRunner",
    "WriteOp",
    "assessed_in_helper",
    "import_in_helper",
    "words_for",
]
