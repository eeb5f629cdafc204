"""Bedside identity: each clinic site's wristband rules.

Revision ID: 0007_site_wristband_identity
Revises: 0006_must_change_password
Create Date: 2026-11-29 09:00:00.000000

``site.wristband_mrn_pattern`` is the clinic's MRN bar-code pattern (a regular expression;
NULL: none set, so only ISBT 128 data structure 025 and GS1 AI 8018 wristbands are read), and
``site.wristband_carries_coi`` says the clinic's wristbands carry the COI too, which the
bedside check then requires in addition to the hospital identifier. Existing sites get no
pattern and ``false``. On SQLite the columns are added in batch mode with
``recreate='never'`` (ALTER TABLE ... ADD COLUMN): the table is not rebuilt, so the foreign
keys pointing at it stay as they are; downgrade drops them in place.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007_site_wristband_identity'
down_revision: str | None = '0006_must_change_password'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('site', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('wristband_mrn_pattern', sa.String(length=200)))
        batch_op.add_column(
            sa.Column(
                'wristband_carries_coi', sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade() -> None:
    op.drop_column('site', 'wristband_carries_coi')
    op.drop_column('site', 'wristband_mrn_pattern')
