"""A generated password must be changed at first sign-in: ``app_user.must_change_password``.

Revision ID: 0006_must_change_password
Revises: 0005_label_serials
Create Date: 2026-11-28 09:00:00.000000

Existing accounts chose their passwords: they get ``false``. On SQLite the column is added in
batch mode with ``recreate='never'`` (ALTER TABLE ... ADD COLUMN ... DEFAULT 0): the table is
not rebuilt, so the foreign keys pointing at it stay as they are. Downgrade drops the column in
place (SQLite 3.35 and later), again without a rebuild.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006_must_change_password'
down_revision: str | None = '0005_label_serials'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None, recreate='never') as batch_op:
        batch_op.add_column(
            sa.Column(
                'must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade() -> None:
    op.drop_column('app_user', 'must_change_password')
