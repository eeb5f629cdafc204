"""Initial schema: every table of DESIGN.md §1-5 and the append-only audit triggers.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 23:28:17.210492
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db import audit_triggers

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_event',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=True),
    sa.Column('station', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('record_type', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('old_values', sa.Text(), nullable=False),
    sa.Column('new_values', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_event')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_event_hash'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_record_type'), ['record_type'], unique=False)

    op.create_table('coi_sequence',
    sa.Column('fin', sa.String(length=5), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coi_sequence')),
    sa.UniqueConstraint('fin', 'year', name=op.f('uq_coi_sequence_fin_year'))
    )
    op.create_table('site',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('clinic', 'manufacturer', name='site_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('gln', sa.String(length=13), nullable=True),
    sa.Column('fin', sa.String(length=5), nullable=True),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.CheckConstraint('fin IS NULL OR length(fin) = 5', name=op.f('ck_site_fin_5_characters')),
    sa.CheckConstraint('gln IS NULL OR length(gln) = 13', name=op.f('ck_site_gln_13_digits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site')),
    sa.UniqueConstraint('code', name=op.f('uq_site_code')),
    sa.UniqueConstraint('fin', name=op.f('uq_site_fin')),
    sa.UniqueConstraint('gln', name=op.f('uq_site_gln'))
    )
    op.create_table('temperature_profile',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('lower_c', sa.Double(), nullable=True),
    sa.Column('upper_c', sa.Double(), nullable=True),
    sa.Column('max_single_excursion_min', sa.Double(), nullable=False),
    sa.Column('max_cumulative_excursion_min', sa.Double(), nullable=False),
    sa.Column('max_gap_min', sa.Double(), nullable=False),
    sa.Column('mkt_judged', sa.Boolean(), nullable=False),
    sa.Column('mkt_limit_c', sa.Double(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.CheckConstraint('lower_c IS NULL OR upper_c IS NULL OR lower_c < upper_c', name=op.f('ck_temperature_profile_limits_ordered')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_temperature_profile')),
    sa.UniqueConstraint('name', name=op.f('uq_temperature_profile_name'))
    )
    op.create_table('app_user',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('site_id', sa.Uuid(), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_app_user_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('username', name=op.f('uq_app_user_username'))
    )
    op.create_table('patient',
    sa.Column('clinic_site_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_site_id'], ['site.id'], name=op.f('fk_patient_clinic_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient'))
    )
    op.create_table('printer',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('system', 'zpl', name='printer_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=True),
    sa.Column('port', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Uuid(), nullable=True),
    sa.Column('dpi', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_printer_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_printer')),
    sa.UniqueConstraint('name', name=op.f('uq_printer_name'))
    )
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
    sa.UniqueConstraint('code', name=op.f('uq_product_code'))
    )
    op.create_table('patient_identity',
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('clinic_site_id', sa.Uuid(), nullable=False),
    sa.Column('family_name', sa.String(length=200), nullable=False),
    sa.Column('given_name', sa.String(length=200), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('hospital_number', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_site_id'], ['site.id'], name=op.f('fk_patient_identity_clinic_site_id_site')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_patient_identity_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient_identity')),
    sa.UniqueConstraint('clinic_site_id', 'hospital_number', name=op.f('uq_patient_identity_clinic_site_id_hospital_number')),
    sa.UniqueConstraint('patient_id', name=op.f('uq_patient_identity_patient_id'))
    )
    op.create_table('qc_specification',
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('test_code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('lower', sa.Double(), nullable=True),
    sa.Column('upper', sa.Double(), nullable=True),
    sa.Column('expected_text', sa.String(length=100), nullable=True),
    sa.Column('criterion', sa.String(length=200), nullable=False),
    sa.Column('may_be_pending_at_release', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_qc_specification_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qc_specification')),
    sa.UniqueConstraint('product_id', 'test_code', name=op.f('uq_qc_specification_product_id_test_code'))
    )
    op.create_table('signature',
    sa.Column('signer_id', sa.Uuid(), nullable=False),
    sa.Column('signer_name', sa.String(length=200), nullable=False),
    sa.Column('signer_username', sa.String(length=64), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('meaning', sa.Enum('performed', 'verified', 'reviewed', 'approved', 'certified for release', 'dispositioned', name='signature_meaning', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('record_type', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('record_digest', sa.String(length=64), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('station', sa.String(length=100), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['signer_id'], ['app_user.id'], name=op.f('fk_signature_signer_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signature'))
    )
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.create_index('ix_signature_record', ['record_type', 'record_id'], unique=False)

    op.create_table('step_template',
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('parameters', sa.Text(), nullable=False),
    sa.Column('output_kind', sa.String(length=32), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_step_template_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_step_template')),
    sa.UniqueConstraint('product_id', 'position', name=op.f('uq_step_template_product_id_position'))
    )
    op.create_table('therapy_case',
    sa.Column('coi', sa.String(length=15), nullable=False),
    sa.Column('coi_check', sa.String(length=1), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('clinic_site_id', sa.Uuid(), nullable=False),
    sa.Column('manufacturing_site_id', sa.Uuid(), nullable=False),
    sa.Column('stage', sa.Enum('enrolled', 'collected', 'shipped_to_manufacturer', 'received_at_manufacturer', 'in_manufacture', 'qc_pending_release', 'released', 'shipped_to_clinic', 'received_at_clinic', 'infused', name='case_stage', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('side_state', sa.Enum('none', 'on_hold', 'quarantined', 'rejected', 'destroyed', 'cancelled', name='case_side_state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('side_state_reason', sa.Text(), nullable=True),
    sa.Column('planned_collection_date', sa.Date(), nullable=True),
    sa.Column('manufacturing_slot_date', sa.Date(), nullable=True),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('enrolled_by_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.CheckConstraint('length(coi) = 15', name=op.f('ck_therapy_case_coi_15_characters')),
    sa.ForeignKeyConstraint(['clinic_site_id'], ['site.id'], name=op.f('fk_therapy_case_clinic_site_id_site')),
    sa.ForeignKeyConstraint(['enrolled_by_id'], ['app_user.id'], name=op.f('fk_therapy_case_enrolled_by_id_app_user')),
    sa.ForeignKeyConstraint(['manufacturing_site_id'], ['site.id'], name=op.f('fk_therapy_case_manufacturing_site_id_site')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_therapy_case_patient_id_patient')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_therapy_case_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_therapy_case')),
    sa.UniqueConstraint('coi', name=op.f('uq_therapy_case_coi'))
    )
    op.create_table('user_role',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.Enum('admin', 'clinic_coordinator', 'apheresis_nurse', 'infusion_nurse', 'mfg_operator', 'mfg_verifier', 'qc_analyst', 'qa', 'qp', name='role', native_enum=False, create_constraint=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_user_role_user_id_app_user')),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_role'))
    )
    op.create_table('batch_release',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('decision', sa.Enum('certified', 'refused', name='release_decision', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('checklist', sa.Text(), nullable=False),
    sa.Column('qp_id', sa.Uuid(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['therapy_case.id'], name=op.f('fk_batch_release_case_id_therapy_case')),
    sa.ForeignKeyConstraint(['qp_id'], ['app_user.id'], name=op.f('fk_batch_release_qp_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batch_release'))
    )
    with op.batch_alter_table('batch_release', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_release_case_id'), ['case_id'], unique=False)

    op.create_table('manufacturing_step',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('step_template_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'in_progress', 'performed', 'verified', name='step_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('parameters', sa.Text(), nullable=False),
    sa.Column('performed_by_id', sa.Uuid(), nullable=True),
    sa.Column('performed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_by_id', sa.Uuid(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['therapy_case.id'], name=op.f('fk_manufacturing_step_case_id_therapy_case')),
    sa.ForeignKeyConstraint(['performed_by_id'], ['app_user.id'], name=op.f('fk_manufacturing_step_performed_by_id_app_user')),
    sa.ForeignKeyConstraint(['step_template_id'], ['step_template.id'], name=op.f('fk_manufacturing_step_step_template_id_step_template')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['app_user.id'], name=op.f('fk_manufacturing_step_verified_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_manufacturing_step')),
    sa.UniqueConstraint('case_id', 'position', name=op.f('uq_manufacturing_step_case_id_position'))
    )
    with op.batch_alter_table('manufacturing_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_manufacturing_step_case_id'), ['case_id'], unique=False)

    op.create_table('shipment',
    sa.Column('sscc', sa.String(length=18), nullable=False),
    sa.Column('direction', sa.Enum('to_manufacturer', 'to_clinic', name='shipment_direction', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status', sa.Enum('open', 'packed', 'in_transit', 'received', 'cancelled', name='shipment_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=True),
    sa.Column('from_site_id', sa.Uuid(), nullable=False),
    sa.Column('to_site_id', sa.Uuid(), nullable=False),
    sa.Column('profile_id', sa.Uuid(), nullable=True),
    sa.Column('logger_giai', sa.String(length=30), nullable=True),
    sa.Column('shipper_grai', sa.String(length=30), nullable=True),
    sa.Column('courier_name', sa.String(length=200), nullable=True),
    sa.Column('courier_organisation', sa.String(length=200), nullable=True),
    sa.Column('packed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handed_over_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_by_id', sa.Uuid(), nullable=True),
    sa.Column('receipt_verified_by_id', sa.Uuid(), nullable=True),
    sa.Column('receipt_accepted', sa.Boolean(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['therapy_case.id'], name=op.f('fk_shipment_case_id_therapy_case')),
    sa.ForeignKeyConstraint(['from_site_id'], ['site.id'], name=op.f('fk_shipment_from_site_id_site')),
    sa.ForeignKeyConstraint(['profile_id'], ['temperature_profile.id'], name=op.f('fk_shipment_profile_id_temperature_profile')),
    sa.ForeignKeyConstraint(['receipt_verified_by_id'], ['app_user.id'], name=op.f('fk_shipment_receipt_verified_by_id_app_user')),
    sa.ForeignKeyConstraint(['received_by_id'], ['app_user.id'], name=op.f('fk_shipment_received_by_id_app_user')),
    sa.ForeignKeyConstraint(['to_site_id'], ['site.id'], name=op.f('fk_shipment_to_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment')),
    sa.UniqueConstraint('sscc', name=op.f('uq_shipment_sscc'))
    )
    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipment_case_id'), ['case_id'], unique=False)

    op.create_table('unit',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('coi', sa.String(length=15), nullable=False),
    sa.Column('kind', sa.Enum('apheresis_bag', 'intermediate', 'qc_sample', 'retention_sample', 'final_product_bag', 'shipper', name='unit_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status', sa.Enum('registered', 'packed', 'in_transit', 'received', 'available', 'consumed', 'released', 'stored', 'infused', name='unit_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('side_state', sa.Enum('none', 'on_hold', 'quarantined', 'rejected', 'destroyed', 'cancelled', name='unit_side_state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('side_state_reason', sa.Text(), nullable=True),
    sa.Column('din', sa.String(length=16), nullable=True),
    sa.Column('product_code', sa.String(length=16), nullable=True),
    sa.Column('volume_ml', sa.Double(), nullable=True),
    sa.Column('anticoagulant', sa.String(length=64), nullable=True),
    sa.Column('collection_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('collection_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('site_id', sa.Uuid(), nullable=True),
    sa.Column('storage_position', sa.String(length=100), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['therapy_case.id'], name=op.f('fk_unit_case_id_therapy_case')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_unit_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_unit_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit')),
    sa.UniqueConstraint('din', name=op.f('uq_unit_din'))
    )
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_coi'), ['coi'], unique=False)

    op.create_table('custody_event',
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('shipment_id', sa.Uuid(), nullable=True),
    sa.Column('action', sa.Enum('commissioned', 'given', 'received', 'stored', 'moved', 'dispensed', 'destroyed', name='custody_action', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('custodian_name', sa.String(length=200), nullable=False),
    sa.Column('custodian_user_id', sa.Uuid(), nullable=True),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('site_id', sa.Uuid(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('condition', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['custodian_user_id'], ['app_user.id'], name=op.f('fk_custody_event_custodian_user_id_app_user')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipment.id'], name=op.f('fk_custody_event_shipment_id_shipment')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_custody_event_site_id_site')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_custody_event_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custody_event'))
    )
    with op.batch_alter_table('custody_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_custody_event_unit_id'), ['unit_id'], unique=False)

    op.create_table('label',
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('template', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('issued', 'applied', 'voided', name='label_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('printer_name', sa.String(length=100), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('printed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('printed_by_id', sa.Uuid(), nullable=False),
    sa.Column('reprint_of_id', sa.Uuid(), nullable=True),
    sa.Column('reprint_reason', sa.Text(), nullable=True),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by_id', sa.Uuid(), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['printed_by_id'], ['app_user.id'], name=op.f('fk_label_printed_by_id_app_user')),
    sa.ForeignKeyConstraint(['reprint_of_id'], ['label.id'], name=op.f('fk_label_reprint_of_id_label')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_label_unit_id_unit')),
    sa.ForeignKeyConstraint(['voided_by_id'], ['app_user.id'], name=op.f('fk_label_voided_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_label'))
    )
    with op.batch_alter_table('label', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_label_unit_id'), ['unit_id'], unique=False)

    op.create_table('logger_file',
    sa.Column('shipment_id', sa.Uuid(), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('format', sa.String(length=32), nullable=False),
    sa.Column('sensor_id', sa.String(length=100), nullable=True),
    sa.Column('reading_count', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Uuid(), nullable=True),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verdict', sa.Enum('within_limits', 'excursion', 'incomplete', name='verdict', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('assessment', sa.Text(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by_id', sa.Uuid(), nullable=False),
    sa.Column('disposition', sa.Enum('accept', 'reject', name='logger_disposition', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('disposition_justification', sa.Text(), nullable=True),
    sa.Column('dispositioned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dispositioned_by_id', sa.Uuid(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['dispositioned_by_id'], ['app_user.id'], name=op.f('fk_logger_file_dispositioned_by_id_app_user')),
    sa.ForeignKeyConstraint(['imported_by_id'], ['app_user.id'], name=op.f('fk_logger_file_imported_by_id_app_user')),
    sa.ForeignKeyConstraint(['profile_id'], ['temperature_profile.id'], name=op.f('fk_logger_file_profile_id_temperature_profile')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipment.id'], name=op.f('fk_logger_file_shipment_id_shipment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_logger_file'))
    )
    with op.batch_alter_table('logger_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_logger_file_shipment_id'), ['shipment_id'], unique=False)

    op.create_table('qc_result',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('sample_unit_id', sa.Uuid(), nullable=True),
    sa.Column('specification_id', sa.Uuid(), nullable=False),
    sa.Column('value_text', sa.String(length=100), nullable=True),
    sa.Column('value_numeric', sa.Double(), nullable=True),
    sa.Column('outcome', sa.Enum('pending', 'pass', 'fail', 'oos', name='qc_outcome', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('entered_by_id', sa.Uuid(), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by_id', sa.Uuid(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('exception_approved_by_id', sa.Uuid(), nullable=True),
    sa.Column('exception_justification', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['therapy_case.id'], name=op.f('fk_qc_result_case_id_therapy_case')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['app_user.id'], name=op.f('fk_qc_result_entered_by_id_app_user')),
    sa.ForeignKeyConstraint(['exception_approved_by_id'], ['app_user.id'], name=op.f('fk_qc_result_exception_approved_by_id_app_user')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['app_user.id'], name=op.f('fk_qc_result_reviewed_by_id_app_user')),
    sa.ForeignKeyConstraint(['sample_unit_id'], ['unit.id'], name=op.f('fk_qc_result_sample_unit_id_unit')),
    sa.ForeignKeyConstraint(['specification_id'], ['qc_specification.id'], name=op.f('fk_qc_result_specification_id_qc_specification')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qc_result'))
    )
    with op.batch_alter_table('qc_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qc_result_case_id'), ['case_id'], unique=False)

    op.create_table('shipment_item',
    sa.Column('shipment_id', sa.Uuid(), nullable=False),
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('packed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('packed_by_id', sa.Uuid(), nullable=False),
    sa.Column('receipt_outcome', sa.Enum('received', 'missing', 'unexpected', 'mismatched', name='receipt_outcome', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['packed_by_id'], ['app_user.id'], name=op.f('fk_shipment_item_packed_by_id_app_user')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipment.id'], name=op.f('fk_shipment_item_shipment_id_shipment')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_shipment_item_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment_item')),
    sa.UniqueConstraint('shipment_id', 'unit_id', name=op.f('uq_shipment_item_shipment_id_unit_id'))
    )
    with op.batch_alter_table('shipment_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipment_item_shipment_id'), ['shipment_id'], unique=False)

    op.create_table('step_unit',
    sa.Column('step_id', sa.Uuid(), nullable=False),
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('direction', sa.String(length=6), nullable=False),
    sa.ForeignKeyConstraint(['step_id'], ['manufacturing_step.id'], name=op.f('fk_step_unit_step_id_manufacturing_step')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_step_unit_unit_id_unit')),
    sa.PrimaryKeyConstraint('step_id', 'unit_id', 'direction', name=op.f('pk_step_unit'))
    )
    op.create_table('unit_parent',
    sa.Column('child_id', sa.Uuid(), nullable=False),
    sa.Column('parent_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['unit.id'], name=op.f('fk_unit_parent_child_id_unit')),
    sa.ForeignKeyConstraint(['parent_id'], ['unit.id'], name=op.f('fk_unit_parent_parent_id_unit')),
    sa.PrimaryKeyConstraint('child_id', 'parent_id', name=op.f('pk_unit_parent'))
    )
    op.create_table('logger_reading',
    sa.Column('logger_file_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('measured_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('temperature_c', sa.Double(), nullable=False),
    sa.Column('sensor', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['logger_file_id'], ['logger_file.id'], name=op.f('fk_logger_reading_logger_file_id_logger_file')),
    sa.PrimaryKeyConstraint('logger_file_id', 'seq', name=op.f('pk_logger_reading'))
    )
    with op.batch_alter_table('logger_reading', schema=None) as batch_op:
        batch_op.create_index('ix_logger_reading_file_time', ['logger_file_id', 'measured_at'], unique=False)

    op.create_table('scan',
    sa.Column('station', sa.String(length=100), nullable=False),
    sa.Column('raw_text', sa.Text(), nullable=False),
    sa.Column('parsed_kind', sa.String(length=32), nullable=False),
    sa.Column('purpose', sa.String(length=64), nullable=False),
    sa.Column('expected', sa.Text(), nullable=False),
    sa.Column('outcome', sa.Enum('match', 'mismatch', 'unreadable', name='scan_outcome', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('mismatch_reason', sa.Text(), nullable=True),
    sa.Column('case_id', sa.Uuid(), nullable=True),
    sa.Column('unit_id', sa.Uuid(), nullable=True),
    sa.Column('label_id', sa.Uuid(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['therapy_case.id'], name=op.f('fk_scan_case_id_therapy_case')),
    sa.ForeignKeyConstraint(['label_id'], ['label.id'], name=op.f('fk_scan_label_id_label')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_scan_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan'))
    )
    with op.batch_alter_table('scan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scan_case_id'), ['case_id'], unique=False)

    op.create_table('deviation',
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='deviation_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=True),
    sa.Column('unit_id', sa.Uuid(), nullable=True),
    sa.Column('shipment_id', sa.Uuid(), nullable=True),
    sa.Column('logger_file_id', sa.Uuid(), nullable=True),
    sa.Column('scan_id', sa.Uuid(), nullable=True),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('raised_by_id', sa.Uuid(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Uuid(), nullable=True),
    sa.Column('closure', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['therapy_case.id'], name=op.f('fk_deviation_case_id_therapy_case')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['app_user.id'], name=op.f('fk_deviation_closed_by_id_app_user')),
    sa.ForeignKeyConstraint(['logger_file_id'], ['logger_file.id'], name=op.f('fk_deviation_logger_file_id_logger_file')),
    sa.ForeignKeyConstraint(['raised_by_id'], ['app_user.id'], name=op.f('fk_deviation_raised_by_id_app_user')),
    sa.ForeignKeyConstraint(['scan_id'], ['scan.id'], name=op.f('fk_deviation_scan_id_scan')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipment.id'], name=op.f('fk_deviation_shipment_id_shipment')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_deviation_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deviation')),
    sa.UniqueConstraint('number', name=op.f('uq_deviation_number'))
    )
    with op.batch_alter_table('deviation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deviation_case_id'), ['case_id'], unique=False)

    audit_triggers.install(op.get_bind())


def downgrade() -> None:
    audit_triggers.remove(op.get_bind())
    with op.batch_alter_table('deviation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deviation_case_id'))

    op.drop_table('deviation')
    with op.batch_alter_table('scan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scan_case_id'))

    op.drop_table('scan')
    with op.batch_alter_table('logger_reading', schema=None) as batch_op:
        batch_op.drop_index('ix_logger_reading_file_time')

    op.drop_table('logger_reading')
    op.drop_table('unit_parent')
    op.drop_table('step_unit')
    with op.batch_alter_table('shipment_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipment_item_shipment_id'))

    op.drop_table('shipment_item')
    with op.batch_alter_table('qc_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qc_result_case_id'))

    op.drop_table('qc_result')
    with op.batch_alter_table('logger_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_logger_file_shipment_id'))

    op.drop_table('logger_file')
    with op.batch_alter_table('label', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_label_unit_id'))

    op.drop_table('label')
    with op.batch_alter_table('custody_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_custody_event_unit_id'))

    op.drop_table('custody_event')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_coi'))
        batch_op.drop_index(batch_op.f('ix_unit_case_id'))

    op.drop_table('unit')
    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipment_case_id'))

    op.drop_table('shipment')
    with op.batch_alter_table('manufacturing_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_manufacturing_step_case_id'))

    op.drop_table('manufacturing_step')
    with op.batch_alter_table('batch_release', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_release_case_id'))

    op.drop_table('batch_release')
    op.drop_table('user_role')
    op.drop_table('therapy_case')
    op.drop_table('step_template')
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_index('ix_signature_record')

    op.drop_table('signature')
    op.drop_table('qc_specification')
    op.drop_table('patient_identity')
    op.drop_table('product')
    op.drop_table('printer')
    op.drop_table('patient')
    op.drop_table('app_user')
    op.drop_table('temperature_profile')
    op.drop_table('site')
    op.drop_table('coi_sequence')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_record_type'))
        batch_op.drop_index(batch_op.f('ix_audit_event_record_id'))

    op.drop_table('audit_event')
