"""The typed cause of a unit's side state, back-filled from the reasons the application wrote.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 12:00:00.000000

Accepting a receipt used to decide which quarantine to lift by the words its reason began with;
the cause is now a column of its own. The back-fill reads the exact reason texts the
application wrote for a receipt, a cold-chain verdict or rejection, and a case's final
decision; every other unit in a side state gets MANUAL, the safe reading: only QA's signed
lift takes it off.

On SQLite the column is added with ALTER TABLE, its CHECK inline: a batch rebuild would drop
and recreate the unit table, which the foreign keys of its custody events, shipment items and
stage records refuse as soon as it has rows.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CAUSES = ('manual', 'receipt_pending', 'cold_chain', 'case')
LENGTH = max(len(cause) for cause in CAUSES)

# (cause, condition) in order; the reason texts are those app.journey and app.coldchain wrote.
BACKFILL = (
    (
        'receipt_pending',
        "side_state = 'quarantined' "
        "AND side_state_reason LIKE 'received in %; awaiting acceptance'",
    ),
    (
        'cold_chain',
        "side_state = 'quarantined' AND side_state_reason LIKE 'cold-chain % in shipment %'",
    ),
    (
        'cold_chain',
        "side_state = 'rejected' AND side_state_reason LIKE 'cold chain of % rejected by QA: %'",
    ),
    (
        'case',
        "side_state IN ('rejected', 'cancelled') AND ("
        "side_state_reason LIKE 'case rejected: %' "
        "OR side_state_reason LIKE 'case destroyed: %' "
        "OR side_state_reason LIKE 'case cancelled: %')",
    ),
    ('manual', "side_state <> 'none'"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        allowed = ', '.join(f"'{cause}'" for cause in CAUSES)
        op.execute(
            f'ALTER TABLE unit ADD COLUMN side_state_cause VARCHAR({LENGTH}) '
            'CONSTRAINT ck_unit_unit_side_state_cause '
            f'CHECK (side_state_cause IN ({allowed}))'
        )
    else:
        op.add_column(
            'unit',
            sa.Column(
                'side_state_cause',
                sa.Enum(
                    *CAUSES,
                    name='unit_side_state_cause',
                    native_enum=False,
                    create_constraint=True,
                    length=LENGTH,
                ),
                nullable=True,
            ),
        )
    for cause, condition in BACKFILL:
        op.execute(
            f"UPDATE unit SET side_state_cause = '{cause}' "
            f'WHERE side_state_cause IS NULL AND {condition}'
        )


def downgrade() -> None:
    # SQLite drops the column (and its own CHECK) in place: no rebuild of the unit table.
    op.drop_column('unit', 'side_state_cause')
