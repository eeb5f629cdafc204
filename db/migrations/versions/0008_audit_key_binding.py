"""The keyed audit chain: ``audit_key_binding`` names the key and the first keyed event.

Revision ID: 0008_audit_key_binding
Revises: 0007_site_wristband_identity
Create Date: 2026-12-06 16:00:00.000000

One row (id 1). ``keyed_from_seq`` is stated here, at migration time: the event after the
newest one (1 on a new database). ``key_id`` stays NULL until the application, holding the
audit key, writes its first keyed event; on a database that already has events that first
keyed event is the one saying "events 1–N were written before the audit key" (the re-seal).
Events written before this migration keep their SHA-256 hashes: they are part of the chain the
first keyed event's HMAC covers.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008_audit_key_binding'
down_revision: str | None = '0007_site_wristband_identity'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    binding = op.create_table(
        'audit_key_binding',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('key_id', sa.String(length=32), nullable=True),
        sa.Column('keyed_from_seq', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_key_binding')),
    )
    newest = op.get_bind().execute(sa.text('SELECT max(seq) FROM audit_event')).scalar()
    op.bulk_insert(binding, [{'id': 1, 'key_id': None, 'keyed_from_seq': int(newest or 0) + 1}])


def downgrade() -> None:
    op.drop_table('audit_key_binding')
