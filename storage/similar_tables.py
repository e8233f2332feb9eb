"""The tables of deflection at intake (issue 7 §3): the search documents and what was shown.

No ``from __future__ import annotations`` here: SQLModel needs real annotations at runtime.

``search_doc`` holds one text per approved knowledge-base article and per resolved escalation
(written by :mod:`storage.similar`). The full-text index over it is the database's own and is
not declared here, because SQLModel cannot express it (migration 0010 creates it):

* SQLite: the FTS5 table ``search_doc_fts`` (external content ``search_doc``), kept in step by
  triggers on ``search_doc``;
* PostgreSQL: the generated column ``search_doc.search_vector`` (``to_tsvector('english',
  body)``) with a GIN index.

:data:`FTS_OBJECTS` names them, so the schema comparison (``alembic check``, the drift test)
leaves them alone.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.tables import UTCDateTime


def _ts(nullable: bool = False) -> Any:
    return Field(sa_column=sa.Column(UTCDateTime(), nullable=nullable))


class SearchDocRow(SQLModel, table=True):
    """What full-text search looks in: one article or one resolved escalation."""

    __tablename__ = "search_doc"
    __table_args__ = (sa.UniqueConstraint("kind", "ref_id", name="uq_search_doc_kind_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # core.similar.SuggestionKind
    ref_id: int
    body: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    # When it was (re)indexed: the search ranks escalations indexed within the lookback only.
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False, index=True))


class DeflectionShownRow(SQLModel, table=True):
    """An /escalate modal (its draft key = the escalation's idempotency key) whose readiness
    step showed suggestions. It went on to an escalation when one has this key."""

    __tablename__ = "deflection_shown"

    key: str = Field(primary_key=True, max_length=255)
    user_id: str = Field(max_length=32)
    domain_key: str | None = Field(default=None, max_length=64)
    shown_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False, index=True))


class DeflectionSuggestionRow(SQLModel, table=True):
    """Which article or escalation a modal was shown (once each, however often re-shown)."""

    __tablename__ = "deflection_suggestion"

    key: str = Field(foreign_key="deflection_shown.key", primary_key=True, max_length=255)
    kind: str = Field(max_length=16, primary_key=True)
    ref_id: int = Field(primary_key=True)
    position: int


# The full-text objects migration 0010 creates outside the models (see the module docstring).
FTS_TABLE_PREFIX = "search_doc_fts"
FTS_OBJECTS = frozenset({"search_vector", "ix_search_doc_search_vector"})


def is_fts_object(name: str | None) -> bool:
    return name is not None and (name in FTS_OBJECTS or name.startswith(FTS_TABLE_PREFIX))


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's ``include_name`` hook: compare everything but the full-text objects."""
    return not is_fts_object(name)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                   compare_to: Any) -> bool:
    """Alembic's ``include_object`` hook (the generated column and its index on PostgreSQL)."""
    return not is_fts_object(name)
