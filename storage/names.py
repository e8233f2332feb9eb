"""The display-name cache: Slack user id → the name people see, and when it was asked.

No ``from __future__ import annotations`` here: SQLModel needs real annotations at runtime.

Written by the bot process (:mod:`commands.names`, from ``users.info``); read by every report —
also by ``escalation-bot report``, which runs without Slack and shows the ids it finds no name
for. A row with no name says Slack knows no such user (``user_not_found``), so it is not asked
again before the entry is stale. Two replicas writing the same user at once is one upsert.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel

from storage.report_scope import OPEN_STATES
from storage.sqlfn import at
from storage.tables import EscalationRow, UTCDateTime


class UserNameRow(SQLModel, table=True):
    __tablename__ = "user_name"

    user_id: str = Field(primary_key=True, max_length=32)
    display_name: str | None = Field(default=None, max_length=255)
    fetched_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))


N = UserNameRow.__table__  # type: ignore[attr-defined]
E = EscalationRow.__table__  # type: ignore[attr-defined]
_CHUNK = 500  # ids per IN (…) list


def names_for(session: Session, *, users: Iterable[str]) -> dict[str, str]:
    """The cached names of ``users`` (those with one)."""
    wanted = sorted(set(users))
    out: dict[str, str] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        query = sa.select(N.c.user_id, N.c.display_name).where(
            N.c.user_id.in_(chunk), N.c.display_name.is_not(None))
        out.update({str(u): str(n) for u, n in session.execute(query)})
    return out


def stale(session: Session, *, users: Iterable[str], fresh_after: datetime) -> list[str]:
    """Those of ``users`` with no entry, or one fetched at or before ``fresh_after``."""
    wanted = sorted(set(users))
    fresh: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        fresh.update(str(u) for u in session.execute(sa.select(N.c.user_id).where(
            N.c.user_id.in_(chunk), N.c.fetched_at > at(fresh_after))).scalars())
    return [u for u in wanted if u not in fresh]


def stale_open_people(session: Session, *, fresh_after: datetime, limit: int
                      ) -> Sequence[str]:
    """Owners, pending handoff receivers and requesters of open escalations whose name is
    missing or stale, the never-asked first: the people the next digest, report and export
    will show."""
    people = sa.union(
        sa.select(E.c.requester_id.label("user_id")).where(E.c.state.in_(OPEN_STATES)),
        sa.select(E.c.owner_id.label("user_id")).where(
            E.c.owner_id.is_not(None), E.c.state.in_(OPEN_STATES)),
        sa.select(E.c.handoff_to.label("user_id")).where(
            E.c.handoff_to.is_not(None), E.c.state.in_(OPEN_STATES)),
    ).subquery()
    query = (sa.select(people.c.user_id)
             .outerjoin(N, N.c.user_id == people.c.user_id)
             .where(sa.or_(N.c.fetched_at.is_(None), N.c.fetched_at <= at(fresh_after)))
             .order_by(N.c.fetched_at.is_not(None), N.c.fetched_at, people.c.user_id)
             .limit(limit))
    return [str(u) for u in session.execute(query).scalars()]


def save(session: Session, *, user: str, name: str | None, now: datetime) -> None:
    """Insert or replace ``user``'s entry (one statement: two replicas at once are fine)."""
    from sqlalchemy.dialects import postgresql, sqlite

    postgres = session.get_bind().dialect.name == "postgresql"
    insert: Any = postgresql.insert(N) if postgres else sqlite.insert(N)
    statement = insert.values(user_id=user, display_name=name, fetched_at=now)
    session.execute(statement.on_conflict_do_update(
        index_elements=[N.c.user_id],
        set_={"display_name": statement.excluded.display_name,
              "fetched_at": statement.excluded.fetched_at}))
