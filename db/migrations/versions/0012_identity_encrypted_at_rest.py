"""Patient identity encrypted at rest: sealed identity columns, keyed look-up hashes.

Revision ID: 0012_identity_encrypted_at_rest
Revises: 0011_label_print_job_send_state
Create Date: 2026-12-06 19:30:00.000000

``patient_identity``'s name, date of birth and hospital number become text columns that hold
values sealed with the clinic key (AES-GCM, ``coi-enc1:...``); ``hospital_number_mac`` and
``birth_mac`` are their keyed look-up hashes, and the clinic's unique hospital number is now
unique by its hash. The clinic key never enters the database, so this migration cannot seal:
it widens the columns (a date of birth becomes its ISO text) and sets
``identity_sealing.pending`` on a database that holds patients, labels or scans. The
application, holding the clinic key, then seals those rows and the audit values that name them
in one transaction, re-hashes the chain from the first event it rewrote and says so in an
audit event (``app.core.identity_sealing``). Downgrade drops the hashes; sealed values stay
text (only the clinic key opens them), plain ones get their old types back.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012_identity_encrypted_at_rest'
down_revision: str | None = '0011_label_print_job_send_state'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WIDENED = ('family_name', 'given_name', 'hospital_number')


def upgrade() -> None:
    with op.batch_alter_table('patient_identity', schema=None) as batch_op:
        batch_op.drop_constraint(
            'uq_patient_identity_clinic_site_id_hospital_number', type_='unique'
        )
        for name in _WIDENED:
            batch_op.alter_column(
                name, existing_type=sa.String(length=200 if name != 'hospital_number' else 64),
                type_=sa.Text(), existing_nullable=False,
            )
        batch_op.alter_column(
            'date_of_birth', existing_type=sa.Date(), type_=sa.Text(), existing_nullable=False,
            postgresql_using='date_of_birth::text',  # a date: its ISO text
        )
        batch_op.add_column(sa.Column('hospital_number_mac', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('birth_mac', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            op.f('uq_patient_identity_clinic_site_id_hospital_number_mac'),
            ['clinic_site_id', 'hospital_number_mac'],
        )
        batch_op.create_index(op.f('ix_patient_identity_birth_mac'), ['birth_mac'], unique=False)
    sealing = op.create_table(
        'identity_sealing',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('pending', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_sealing')),
    )
    bind = op.get_bind()
    held = any(
        bind.execute(sa.text(f'SELECT 1 FROM {name} LIMIT 1')).first() is not None
        for name in ('patient_identity', 'label', 'scan')
    )
    op.bulk_insert(sealing, [{'id': 1, 'pending': held}])


def downgrade() -> None:
    bind = op.get_bind()
    sealed = bind.execute(
        sa.text('SELECT 1 FROM patient_identity WHERE hospital_number_mac IS NOT NULL LIMIT 1')
    ).first()
    op.drop_table('identity_sealing')
    with op.batch_alter_table('patient_identity', schema=None) as batch_op:
        batch_op.drop_index(op.f('ix_patient_identity_birth_mac'))
        batch_op.drop_constraint(
            op.f('uq_patient_identity_clinic_site_id_hospital_number_mac'), type_='unique'
        )
        batch_op.drop_column('birth_mac')
        batch_op.drop_column('hospital_number_mac')
        if sealed is None:  # sealed values stay text: only the clinic key could open them
            batch_op.alter_column(
                'date_of_birth', existing_type=sa.Text(), type_=sa.Date(),
                existing_nullable=False, postgresql_using='date_of_birth::date',
            )
            for name in _WIDENED:
                batch_op.alter_column(
                    name, existing_type=sa.Text(),
                    type_=sa.String(length=200 if name != 'hospital_number' else 64),
                    existing_nullable=False,
                )
        batch_op.create_unique_constraint(
            'uq_patient_identity_clinic_site_id_hospital_number',
            ['clinic_site_id', 'hospital_number'],
        )
