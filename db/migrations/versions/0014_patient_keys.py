"""Per-patient data keys (crypto-shredding): ``patient_key``, ``identity_sealing.rekey_pending``.

Revision ID: 0014_patient_keys
Revises: 0013_partner_events_and_exchange
Create Date: 2026-12-06 22:50:00.000000

``patient_key`` holds each patient's data key wrapped by the clinic key; it is not audited
(outside the hash chain), so deleting a wrapped key (erasure) changes no hashed value. The
clinic key never enters the database, so this migration cannot re-key: it sets
``identity_sealing.rekey_pending`` on a database that holds identity, labels or scans, and
the first clinic workstation re-seals them with per-patient keys in one transaction, with the
audit values that hold them, re-hashing the chain as migration 0012's sealing did
(``app.core.patient_rekeying``). Downgrade drops the table: values sealed with a patient key
then no longer open (restore a backup instead).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014_patient_keys'
down_revision: str | None = '0013_partner_events_and_exchange'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'patient_key',
        sa.Column('patient_id', sa.Uuid(), nullable=False),
        sa.Column('clinic_key_id', sa.String(length=16), nullable=False),
        sa.Column('wrapped_key', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ['patient_id'], ['patient.id'], name=op.f('fk_patient_key_patient_id_patient')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_patient_key')),
        sa.UniqueConstraint('patient_id', name=op.f('uq_patient_key_patient_id')),
    )
    with op.batch_alter_table('identity_sealing', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('rekey_pending', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    bind = op.get_bind()
    held = any(
        bind.execute(sa.text(f'SELECT 1 FROM {name} LIMIT 1')).first() is not None
        for name in ('patient_identity', 'label', 'scan')
    )
    if held:
        op.execute(sa.text('UPDATE identity_sealing SET rekey_pending = :yes').bindparams(yes=True))
    with op.batch_alter_table('identity_sealing', schema=None) as batch_op:
        batch_op.alter_column('rekey_pending', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('identity_sealing', schema=None) as batch_op:
        batch_op.drop_column('rekey_pending')
    op.drop_table('patient_key')
