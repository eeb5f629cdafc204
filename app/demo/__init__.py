"""The demo: reference data, the reference journey and its run."""

from __future__ import annotations

from app.demo.journey import DEMO_PASSWORD, STEP_PARAMETERS, JourneyDriver
from app.demo.run import prepare, run_demo
from app.demo.seed import reference_data, seed_demo

__all__ = [
    "DEMO_PASSWORD",
    "STEP_PARAMETERS",
    "JourneyDriver",
    "prepare",
    "reference_data",
    "run_demo",
    "seed_demo",
]
