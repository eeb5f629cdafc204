"""Enrolment and booking: slot capacity per site, kind and day; the case's treating physician.

Revision ID: 0009_enrolment_slot_capacity
Revises: 0008_audit_key_binding
Create Date: 2026-12-06 16:30:00.000000

``slot_capacity`` holds how many apheresis (at a clinic) or manufacturing (at a manufacturer)
slots a site offers on a day, set by an administrator; a day without a row is not limited.
``therapy_case.treating_physician`` is the ordering physician's name (NULL for cases enrolled
before). On SQLite the column is added with ``recreate='never'`` (ALTER TABLE ... ADD COLUMN):
the table is not rebuilt, so the foreign keys pointing at it stay as they are.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_enrolment_slot_capacity'
down_revision: str | None = '0008_audit_key_binding'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'slot_capacity',
        sa.Column('site_id', sa.Uuid(), nullable=False),
        sa.Column(
            'kind',
            sa.Enum(
                'apheresis',
                'manufacturing',
                name='slot_kind',
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('capacity', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Uuid(), nullable=True),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            'capacity >= 0 AND capacity <= 1000', name=op.f('ck_slot_capacity_capacity_in_range')
        ),
        sa.ForeignKeyConstraint(
            ['site_id'], ['site.id'], name=op.f('fk_slot_capacity_site_id_site')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_slot_capacity')),
        sa.UniqueConstraint(
            'site_id', 'kind', 'day', name=op.f('uq_slot_capacity_site_id_kind_day')
        ),
    )
    with op.batch_alter_table('therapy_case', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('treating_physician', sa.String(length=200)))


def downgrade() -> None:
    op.drop_column('therapy_case', 'treating_physician')
    op.drop_table('slot_capacity')
