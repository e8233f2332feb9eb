"""App Home's lists for one person: what they own, raised, owe an answer to, could claim.

A read: no lock, no audit. Each list is loaded in full up to :data:`LIMIT` (to count "and N
more"), and only the first :data:`SHOWN` are loaded as escalations for rendering.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from commands.context import Context
from commands.escalate import load
from core.model import Escalation
from storage import lists
from storage.tables import EscalationRow

LIMIT = 200
SHOWN = 10
RECENT = timedelta(days=14)


@dataclass(frozen=True)
class HomeList:
    key: str
    items: list[Escalation]
    total: int


def my_domains(ctx: Context, user: str) -> list[str]:
    """Domains whose specialists group has ``user`` (or that have no group: anyone claims)."""
    keys: list[str] = []
    for domain in ctx.domains.values():
        members = ctx.slack.group_members(domain.specialists) if domain.specialists else None
        if members is None or user in members:
            keys.append(domain.key)
    return keys


def _list(ctx: Context, key: str, rows: list[EscalationRow], shown: int = SHOWN) -> HomeList:
    items = [e for e in (load(ctx, r.id) for r in rows[:shown] if r.id) if e is not None]
    return HomeList(key, items, len(rows))


def home(ctx: Context, user: str) -> list[HomeList]:
    domains = my_domains(ctx, user)
    with ctx.db.read() as session:
        owned = list(lists.owned_by(session, user=user, limit=LIMIT))
        raised = [r for r in lists.raised_by(session, user=user, limit=LIMIT)
                  if r.state not in ("resolved", "closed", "cancelled", "merged")]
        waiting = list(lists.waiting_for(session, user=user, limit=LIMIT))
        unclaimed = list(lists.unclaimed(session, domains=domains, limit=LIMIT)) \
            if domains else []
        resolved = list(lists.recently_resolved(session, user=user, since=ctx.now() - RECENT,
                                                limit=LIMIT))
    return [_list(ctx, "waiting", waiting), _list(ctx, "mine", owned),
            _list(ctx, "raised", raised), _list(ctx, "unclaimed", unclaimed),
            _list(ctx, "resolved", resolved, shown=5)]


def queue(ctx: Context, domains: list[str]) -> HomeList:
    """``/escalation queue``: what waits for an owner in ``domains``, oldest first."""
    with ctx.db.read() as session:
        rows = list(lists.unclaimed(session, domains=domains, limit=LIMIT))
    return _list(ctx, "unclaimed", rows)
