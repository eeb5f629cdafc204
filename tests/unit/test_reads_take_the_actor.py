"""Every read service takes the actor (issue 13, point 3).

A hostile tester found reads with no actor and no permission check (`deviations_of_case`,
`steps_of_case`, `qc_results_of_case`, `label_reconciliation`, `receipt_status`, the logger
reads). The rule, checked over every public function of every `app/` package (its `__all__`):

- a function that opens its own read of the database (takes a `Database`) takes
  `actor: Actor` too, and checks it;
- a function that takes a `Session` or a `UnitOfWork` runs inside a caller's transaction: the
  service that opened it took the actor and checked it (a `UnitOfWork` carries its actor).

The allow-list below names the few `Database` functions that take no actor, each with why.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import uuid
from collections.abc import Callable
from typing import Any

import app
from app.core import Actor, Database

NO_ACTOR: dict[str, str] = {
    # Sign-in itself: there is no actor before it.
    "access.authenticate": "signs in: makes the actor",
    "access.check_password": "checks a password for a sign-in or signature in progress",
    "access.refuse_wrong_password": "records a failed sign-in (no actor yet)",
    "access.count_users": "first start: are there any accounts (a number, no user data)",
    "access.create_first_admin": "first start: makes the first account (no actor yet)",
    # Whole-database tools run by whoever holds the database file, not user reads.
    "admin.backup_database": "copies the whole file (the operator holds the file already)",
    "audit.reconcile_database": "integrity check of the whole file (`coi audit reconcile`)",
    "core.verify_database": "audit chain verification of the whole file",
    "audit.verify_with_records": "audit chain and record verification of the whole file",
    "core.current_seal": "the audit chain head (a digest, no record data)",
    "demo.run_demo": "drives the demo with the demo users, each signed in",
    "demo.seed_demo": "writes reference data as the given administrator",
    "demo.prepare": "first start of a demo or load-test database: makes its administrator",
    "loadtest.check_exactly_once": "integrity check of a load-test database after its run",
    # Reference lists with no case, unit, deviation, label, shipment or audit data.
    "access.list_users": "account list for the sign-in and admin screens (no patient data)",
    "admin.list_sites": "site names and codes (reference data)",
    "labelling.list_printers": "printer names and addresses (reference data)",
    "coldchain.stored_profile": "a temperature profile's limits (reference data)",
}


def _public_functions() -> dict[str, Callable[..., Any]]:
    found: dict[str, Callable[..., Any]] = {}
    for module in pkgutil.iter_modules(app.__path__):
        package = importlib.import_module(f"app.{module.name}")
        for name in getattr(package, "__all__", ()):
            value = getattr(package, name, None)
            if inspect.isfunction(value):
                found[f"{module.name}.{name}"] = value
    return found


def _annotations(function: Callable[..., Any]) -> dict[str, str]:
    return {p.name: str(p.annotation) for p in inspect.signature(function).parameters.values()}


def _without_actor(functions: dict[str, Callable[..., Any]]) -> list[str]:
    """The functions that take a `Database` but no `actor: Actor` and are not allowed to."""
    missing = []
    for name, function in functions.items():
        annotations = _annotations(function)
        unchecked = annotations.get("actor") != "Actor" and name not in NO_ACTOR
        if "Database" in annotations.values() and unchecked:
            missing.append(name)
    return missing


def test_every_read_that_opens_the_database_takes_the_actor() -> None:
    missing = _without_actor(_public_functions())
    assert missing == [], f"public reads without `actor: Actor`: {missing}"


def test_the_allow_list_names_only_real_functions_without_an_actor() -> None:
    functions = _public_functions()
    stale = [n for n in NO_ACTOR if n not in functions or "actor" in _annotations(functions[n])]
    assert stale == []


def _old_deviations_of_case(database: Database, case_id: uuid.UUID) -> list[object]:
    return [database, case_id]  # the read as found: no actor


def _new_deviations_of_case(database: Database, actor: Actor, case_id: uuid.UUID) -> list[object]:
    return [database, actor, case_id]


def test_the_rule_catches_a_read_without_an_actor() -> None:
    """The check itself is attacked: the read as the tester found it is caught."""
    found = {"quality.deviations_of_case": _old_deviations_of_case}
    assert _without_actor(found) == ["quality.deviations_of_case"]
    assert _without_actor({"quality.deviations_of_case": _new_deviations_of_case}) == []
