"""Two causes of a unit's hold of their own: ``post_release`` (a result recorded after release
failed) and ``recall`` (the QP recalled the batch); until now both were entered as ``manual``.

Revision ID: 0019_hold_causes
Revises: 0018_audit_search_indexes
Create Date: 2026-12-07 02:00:00.000000

Only the CHECK of ``unit.side_state_cause`` changes (the column's length, that of
``receipt_pending``, is enough). PostgreSQL drops the constraint and creates it again.

SQLite cannot alter a CHECK, so the unit table is rebuilt. Not with Alembic's batch mode: it
copies the rows into a new table, drops ``unit`` and renames the copy, and the foreign keys of
custody events, shipment items, labels, scans and stage records pointing at ``unit`` then stay
counted as broken at the commit (a rename settles no reference). So, as 0015 did for
``product``, under deferred foreign keys the rows are copied aside, the table is dropped and
created again under its own name from its own stored definition with only the CHECK's list
changed, its indexes made again, and the rows put back, which settles every reference before
the commit. The data is kept as it was: no hold is re-read from its reason's words (a hold set
before this revision stays ``manual``, which only QA's ordinary signed lift takes off).
Downgrade turns the two causes back into ``manual`` and restores the old CHECK.
"""
import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019_hold_causes'
down_revision: str | None = '0018_audit_search_indexes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_CAUSES = ('manual', 'receipt_pending', 'cold_chain', 'case')
NEW_CAUSES = (*OLD_CAUSES, 'post_release', 'recall')
CHECK = 'ck_unit_unit_side_state_cause'
_CHECK_SQL = re.compile(r'CHECK \(side_state_cause IN \([^)]*\)\)')


def _allowed(causes: Sequence[str]) -> str:
    return ', '.join(f"'{cause}'" for cause in causes)


def _rebuild_sqlite(causes: Sequence[str]) -> None:
    bind = op.get_bind()
    table_sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'unit'")
    ).scalar_one()
    new_sql, found = _CHECK_SQL.subn(f'CHECK (side_state_cause IN ({_allowed(causes)}))', table_sql)
    if found != 1:
        raise RuntimeError('unit.side_state_cause: its CHECK is not where 0004 put it')
    indexes = bind.execute(
        sa.text(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'unit' "
            'AND sql IS NOT NULL'
        )
    ).scalars().all()
    columns = ', '.join(
        row[1] for row in bind.execute(sa.text("PRAGMA table_info('unit')")).all()
    )
    op.execute('PRAGMA defer_foreign_keys = ON')
    op.execute('CREATE TEMP TABLE unit_rows AS SELECT * FROM unit')
    op.execute('DROP TABLE unit')
    op.execute(new_sql)
    for index_sql in indexes:
        op.execute(index_sql)
    op.execute(f'INSERT INTO unit ({columns}) SELECT {columns} FROM unit_rows')
    op.execute('DROP TABLE unit_rows')


def _replace_postgresql(causes: Sequence[str]) -> None:
    names = [
        str(check['name'])
        for check in sa.inspect(op.get_bind()).get_check_constraints('unit')
        if check['name'] and 'side_state_cause' in (check.get('sqltext') or '')
    ]
    for name in names:
        op.drop_constraint(op.f(name), 'unit', type_='check')
    op.create_check_constraint(op.f(CHECK), 'unit', f'side_state_cause IN ({_allowed(causes)})')


def _set_causes(causes: Sequence[str]) -> None:
    if op.get_bind().dialect.name == 'sqlite':
        _rebuild_sqlite(causes)
    else:
        _replace_postgresql(causes)


def upgrade() -> None:
    _set_causes(NEW_CAUSES)


def downgrade() -> None:
    op.execute(
        "UPDATE unit SET side_state_cause = 'manual' "
        "WHERE side_state_cause IN ('post_release', 'recall')"
    )
    _set_causes(OLD_CAUSES)
