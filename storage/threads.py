"""Data functions for the thread a modal was drafted from (``thread_source``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from storage.tables import ThreadSourceRow


def save_thread_source(session: Session, *, key: str, channel: str, thread_ts: str,
                       permalink: str | None, message_count: int, drafter: str,
                       sources: Mapping[str, Sequence[str]], drafted: Mapping[str, str],
                       now: datetime) -> None:
    """Record (or replace, when the thread is drafted again) where the draft came from."""
    values: dict[str, Any] = {"channel_id": channel, "thread_ts": thread_ts, "permalink": permalink,
              "message_count": message_count, "drafter": drafter,
              "sources": json.dumps({k: {"ts": list(v), "value": drafted.get(k, "")}
                                     for k, v in sources.items()}, sort_keys=True),
              "created_at": now}
    updated = session.execute(sa.update(ThreadSourceRow)
                              .where(col(ThreadSourceRow.key) == key).values(**values))
    if getattr(updated, "rowcount", 0) == 1:
        return
    try:
        with session.begin_nested():
            session.add(ThreadSourceRow(key=key, **values))
            session.flush()
    except IntegrityError:  # a replica recorded it first: ours is as good, update
        session.execute(sa.update(ThreadSourceRow)
                        .where(col(ThreadSourceRow.key) == key).values(**values))


def get_thread_source(session: Session, *, key: str) -> ThreadSourceRow | None:
    return session.get(ThreadSourceRow, key)


def sources_of(row: ThreadSourceRow) -> dict[str, tuple[list[str], str]]:
    """{checklist field: (message ts list, the value drafted)}."""
    data = json.loads(row.sources or "{}")
    out: dict[str, tuple[list[str], str]] = {}
    for key, item in data.items():
        if isinstance(item, dict):
            out[str(key)] = ([str(ts) for ts in item.get("ts", [])], str(item.get("value", "")))
    return out
