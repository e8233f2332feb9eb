"""indexes for the leads' reports

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 08:00:00 UTC

The reports aggregate by time: audit events by kind and time (covering the escalation id, so
period counts never touch the table), escalations by creation and claim time.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_audit_event_kind_at", "audit_event", ["kind", "at", "escalation_id"])
    op.create_index("ix_escalation_created_at", "escalation", ["created_at"])
    op.create_index("ix_escalation_claimed_at", "escalation", ["claimed_at"])


def downgrade() -> None:
    op.drop_index("ix_escalation_claimed_at", table_name="escalation")
    op.drop_index("ix_escalation_created_at", table_name="escalation")
    op.drop_index("ix_audit_event_kind_at", table_name="audit_event")
