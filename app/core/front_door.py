"""Lazy front doors: a package's public names imported from their modules when first used.

A package ``__init__`` lists its imports under ``if TYPE_CHECKING:`` (what the type checker and
the reader see) and ends with ``__getattr__ = front_door(__name__)``: the first use of a name
imports its module (PEP 562), so importing the package costs nothing, and a program loads only
the modules it uses (the sign-in window never waits for the ORM models or the page modules).
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def lazy_names(init_file: str) -> dict[str, str]:
    """Each name imported under ``if TYPE_CHECKING:`` in ``init_file``, and its module."""
    tree = ast.parse(Path(init_file).read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom) and statement.module:
                    names |= {
                        alias.asname or alias.name: statement.module for alias in statement.names
                    }
    return names


def front_door(package: str) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``package``: its lazily imported names, kept once imported."""
    namespace = sys.modules[package].__dict__
    names = lazy_names(namespace["__file__"])
    missing = set(namespace.get("__all__", ())) - set(names) - set(namespace)
    assert not missing, f"{package}.__all__ names what it never imports: {sorted(missing)}"
    # A lazy name that is also a module's name would be replaced by that module as soon as
    # the module is imported (Python sets it on the package), never reaching __getattr__.
    folder = Path(namespace["__file__"]).parent
    shadowed = sorted(n for n in names if (folder / f"{n}.py").exists() or (folder / n).is_dir())
    assert not shadowed, f"{package}: lazy names shadowed by modules of the same name: {shadowed}"

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return __getattr__
