"""Peak memory of a screen's rows read end to end, in a process of its own.

    python tests/perf/memory_probe.py cases|audit DATABASE_URL ACTOR_JSON

Reads every page the screen's model would load as the view is scrolled to the end and prints
the process's peak resident set size in MB and the rows read. The case list is read by its
pages, every row kept (as its model does); the audit trail through the screen's own model
(`ui.pages.audit.views.AuditTableModel`, offscreen, its pages read on the task runner), asked
for more until the end: it holds a window of the newest rows read, not the whole trail.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.audit import AuditFilter  # noqa: E402
from app.casefile import PAGE_SIZE as CASE_PAGE  # noqa: E402
from app.casefile import list_cases  # noqa: E402
from app.core import Actor, Database, connect  # noqa: E402
from db.enums import Role  # noqa: E402


def _actor(text: str) -> Actor:
    data = json.loads(text)
    return Actor(
        user_id=uuid.UUID(data["user_id"]),
        username=data["username"],
        full_name=data["full_name"],
        roles=frozenset(Role(r) for r in data["roles"]),
        site_id=uuid.UUID(data["site_id"]) if data["site_id"] else None,
        site_name=data["site_name"],
        station="perf-memory",
        account_version=data["account_version"],
    )


def main(screen: str, url: str, actor_json: str) -> None:
    database = connect(url)
    actor = _actor(actor_json)
    rows: list[object] = []  # what the model keeps
    if screen == "cases":
        while True:
            cases = list_cases(database, actor, offset=len(rows), limit=CASE_PAGE)
            rows.extend(cases.rows)
            if not cases.rows or len(rows) >= cases.total:
                break
        read = len(rows)
    else:
        read = _audit_scrolled_to_the_end(database, actor)
    print(json.dumps({"peak_mb": round(_peak_mb(), 1), "rows": read}))


def _peak_mb() -> float:
    """This process's peak resident set size in MB: ``VmHWM``, this program's own (the
    ``ru_maxrss`` of getrusage keeps the parent's peak across fork and exec on Linux: a probe
    started by a big pytest process reported the parent's figure)."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: KB


def _audit_scrolled_to_the_end(database: Database, actor: Actor) -> int:
    """Every event read through the audit screen's model; the number read."""
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415 - the case list needs no Qt

    from ui.pages.audit.views import AuditTableModel  # noqa: PLC0415
    from ui.tasks import TaskRunner  # noqa: PLC0415

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication([])
    runner = TaskRunner()
    model = AuditTableModel(database, actor, runner)
    model.set_filter(AuditFilter())
    while True:
        while model.loading:
            runner.wait()
            app.processEvents()
        if not model.canFetchMore():
            assert model.window is not None and len(model.rows) <= model.window
            return model.above + len(model.rows)
        model.fetchMore()


if __name__ == "__main__":
    main(*sys.argv[1:4])
