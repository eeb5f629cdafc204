"""The EPCIS event hash (``ni:///sha-256;…?ver=CBV2.0``), computed by GS1's reference package.

``epcis-event-hash-generator`` expands the document's JSON-LD context with PyLD. It would fetch
an unknown context from the internet; we install a loader that serves only the GS1 EPCIS
contexts the package ships and refuses every other URL, so an imported file never makes the app
reach out to a host it names.
"""

from __future__ import annotations

import copy
from typing import Any

from epcis_event_hash_generator import hash_generator, json_to_py
from epcis_event_hash_generator.file_document_loader import file_document_loader
from pyld import jsonld

KNOWN_CONTEXTS = frozenset(
    {
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        "https://gs1.github.io/EPCIS/epcis-context.jsonld",
    }
)
"""The context URLs served from the package's own copies; any other URL is refused."""

_PACKAGE_LOADER = file_document_loader()


def _offline_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    if url not in KNOWN_CONTEXTS:
        raise jsonld.JsonLdError(
            f"the JSON-LD context {url} is not one this app knows; it is not fetched",
            "jsonld.LoadDocumentError",
            code="loading document failed",
        )
    document: dict[str, Any] = _PACKAGE_LOADER(url, options or {})
    return document


class EventHashError(ValueError):
    """The standard hash could not be computed for these events (the message says why)."""


def _context_urls(value: Any) -> list[str]:
    """Every URL a JSON-LD context (or an object holding ``@context``) would load."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [url for item in value for url in _context_urls(item)]
    if isinstance(value, dict):
        found = _context_urls(value.get("@import")) if "@import" in value else []
        return found + [
            url
            for item in value.values()
            if isinstance(item, dict | list)
            for url in _nested_contexts(item)
        ]
    return []


def _nested_contexts(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = _context_urls(value["@context"]) if "@context" in value else []
        return own + [url for item in value.values() for url in _nested_contexts(item)]
    if isinstance(value, list):
        return [url for item in value for url in _nested_contexts(item)]
    return []


def event_hashes(context: Any, events: list[dict[str, Any]]) -> list[str]:
    """The standard hash of each event (its ``eventID`` is left out of the hash), in order.

    A context URL other than GS1's EPCIS contexts is refused before anything is expanded.
    """
    for url in _context_urls(context) + _nested_contexts(events):
        if url not in KNOWN_CONTEXTS:
            raise EventHashError(
                f"the JSON-LD context {url[:200]} is not one this app knows; it is not fetched"
            )
    jsonld.set_document_loader(_offline_loader)
    bare = [{k: v for k, v in event.items() if k != "eventID"} for event in events]
    document = {
        "@context": copy.deepcopy(context),
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2000-01-01T00:00:00Z",
        "epcisBody": {"eventList": copy.deepcopy(bare)},
    }
    try:
        parsed = json_to_py.event_list_from_epcis_document_json(document)
        hashes: list[str] = hash_generator.epcis_hashes_from_events(parsed)
    except Exception as exc:  # the reference package raises anything; we say why
        raise EventHashError(f"the EPCIS event hash could not be computed: {exc}") from exc
    if len(hashes) != len(events):  # the package skips (and logs) an event it cannot read
        raise EventHashError("the EPCIS event hash could not be computed for every event")
    return hashes
