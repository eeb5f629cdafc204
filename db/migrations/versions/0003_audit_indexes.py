"""Indexes on the audit trail for the audit trail screen: time, user id, user name.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 06:00:00.000000

Plain CREATE INDEX on both backends: the SQLite table is not rebuilt, so its append-only
triggers stay in place.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ('ix_audit_event_at', 'at'),
    ('ix_audit_event_user_id', 'user_id'),
    ('ix_audit_event_username', 'username'),
)


def upgrade() -> None:
    for name, column in INDEXES:
        op.create_index(name, 'audit_event', [column], unique=False)


def downgrade() -> None:
    for name, _column in reversed(INDEXES):
        op.drop_index(name, table_name='audit_event')
