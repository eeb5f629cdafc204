"""QC results are corrected, never overwritten: ``qc_result.corrects_id`` and
``qc_result.correction_reason``.

Revision ID: 0010_qc_result_corrections
Revises: 0009_enrolment_slot_capacity
Create Date: 2026-12-06 16:00:00.000000

A correction is a new result that names the result it replaces and why; the replaced one stays
as it was, so QC and QA read every earlier value. Existing results correct nothing (NULL). On
SQLite the columns are added with ALTER TABLE, the foreign key inline: a batch rebuild would
drop and recreate the table. Downgrade drops them in place.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010_qc_result_corrections'
down_revision: str | None = '0009_enrolment_slot_capacity'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK_NAME = 'fk_qc_result_corrects_id_qc_result'


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(
            f'ALTER TABLE qc_result ADD COLUMN corrects_id CHAR(32) CONSTRAINT {FK_NAME} '
            'REFERENCES qc_result (id)'
        )
        op.execute('ALTER TABLE qc_result ADD COLUMN correction_reason TEXT')
    else:
        op.add_column('qc_result', sa.Column('corrects_id', sa.Uuid(), nullable=True))
        op.add_column('qc_result', sa.Column('correction_reason', sa.Text(), nullable=True))
        op.create_foreign_key(FK_NAME, 'qc_result', 'qc_result', ['corrects_id'], ['id'])


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(FK_NAME, 'qc_result', type_='foreignkey')
    op.drop_column('qc_result', 'correction_reason')
    op.drop_column('qc_result', 'corrects_id')
