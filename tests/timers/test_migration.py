"""Migration 0002 (timers) moves a spine database forward without loss, and the clocks of its
live escalations are planned at the next start."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from commands import escalate
from commands.claim import claim
from commands.context import Context
from commands.deliver import deliver_due
from commands.planning import plan_missing
from core.model import Domain
from storage import deadlines as dl
from storage import repository as repo
from storage.database import Database
from storage.migrate import current_revision, head_revision, upgrade
from tests.builders import good_answers
from tests.fakes import InMemorySlack

DOMAINS = {"auth": Domain("auth", "Authentication & SSO", "C0AUTH0001")}


def test_spine_database_moves_forward(database_url: str, now: datetime) -> None:
    db = Database.from_url(database_url)
    try:
        upgrade(db.engine, "0001")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO escalation (idempotency_key, state, severity, domain_key, "
                "channel_id, problem, requester_id, customer, tier, affected_users, "
                "target_level, leadership_notified, level_reason, created_at, posted_at, "
                "message_ts, version) VALUES ('K1', 'open', 'SEV1', 'auth', 'C0AUTH0001', "
                "'SSO down', 'U0AGENT', 'Acme', 'enterprise', 10, 4, false, 'why', :t, :t, "
                "'1.1', 0)"), {"t": now})
        db.migrate()
        assert current_revision(db.engine) == head_revision()
        ctx = Context(db=db, slack=InMemorySlack(), domains=DOMAINS, clock=lambda: now,
                      worker="w")
        with db.read() as session:
            kept = repo.find_by_key(session, key="K1")
        assert kept is not None and kept.problem == "SSO down"
        assert plan_missing(ctx) == 1
        with db.read() as session:
            clocks = dl.deadlines_for(session, escalation_id=kept.id or 0)
        assert [(c.kind, c.due_at) for c in clocks] == [("claim", now + timedelta(minutes=15))]
    finally:
        db.dispose()


def test_claim_after_migration_uses_the_new_clocks(db: Database, now: datetime) -> None:
    ctx = Context(db=db, slack=InMemorySlack(), domains=DOMAINS, clock=lambda: now, worker="w")
    result = escalate.submit(ctx, key="V1", requester="U0AGENT", answers=good_answers(now))
    deliver_due(ctx)
    assert claim(ctx, escalation_id=result.escalation_id, user="U0SPEC").won
    with db.read() as session:
        kinds = {c.kind: c.due_at for c in dl.deadlines_for(session,
                                                             escalation_id=result.escalation_id)}
    assert kinds["claim"] is None and kinds["accept"] == now + timedelta(minutes=30)
