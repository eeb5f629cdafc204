"""Data files of the application: stylesheet, icons, sounds, label templates, demo data."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable


def resource(*parts: str) -> Traversable:
    """A file inside this package, e.g. ``resource("demo", "reference.json")``."""
    path = files(__name__)
    for part in parts:
        path = path / part
    return path


def read_text(*parts: str) -> str:
    """The UTF-8 text of a resource file."""
    return resource(*parts).read_text(encoding="utf-8")
