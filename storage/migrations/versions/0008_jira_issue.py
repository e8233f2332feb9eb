"""jira issue linked to an escalation

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 08:00:00 UTC
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jira_issue",
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("issue_key", sa.String(length=64), nullable=False),
        sa.Column("issue_id", sa.String(length=32), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("linked_by", sa.String(length=64), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=64), nullable=True),
        sa.Column("status_category", sa.String(length=32), nullable=True),
        sa.Column("assignee", sa.String(length=255), nullable=True),
        sa.Column("fix_versions", sa.String(length=500), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sync_error", sa.String(length=500), nullable=True),
        sa.Column("comment_cursor", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalation.id"]),
        sa.PrimaryKeyConstraint("escalation_id"),
        sa.UniqueConstraint("issue_key"),
    )
    with op.batch_alter_table("jira_issue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jira_issue_synced_at"), ["synced_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("jira_issue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jira_issue_synced_at"))
    op.drop_table("jira_issue")
