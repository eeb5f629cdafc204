"""``coi loadtest``: N station processes on one database, their figures, then the checks.

Each round starts one process per station (each with its own connection pool, as separate
workstations have), lets every station prepare, starts them together at a
barrier, gathers their operations, then checks exactly-once delivery and the audit chain.
`find_knee` repeats rounds at rising rates on the same database until p99 passes 100 ms.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import platform
import queue
import tempfile
import threading
import time
from typing import Any

from app.core import Database, ValidationFailed, verify_database
from app.loadtest.dataset import argon2_verify_ms, prepare_load_database
from app.loadtest.exactly_once import Acknowledged, check_exactly_once
from app.loadtest.figures import P99_TARGET_MS, summarise
from app.loadtest.station import SETUP_TIMEOUT_S, StationPlan, StationResult, station_main

KNEE_RATES = (0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0)
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


class StationFleet:
    """N station processes prepared once and run in rounds, each at its own rate."""

    def __init__(
        self, database: Database, url: str, *, stations: int, seconds: float, batches: int
    ) -> None:
        # Forked where the system can (the stations start at once, their imports done),
        # spawned elsewhere; each opens its own engine, the parent's pool emptied before.
        context: Any = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        )
        database.dispose()
        self.database = database
        self.seconds = seconds
        self._out = tempfile.TemporaryDirectory(prefix="coi-loadtest-")
        self.plans = [
            StationPlan(url, index, "a", seconds, stations, batches, self._out.name)
            for index in range(1, stations + 1)
        ]
        self._barrier = context.Barrier(stations + 1)
        self._rate = context.Value("d", 0.0)
        self._results = context.Queue()
        self._processes = [
            context.Process(
                target=station_main,
                args=(plan, self._barrier, self._rate, self._results),
                daemon=True,
            )
            for plan in self.plans
        ]
        for process in self._processes:
            process.start()
        self.acknowledged: list[Acknowledged] = []
        self.setup_s = 0.0

    def _gather(self, wait_s: float) -> list[StationResult]:
        gathered: list[StationResult] = []
        deadline = time.monotonic() + wait_s
        while len(gathered) < len(self._processes) and time.monotonic() < deadline:
            try:
                gathered.append(self._results.get(timeout=1.0))
            except queue.Empty:
                if all(p.exitcode is not None for p in self._processes):
                    break
        return sorted(gathered, key=lambda r: r.index)

    def round(self, rate: float) -> dict[str, Any]:
        """Run every station at ``rate`` for the fleet's seconds; figures and checks."""
        self._rate.value = rate
        started = time.monotonic()
        try:
            self._barrier.wait(SETUP_TIMEOUT_S)
        except threading.BrokenBarrierError:
            gathered = self._gather(5.0)  # the station whose setup failed said why
        else:
            self.setup_s = self.setup_s or time.monotonic() - started
            gathered = self._gather(self.seconds + _GRACE_S)
        problems = [f"{r.station}: {r.problem}" for r in gathered if r.problem]
        silent = len(self.plans) - len(gathered)
        if silent:
            problems.append(f"{silent} station(s) sent no result")
        records = [record for result in gathered for record in result.records]
        self.acknowledged += [
            Acknowledged(result.station, record.ack)
            for result in gathered
            for record in result.records
            if record.ack is not None
        ]
        figures = summarise(records, stations=len(self.plans), seconds=self.seconds)
        stations = [plan.name for plan in self.plans]
        exactly_once = check_exactly_once(self.database, stations, self.acknowledged)
        chain = verify_database(self.database)
        return {
            "rate_per_station": rate,
            "stations": len(self.plans),
            "seconds": self.seconds,
            "station_problems": problems,
            "setup_s": round(self.setup_s, 1),
            **figures,
            "exactly_once": exactly_once.as_dict(),
            "audit_chain": {
                "checked": True,
                "ok": chain.ok,
                "events": chain.events,
                "problems": list(chain.problems),
            },
            "p99_under_target": figures["latency"]["p99_ms"] < P99_TARGET_MS,
            "ok": not problems
            and exactly_once.ok
            and chain.ok
            and figures["unexplained_errors"] == 0,
        }

    def close(self) -> None:
        """Tell the stations to stop, and wait for them."""
        self._rate.value = 0.0
        with contextlib.suppress(threading.BrokenBarrierError):
            self._barrier.wait(30.0)
        for process in self._processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join()
        self._out.cleanup()


def _keeps_up(round_: dict[str, Any]) -> bool:
    """The round met the target: p99 under 100 ms, every station kept its rate, all checks held."""
    achieved = round_["achieved_rate_per_station"] >= 0.9 * round_["rate_per_station"]
    return bool(round_["ok"] and round_["p99_under_target"] and achieved)


def find_knee(fleet: StationFleet) -> dict[str, Any]:
    """Step the rate per station up until a round misses the target; the knee is the last rate
    that met it (p99 under 100 ms, the rate kept, every check passed)."""
    steps = []
    knee = None
    for rate in KNEE_RATES:
        round_ = fleet.round(rate)
        steps.append(
            {
                "rate_per_station": rate,
                "operations": round_["operations"],
                "p50_ms": round_["latency"]["p50_ms"],
                "p95_ms": round_["latency"]["p95_ms"],
                "p99_ms": round_["latency"]["p99_ms"],
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
        "seconds_per_step": fleet.seconds,
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
) -> dict[str, Any]:
    """Prepare the empty database at ``url``, run the load, check it; with ``knee``, step up."""
    check_figures(stations, seconds, rate)
    database = prepare_load_database(url, station, stations)
    before = machine()
    batches = 1 + int(rate * seconds // 120) + (1 if knee else 0)  # ~8 steps a minute at 2/s
    fleet = StationFleet(database, url, stations=stations, seconds=seconds, batches=batches)
    try:
        output: dict[str, Any] = {
            "database": database.display_url,
            "machine": before,
            "argon2_verify_ms": argon2_verify_ms(),
            **fleet.round(rate),
        }
        if knee and output["ok"]:
            output["knee"] = find_knee(fleet)
    finally:
        fleet.close()
        database.dispose()
    output["load_average_after"] = machine()["load_average"]
    output["ok"] = output["ok"] and all(s["ok"] for s in output.get("knee", {}).get("steps", []))
    return output
