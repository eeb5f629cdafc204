"""Background work: reads on a pool, writes on one worker, helper processes."""

from __future__ import annotations

from ui.tasks.helper_process import HELPER, assessed_in_helper, import_in_helper
from ui.tasks.runner import Task, TaskRunner

__all__ = ["HELPER", "Task", "TaskRunner", "assessed_in_helper", "import_in_helper"]
