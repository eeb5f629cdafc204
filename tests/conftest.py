"""Test-wide settings: offscreen Qt, private user directories, cheap password hashing."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Before anything imports Qt or platformdirs: no display, and never the tester's own folders.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_HOME = Path(tempfile.mkdtemp(prefix="coi-tests-"))
os.environ["XDG_DATA_HOME"] = str(_HOME / "data")
os.environ["XDG_CONFIG_HOME"] = str(_HOME / "config")
os.environ["COI_STATION"] = "test-station"
for _name in ("COI_DATABASE_URL", "COI_SETTINGS"):
    os.environ.pop(_name, None)

from argon2 import PasswordHasher  # noqa: E402 - after the environment above

from app.passwords import use_hasher  # noqa: E402

# Argon2id with minimal cost keeps thousands of sign-ins fast; production uses the defaults.
use_hasher(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "tests" / "artifacts"
CORPORA = REPO.parent / "shared" / "corpora"
