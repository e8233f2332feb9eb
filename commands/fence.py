"""A delivery re-checks its lease right before every external call it makes.

A lease is taken before an outbox item is delivered, but a worker can lose it while it works:
the lease expires (a slow call, a paused process), or the worker's heartbeat falls silent
past the peer timeout and a peer takes the item over. A worker that then went on and called
Slack would send what its successor sends too. So every call a delivery makes — to Slack,
Jira or Zendesk — first extends the lease in one short transaction fenced by the lease owner
(:func:`storage.workers.renew`, which also records a heartbeat: a worker making calls is
alive, and peers must not take its rows for a dead one's); if the lease is no longer this
worker's, :class:`LeaseLost` is raised instead and nothing is sent. Each call then has a
full fresh lease to finish in: the lease only has to outlast the slowest *single* call
(bounded by the clients' timeouts and retries, see ``bot.slack_client``), not a whole
delivery.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

from commands.context import Context
from commands.ports import JiraPort, SlackPort


class LeaseLost(Exception):
    """This worker's lease on the item was taken over or ended: make no call."""


class Fenced:
    """A port whose every method call runs ``check`` first (``pure`` methods call nothing
    outside and are passed through: e.g. Jira's ``browse_url``, used inside transactions)."""

    def __init__(self, target: Any, check: Callable[[], None],
                 pure: frozenset[str] = frozenset()) -> None:
        self._target = target
        self._check = check
        self._pure = pure

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if name.startswith("_") or name in self._pure or not callable(value):
            return value

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            self._check()
            return value(*args, **kwargs)

        return call


def fenced(ctx: Context, check: Callable[[], None]) -> Context:
    """``ctx`` with its Slack, Jira and Zendesk ports behind ``check``."""
    from commands.jira import JiraSetup

    extra = dict(ctx.extra)
    jira = extra.get("jira")
    if isinstance(jira, JiraSetup):
        extra["jira"] = replace(jira, port=cast(JiraPort, Fenced(
            jira.port, check, pure=frozenset({"browse_url"}))))
    zendesk = extra.get("zendesk")
    if hasattr(zendesk, "internal_note"):
        extra["zendesk"] = Fenced(zendesk, check)
    return replace(ctx, slack=cast(SlackPort, Fenced(ctx.slack, check)), extra=extra)
