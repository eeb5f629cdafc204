"""Reading a partner's EPCIS 2.0 JSON-LD file: bytes → a checked document, or a clear refusal."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema

from app.core import ValidationFailed

MAX_BYTES = 50 * 1024 * 1024
EVENT_TYPES = frozenset(
    {
        "ObjectEvent",
        "AggregationEvent",
        "TransactionEvent",
        "TransformationEvent",
        "AssociationEvent",
    }
)


class InvalidEpcisFile(ValidationFailed):
    """The file cannot be read as an EPCIS 2.0 document; nothing was imported."""

    title = "Not an EPCIS document"


@dataclass(frozen=True)
class EpcisDocument:
    """A parsed document: its events as sent, its JSON-LD context and its file's SHA-256."""

    name: str
    sha256: str
    context: Any
    events: tuple[dict[str, Any], ...]


def read_epcis_file(path: Path, *, schema: Path | None = None) -> EpcisDocument:
    """Read and check ``path``; with ``schema`` (GS1's EPCIS JSON schema) validate against it."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InvalidEpcisFile(f"Cannot read {path.name}: {exc.strerror or exc}.") from None
    if len(raw) > MAX_BYTES:
        raise InvalidEpcisFile(f"{path.name} is larger than {MAX_BYTES // 2**20} MB.")
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidEpcisFile(f"{path.name} is not JSON: {exc}.") from None
    if schema is not None:
        _validate(path.name, document, schema)
    events = _events(path.name, document)
    return EpcisDocument(
        name=path.name,
        sha256=hashlib.sha256(raw).hexdigest(),
        context=document.get("@context"),
        events=events,
    )


def epcis_document_of(name: str, sha256: str, document: Any) -> EpcisDocument:
    """A document already parsed from JSON (e.g. inside an exchange bundle), checked."""
    events = _events(name, document)
    return EpcisDocument(name=name, sha256=sha256, context=document["@context"], events=events)


def _events(name: str, document: Any) -> tuple[dict[str, Any], ...]:
    if not isinstance(document, dict):
        raise InvalidEpcisFile(f"{name} is JSON but not an EPCIS document (not an object).")
    kind = document.get("type")
    if kind == "EPCISQueryDocument":
        raise InvalidEpcisFile(
            f"{name} is an EPCIS query document; ask the partner for an EPCISDocument."
        )
    if kind != "EPCISDocument":
        raise InvalidEpcisFile(
            f"{name} is JSON but not an EPCIS document: its type is {str(kind)[:40]!r}, "
            "not 'EPCISDocument'."
        )
    if not str(document.get("schemaVersion", "")).startswith("2."):
        raise InvalidEpcisFile(
            f"{name} is EPCIS schema version {str(document.get('schemaVersion'))[:10]!r}; "
            "only version 2.0 is read."
        )
    if "@context" not in document:
        raise InvalidEpcisFile(f"{name} has no JSON-LD @context.")
    body = document.get("epcisBody")
    events = body.get("eventList") if isinstance(body, dict) else None
    if not isinstance(events, list):
        raise InvalidEpcisFile(f"{name} has no epcisBody.eventList.")
    for number, event in enumerate(events, start=1):
        _check_event(name, number, event)
    return tuple(events)


def _check_event(name: str, number: int, event: Any) -> None:
    where = f"{name}, event {number}"
    if not isinstance(event, dict):
        raise InvalidEpcisFile(f"{where} is not an object.")
    if event.get("type") not in EVENT_TYPES:
        raise InvalidEpcisFile(
            f"{where} has the type {str(event.get('type'))[:40]!r}; "
            f"known types: {', '.join(sorted(EVENT_TYPES))}."
        )
    event_time(where, event)


def event_time(where: str, event: dict[str, Any]) -> datetime:
    """The event's ``eventTime``; a time without a UTC offset is refused."""
    text = event.get("eventTime")
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        raise InvalidEpcisFile(f"{where} has no valid eventTime ({str(text)[:40]!r}).") from None
    if moment.tzinfo is None:
        raise InvalidEpcisFile(f"{where}: eventTime {text!r} has no UTC offset.")
    return moment


def _validate(name: str, document: Any, schema_path: Path) -> None:
    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        validator = jsonschema.Draft7Validator(
            schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
        )
    except (OSError, ValueError, jsonschema.SchemaError) as exc:
        raise ValidationFailed(f"Cannot use the schema {schema_path.name}: {exc}.") from None
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        shown = "; ".join(
            f"at /{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:160]}"
            for e in errors[:3]
        )
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise InvalidEpcisFile(
            f"{name} does not validate against {schema_path.name}: {shown}{more}."
        )
