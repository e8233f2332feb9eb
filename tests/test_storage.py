"""Storage on SQLite and PostgreSQL: migrations, UTC timestamps, compare-and-set primitives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from core.model import Domain, Level, LevelDecision
from storage import repository as repo
from storage.database import Database
from storage.migrate import current_revision, head_revision
from storage.similar_tables import include_name, include_object
from storage.tables import AuditEventRow
from tests.builders import good_answers

AUTH = Domain("auth", "Authentication & SSO", "C0AUTH0001")
DECISION = LevelDecision(Level.L3, False, "L3 Tier 3: SEV2 warrants a leap to Tier 3")


class TestMigrations:
    def test_migrations_match_the_models(self, db: Database) -> None:
        """After `migrate`, the schema is exactly what the models declare (no drift)."""
        with db.engine.connect() as conn:
            # The full-text index (FTS5 table / tsvector column) is outside the models; its
            # own tests are in tests/test_similar.py.
            context = MigrationContext.configure(conn, opts={
                "include_name": include_name, "include_object": include_object})
            diff = compare_metadata(context, SQLModel.metadata)
        assert diff == []
        assert current_revision(db.engine) == head_revision()

    def test_migrate_twice_is_harmless(self, db: Database) -> None:
        """Running migrations again (every `run` does) changes nothing."""
        db.migrate()
        assert current_revision(db.engine) == head_revision()

    def test_workers_migration_keeps_existing_data(self, database_url: str,
                                                   now: datetime) -> None:
        """0008 → 0009 (workers, installation) on a database holding an escalation and a
        leased outbox item: both survive, and the new tables work."""
        from storage import workers
        from storage.migrate import upgrade

        db = Database.from_url(database_url)
        try:
            upgrade(db.engine, "0008")
            with db.transaction() as session:
                row, _ = repo.insert_escalation(session, key="V1", requester="U1",
                                                answers=good_answers(now), domain=AUTH,
                                                decision=DECISION, now=now)
                assert row.id is not None
                item = repo.enqueue(session, escalation_id=row.id, kind="post_packet",
                                    dedupe_key="post_packet:1", now=now, leased_by="old-host",
                                    lease_for=timedelta(minutes=2))
            upgrade(db.engine, "0009")
            with db.transaction() as session:
                assert repo.get_escalation(session, escalation_id=1) is not None
                [kept] = repo.outbox_for(session, escalation_id=1)
                assert kept.id == item and kept.lease_owner == "old-host" and kept.in_flight
                key = workers.installation_key(session, now=now)
                assert workers.release_leases(session, owners=["old-host"]) == 1
            with db.transaction() as session:
                assert workers.installation_key(session, now=now) == key
        finally:
            db.dispose()


class TestTimestamps:
    def test_round_trip_is_aware_utc(self, db: Database, now: datetime) -> None:
        """A time written in another zone reads back as the same instant in UTC."""
        paris = now.astimezone(timezone(timedelta(hours=1)))
        with db.transaction() as session:
            repo.add_audit(session, escalation_id=None, actor="U1", kind="test", at=paris)
        with db.transaction() as session:
            event = session.exec(sa.select(AuditEventRow)).scalars().one()  # type: ignore[call-overload]
        assert event.at == now and event.at.tzinfo == UTC

    def test_naive_datetimes_are_refused(self, db: Database) -> None:
        """A naive datetime cannot be stored by mistake (it would be ambiguous)."""
        with pytest.raises(sa.exc.StatementError), db.transaction() as session:
            repo.add_audit(session, escalation_id=None, actor="U1", kind="test",
                           at=datetime(2026, 1, 1))


class TestEscalationRows:
    def insert(self, db: Database, now: datetime, key: str = "V1") -> int:
        with db.transaction() as session:
            row, _ = repo.insert_escalation(session, key=key, requester="U0AGENT",
                                                  answers=good_answers(now), domain=AUTH,
                                                  decision=DECISION, now=now)
            assert row.id is not None
            return row.id

    def test_answers_round_trip(self, db: Database, now: datetime) -> None:
        """Every checklist answer is stored and read back unchanged."""
        esc_id = self.insert(db, now)
        with db.transaction() as session:
            assert repo.load_answers(session, escalation_id=esc_id) == good_answers(now)

    def test_claim_needs_a_posted_open_unowned_row(self, db: Database, now: datetime) -> None:
        """The compare-and-set wins once, and only after the packet is posted."""
        esc_id = self.insert(db, now)
        with db.transaction() as session:
            assert not repo.claim(session, escalation_id=esc_id, user="U1", now=now)
            assert repo.mark_posted(session, escalation_id=esc_id, channel="C0AUTH0001",
                                    ts="1.1", now=now)
            assert not repo.mark_posted(session, escalation_id=esc_id, channel="C0AUTH0001",
                                        ts="2.2", now=now)
            assert repo.claim(session, escalation_id=esc_id, user="U1", now=now)
            assert not repo.claim(session, escalation_id=esc_id, user="U2", now=now)

    def test_inbound_delivery_seen_once(self, db: Database, now: datetime) -> None:
        """A Slack delivery key is accepted the first time only."""
        with db.transaction() as session:
            assert repo.first_delivery(session, key="trigger:1", now=now)
        with db.transaction() as session:
            assert not repo.first_delivery(session, key="trigger:1", now=now)

    def test_outbox_lease_is_exclusive(self, db: Database, now: datetime) -> None:
        """A leased item cannot be leased again until its lease expires."""
        esc_id = self.insert(db, now)
        with db.transaction() as session:
            assert repo.enqueue(session, escalation_id=esc_id, kind="post_packet",
                                dedupe_key="post:1", now=now)
            assert not repo.enqueue(session, escalation_id=esc_id, kind="post_packet",
                                    dedupe_key="post:1", now=now)
            [item_id] = repo.due_outbox_ids(session, now=now)
        lease = timedelta(minutes=2)
        with db.transaction() as session:
            first = repo.lease(session, outbox_id=item_id, worker="a", now=now, duration=lease)
        with db.transaction() as session:
            second = repo.lease(session, outbox_id=item_id, worker="b", now=now, duration=lease)
        assert first is not None and not first.in_flight and first.attempts == 1
        assert second is None
        later = now + lease + timedelta(seconds=1)
        with db.transaction() as session:
            third = repo.lease(session, outbox_id=item_id, worker="b", now=later, duration=lease)
        assert third is not None and third.in_flight  # the first attempt never reported back
