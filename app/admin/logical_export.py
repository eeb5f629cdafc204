"""The logical export of a PostgreSQL database, for a site without a usable ``pg_dump``.

Format (``coi-logical-v1``): a gzip-compressed text file of JSON lines. The first line is
``{"format": "coi-logical-v1", "revision": R}``; then, for every application table in
dependency order, ``{"table": NAME, "columns": [...]}`` followed by one JSON array per row.
Values that JSON cannot hold are tagged: ``{"$uuid": hex}``, ``{"$datetime": iso}``,
``{"$date": iso}``, ``{"$decimal": text}``, ``{"$bytes": base64}``. A restore builds the schema
at revision R on the empty target (Alembic), inserts the rows in the same order, and leaves
the upgrade to head to the next normal open. Rows are read in one REPEATABLE READ snapshot, so
the export is consistent while others write.
"""

from __future__ import annotations

import base64
import gzip
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, column, delete, insert, inspect, select, table

from app.core import ValidationFailed
from db.migrate import upgrade_connection_to
from db.models import Base

LOGICAL_FORMAT = "coi-logical-v1"
GZIP_HEADER = b"\x1f\x8b"
_BATCH = 2000


def _encode(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return {"$uuid": value.hex}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, (bytes, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _decode(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    (tag, raw), *_ = value.items()
    decoders: dict[str, Callable[[str], Any]] = {
        "$uuid": uuid.UUID,
        "$datetime": datetime.fromisoformat,
        "$date": date.fromisoformat,
        "$decimal": Decimal,
        "$bytes": base64.b64decode,
    }
    return decoders[tag](raw)


def _tables(connection: Connection) -> Iterator[tuple[str, list[str]]]:
    present = set(inspect(connection).get_table_names())
    for model in Base.metadata.sorted_tables:
        if model.name in present:
            names = [item["name"] for item in inspect(connection).get_columns(model.name)]
            yield model.name, names


def write_logical_export(connection: Connection, out: Path, revision: str | None) -> None:
    """Write every application table to ``out`` (the caller holds the snapshot)."""
    with gzip.open(out, "wt", encoding="utf-8") as stream:
        stream.write(json.dumps({"format": LOGICAL_FORMAT, "revision": revision}) + "\n")
        for name, names in _tables(connection):
            stream.write(json.dumps({"table": name, "columns": names}) + "\n")
            raw = table(name, *(column(item) for item in names))
            result = connection.execution_options(yield_per=_BATCH).execute(select(raw))
            for row in result:
                stream.write(json.dumps([_encode(value) for value in row]) + "\n")


def _lines(stream: IO[str]) -> Iterator[Any]:
    for line in stream:
        if line.strip():
            yield json.loads(line)


def _clear_seeded_rows(connection: Connection) -> None:
    """Remove what the migrations seeded (the key binding row...): the export holds them."""
    present = set(inspect(connection).get_table_names())
    for model in reversed(Base.metadata.sorted_tables):
        if model.name in present and model.name != "audit_event":
            connection.execute(delete(table(model.name)))


def read_logical_export(connection: Connection, file: Path) -> None:
    """Build the export's schema revision on the empty target and insert every row."""
    with gzip.open(file, "rt", encoding="utf-8") as stream:
        lines = _lines(stream)
        header = next(lines, None)
        if not isinstance(header, dict) or header.get("format") != LOGICAL_FORMAT:
            raise ValidationFailed(f"{file} is not a COI Tracker logical export.")
        upgrade_connection_to(connection, str(header["revision"]))
        _clear_seeded_rows(connection)
        target: Any = None
        names: list[str] = []
        batch: list[dict[str, Any]] = []
        for item in lines:
            if isinstance(item, dict):
                if batch:
                    connection.execute(insert(target), batch)
                    batch = []
                names = list(item["columns"])
                target = table(str(item["table"]), *(column(name) for name in names))
                continue
            batch.append(dict(zip(names, (_decode(value) for value in item), strict=True)))
            if len(batch) >= _BATCH:
                connection.execute(insert(target), batch)
                batch = []
        if batch:
            connection.execute(insert(target), batch)
