"""Events a partner sent in an EPCIS document: ``partner_event``.

Revision ID: 0017_partner_events
Revises: 0011_label_print_job_send_state
Create Date: 2026-12-06 19:40:00.000000

``coi import epcis`` keeps each accepted event as received, tied to the case its identifiers
name; ``event_id`` is unique so an event imported twice is stored once. A new table on both
backends; downgrade drops it.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017_partner_events'
down_revision: str | None = '0011_label_print_job_send_state'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('partner_event',
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('biz_step', sa.String(length=200), nullable=True),
    sa.Column('event_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('shipment_id', sa.Uuid(), nullable=True),
    sa.Column('matched', sa.Text(), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=False),
    sa.Column('source_file', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['therapy_case.id'], name=op.f('fk_partner_event_case_id_therapy_case')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipment.id'], name=op.f('fk_partner_event_shipment_id_shipment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_event')),
    sa.UniqueConstraint('event_id', name=op.f('uq_partner_event_event_id'))
    )
    with op.batch_alter_table('partner_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_event_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('partner_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_event_case_id'))
    op.drop_table('partner_event')
