"""``coi product list|export|import|edit|approve|reject``: product definitions as versioned files.

Every command acts as the user named by ``--as`` (password from COI_AS_PASSWORD, the terminal
or one line of standard input; an approval is signed with it). Output is JSON on standard
output. Exit status: 0 done, 1 refused by the service (``{"error": ...}`` says why; nothing was
written), 2 bad usage (argparse's message on standard error).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from app.admin import (
    approve_product,
    check_document,
    edit_draft,
    export_product,
    import_product,
    parse_document,
    product_versions,
    reject_product,
)
from app.cli.acting import acting, signing
from app.cli.common import add_as_option
from app.cli.output import print_json
from app.core import CoiError, ValidationFailed

EXIT_REFUSED = 1
MAX_FILE_BYTES = 2_000_000


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``product`` to the command line."""
    product = commands.add_parser("product", help="list, export, import and approve products")
    verbs = product.add_subparsers(dest="product_command", required=True, metavar="COMMAND")

    listing = verbs.add_parser("list", help="every version of every product (admin, QA, QP)")
    add_as_option(listing)
    listing.add_argument("--code", help="only this product code")
    listing.set_defaults(handler=_refusals(run_list))

    export = verbs.add_parser(
        "export",
        help="write a product's approved version (or --version N) as a JSON file",
    )
    add_as_option(export)
    export.add_argument("code", metavar="CODE")
    export.add_argument("--out", required=True, type=Path, metavar="FILE")
    export.add_argument("--version", type=int, metavar="N", help="this version, not the current")
    export.set_defaults(handler=_refusals(run_export))

    imported = verbs.add_parser(
        "import",
        help="a product file as a new draft version (administrator or QA); no effect until "
        "approved",
        description="Check FILE against resources/products/product.schema.json and the "
        "product rules and store it as the next version of its product code, a draft. New "
        "cases get it only after `coi product approve`.",
    )
    add_as_option(imported)
    imported.add_argument("file", type=Path, metavar="FILE")
    imported.add_argument("--reason", help="why this version (kept in the audit trail)")
    imported.set_defaults(handler=_refusals(run_import))

    edit = verbs.add_parser(
        "edit",
        help="replace the draft of the file's product code with FILE, with a reason "
        "(administrator or QA)",
    )
    add_as_option(edit)
    edit.add_argument("file", type=Path, metavar="FILE")
    edit.add_argument("--reason", required=True, help="why the draft changes (audit trail)")
    edit.set_defaults(handler=_refusals(run_edit))

    approve = verbs.add_parser(
        "approve",
        help="approve a product's draft, signed (QA, not its author); new cases get it",
    )
    add_as_option(approve)
    approve.add_argument("code", metavar="CODE")
    approve.add_argument("--comment", help="shown with the signature")
    approve.add_argument(
        "--version", type=int, metavar="N", help="only version N (refused if it is no draft)"
    )
    approve.set_defaults(handler=_refusals(run_approve))

    reject = verbs.add_parser(
        "reject",
        help="reject version N of a product, a draft, with a reason (QA); no case gets it",
    )
    add_as_option(reject)
    reject.add_argument("code", metavar="CODE")
    reject.add_argument("--version", type=int, required=True, metavar="N")
    reject.add_argument("--reason", required=True, help="why (kept in the audit trail)")
    reject.set_defaults(handler=_refusals(run_reject))


def _refusals(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Run a command; a known refusal prints ``{"error": ...}`` and exits with status 1."""

    def guarded(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except CoiError as refusal:
            print_json({"error": refusal.message})
        return EXIT_REFUSED

    return guarded


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValidationFailed(f"{path} is larger than a product file can be (2 MB).")
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed(f"{path} is not UTF-8 text.") from None
    except OSError as exc:
        raise ValidationFailed(f"Cannot read {path}: {exc.strerror or exc}.") from None


def run_list(args: argparse.Namespace) -> int:
    """Print every product version the user may see."""
    with acting(args) as (database, actor):
        versions = product_versions(database, actor, args.code)
    print_json({"products": [v.as_json() for v in versions]})
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Write a product version as a file."""
    with acting(args) as (database, actor):
        text = export_product(database, actor, args.code, version_number=args.version)
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ValidationFailed(f"Cannot write {args.out}: {exc.strerror or exc}.") from None
    print_json({"exported": args.code.strip(), "file": str(args.out)})
    return 0


def run_import(args: argparse.Namespace) -> int:
    """Store a product file as a new draft version."""
    text = _read(args.file)
    with acting(args) as (database, actor):
        view = import_product(database, actor, text, reason=args.reason)
    print_json({"imported": view.as_json()})
    return 0


def run_edit(args: argparse.Namespace) -> int:
    """Replace a product's draft with the file."""
    text = _read(args.file)
    code = check_document(parse_document(text))["code"]
    with acting(args) as (database, actor):
        view = edit_draft(database, actor, code, text, reason=args.reason)
    print_json({"edited": view.as_json()})
    return 0


def run_approve(args: argparse.Namespace) -> int:
    """Approve a product's draft with the ``--as`` user's signature."""
    with signing(args) as (database, actor, password):
        view = approve_product(
            database,
            actor,
            args.code,
            password,
            comment=args.comment,
            version_number=args.version,
        )
    print_json({"approved": view.as_json()})
    return 0


def run_reject(args: argparse.Namespace) -> int:
    """Reject a product's draft version with a reason."""
    with acting(args) as (database, actor):
        view = reject_product(database, actor, args.code, args.version, args.reason)
    print_json({"rejected": view.as_json()})
    return 0
