"""Drop Slack's redeliveries: the first delivery of a key wins, every retry is a no-op."""

from __future__ import annotations

from datetime import timedelta

from commands.context import Context
from storage import repository as repo

KEEP = timedelta(days=1)


def first_time(ctx: Context, key: str) -> bool:
    with ctx.db.transaction() as session:
        return repo.first_delivery(session, key=key, now=ctx.now())


def seen(ctx: Context, key: str) -> bool:
    """Whether ``key`` was handled before (a read: no write lock, nothing recorded)."""
    with ctx.db.read() as session:
        return repo.delivery_seen(session, key=key)


def housekeeping(ctx: Context) -> tuple[int, int]:
    """Forget old delivery keys and abandoned drafts; returns how many of each were removed."""
    now = ctx.now()
    with ctx.db.transaction() as session:
        keys = repo.forget_deliveries_older_than(session, cutoff=now - KEEP)
        drafts = repo.delete_drafts_older_than(session, cutoff=now - timedelta(days=7))
    return keys, drafts
