"""The unit of work: ``with db.transaction() as session:`` commits, or rolls back on error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine
from sqlmodel import Session

import storage.similar_tables  # noqa: F401  (registers its tables on SQLModel.metadata)
from storage.db import READONLY, make_engine, ping


class Database:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._read_engine = engine.execution_options(**{READONLY: True})

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(make_engine(url))

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work: never takes SQLite's write lock; rolled back at the end."""
        with Session(self._read_engine, expire_on_commit=False) as session:
            try:
                yield session
            finally:
                session.expunge_all()  # keep what was read usable after the session ends
                session.rollback()

    def migrate(self) -> None:
        from storage.migrate import upgrade  # Alembic: only when migrating

        upgrade(self.engine)

    def ping(self) -> None:
        ping(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
