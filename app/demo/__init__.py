"""The demo: reference data, the reference journey and its run."""

from __future__ import annotations

from app.demo.run import run_demo
from app.demo.seed import seed_demo

__all__ = ["run_demo", "seed_demo"]
