"""Peak memory of a screen's rows read end to end, in a process of its own.

    python tests/perf/memory_probe.py cases|audit DATABASE_URL ACTOR_JSON

Reads every page the screen's model would load as the view is scrolled to the end (the case
list by its pages, the audit trail by keyset pages after a first counted one), keeps every row
as the model does, and prints the process's peak resident set size in MB and the row count.
"""

from __future__ import annotations

import json
import resource
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.audit import PAGE_SIZE as AUDIT_PAGE  # noqa: E402
from app.audit import AuditFilter, search_audit  # noqa: E402
from app.casefile import PAGE_SIZE as CASE_PAGE  # noqa: E402
from app.casefile import list_cases  # noqa: E402
from app.core import Actor, connect  # noqa: E402
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
    else:
        first = search_audit(database, actor, AuditFilter(), limit=AUDIT_PAGE)
        entries = list(first.rows)
        while entries:
            after = entries[-1].seq
            page = search_audit(
                database, actor, AuditFilter(), before_seq=after, known_total=first.total
            )
            if not page.rows:
                break
            entries.extend(page.rows)
        rows.extend(entries)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    print(json.dumps({"peak_mb": round(peak_mb, 1), "rows": len(rows)}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
