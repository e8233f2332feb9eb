"""Read-only lists for App Home and ``/escalation mine|queue`` (escalations with progress)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from sqlmodel import Session

from commands.context import Context
from commands.escalate import load
from core.model import Escalation
from storage import loop as data
from storage.tables import EscalationRow


def _load(ctx: Context, pick: Callable[[Session], Sequence[EscalationRow]]) -> list[Escalation]:
    with ctx.db.read() as session:
        ids = [r.id for r in pick(session) if r.id is not None]
    return [esc for esc in (load(ctx, i) for i in ids) if esc is not None]


def my_work(ctx: Context, user: str, limit: int = 50) -> list[Escalation]:
    """Active escalations ``user`` owns, soonest next update due first."""
    return _load(ctx, lambda s: data.owned_by(s, user=user, limit=limit))


def raised_by_me(ctx: Context, user: str, limit: int = 50) -> list[Escalation]:
    """Escalations ``user`` raised, newest first."""
    return _load(ctx, lambda s: data.raised_by(s, user=user, limit=limit))


def waiting_for_me(ctx: Context, user: str, limit: int = 50) -> list[Escalation]:
    """Needs-info questions for ``user`` (requester/case owner) and handoffs offered to them."""
    return _load(ctx, lambda s: data.waiting_for(s, user=user, limit=limit))


def unclaimed(ctx: Context, domains: Sequence[str] | None = None,
              limit: int = 50) -> list[Escalation]:
    """Posted, unclaimed escalations of ``domains`` (all when None), oldest first."""
    return _load(ctx, lambda s: data.unclaimed(s, domains=domains, limit=limit))


def recently_resolved(ctx: Context, user: str, days: int = 14,
                      limit: int = 20) -> list[Escalation]:
    """Resolved or closed in the last ``days``, raised or owned by ``user``."""
    since = ctx.now() - timedelta(days=days)
    return _load(ctx, lambda s: data.recently_resolved(s, user=user, since=since, limit=limit))
