"""``coi exchange``: signed bundles of one case between a clinic's and a manufacturer's databases.

``keygen`` makes a site's Ed25519 key (the private key stays at the site; the public key goes to
the partner's administrator), ``trust`` registers a partner's public key (administrator),
``export`` signs one case's bundle for the partner site and writes it, ``import`` verifies a
partner's bundle and makes here what it carries. Output is one JSON object; exit 0 done, 1
refused (``{"error": ...}``; nothing was written), 2 bad usage.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from app.cli.acting import acting
from app.cli.common import add_as_option
from app.cli.epcis import import_json, refusals
from app.cli.output import print_json
from app.core import ValidationFailed
from app.exchange import (
    KEY_VARIABLE,
    EpcisImport,
    export_bundle,
    generate_site_key,
    import_bundle,
    load_site_key,
    register_partner_key,
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``exchange keygen|trust|export|import``."""
    exchange = commands.add_parser("exchange", help="signed bundles between partner databases")
    sub = exchange.add_subparsers(dest="exchange_command", required=True, metavar="COMMAND")
    keygen = sub.add_parser("keygen", help="a new Ed25519 site key; prints its public key")
    keygen.add_argument("--out", required=True, metavar="FILE", help="the private key (PEM)")
    keygen.set_defaults(handler=refusals(run_keygen))
    trust = sub.add_parser("trust", help="register a partner site's public key (administrator)")
    add_as_option(trust)
    trust.add_argument("--site", required=True, metavar="CODE", help="the partner's site code")
    trust.add_argument("--public-key", required=True, metavar="HEX")
    trust.set_defaults(handler=refusals(run_trust))
    out = sub.add_parser(
        "export",
        help="sign one case's bundle for its partner site",
        description="Write the case's EPCIS events and the records the partner needs (units, "
        "shipments, release decision; never patient identity), signed with this site's key.",
    )
    add_as_option(out)
    out.add_argument("--coi", required=True, metavar="COI")
    out.add_argument("--to", required=True, metavar="SITE", help="the partner site's code")
    out.add_argument("--out", required=True, metavar="BUNDLE")
    out.add_argument(
        "--key", metavar="FILE", help=f"this site's private key (default: ${KEY_VARIABLE})"
    )
    out.set_defaults(handler=refusals(run_export))
    into = sub.add_parser("import", help="verify and store a partner's bundle (QA, coordinator)")
    add_as_option(into)
    into.add_argument("bundle", metavar="BUNDLE")
    into.set_defaults(handler=refusals(run_import))


def run_keygen(args: argparse.Namespace) -> int:
    """Write the key; print the public key."""
    print_json({"key": args.out, "public_key": generate_site_key(Path(args.out))})
    return 0


def run_trust(args: argparse.Namespace) -> int:
    """Register the partner's key."""
    with acting(args) as (database, actor):
        view = register_partner_key(database, actor, args.site, args.public_key)
    print_json({"site": view.site_code, "public_key": view.public_key})
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Sign and write the bundle."""
    key_path = args.key or os.environ.get(KEY_VARIABLE)
    if not key_path:
        raise ValidationFailed(f"Name this site's key with --key FILE or {KEY_VARIABLE}.")
    key = load_site_key(Path(key_path))
    out = Path(args.out)
    with acting(args) as (database, actor):
        bundle = export_bundle(database, actor, args.coi, args.to, key, out=out)
    print_json(
        {
            "out": str(out),
            "coi": bundle.coi,
            "to": bundle.to_site,
            "bundle_id": bundle.bundle_id,
            "sha256": bundle.digest,
            "previous": bundle.previous,
            "events": bundle.events,
        }
    )
    return 0


def run_import(args: argparse.Namespace) -> int:
    """Verify and store the bundle."""
    with acting(args) as (database, actor):
        result = import_bundle(database, actor, Path(args.bundle))
    events = import_json(EpcisImport(Path(args.bundle).name, result.digest, result.outcomes))
    print_json(
        {
            "coi": result.coi,
            "from": result.from_site,
            "bundle_id": result.bundle_id,
            "sha256": result.digest,
            "created": list(result.created),
            "updated": list(result.updated),
            **{k: v for k, v in events.items() if k not in {"file", "sha256"}},
        }
    )
    return 0
