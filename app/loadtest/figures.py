"""The figures of a load run: operations, latency percentiles and errors, by kind."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from app.loadtest.station import OpRecord

P99_TARGET_MS = 100.0
STALE = "StaleRecord"
STALE_EXPLAINED = (
    "Two stations changed the same record at the same moment; the database kept one change "
    "and the other was refused with 'reload and try again', nothing of it saved. The station "
    "retried, as a user would."
)


def percentile(ordered: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` 0-100) of ascending ``ordered`` values."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(share / 100 * len(ordered)))
    return round(ordered[rank - 1], 1)


def _latencies(records: Sequence[OpRecord]) -> dict[str, float]:
    ordered = sorted(r.latency_ms for r in records)
    return {
        "p50_ms": percentile(ordered, 50),
        "p95_ms": percentile(ordered, 95),
        "p99_ms": percentile(ordered, 99),
        "max_ms": round(ordered[-1], 1) if ordered else 0.0,
    }


def summarise(records: Sequence[OpRecord], *, stations: int, seconds: float) -> dict[str, Any]:
    """Operations, p50/p95/p99 per kind and in all, errors by kind, stale refusals apart."""
    by_kind: dict[str, list[OpRecord]] = defaultdict(list)
    for record in records:
        by_kind[record.kind].append(record)
    kinds = {
        kind: {
            "operations": len(done),
            "acknowledged": sum(1 for r in done if r.error is None),
            **_latencies(done),
            "services": dict(sorted(Counter(r.name for r in done).items())),
        }
        for kind, done in sorted(by_kind.items())
    }
    errors: dict[str, dict[str, int]] = defaultdict(dict)
    samples: dict[str, str] = {}
    stale: Counter[str] = Counter()
    for record in records:
        if record.error is None:
            continue
        if record.error == STALE:
            stale[record.kind] += 1
            continue
        errors[record.kind][record.error] = errors[record.kind].get(record.error, 0) + 1
        samples.setdefault(f"{record.name}: {record.error}", record.message or "")
    unexplained = sum(sum(counts.values()) for counts in errors.values())
    late = sorted(r.late_ms for r in records)
    return {
        "operations": len(records),
        "operations_by_kind": {kind: figures["operations"] for kind, figures in kinds.items()},
        "achieved_rate_per_station": round(len(records) / stations / seconds, 2),
        "latency": _latencies(records),
        "kinds": kinds,
        "errors_by_kind": dict(sorted(errors.items())),
        "unexplained_errors": unexplained,
        "error_samples": dict(list(samples.items())[:10]),
        "stale_refusals": {
            "count": sum(stale.values()),
            "by_kind": dict(sorted(stale.items())),
            "explanation": STALE_EXPLAINED,
        },
        "start_lateness_ms": {"p99": percentile(late, 99), "max": percentile(late, 100)},
    }
