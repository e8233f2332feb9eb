"""The feedback loop's migration moves a database filled at the spine's schema (0001) forward."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from commands import escalate, feedback
from core.model import State
from storage import repository as repo
from storage.database import Database
from storage.migrate import current_revision, head_revision, upgrade
from tests.fakes import InMemorySlack
from tests.loop_helpers import Clock, make_ctx

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _fill_at_0001(db: Database) -> None:
    """Rows as the spine wrote them: an open and a claimed escalation with their answers,
    audit events, outbox items, a delivery key and a draft."""
    naive = T0.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else T0
    escalation = sa.text(
        "INSERT INTO escalation (id, idempotency_key, state, severity, domain_key, channel_id,"
        " problem, requester_id, case_owner_id, customer, tier, affected_users, target_level,"
        " leadership_notified, level_reason, first_reported_at, created_at, posted_at,"
        " message_ts, permalink, owner_id, claimed_at, version) VALUES (:id, :key, :state,"
        " 'SEV2', 'auth', 'C0AUTH0001', 'SSO login fails with HTTP 500 for Acme users',"
        " 'U0AGENT', 'U0CASE', 'Acme Corp', 'enterprise', 1200, 4, false, 'L4 Engineering',"
        " :t, :t, :t, :ts, NULL, :owner, :claimed, :version)")
    with db.engine.begin() as conn:
        conn.execute(escalation, {"id": 1, "key": "V1", "state": "open", "t": naive,
                                  "ts": "1700000000.000001", "owner": None, "claimed": None,
                                  "version": 1})
        conn.execute(escalation, {"id": 2, "key": "V2", "state": "claimed", "t": naive,
                                  "ts": "1700000000.000002", "owner": "U0OWNER",
                                  "claimed": naive, "version": 2})
        for esc_id in (1, 2):
            for field, value in (("problem", "SSO login fails with HTTP 500 for Acme users"),
                                 ("severity", "SEV2"), ("domain", "auth"),
                                 ("customer", "Acme Corp"), ("tier", "enterprise"),
                                 ("affected_users", "1200"),
                                 ("linked_tickets", "ZD-48213")):
                conn.execute(sa.text("INSERT INTO checklist_answer (escalation_id, field, value)"
                                     " VALUES (:e, :f, :v)"), {"e": esc_id, "f": field,
                                                               "v": value})
            conn.execute(sa.text("INSERT INTO audit_event (escalation_id, at, actor, kind,"
                                 " detail) VALUES (:e, :t, 'U0AGENT', 'created', '{}')"),
                         {"e": esc_id, "t": naive})
            conn.execute(sa.text(
                "INSERT INTO outbox (escalation_id, kind, dedupe_key, status, attempts,"
                " next_attempt_at, in_flight, created_at) VALUES (:e, 'post_packet', :k,"
                " 'done', 1, :t, false, :t)"), {"e": esc_id, "k": f"post_packet:{esc_id}",
                                               "t": naive})
        conn.execute(sa.text("INSERT INTO audit_event (escalation_id, at, actor, kind, detail)"
                             " VALUES (2, :t, 'U0OWNER', 'claimed', '{\"time_to_claim_s\": 60}')"),
                     {"t": naive})
        conn.execute(sa.text("INSERT INTO inbound_delivery (key, seen_at) VALUES ('T1', :t)"),
                     {"t": naive})
        conn.execute(sa.text("INSERT INTO draft (key, user_id, answers, step, updated_at)"
                             " VALUES ('D1', 'U0AGENT', '{\"problem\": \"x\"}', 'problem', :t)"),
                     {"t": naive})


def test_0001_database_keeps_everything_and_works(database_url: str) -> None:
    db = Database.from_url(database_url)
    try:
        upgrade(db.engine, "0001")
        _fill_at_0001(db)
        db.migrate()
        assert current_revision(db.engine) == head_revision()
        with db.read() as session:
            rows = {r.id: r for r in (repo.get_escalation(session, escalation_id=i)
                                      for i in (1, 2)) if r is not None}
            assert [rows[1].state, rows[2].state] == ["open", "claimed"]
            assert rows[2].owner_id == "U0OWNER" and rows[2].claimed_at == T0
            assert rows[1].requester_id == "U0AGENT" and rows[1].case_owner_id == "U0CASE"
            assert rows[2].info_bounces == 0 and rows[2].updates_count == 0
            answers = repo.load_answers(session, escalation_id=2)
            assert answers.problem == "SSO login fails with HTTP 500 for Acme users"
            assert answers.linked_tickets == "ZD-48213"
            trail = repo.audit_trail(session, escalation_id=2)
            assert [(e.actor, e.kind) for e in trail] == [("U0AGENT", "created"),
                                                           ("U0OWNER", "claimed")]
            assert trail[1].from_state is None and trail[1].at == T0
            assert len(repo.outbox_for(session, escalation_id=1)) == 1
            assert repo.delivery_seen(session, key="T1")
            assert repo.get_draft(session, key="D1") is not None
        # The migrated claimed escalation goes on through the loop.
        ctx = make_ctx(db, InMemorySlack(), Clock(T0))
        esc = escalate.load(ctx, 2)
        assert esc is not None and esc.state is State.CLAIMED and esc.owner == "U0OWNER"
        assert feedback.accept(ctx, escalation_id=2, user="U0OWNER").ok
        accepted = escalate.load(ctx, 2)
        assert accepted is not None and accepted.state is State.ACCEPTED
        assert accepted.progress.next_update_due is not None
    finally:
        db.dispose()
