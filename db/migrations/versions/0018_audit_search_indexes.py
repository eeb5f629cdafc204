"""The audit trail screen's filters walk an index in event order: (column, seq) indexes.

Revision ID: 0018_audit_search_indexes
Revises: 0017_storage_locations
Create Date: 2026-12-06 23:00:00.000000

A page is the newest events that match, ``ORDER BY seq DESC LIMIT n``: with an index on the
filtered column alone the database reads every match and sorts it; with ``(column, seq)`` it
reads the page from the index's end. The user id, user name and record type indexes become
``(column, seq)`` (they serve the plain look-ups too: no more indexes to keep up at each
write), and the action gets one (its words are matched in the index, not the table). Plain
CREATE / DROP INDEX on both backends: the SQLite table is not rebuilt, so its append-only
triggers stay in place.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0018_audit_search_indexes'
down_revision: str | None = '0017_storage_locations'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPLACED = (
    ('ix_audit_event_user_id', 'user_id'),
    ('ix_audit_event_username', 'username'),
    ('ix_audit_event_record_type', 'record_type'),
)
NEW = (
    ('ix_audit_event_user_id_seq', 'user_id'),
    ('ix_audit_event_username_seq', 'username'),
    ('ix_audit_event_record_type_seq', 'record_type'),
    ('ix_audit_event_action_seq', 'action'),
)


def upgrade() -> None:
    for name, column in NEW:
        op.create_index(name, 'audit_event', [column, 'seq'], unique=False)
    for name, _column in REPLACED:
        op.drop_index(name, table_name='audit_event')


def downgrade() -> None:
    for name, column in REPLACED:
        op.create_index(name, 'audit_event', [column], unique=False)
    for name, _column in reversed(NEW):
        op.drop_index(name, table_name='audit_event')
