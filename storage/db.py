"""One engine per process; a short session per unit of work."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

READONLY = "escalation_readonly"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine tuned for this app: SQLite in WAL mode with a busy timeout, pooled PostgreSQL."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs
        )

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE instead of pysqlite's
            # deferred BEGIN: a deferred read that later writes fails at once with "database is
            # locked" under concurrent clicks, while an immediate one waits its turn.
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # WAL + NORMAL: a commit survives an app crash; only an OS crash or power loss can
            # drop the last transactions (SQLite's recommended WAL setting). PostgreSQL is the
            # production store.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Read-only units of work (Database.read) take no write lock, so they never queue
            # behind writers (WAL readers see the last committed state).
            readonly = conn.get_execution_options().get(READONLY, False)
            conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


def ping(engine: Engine) -> None:
    """Raise if the database cannot answer a trivial query."""
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
