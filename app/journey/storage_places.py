"""Storage locations as their labels carry them (pure): ``STORE/RACK/BOX/POSITION``.

Each freezer or dewar position carries a bar code with its four parts separated by ``/``
(e.g. ``DEWAR-3/B/12/A1``). Parts are compared in capitals with surrounding spaces removed, so
``dewar-3 / b / 12 / a1`` names the same position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.core import ValidationFailed
from db.models.storage import PART_LENGTH

_PART = re.compile(r"[A-Z0-9][A-Z0-9 ._-]*")
PARTS = ("freezer or dewar", "rack", "box", "position")


@dataclass(frozen=True)
class StorageLocation:
    """A storage position: freezer or dewar, rack, box, position (each in capitals)."""

    store: str
    rack: str
    box: str
    position: str

    @property
    def code(self) -> str:
        """The location as its bar code carries it."""
        return f"{self.store}/{self.rack}/{self.box}/{self.position}"

    @property
    def words(self) -> str:
        """The location in words, as screens and messages print it."""
        return f"{self.store}, rack {self.rack}, box {self.box}, position {self.position}"


def parse_location(scan: str) -> StorageLocation:
    """The location a storage position's bar code carries; anything else is refused."""
    parts = [part.strip().upper() for part in scan.split("/")]
    if len(parts) != len(PARTS):
        raise ValidationFailed(
            f"{scan.strip()[:60]!r} is not a storage location: scan the position's label, "
            "which reads FREEZER/RACK/BOX/POSITION (e.g. DEWAR-3/B/12/A1)."
        )
    for name, part in zip(PARTS, parts, strict=True):
        if not part:
            raise ValidationFailed(f"The storage location names no {name}.")
        if len(part) > PART_LENGTH:
            raise ValidationFailed(f"The {name} {part[:30]!r}… is longer than {PART_LENGTH}.")
        if not _PART.fullmatch(part):
            raise ValidationFailed(
                f"The {name} {part!r} may hold only letters, digits, spaces, '.', '_' and '-'."
            )
    return StorageLocation(*parts)
