"""One load-test workstation: a process of its own, its own connection pool and its people.

It prepares its material (a labelled bag, batch records in manufacture) under a station name of
its own (``…-setup``), waits for every other station at the barrier, then for the given time
starts one operation every 1/rate seconds: scan-station checks, the collection and shipping
pipeline, manufacturing steps and audit searches. Each operation's latency is the service call
alone; how late it started (a station that cannot keep up) is kept beside it.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

from app.access import authenticate
from app.core import CoiError, StaleRecord, open_database
from app.demo import DEMO_PASSWORD, JourneyDriver
from app.journey import steps_of_case
from app.loadtest.dataset import STATION_PEOPLE, station_people
from app.loadtest.operations import (
    FAILED,
    Ack,
    Op,
    StationWork,
    audit_search,
    collection_cycle,
    manufacturing_steps,
    scan_check,
)
from db.enums import CaseStage

PATTERN = ("scan", "pipeline", "audit", "scan", "pipeline", "scan", "pipeline", "audit", "scan")
"""One round of a station's work: 4 scan-station checks, 3 pipeline operations, 2 searches."""
SETUP_TIMEOUT_S = 600.0


class Barrier(Protocol):
    """The start line every station waits at (``multiprocessing.Barrier``)."""

    def wait(self, timeout: float | None = None) -> int: ...

    def abort(self) -> None: ...


class SharedRate(Protocol):
    """The round's rate per station, set by the parent (``multiprocessing.Value``)."""

    value: float


class ResultQueue(Protocol):
    """Where a station puts its result (``multiprocessing.Queue``)."""

    def put(self, obj: Any) -> None: ...


@dataclass(frozen=True)
class StationPlan:
    """What one station does: where, how fast, for how long, with how much material."""

    url: str
    index: int
    round_tag: str
    seconds: float
    stations: int
    batches: int
    out_dir: str

    @property
    def name(self) -> str:
        """The station name its operations carry in the audit trail."""
        return f"load-{self.round_tag}-{self.index:02d}"


@dataclass(frozen=True)
class OpRecord:
    """One operation as it went: latency, lateness, and its ack or its error."""

    kind: str
    name: str
    latency_ms: float
    late_ms: float
    ack: Ack | None = None
    error: str | None = None
    """The error's class name (None: acknowledged)."""
    message: str | None = None


@dataclass(frozen=True)
class StationResult:
    """What a station did; ``problem`` says why it did nothing (its setup failed)."""

    index: int
    station: str
    records: tuple[OpRecord, ...]
    setup_s: float
    problem: str | None = None


class _Pipeline:
    """A generator of operations primed with its next one."""

    def __init__(self, generator: Any) -> None:
        self._generator = generator
        self.next: Op | None = next(generator, None)

    def done(self, result: Any) -> None:
        try:
            self.next = self._generator.send(result)
        except StopIteration:
            self.next = None


def _prepare(plan: StationPlan) -> StationWork:
    """Sign the people in and make this station's material (a bag, batch records)."""
    database = open_database(plan.url, upgrade=False)
    suffix = station_people(plan.index)
    setup = JourneyDriver(database, Path(plan.out_dir), station=f"{plan.name}-setup", people=suffix)
    people = {
        user: authenticate(database, user + suffix, DEMO_PASSWORD, plan.name)
        for user in STATION_PEOPLE
    }
    tag = f"{plan.round_tag}{plan.index:02d}"
    work = StationWork(database, tag.upper(), plan.index, people, random=random.Random(tag))  # noqa: S311 - a workload mix
    born = date(1930, 1, 1) + timedelta(days=plan.index * 50)
    for number in range(plan.batches + 1):
        given = "Prep" + "".join(chr(ord("a") + int(d)) for d in f"{plan.index:02d}{number:02d}")
        case = setup.enrol(f"P{tag.upper()}{number:03d}", "Loadtest", given, born)
        if number == 0:
            bag = setup.collect(case)
            assert bag.din is not None
            work.bags.append((bag.din, case.coi))
        else:
            setup.run_to(case, CaseStage.IN_MANUFACTURE)
            work.batches.append(steps_of_case(database, setup.who("otto.operator"), case.id))
        work.cases.append(case.coi)
    return work


def _run_one(op: Op, due: float) -> tuple[OpRecord, Any]:
    started = time.perf_counter()
    late = max(0.0, started - due) * 1000
    try:
        result = op.call()
    except CoiError as exc:
        latency = (time.perf_counter() - started) * 1000
        kind = "StaleRecord" if isinstance(exc, StaleRecord) else type(exc).__name__
        return OpRecord(op.kind, op.name, latency, late, error=kind, message=exc.message), FAILED
    except Exception as exc:  # an unexplained error: kept with its type, the run goes on
        latency = (time.perf_counter() - started) * 1000
        return OpRecord(
            op.kind, op.name, latency, late, error=type(exc).__name__, message=str(exc)[:300]
        ), FAILED
    latency = (time.perf_counter() - started) * 1000
    return OpRecord(op.kind, op.name, latency, late, ack=op.ack(result)), result


def _work(
    work: StationWork, plan: StationPlan, rate: float, pipelines: tuple[_Pipeline, _Pipeline]
) -> list[OpRecord]:
    """Start one operation every 1/rate seconds for ``plan.seconds``."""
    collection, manufacture = pipelines
    interval = 1.0 / rate
    start = time.perf_counter() + interval * plan.index / plan.stations  # stations staggered
    deadline = start + plan.seconds
    records: list[OpRecord] = []
    for number in range(int(plan.seconds * rate) + 1):
        due = start + number * interval
        if due >= deadline or time.perf_counter() >= deadline:
            break  # a station that fell behind does only what fitted in the time
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        slot = PATTERN[number % len(PATTERN)]
        pipeline: _Pipeline | None = None
        if slot == "scan":
            op = scan_check(work)
        elif slot == "audit":
            op = audit_search(work)
        else:
            work.turn += 1
            pipeline = manufacture if work.turn % 2 and manufacture.next else collection
            assert pipeline.next is not None  # the collection cycle never ends
            op = pipeline.next
        record, result = _run_one(op, due)
        records.append(record)
        if pipeline is not None:
            pipeline.done(result)
    return records


def station_main(
    plan: StationPlan, barrier: Barrier, rate: SharedRate, results: ResultQueue
) -> None:
    """The process body: prepare, then for each round wait for all at the barrier, work at
    the round's rate and put the round's result on ``results``; a rate of 0 ends it."""
    started = time.perf_counter()
    try:
        work = _prepare(plan)
    except Exception as exc:  # reported in the output, never a silent hang of the others
        barrier.abort()
        problem = f"{type(exc).__name__}: {exc}"
        results.put(StationResult(plan.index, plan.name, (), 0.0, problem))
        return
    setup_s = time.perf_counter() - started
    pipelines = (_Pipeline(collection_cycle(work)), _Pipeline(manufacturing_steps(work)))
    try:
        while True:
            try:
                barrier.wait(SETUP_TIMEOUT_S)
            except Exception:  # the run was called off (another station's setup failed)
                return
            if rate.value <= 0:
                return
            records = _work(work, plan, rate.value, pipelines)
            results.put(StationResult(plan.index, plan.name, tuple(records), setup_s))
    finally:
        work.database.dispose()
