"""The QP's exceptions: ``clinic_alert``, ``product_recall``, ``oos_acceptance``, and three
new signature meanings ("acknowledged", "recalled", "released out of specification").

Revision ID: 0016_post_release_results
Revises: 0015_product_versions
Create Date: 2026-12-06 23:00:00.000000

New tables on both backends. ``signature.meaning`` is widened to the longest meaning and its
CHECK lists the new ones: on SQLite the signature table is rebuilt (no foreign key points at
it and it has no triggers); on PostgreSQL the constraint is dropped and created again.
Downgrade drops the tables and narrows the meanings back (it fails if a signature with a new
meaning exists: nothing is cut).
"""
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '0016_post_release_results'
down_revision: str | None = '0015_product_versions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_MEANINGS = (
    'performed', 'verified', 'reviewed', 'approved', 'certified for release', 'dispositioned'
)
NEW_MEANINGS = (*OLD_MEANINGS, 'acknowledged', 'recalled', 'released out of specification')
CHECK = 'ck_signature_signature_meaning'


def _meaning_type(meanings: Sequence[str]) -> sa.Enum:
    return sa.Enum(
        *meanings,
        name='signature_meaning',
        native_enum=False,
        create_constraint=True,
        length=max(len(m) for m in meanings),
    )


def _meanings(old: Sequence[str], new: Sequence[str]) -> None:
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('signature', schema=None, recreate='always') as batch_op:
            batch_op.alter_column(
                'meaning',
                existing_type=_meaning_type(old),
                type_=_meaning_type(new),
                existing_nullable=False,
            )
        return
    allowed = ', '.join(f"'{m}'" for m in new)
    op.drop_constraint(op.f(CHECK), 'signature', type_='check')
    op.alter_column(
        'signature',
        'meaning',
        existing_type=sa.String(length=max(len(m) for m in old)),
        type_=sa.String(length=max(len(m) for m in new)),
        existing_nullable=False,
    )
    op.create_check_constraint(op.f(CHECK), 'signature', f'meaning IN ({allowed})')


def _versioned() -> list[sa.Column[Any]]:
    return [
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Uuid(), nullable=True),
        sa.Column('id', sa.Uuid(), nullable=False),
    ]


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}')
    )


def upgrade() -> None:
    op.create_table('clinic_alert',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('clinic_site_id', sa.Uuid(), nullable=False),
    sa.Column('qc_result_id', sa.Uuid(), nullable=True),
    sa.Column('deviation_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('infused', sa.Boolean(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('raised_by_id', sa.Uuid(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Uuid(), nullable=True),
    sa.Column('physician_informed', sa.String(length=200), nullable=True),
    sa.Column('acknowledgement_note', sa.Text(), nullable=True),
    *_versioned(),
    _fk('clinic_alert', 'case_id', 'therapy_case'),
    _fk('clinic_alert', 'clinic_site_id', 'site'),
    _fk('clinic_alert', 'qc_result_id', 'qc_result'),
    _fk('clinic_alert', 'deviation_id', 'deviation'),
    _fk('clinic_alert', 'raised_by_id', 'app_user'),
    _fk('clinic_alert', 'acknowledged_by_id', 'app_user'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinic_alert')),
    )
    with op.batch_alter_table('clinic_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clinic_alert_case_id'), ['case_id'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_clinic_alert_clinic_site_id'), ['clinic_site_id'], unique=False
        )

    op.create_table('product_recall',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('deviation_id', sa.Uuid(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recalled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recalled_by_id', sa.Uuid(), nullable=False),
    *_versioned(),
    _fk('product_recall', 'case_id', 'therapy_case'),
    _fk('product_recall', 'deviation_id', 'deviation'),
    _fk('product_recall', 'recalled_by_id', 'app_user'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_recall')),
    )
    with op.batch_alter_table('product_recall', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_recall_case_id'), ['case_id'], unique=False)

    op.create_table('oos_acceptance',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('deviation_id', sa.Uuid(), nullable=False),
    sa.Column('results', sa.Text(), nullable=False),
    sa.Column('physician_name', sa.String(length=200), nullable=False),
    sa.Column('accepted_on', sa.Date(), nullable=False),
    sa.Column('document_name', sa.String(length=255), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=False),
    sa.Column('document', sa.LargeBinary(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Uuid(), nullable=False),
    sa.Column('release_id', sa.Uuid(), nullable=True),
    *_versioned(),
    _fk('oos_acceptance', 'case_id', 'therapy_case'),
    _fk('oos_acceptance', 'deviation_id', 'deviation'),
    _fk('oos_acceptance', 'recorded_by_id', 'app_user'),
    _fk('oos_acceptance', 'release_id', 'batch_release'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oos_acceptance')),
    )
    with op.batch_alter_table('oos_acceptance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oos_acceptance_case_id'), ['case_id'], unique=False)

    _meanings(OLD_MEANINGS, NEW_MEANINGS)


def downgrade() -> None:
    _meanings(NEW_MEANINGS, OLD_MEANINGS)
    for table in ('oos_acceptance', 'product_recall', 'clinic_alert'):
        op.drop_table(table)
