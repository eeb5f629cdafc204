"""Backups and restores of a whole database, with record counts and the audit chain checked.

SQLite: the sqlite3 online backup API (a consistent copy while others write). PostgreSQL:
``pg_dump --format=custom`` run on a snapshot exported by the transaction that counts the
records, so the counts and the audit head describe exactly what was dumped; without a usable
``pg_dump`` (absent, or older than the server) a logical export (`app.admin.logical_export`)
read in the same kind of snapshot. Beside every backup
``FILE.manifest.json`` records the counts, the audit chain head, the schema revision, the
file's SHA-256 and the audit key's id: the key itself is never in a backup, and verifying a
restored database needs it (`coi key import`).

A restore goes into an empty database only, then checks that every table holds the backup's
count and that the audit chain verifies and ends at the backup's head. The restored database
gets a fresh anchor on this workstation; an anchor left from an earlier database at the same
place is moved aside (kept, not deleted), so a restore never raises a false tamper alarm.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, create_engine, func, inspect, make_url, select, text

from app.admin.logical_export import GZIP_HEADER, read_logical_export, write_logical_export
from app.core import (
    ChainHead,
    ConfigurationError,
    Database,
    ValidationFailed,
    chain_head,
    connect,
    open_database,
    record_anchor,
    require_key,
    set_anchor_aside,
    verify_database,
)
from db.engine import sqlite_path
from db.migrate import schema_state
from db.models import Base
from db.models.audit import AuditKeyBinding
from db.types import utc_now

MANIFEST_FORMAT = "coi-backup-v1"
SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"
KEY_NOTE = (
    "the audit chain is keyed: verifying this backup or a database restored from it needs the "
    "audit key with this key id (export it with `coi key export`, keep it apart from backups)"
)


@dataclass(frozen=True)
class BackupResult:
    """What a backup holds: counts per table, the audit head, the key id, where it went."""

    file: Path
    manifest: Path
    manifest_data: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """The JSON printed by ``coi backup``."""
        return {"manifest": str(self.manifest), **self.manifest_data}


@dataclass(frozen=True)
class RestoreResult:
    """What a restore found: counts against the backup's, and the audit verification."""

    ok: bool
    data: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """The JSON printed by ``coi restore``."""
        return {"ok": self.ok, **self.data}


def manifest_path(file: Path) -> Path:
    """The manifest kept beside a backup file."""
    return file.with_name(file.name + ".manifest.json")


def record_counts(connection: Connection) -> dict[str, int]:
    """Rows per application table (in dependency order)."""
    present = set(inspect(connection).get_table_names())
    counts: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        if table.name in present:
            counts[table.name] = connection.execute(
                select(func.count()).select_from(table)
            ).scalar_one()
    return counts


def _audit_facts(connection: Connection) -> tuple[ChainHead, str | None, str | None]:
    head = chain_head(connection)
    key_id = connection.execute(
        select(AuditKeyBinding.key_id).where(AuditKeyBinding.id == 1)
    ).scalar_one_or_none()
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return head, key_id, revision


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string for ``url`` and the environment carrying its password."""
    parts = {
        "host": url.host or "localhost",
        "port": str(url.port or 5432),
        "dbname": url.database or "",
    }
    if url.username:
        parts["user"] = url.username
    for name, value in url.query.items():
        if isinstance(value, str):
            parts[name] = value
    conninfo = " ".join(f"{name}='{value}'" for name, value in parts.items())
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return conninfo, env


def _tool_problem(tool: str, connection: Connection) -> str | None:
    """Why ``tool`` cannot serve this server (absent, or older than the server), or None."""
    found = shutil.which(tool)
    if found is None:
        return f"{tool} is not on PATH"
    shown = subprocess.run([found, "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"(\d+)(?:\.\d+)?", shown.stdout)
    if match is None:
        return f"{tool} --version said {shown.stdout.strip()!r}"
    server = int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    client = int(match.group(1))
    if client < server:
        return f"{tool} is version {client} but the server is PostgreSQL {server}"
    return None


def _check_tool_version(tool: str, connection: Connection) -> None:
    problem = _tool_problem(tool, connection)
    if problem is not None:
        raise ConfigurationError(
            f"{problem}: install the PostgreSQL client tools of the server's major version or "
            "newer and try again; nothing was written."
        )


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().splitlines()
        raise ValidationFailed(
            f"{what} failed ({command[0]} exit {done.returncode}): "
            f"{reason[-1] if reason else 'no message'}."
        )


def _refuse_existing(out: Path) -> None:
    if out.exists() or manifest_path(out).exists():
        raise ValidationFailed(
            f"{out} (or its manifest) already exists: choose a new file name; a backup never "
            "overwrites another."
        )
    if not out.parent.is_dir():
        raise ValidationFailed(f"The folder {out.parent} does not exist: create it first.")


def _pg_dump(url: URL, snapshot: str, out: Path) -> None:
    conninfo, env = _libpq(url)
    command = ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={out}"]
    _run([*command, f"--dbname={conninfo}"], env, "pg_dump")


def backup_database(database: Database, out: Path) -> BackupResult:
    """Back up ``database`` into ``out`` (and ``out.manifest.json``); never overwrites."""
    _refuse_existing(out)
    taken_at = utc_now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if database.backend == "sqlite":
        path = sqlite_path(database.engine.url)
        if path is None:
            raise ValidationFailed("An in-memory database cannot be backed up.")
        with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(out)) as copy:
            source.backup(copy)
            # one self-contained file (no -wal beside it), so its SHA-256 covers every page
            copy.execute("PRAGMA journal_mode=DELETE")
        copy_engine = create_engine(f"sqlite:///{out}")
        try:
            with copy_engine.connect() as connection:
                counts = record_counts(connection)
                head, key_id, revision = _audit_facts(connection)
        finally:
            copy_engine.dispose()
        method, unusable = "sqlite-online-backup", None
    else:
        with database.engine.connect() as probe:
            unusable = _tool_problem("pg_dump", probe)
        with (
            database.engine.connect().execution_options(
                isolation_level="REPEATABLE READ"
            ) as connection,
            connection.begin(),
        ):
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            counts = record_counts(connection)
            head, key_id, revision = _audit_facts(connection)
            if unusable is not None:
                write_logical_export(connection, out, revision)
            else:
                _pg_dump(database.engine.url, snapshot, out)
        method = "pg_dump-custom" if unusable is None else "logical-export"
    manifest = {
        "format": MANIFEST_FORMAT,
        "file": str(out),
        "method": method,
        "pg_dump_unusable": unusable if method == "logical-export" else None,
        "backend": database.backend,
        "taken_at": taken_at,
        "revision": revision,
        "bytes": out.stat().st_size,
        "sha256": _sha256(out),
        "counts": counts,
        "audit_head": {"seq": head.seq, "hash": head.hash},
        "audit_key_id": key_id,
        "audit_key_note": KEY_NOTE,
    }
    target = manifest_path(out)
    target.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return BackupResult(out, target, manifest)


def read_manifest(file: Path) -> dict[str, Any]:
    """The manifest of backup ``file``, checked against the file; a clear error if unusable."""
    if not file.is_file():
        raise ValidationFailed(f"The backup file {file} does not exist.")
    path = manifest_path(file)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValidationFailed(
            f"The backup's manifest {path} is missing: it holds the counts and the audit head "
            "the restore is checked against. Put it beside the backup file."
        ) from exc
    except (OSError, ValueError) as exc:
        raise ValidationFailed(f"The backup's manifest {path} is unreadable: {exc}.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise ValidationFailed(f"{path} is not a COI Tracker backup manifest.")
    if _sha256(file) != manifest.get("sha256"):
        raise ValidationFailed(
            f"The backup file {file} is not the file its manifest describes (its SHA-256 "
            "differs): it was changed or damaged after the backup. Nothing was restored."
        )
    return manifest


def _refuse_non_empty(database: Database) -> None:
    with database.engine.connect() as connection:
        tables = inspect(connection).get_table_names()
    if tables:
        shown = ", ".join(sorted(tables)[:5]) + (" …" if len(tables) > 5 else "")
        raise ValidationFailed(
            f"The database at {database.display_url} is not empty (it holds {len(tables)} "
            f"tables: {shown}): a restore goes into an empty database only. Create a new "
            "database (or choose a new SQLite file) and restore into it; nothing was changed."
        )


def restore_database(file: Path, url: str) -> RestoreResult:
    """Restore backup ``file`` into the empty database at ``url``, then check it."""
    manifest = read_manifest(file)
    key_id = manifest.get("audit_key_id")
    if key_id:
        require_key(str(key_id))  # before anything is written: the check after needs it
    with file.open("rb") as stream:
        header = stream.read(16)
    target = connect(url)
    try:
        _refuse_non_empty(target)
        if header.startswith(SQLITE_HEADER):
            path = sqlite_path(target.engine.url)
            if path is None:
                raise ValidationFailed(
                    f"{file} is an SQLite backup: it restores into an SQLite database only."
                )
            target.dispose()
            with closing(sqlite3.connect(file)) as source, closing(sqlite3.connect(path)) as copy:
                source.backup(copy)
        elif header.startswith(PG_DUMP_HEADER):
            if target.backend != "postgresql":
                raise ValidationFailed(
                    f"{file} is a PostgreSQL backup: it restores into a PostgreSQL database only."
                )
            with target.engine.connect() as connection:
                _check_tool_version("pg_restore", connection)
            conninfo, env = _libpq(target.engine.url)
            _run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    f"--dbname={conninfo}",
                    str(file),
                ],
                env,
                "pg_restore",
            )
        elif header.startswith(GZIP_HEADER):
            if target.backend != "postgresql":
                raise ValidationFailed(
                    f"{file} is a PostgreSQL logical export: it restores into a PostgreSQL "
                    "database only."
                )
            with target.engine.begin() as connection:
                read_logical_export(connection, file)
        else:
            raise ValidationFailed(
                f"{file} is neither an SQLite backup, a pg_dump backup nor a logical export."
            )
    finally:
        target.dispose()
    return _check_restored(url, manifest)


def _check_restored(url: str, manifest: dict[str, Any]) -> RestoreResult:
    moved = set_anchor_aside(url)
    database = open_database(url, upgrade=False)
    try:
        with database.engine.connect() as connection:
            counts = record_counts(connection)
            head, key_id, revision = _audit_facts(connection)
        expected: dict[str, int] = manifest["counts"]
        differing = {
            table: {"backup": expected.get(table), "restored": counts.get(table)}
            for table in sorted(set(expected) | set(counts))
            if expected.get(table) != counts.get(table)
        }
        backup_head = ChainHead(
            int(manifest["audit_head"]["seq"]), str(manifest["audit_head"]["hash"])
        )
        verification = verify_database(database, seal=backup_head)
        state = schema_state(database.engine)
    finally:
        database.dispose()
    ok = not differing and verification.ok and head == backup_head
    if ok:
        record_anchor(url, head)
    return RestoreResult(
        ok,
        {
            "target": make_url(url).render_as_string(hide_password=True),
            "method": manifest["method"],
            "revision": revision,
            "app_head_revision": state.head,
            "counts": counts,
            "counts_match": not differing,
            "count_differences": differing,
            "audit_head": {"seq": head.seq, "hash": head.hash},
            "audit_key_id": key_id,
            "audit": verification.as_dict(),
            "stale_anchor_moved_to": str(moved) if moved else None,
        },
    )
