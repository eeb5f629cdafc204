"""``coi loadtest``: N station processes on one database, their figures, then the checks.

Each round starts one process per station (each with its own connection pool, as separate
workstations have), lets every station prepare, starts them together at a
barrier, gathers their operations, then checks exactly-once delivery and the audit chain.
`find_knee` repeats rounds at rising rates on the same database until p99 passes 100 ms.
"""

from __future__ import annotations

import multiprocessing
import os
import platform
import queue
import string
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from app.core import Database, ValidationFailed, verify_database
from app.loadtest.dataset import argon2_verify_ms, prepare_load_database
from app.loadtest.exactly_once import Acknowledged, check_exactly_once
from app.loadtest.figures import P99_TARGET_MS, summarise
from app.loadtest.station import SETUP_TIMEOUT_S, StationPlan, StationResult, station_main

KNEE_RATES = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0)
MOST_STATIONS = 200
_GRACE_S = 120.0


def check_figures(stations: int, seconds: float, rate: float) -> None:
    """Refuse figures no run can have."""
    if not 1 <= stations <= MOST_STATIONS:
        raise ValidationFailed(f"--stations must be between 1 and {MOST_STATIONS}.")
    if not 0 < seconds <= 24 * 3600:
        raise ValidationFailed("--seconds must be more than 0 and at most a day.")
    if not 0 < rate <= 100:
        raise ValidationFailed("--rate must be more than 0 and at most 100 operations a second.")


def _collect(results: Any, processes: Sequence[Any], wait_s: float) -> list[StationResult]:
    gathered: list[StationResult] = []
    deadline = time.monotonic() + wait_s
    while len(gathered) < len(processes):
        try:
            gathered.append(results.get(timeout=max(0.1, min(5.0, deadline - time.monotonic()))))
        except queue.Empty:
            dead = [p for p in processes if p.exitcode is not None]
            if time.monotonic() > deadline or len(dead) == len(processes):
                break
    for process in processes:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
            process.join()
    return gathered


def run_round(
    database: Database, url: str, *, stations: int, seconds: float, rate: float, tag: str
) -> dict[str, Any]:
    """One round: ``stations`` processes at ``rate`` operations a second each, then checks."""
    # Forked where the system can (the stations start at once, their imports done), spawned
    # elsewhere; each opens its own engine, and the parent's pool is emptied before the fork.
    context: Any = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    )
    database.dispose()
    barrier = context.Barrier(stations)
    results = context.Queue()
    batches = 1 + int(rate * seconds // 120)  # about 8 steps a minute at 2 operations/s
    with tempfile.TemporaryDirectory(prefix="coi-loadtest-") as out_dir:
        plans = [
            StationPlan(url, index, tag, rate, seconds, stations, batches, out_dir)
            for index in range(1, stations + 1)
        ]
        processes = [
            context.Process(target=station_main, args=(plan, barrier, results), daemon=True)
            for plan in plans
        ]
        started = time.monotonic()
        for process in processes:
            process.start()
        gathered = _collect(results, processes, SETUP_TIMEOUT_S + seconds + _GRACE_S)
        wall_s = time.monotonic() - started
    gathered.sort(key=lambda r: r.index)
    problems = [f"{r.station}: {r.problem}" for r in gathered if r.problem]
    silent = stations - len(gathered)
    if silent:
        problems.append(f"{silent} station process(es) ended without a result")
    records = [record for result in gathered for record in result.records]
    acknowledged = [
        Acknowledged(result.station, record.ack)
        for result in gathered
        for record in result.records
        if record.ack is not None
    ]
    figures = summarise(records, stations=stations, seconds=seconds)
    exactly_once = check_exactly_once(database, [p.name for p in plans], acknowledged)
    chain = verify_database(database)
    return {
        "rate_per_station": rate,
        "stations": stations,
        "seconds": seconds,
        "station_problems": problems,
        "setup_s_max": round(max((r.setup_s for r in gathered), default=0.0), 1),
        "wall_s": round(wall_s, 1),
        **figures,
        "exactly_once": exactly_once.as_dict(),
        "audit_chain": {
            "checked": True,
            "ok": chain.ok,
            "events": chain.events,
            "problems": list(chain.problems),
        },
        "p99_under_target": figures["latency"]["p99_ms"] < P99_TARGET_MS,
        "ok": not problems and exactly_once.ok and chain.ok and figures["unexplained_errors"] == 0,
    }


def _keeps_up(round_: dict[str, Any]) -> bool:
    """The round met the target: p99 under 100 ms, every station kept its rate, all checks held."""
    achieved = round_["achieved_rate_per_station"] >= 0.9 * round_["rate_per_station"]
    return bool(round_["ok"] and round_["p99_under_target"] and achieved)


def find_knee(
    database: Database, url: str, *, stations: int, seconds: float, first_tag: int = 1
) -> dict[str, Any]:
    """Step the rate per station up until p99 reaches 100 ms; the knee is the last rate below."""
    steps = []
    knee = None
    for number, rate in enumerate(KNEE_RATES):
        tag = string.ascii_lowercase[(first_tag + number) % 26]
        round_ = run_round(database, url, stations=stations, seconds=seconds, rate=rate, tag=tag)
        steps.append(
            {
                "rate_per_station": rate,
                "p99_ms": round_["latency"]["p99_ms"],
                "p95_ms": round_["latency"]["p95_ms"],
                "achieved_rate_per_station": round_["achieved_rate_per_station"],
                "ok": round_["ok"],
                "stale_refusals": round_["stale_refusals"]["count"],
                "unexplained_errors": round_["unexplained_errors"],
            }
        )
        if not _keeps_up(round_):
            break
        knee = rate
    return {
        "rule": f"the highest rate per station whose round kept p99 under {P99_TARGET_MS:g} ms, "
        "reached at least 90 % of its rate, and passed every check",
        "knee_rate_per_station": knee,
        "seconds_per_step": seconds,
        "steps": steps,
    }


def machine() -> dict[str, Any]:
    """Where the figures were measured."""
    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in load],
    }


def run_load_test(
    url: str,
    station: str,
    *,
    stations: int,
    seconds: float,
    rate: float,
    knee: bool = False,
    knee_seconds: float | None = None,
) -> dict[str, Any]:
    """Prepare the empty database at ``url``, run the load, check it; with ``knee``, step up."""
    check_figures(stations, seconds, rate)
    database = prepare_load_database(url, station)
    try:
        before = machine()
        main = run_round(database, url, stations=stations, seconds=seconds, rate=rate, tag="a")
        output: dict[str, Any] = {
            "database": database.display_url,
            "machine": before,
            "argon2_verify_ms": argon2_verify_ms(),
            **main,
        }
        if knee:
            output["knee"] = find_knee(
                database, url, stations=stations, seconds=knee_seconds or seconds
            )
        output["load_average_after"] = machine()["load_average"]
    finally:
        database.dispose()
    return output
