"""The load test: N workstations on one database, their latencies, and exactly-once checks."""

from __future__ import annotations

from app.loadtest.dataset import refuse_non_empty
from app.loadtest.exactly_once import Acknowledged, ExactlyOnce, check_exactly_once
from app.loadtest.operations import Ack
from app.loadtest.run import KNEE_RATES, check_figures, run_load_test

__all__ = [
    "KNEE_RATES",
    "Ack",
    "Acknowledged",
    "ExactlyOnce",
    "check_exactly_once",
    "check_figures",
    "refuse_non_empty",
    "run_load_test",
]
