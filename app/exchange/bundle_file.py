"""Writing a bundle's file whole or not at all: beside its name first, then moved into place."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from app.core import ValidationFailed


def write_whole(out: Path, content: bytes) -> Path:
    """Write ``content`` to ``out`` (a temporary file in the same folder, synced, then renamed
    over ``out``); refused in words, leaving no file behind, when anything fails."""
    target = Path(out).expanduser().absolute()
    if target.is_dir():
        raise ValidationFailed(f"{target} is a folder; name the bundle file to write.")
    if not target.parent.is_dir():
        raise ValidationFailed(f"The folder {target.parent} does not exist; nothing was written.")
    partial: Path | None = None
    try:
        descriptor, name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".part", dir=target.parent
        )
        partial = Path(name)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        partial.replace(target)
    except OSError as exc:
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise ValidationFailed(
            f"Cannot write the bundle to {target}: {exc.strerror or exc}. Nothing was written "
            "and the bundle is not recorded as sent."
        ) from None
    return target
