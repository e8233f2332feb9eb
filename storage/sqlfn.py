"""Small SQL building blocks the reports share, portable across SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from storage.tables import UTCDateTime


class seconds_between(FunctionElement[float]):
    """``b - a`` in seconds (float). SQLite: julianday arithmetic; PostgreSQL: EXTRACT(EPOCH)."""

    type = sa.Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    a, b = list(element.clauses)
    return (f"((julianday({compiler.process(b, **kw)}) - "
            f"julianday({compiler.process(a, **kw)})) * 86400.0)")


@compiles(seconds_between, "postgresql")
def _seconds_postgres(element: seconds_between, compiler: Any, **kw: Any) -> str:
    a, b = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(b, **kw)} - {compiler.process(a, **kw)}))"


def at(moment: datetime) -> Any:
    """A bound timestamp typed like the stored columns (UTC; naive text on SQLite)."""
    return sa.literal(moment, UTCDateTime())


def by_group(column: Any, values: Mapping[str, float | None]) -> Any:
    """``CASE column WHEN k THEN v … END``: a per-group constant such as a SEV's target."""
    known = {k: v for k, v in values.items() if v is not None}
    if not known:
        return sa.null()
    return sa.case(known, value=column, else_=sa.null())


def spread_query(values: Any, targets: Mapping[str, float | None] | None = None) -> Any:
    """Per group: count, nearest-rank median and p90, and how many exceeded the target.

    ``values`` is a subquery with columns ``g`` (the group) and ``v`` (seconds). The ranks
    come from window functions, so only one row per group leaves the database.
    """
    ranked = sa.select(
        values.c.g, values.c.v,
        sa.func.row_number().over(partition_by=values.c.g, order_by=values.c.v).label("rn"),
        sa.func.count().over(partition_by=values.c.g).label("n"),
    ).subquery()
    target = by_group(ranked.c.g, targets or {})
    over = (sa.func.coalesce(sa.func.sum(sa.case((ranked.c.v > target, 1), else_=0)), 0)
            if any(v is not None for v in (targets or {}).values()) else sa.literal(0))
    return sa.select(
        ranked.c.g, ranked.c.n,
        sa.func.min(sa.case((ranked.c.rn >= ranked.c.n * 0.5, ranked.c.v))).label("p50"),
        sa.func.min(sa.case((ranked.c.rn >= ranked.c.n * 0.9, ranked.c.v))).label("p90"),
        over.label("breached"),
    ).group_by(ranked.c.g, ranked.c.n)


class json_text(FunctionElement[str]):
    """A top-level field of a JSON text column, as text (``detail``'s keys)."""

    type = sa.String()
    inherit_cache = True
    name = "json_text"


@compiles(json_text, "sqlite")
def _json_sqlite(element: json_text, compiler: Any, **kw: Any) -> str:
    column, key = list(element.clauses)
    return f"json_extract({compiler.process(column, **kw)}, '$.' || {compiler.process(key, **kw)})"


@compiles(json_text, "postgresql")
def _json_postgres(element: json_text, compiler: Any, **kw: Any) -> str:
    column, key = list(element.clauses)
    return f"(CAST({compiler.process(column, **kw)} AS json) ->> {compiler.process(key, **kw)})"


def string_agg(session_dialect: str, column: Any, separator: str) -> Any:
    """``group_concat`` on SQLite, ``string_agg`` on PostgreSQL."""
    if session_dialect == "postgresql":
        return sa.func.string_agg(column, separator)
    return sa.func.group_concat(column, separator)


class unlikely(FunctionElement[Any]):
    """A condition the planner should expect to be rarely true (SQLite's ``unlikely()``; as
    is on PostgreSQL, whose statistics know it). SQLite's ANALYZE knows an index on a
    two-valued column as "half the table per value" and would scan instead of using it."""

    type = sa.types.NullType()
    inherit_cache = True
    name = "unlikely"


@compiles(unlikely, "sqlite")
def _unlikely_sqlite(element: unlikely, compiler: Any, **kw: Any) -> str:
    return f"unlikely({compiler.process(next(iter(element.clauses)), **kw)})"


@compiles(unlikely, "postgresql")
def _unlikely_postgres(element: unlikely, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(next(iter(element.clauses)), **kw)})"
