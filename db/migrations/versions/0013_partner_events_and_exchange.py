"""What crosses organisations: ``partner_event``, ``partner_key``, ``exchange_bundle``.

Revision ID: 0013_partner_events_and_exchange
Revises: 0012_identity_encrypted_at_rest
Create Date: 2026-12-06 19:40:00.000000

``coi import epcis`` keeps each accepted event as received, tied to the case its identifiers
name; ``event_id`` is unique so an event imported twice is stored once. ``partner_key`` holds partners' Ed25519 public keys (registered by an
administrator); ``exchange_bundle`` the signed bundles of a case sent and received (unique id
and digest: a replay is refused; ``previous`` chains a case's bundles). New tables on both
backends; downgrade drops them.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013_partner_events_and_exchange'
down_revision: str | None = '0012_identity_encrypted_at_rest'
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


    op.create_table('partner_key',
    sa.Column('site_code', sa.String(length=32), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_key')),
    sa.UniqueConstraint('public_key', name=op.f('uq_partner_key_public_key'))
    )
    op.create_table('exchange_bundle',
    sa.Column('bundle_id', sa.String(length=36), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('coi', sa.String(length=15), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('from_site', sa.String(length=32), nullable=False),
    sa.Column('to_site', sa.String(length=32), nullable=False),
    sa.Column('previous', sa.String(length=64), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_bundle')),
    sa.UniqueConstraint('bundle_id', name=op.f('uq_exchange_bundle_bundle_id')),
    sa.UniqueConstraint('digest', name=op.f('uq_exchange_bundle_digest'))
    )
    with op.batch_alter_table('exchange_bundle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_bundle_coi'), ['coi'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('exchange_bundle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_bundle_coi'))
    op.drop_table('exchange_bundle')
    op.drop_table('partner_key')
    with op.batch_alter_table('partner_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_event_case_id'))
    op.drop_table('partner_event')
