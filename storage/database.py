"""The unit of work: ``with db.transaction() as session:`` commits, or rolls back on error."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine
from sqlmodel import Session

import storage.names  # registers its table on SQLModel.metadata
import storage.similar_tables  # noqa: F401  (registers its tables on SQLModel.metadata)
from storage.db import READONLY, make_engine, ping

# How many write units of work this thread has open. A write transaction holds SQLite's one
# write lock from its first statement (BEGIN IMMEDIATE) and a PostgreSQL connection with its
# row locks: nothing slow — a Slack, Jira or Zendesk call — may happen inside one, or every
# other writer (a Claim click) waits for it. The tests check every external call against this.
_open = threading.local()


def in_write_transaction() -> bool:
    """True while this thread is inside :meth:`Database.transaction`."""
    return bool(getattr(_open, "depth", 0))


def in_read() -> bool:
    """True while this thread is inside :meth:`Database.read` (a PostgreSQL connection and
    snapshot held; no lock)."""
    return bool(getattr(_open, "reads", 0))


class Database:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._read_engine = engine.execution_options(**{READONLY: True})

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(make_engine(url))

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        _open.depth = getattr(_open, "depth", 0) + 1
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        finally:
            _open.depth -= 1

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work: never takes SQLite's write lock; rolled back at the end."""
        _open.reads = getattr(_open, "reads", 0) + 1
        try:
            with Session(self._read_engine, expire_on_commit=False) as session:
                try:
                    yield session
                finally:
                    session.expunge_all()  # keep what was read usable after the session ends
                    session.rollback()
        finally:
            _open.reads -= 1

    def migrate(self) -> None:
        from storage.migrate import upgrade  # Alembic: only when migrating

        upgrade(self.engine)

    def ping(self) -> None:
        ping(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
