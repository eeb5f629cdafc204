"""Label print serials; DIN counters moved above the COI numbers already issued.

Revision ID: 0005_label_serials
Revises: 0004
Create Date: 2026-11-28 09:00:00.000000

Every print now carries its own serial (``label.serial``, unique; labels printed before this
revision keep none, their paper carries none).

COI and DIN sequences are now drawn into separate ranges (``labels.isbt128.sequences``): five
digits and a parity digit, DINs from 00001, COIs from 50001. Sequences issued before this
revision were the bare counter value (000001, 000002, ...). The COI counters simply continue:
a new COI sequence is at least 500010, above every DIN or COI issued before. Each DIN counter
is raised to at least the COI counter of the same FIN and year: a new DIN sequence (ten times
the counter value, plus its parity digit) is then above every COI sequence issued before, so
no new DIN can equal an old COI (and none can equal an old DIN: it is above them too).
Downgrade keeps the raised counters (counter values are never reused).
"""
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from db.types import UTCDateTime

revision: str = '0005_label_serials'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTER = sa.table(
    'counter',
    sa.column('id', sa.Uuid()),
    sa.column('name', sa.String()),
    sa.column('last_value', sa.Integer()),
    sa.column('version', sa.Integer()),
    sa.column('created_at', UTCDateTime()),
    sa.column('updated_at', UTCDateTime()),
)
_COI_SEQUENCE = sa.table(
    'coi_sequence',
    sa.column('fin', sa.String()),
    sa.column('year', sa.Integer()),
    sa.column('last_value', sa.Integer()),
)


def _raise_din_counters() -> None:
    bind = op.get_bind()
    now = datetime.now(UTC)
    counters = dict(bind.execute(sa.select(_COUNTER.c.name, _COUNTER.c.last_value)).all())
    for fin, year, coi_value in bind.execute(sa.select(_COI_SEQUENCE)).all():
        name = f'din:{fin}:{year % 100:02d}'
        if name not in counters:
            bind.execute(
                _COUNTER.insert().values(
                    id=uuid.uuid4(), name=name, last_value=coi_value, version=1,
                    created_at=now, updated_at=now,
                )
            )
        elif counters[name] < coi_value:
            bind.execute(
                _COUNTER.update()
                .where(_COUNTER.c.name == name)
                .values(last_value=coi_value, version=_COUNTER.c.version + 1, updated_at=now)
            )


def upgrade() -> None:
    op.add_column('label', sa.Column('serial', sa.String(length=18), nullable=True))
    op.create_index('ix_label_serial', 'label', ['serial'], unique=True)
    _raise_din_counters()


def downgrade() -> None:
    op.drop_index('ix_label_serial', table_name='label')
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite 3.35+ drops the column in place: a batch rebuild would DROP TABLE label, which
        # its foreign keys (scans, reprints) refuse once labels exist.
        op.execute('ALTER TABLE label DROP COLUMN serial')
    else:
        op.drop_column('label', 'serial')
