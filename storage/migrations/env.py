"""Alembic environment: runs on the engine the app built (see storage.migrate)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

import storage.names  # registers its table on SQLModel.metadata
import storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.db import make_engine
from storage.similar_tables import include_name, include_object

config = context.config
target_metadata = SQLModel.metadata

# A fixed key so concurrent replicas migrate one at a time on PostgreSQL.
_PG_LOCK_KEY = 0x45534342  # "ESCB"


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or make_engine(
        config.get_main_option("sqlalchemy.url") or ""
    )
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
            connection.commit()
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                # The full-text index (FTS5 table, tsvector column) is not in the models.
                include_name=include_name,
                include_object=include_object,
            )
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `escalation-bot migrate`")
run_migrations_online()
