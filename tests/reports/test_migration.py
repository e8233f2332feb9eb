"""The reports' index migration moves a database at the spine's schema forward, keeping rows."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from storage.database import Database
from storage.migrate import upgrade


def test_indexes_added_to_a_filled_spine_database(database_url: str) -> None:
    db = Database.from_url(database_url)
    try:
        upgrade(db.engine, "0002")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO audit_event (escalation_id, at, actor, kind, detail) "
                "VALUES (NULL, :at, 'U1', 'created', '{}')"),
                {"at": datetime(2026, 11, 1, tzinfo=UTC).replace(tzinfo=None)})
        db.migrate()
        inspector = sa.inspect(db.engine)
        names = {i["name"] for i in inspector.get_indexes("audit_event")}
        assert "ix_audit_event_kind_at" in names
        assert {"ix_escalation_created_at", "ix_escalation_claimed_at"} <= {
            i["name"] for i in inspector.get_indexes("escalation")}
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM audit_event")).scalar_one() == 1
    finally:
        db.dispose()


def test_utilization_indexes_added_keeping_rows(database_url: str) -> None:
    db = Database.from_url(database_url)
    try:
        upgrade(db.engine, "0010")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO audit_event (escalation_id, at, actor, kind, detail) "
                "VALUES (NULL, :at, 'U1', 'created', '{}')"),
                {"at": datetime(2026, 11, 1, tzinfo=UTC).replace(tzinfo=None)})
        db.migrate()
        inspector = sa.inspect(db.engine)
        assert {"ix_escalation_posted_at", "ix_escalation_resolved_at"} <= {
            i["name"] for i in inspector.get_indexes("escalation")}
        assert {"ix_nudge_kind_due", "ix_nudge_at"} <= {
            i["name"] for i in inspector.get_indexes("nudge")}
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM audit_event")).scalar_one() == 1
    finally:
        db.dispose()
