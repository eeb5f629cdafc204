"""Storage locations: ``storage_placement``, one stay of a container in a storage position.

Revision ID: 0017_storage_locations
Revises: 0016_post_release_results
Create Date: 2026-12-06 22:39:47.742404

A container put away by scan gets an open row (``taken_at`` empty) naming the site, the
freezer or dewar, rack, box and position; retrieval closes it. Two partial unique indexes
(both backends): one open row per position of a site, one open row per container. New table;
downgrade drops it.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017_storage_locations'
down_revision: str | None = '0016_post_release_results'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('storage_placement',
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('site_id', sa.Uuid(), nullable=False),
    sa.Column('store', sa.String(length=20), nullable=False),
    sa.Column('rack', sa.String(length=20), nullable=False),
    sa.Column('box', sa.String(length=20), nullable=False),
    sa.Column('position', sa.String(length=20), nullable=False),
    sa.Column('put_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('put_by_id', sa.Uuid(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('taken_by_id', sa.Uuid(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['put_by_id'], ['app_user.id'], name=op.f('fk_storage_placement_put_by_id_app_user')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_storage_placement_site_id_site')),
    sa.ForeignKeyConstraint(['taken_by_id'], ['app_user.id'], name=op.f('fk_storage_placement_taken_by_id_app_user')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_storage_placement_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_storage_placement'))
    )
    with op.batch_alter_table('storage_placement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_storage_placement_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('ux_storage_placement_position', ['site_id', 'store', 'rack', 'box', 'position'], unique=True, sqlite_where=sa.text('taken_at IS NULL'), postgresql_where=sa.text('taken_at IS NULL'))
        batch_op.create_index('ux_storage_placement_unit', ['unit_id'], unique=True, sqlite_where=sa.text('taken_at IS NULL'), postgresql_where=sa.text('taken_at IS NULL'))



def downgrade() -> None:
    with op.batch_alter_table('storage_placement', schema=None) as batch_op:
        batch_op.drop_index('ux_storage_placement_unit', sqlite_where=sa.text('taken_at IS NULL'), postgresql_where=sa.text('taken_at IS NULL'))
        batch_op.drop_index('ux_storage_placement_position', sqlite_where=sa.text('taken_at IS NULL'), postgresql_where=sa.text('taken_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_storage_placement_unit_id'))

    op.drop_table('storage_placement')
