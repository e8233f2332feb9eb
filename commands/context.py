"""What every command needs: the database, Slack, the routing table, the policy and a clock."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from commands.ports import SlackPort
from core.model import Domain
from core.policy import DEFAULT_POLICY, Policy
from core.redaction import NO_ALLOW, AllowList
from core.similar import SimilarSettings
from core.timefmt import utcnow
from storage.database import Database


@dataclass
class Context:
    db: Database
    slack: SlackPort
    domains: Mapping[str, Domain]
    policy: Policy = DEFAULT_POLICY
    clock: Callable[[], datetime] = utcnow
    # Names this process in leases, so a replica's crash is told apart from a slow peer.
    worker: str = "worker"
    # How long a worker may hold an outbox item before another may retry it. It is re-checked
    # and extended before every external call a delivery makes (commands.fence), so it must
    # outlast the slowest single call with its retries (bounded in bot.slack_client, ~45 s); a
    # crashed worker's items wait this long unless its heartbeat stops first.
    lease: timedelta = timedelta(minutes=2)
    # Global leads from the YAML (user ids and/or user group ids); domains add their own.
    leads: tuple[str, ...] = ()
    # Where leadership is told about L4 escalations and contract/PR risk (optional).
    leadership_channel: str | None = None
    # A Claim clicked the instant the packet appears may arrive before its posting is
    # recorded: wait up to this long (real time) for the record before saying "still being
    # posted". The runtime sets a few seconds; tests with a fake clock keep 0.
    posting_grace: timedelta = timedelta(0)
    # A peer whose heartbeat is older than this is dead: its leases are free at once.
    peer_timeout: timedelta = timedelta(seconds=10)
    extra: dict[str, object] = field(default_factory=dict)
    # Told each outbox attempt's kind and outcome (delivered, failed, deferred): the metrics.
    on_delivery: Callable[[str, str], None] = field(default=lambda kind, outcome: None)
    # Told each Jira sync's source (webhook, poll) and result (applied, noted, failed).
    on_sync: Callable[[str, str], None] = field(default=lambda source, result: None)
    # Told each deadline that fired: its kind and how many seconds after its due time.
    on_deadline: Callable[[str, float], None] = field(default=lambda kind, late: None)
    # What the team says is not PII (its own email domains …): the YAML's ``redaction:``.
    redaction: AllowList = NO_ALLOW
    # Deflection at intake: the YAML's ``deflection:`` (lookback, how many suggestions).
    similar: SimilarSettings = field(default_factory=SimilarSettings)

    def now(self) -> datetime:
        return self.clock()

    def dead_before(self) -> datetime:
        return self.now() - self.peer_timeout

    @property
    def domain_keys(self) -> frozenset[str]:
        return frozenset(self.domains)
