"""A ZPL label job is recorded before it is sent: ``label.send_state`` and ``label.send_error``.

Revision ID: 0011_label_print_job_send_state
Revises: 0010_qc_result_corrections
Create Date: 2026-12-06 17:30:00.000000

A networked print is committed as ``sending`` before a byte goes to the printer, then marked
``sent`` or ``failed`` (with the printer's error); a crash in between leaves ``sending``, which
label reconciliation shows. Existing labels (and screen prints) carry NULL. Plain nullable
columns: ALTER TABLE ADD COLUMN on both backends; downgrade drops them.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_label_print_job_send_state'
down_revision: str | None = '0010_qc_result_corrections'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('label', sa.Column('send_state', sa.String(length=16), nullable=True))
    op.add_column('label', sa.Column('send_error', sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column('label', 'send_error')
    op.drop_column('label', 'send_state')
