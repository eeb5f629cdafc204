"""A reader for test assertions: a demo user as an actor, without a sign-in on record.

Reads take the actor (issue 13): a test that only looks at what a service stored reads it as
QA of the manufacturing site (who sees every demo case), built from the account as it is now,
so no sign-in event is added to the audit trail the test may be counting.
"""

from __future__ import annotations

from sqlalchemy import select

from app.access.users import actor_for
from app.core import Actor, Database
from db.models import User


def reader(database: Database, username: str = "asha.qa") -> Actor:
    """The demo user ``username`` (QA at the manufacturer by default) as an actor."""
    with database.read_session() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return actor_for(user, "test-station")
