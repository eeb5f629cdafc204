"""The URIs our identifiers take in EPCIS documents, and reading them back (pure).

GS1 keys are GS1 Digital Link URIs on the canonical resolver ``https://id.gs1.org``: SSCC
(AI 00), GIAI (8004), GRAI (8003) and GLN (414). ISBT 128 has no GS1 Digital Link form, so a
Donation Identification Number is written under this app's documented base
``urn:coi-tracker:isbt128:din:`` followed by the 13-character DIN (no flag, no check character),
e.g. ``urn:coi-tracker:isbt128:din:G123426000011``. A site without a GLN is named by
``urn:coi-tracker:site:`` and its site code. Our own event fields use the ``coi:`` prefix,
bound to ``urn:coi-tracker:epcis:`` in each document's context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from labels.gs1 import check_digit

DIGITAL_LINK = "https://id.gs1.org"
DIN_BASE = "urn:coi-tracker:isbt128:din:"
SITE_BASE = "urn:coi-tracker:site:"
COI_NAMESPACE = "urn:coi-tracker:epcis:"

_DIN = re.compile(r"^[A-Z0-9]{13}$")
_DIGITAL_LINK = re.compile(r"^https?://[^/]+/(00|8004|8003|414)/([^/?#]+)$")
_EPC_SSCC = re.compile(r"^urn:epc:id:sscc:(\d+)\.(\d+)$")


def din_uri(din: str) -> str:
    """An ISBT 128 DIN as a URI under :data:`DIN_BASE`."""
    return DIN_BASE + din


def sscc_uri(sscc: str) -> str:
    """An SSCC as a GS1 Digital Link URI."""
    return f"{DIGITAL_LINK}/00/{sscc}"


def giai_uri(giai: str) -> str:
    """A GIAI (a data logger) as a GS1 Digital Link URI."""
    return f"{DIGITAL_LINK}/8004/{quote(giai, safe='')}"


def grai_uri(grai: str) -> str:
    """A GRAI (a returnable shipper) as a GS1 Digital Link URI."""
    return f"{DIGITAL_LINK}/8003/{quote(grai, safe='')}"


def gln_uri(gln: str) -> str:
    """A GLN (a site) as a GS1 Digital Link URI."""
    return f"{DIGITAL_LINK}/414/{gln}"


def site_uri(gln: str | None, code: str) -> str:
    """A site: its GLN when it has one, else its code under :data:`SITE_BASE`."""
    return gln_uri(gln) if gln else SITE_BASE + quote(code, safe="")


@dataclass(frozen=True)
class Identifier:
    """What a URI names: ``kind`` is din, sscc, giai, grai or gln; ``value`` the bare key."""

    kind: str
    value: str


_AI_KINDS = {"00": "sscc", "8004": "giai", "8003": "grai", "414": "gln"}


def read_uri(uri: str) -> Identifier | None:
    """The identifier a URI names, or None for a URI of a scheme we do not hold keys in.

    Accepts our DIN base, GS1 Digital Link URIs on any resolver host (AIs 00, 8004, 8003, 414)
    and SSCC EPC URNs (``urn:epc:id:sscc:CompanyPrefix.SerialReference``).
    """
    text = uri.strip()
    if text.startswith(DIN_BASE):
        din = text[len(DIN_BASE) :]
        return Identifier("din", din) if _DIN.match(din) else None
    link = _DIGITAL_LINK.match(text)
    if link:
        return Identifier(_AI_KINDS[link.group(1)], unquote(link.group(2)))
    epc = _EPC_SSCC.match(text)
    if epc:
        prefix, reference = epc.group(1), epc.group(2)
        body = reference[0] + prefix + reference[1:]
        return Identifier("sscc", body + check_digit(body)) if len(body) == 17 else None
    return None
