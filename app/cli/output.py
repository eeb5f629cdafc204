"""JSON output of the command line (light: commands that open no database import only this)."""

from __future__ import annotations

import json
from typing import Any


def print_json(value: Any) -> None:
    """Print one JSON object on its own line."""
    print(json.dumps(value, ensure_ascii=False, sort_keys=False))
