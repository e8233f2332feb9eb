"""indexes for the utilization and promises-kept figures

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 13:30:00 UTC

Period counts that read a time column get an index on it: escalations by packet post (late
claims) and by resolution (bounces per resolved escalation), nudges by due time per clock kind
(missed updates) and by send time (reminders sent and acted on).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_escalation_posted_at", "escalation", ["posted_at"])
    op.create_index("ix_escalation_resolved_at", "escalation", ["resolved_at"])
    op.create_index("ix_nudge_kind_due", "nudge", ["kind", "due_at"])
    op.create_index("ix_nudge_at", "nudge", ["at"])


def downgrade() -> None:
    op.drop_index("ix_nudge_at", table_name="nudge")
    op.drop_index("ix_nudge_kind_due", table_name="nudge")
    op.drop_index("ix_escalation_resolved_at", table_name="escalation")
    op.drop_index("ix_escalation_posted_at", table_name="escalation")
