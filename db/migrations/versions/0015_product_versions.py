"""Products are versioned and approved: ``product.version_number``, ``status``, ``definition``,
``max_cumulative_excursion_min``, ``author_id``, ``approved_by_id``, ``approved_at``; a code is
unique per version (``uq_product_code_version_number``) instead of alone.

Revision ID: 0015_product_versions
Revises: 0014_patient_keys
Create Date: 2026-12-06 23:00:00.000000

Existing products become version 1, approved (they were in use). PostgreSQL swaps the unique
constraint in place. SQLite cannot drop a table's UNIQUE constraint, and cases, step templates
and QC specifications reference the table, so the table is rebuilt under deferred foreign keys:
its rows are copied aside, the table dropped and created again under its own name, and the rows
put back, which settles every reference before the commit. Downgrade reverses it (refused by the
unique constraint when a code has more than one version).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015_product_versions'
down_revision: str | None = '0014_patient_keys'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_COLUMNS = (
    'code, name, gtin, starting_material_profile_id, final_product_profile_id, '
    'max_hours_collection_to_receipt, shelf_life_days, post_thaw_minutes, min_final_bags, '
    'max_final_bags, active, version, created_at, updated_at, updated_by_id, id'
)
STATUS = sa.Enum(
    'draft', 'approved', 'retired', name='product_status', native_enum=False,
    create_constraint=True, length=8,
)


def _new_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column('version_number', sa.Integer(), nullable=False, server_default='1'),
        sa.Column('status', STATUS, nullable=False, server_default='approved'),
        sa.Column('definition', sa.Text(), nullable=True),
        sa.Column('max_cumulative_excursion_min', sa.Double(), nullable=True),
        sa.Column('author_id', sa.Uuid(), nullable=True),
        sa.Column('approved_by_id', sa.Uuid(), nullable=True),
        sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    ]


def _create_product(versioned: bool) -> None:
    extra: list[sa.schema.SchemaItem] = []
    if versioned:
        extra = [
            *_new_columns(),
            sa.ForeignKeyConstraint(['author_id'], ['app_user.id'], name=op.f('fk_product_author_id_app_user')),
            sa.ForeignKeyConstraint(['approved_by_id'], ['app_user.id'], name=op.f('fk_product_approved_by_id_app_user')),
            sa.UniqueConstraint('code', 'version_number', name=op.f('uq_product_code_version_number')),
        ]
    else:
        extra = [sa.UniqueConstraint('code', name=op.f('uq_product_code'))]
    op.create_table('product',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=True),
    sa.Column('starting_material_profile_id', sa.Uuid(), nullable=True),
    sa.Column('final_product_profile_id', sa.Uuid(), nullable=True),
    sa.Column('max_hours_collection_to_receipt', sa.Double(), nullable=True),
    sa.Column('shelf_life_days', sa.Integer(), nullable=True),
    sa.Column('post_thaw_minutes', sa.Integer(), nullable=True),
    sa.Column('min_final_bags', sa.Integer(), nullable=False),
    sa.Column('max_final_bags', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['final_product_profile_id'], ['temperature_profile.id'], name=op.f('fk_product_final_product_profile_id_temperature_profile')),
    sa.ForeignKeyConstraint(['starting_material_profile_id'], ['temperature_profile.id'], name=op.f('fk_product_starting_material_profile_id_temperature_profile')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product')),
    *extra,
    )


def _rebuild_sqlite(versioned: bool) -> None:
    op.execute('PRAGMA defer_foreign_keys = ON')
    op.execute('CREATE TEMP TABLE product_rows AS SELECT * FROM product')
    op.execute('DROP TABLE product')
    _create_product(versioned)
    op.execute(f'INSERT INTO product ({OLD_COLUMNS}) SELECT {OLD_COLUMNS} FROM product_rows')
    op.execute('DROP TABLE product_rows')


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        _rebuild_sqlite(versioned=True)
        return
    op.drop_constraint('uq_product_code', 'product', type_='unique')
    for column in _new_columns():
        op.add_column('product', column)
    op.create_foreign_key(op.f('fk_product_author_id_app_user'), 'product', 'app_user', ['author_id'], ['id'])
    op.create_foreign_key(op.f('fk_product_approved_by_id_app_user'), 'product', 'app_user', ['approved_by_id'], ['id'])
    op.create_unique_constraint(op.f('uq_product_code_version_number'), 'product', ['code', 'version_number'])


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        _rebuild_sqlite(versioned=False)
        return
    op.drop_constraint('uq_product_code_version_number', 'product', type_='unique')
    op.drop_constraint('fk_product_approved_by_id_app_user', 'product', type_='foreignkey')
    op.drop_constraint('fk_product_author_id_app_user', 'product', type_='foreignkey')
    for name in ('approved_at', 'approved_by_id', 'author_id', 'max_cumulative_excursion_min',
                 'definition', 'status', 'version_number'):
        op.drop_column('product', name)
    op.create_unique_constraint('uq_product_code', 'product', ['code'])
