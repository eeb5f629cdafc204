"""The cyclic garbage collector paused over a long read that makes no reference cycles.

Verify and reconciliation keep a million event texts and half a million records' states,
and create a few objects per row read; every so often the collector would walk all of them
(none is garbage: reference counting frees each row), costing more the bigger the database.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    """Run the body with the cyclic collector off, and turn it back on after if it was on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
