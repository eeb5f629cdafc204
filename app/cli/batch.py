"""``coi step start|list|perform|verify``: the batch record from the command line.

A step is named by its code (``selection``) or its position (``2``). ``perform`` scans the
inputs (``--input SCAN``, repeatable) and records the parameters as ``KEY=VALUE`` (a list as
``1.5,2,3``; yes/no for a tick box); ``verify`` is a second person's signature. Output JSON;
exit 0 done, 1 refused (``{"error": ...}``), 2 bad usage.
"""

from __future__ import annotations

import argparse
import uuid
from typing import Any

from app.casefile import BatchRecordScreen, batch_record_screen
from app.cli.acting import acting, case_by_coi, refusals, signing
from app.cli.common import add_case_arguments
from app.cli.journey_json import step_json, unit_json
from app.cli.output import print_json
from app.core import Actor, Database, ValidationFailed
from app.journey import StepRecord, StepView, perform_step, start_manufacture, verify_step

_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``step`` to the command line."""
    step = commands.add_parser("step", help="the batch record: start, perform and verify steps")
    words = step.add_subparsers(dest="step_command", required=True, metavar="COMMAND")
    start = words.add_parser("start", help="start manufacture of a received case (operator)")
    add_case_arguments(start)
    start.set_defaults(handler=refusals(run_start))
    listing = words.add_parser(
        "list", help="the case's steps (parameters, status) and its containers"
    )
    add_case_arguments(listing)
    listing.set_defaults(handler=refusals(run_list))
    perform = words.add_parser(
        "perform",
        help="perform a step: scan its inputs, record its parameters (operator)",
        description="Scan the step's input containers and record its parameters; prints the "
        "DINs of the containers it made (print and scan back their labels before verifying).",
    )
    add_case_arguments(perform)
    perform.add_argument("step", metavar="STEP", help="the step's code or position")
    perform.add_argument(
        "--input", dest="inputs", action="append", default=[], metavar="SCAN", required=True
    )
    perform.add_argument("--param", dest="params", action="append", default=[], metavar="KEY=VALUE")
    perform.set_defaults(handler=refusals(run_perform))
    verify = words.add_parser("verify", help="verify a performed step, signed (verifier)")
    add_case_arguments(verify)
    verify.add_argument("step", metavar="STEP", help="the step's code or position")
    verify.set_defaults(handler=refusals(run_verify))


def _typed(name: str, kind: str, text: str) -> Any:
    """``text`` as the step's parameter ``name`` of ``kind`` wants it."""
    value = text.strip()
    try:
        if kind == "bool":
            if value.lower() not in _YES | _NO:
                raise ValueError(value)
            return value.lower() in _YES
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
        if kind == "number_list":
            return [float(part) for part in value.split(",")]
    except ValueError:
        raise ValidationFailed(f"{name}={text[:40]!r} is not {kind.replace('_', ' ')}.") from None
    return value


def parameters(step: StepView, pairs: list[str]) -> dict[str, Any]:
    """The ``KEY=VALUE`` pairs typed for ``step``, converted as its template declares."""
    kinds = {item["name"]: item.get("type", "text") for item in step.parameter_spec}
    given: dict[str, Any] = {}
    for pair in pairs:
        name, equals, text = pair.partition("=")
        name = name.strip()
        if not equals or not name:
            raise ValidationFailed(f"{pair[:40]!r} is not KEY=VALUE.")
        if name in given:
            raise ValidationFailed(f"{name} is given twice.")
        given[name] = _typed(name, kinds.get(name, "text"), text)
    return given


def _screen(database: Database, actor: Actor, typed_coi: str) -> BatchRecordScreen:
    case = case_by_coi(database, actor, typed_coi)
    return batch_record_screen(database, actor, case.id)


def _step(screen: BatchRecordScreen, typed: str) -> StepView:
    wanted = typed.strip()
    for step in screen.steps:
        if wanted.casefold() == step.code.casefold() or wanted == str(step.position):
            return step
    known = ", ".join(f"{s.position} {s.code}" for s in screen.steps) or "none yet"
    raise ValidationFailed(f"This case has no step {wanted[:40]!r} (its steps: {known}).")


def _dins(screen: BatchRecordScreen) -> dict[uuid.UUID, str | None]:
    return {unit_id: unit.din for unit_id, unit in screen.units.items()}


def run_start(args: argparse.Namespace) -> int:
    """Start manufacture: the case's steps are laid out."""
    with acting(args) as (database, actor):
        case = case_by_coi(database, actor, args.coi)
        steps = start_manufacture(database, actor, case.id)
    print_json({"started": case.coi, "steps": [step_json(step) for step in steps]})
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Print the case's steps."""
    with acting(args) as (database, actor):
        screen = _screen(database, actor, args.coi)
    dins = _dins(screen)
    print_json(
        {
            "coi": screen.case.coi,
            "steps": [step_json(s, dins) for s in screen.steps],
            "containers": [unit_json(u) for u in screen.units.values()],
        }
    )
    return 0


def run_perform(args: argparse.Namespace) -> int:
    """Perform one step."""
    with acting(args) as (database, actor):
        step = _step(_screen(database, actor, args.coi), args.step)
        record = StepRecord(tuple(args.inputs), parameters(step, args.params))
        performed = perform_step(database, actor, step.id, record)
        dins = _dins(batch_record_screen(database, actor, performed.case_id))
    print_json({"performed": step_json(performed, dins)})
    return 0


def run_verify(args: argparse.Namespace) -> int:
    """Verify one step, signed with the ``--as`` password."""
    with signing(args) as (database, actor, password):
        step = _step(_screen(database, actor, args.coi), args.step)
        verified = verify_step(database, actor, step.id, password)
    print_json({"verified": step_json(verified)})
    return 0
