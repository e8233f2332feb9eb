"""the feedback loop: progress columns, audit states, outbox payloads, the loop's tables

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 10:00:00 UTC

Only additions: new nullable columns (or with server defaults), indexes and new tables — no
table is rebuilt, so every row written at 0001 keeps its meaning. Escalations claimed before
get ``next_update_due`` from the code on their next change (NULL until then).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("incident_commander_id", sa.String(length=32),
                                      nullable=True))
        batch_op.add_column(_ts("accepted_at"))
        batch_op.add_column(_ts("last_update_at"))
        batch_op.add_column(sa.Column("last_update_by", sa.String(length=32), nullable=True))
        batch_op.add_column(_ts("promised_update_at"))
        batch_op.add_column(_ts("next_update_due"))
        batch_op.add_column(_ts("fix_eta"))
        batch_op.add_column(sa.Column("handoff_to", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("return_state", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("info_bounces", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("updates_count", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(_ts("resolved_at"))
        batch_op.add_column(_ts("closed_at"))
        batch_op.add_column(_ts("verified_at"))
        batch_op.add_column(sa.Column("merged_into", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_escalation_next_update_due"), ["next_update_due"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_escalation_handoff_to"), ["handoff_to"],
                              unique=False)

    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("from_state", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("to_state", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("request_key", sa.String(length=255), nullable=True))
        batch_op.create_index(batch_op.f("ix_audit_event_request_key"), ["request_key"],
                              unique=True)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload", sa.Text(), nullable=True))

    op.create_table(
        "status_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        _ts("at", nullable=False),
        sa.Column("author", sa.String(length=32), nullable=False),
        sa.Column("known", sa.Text(), nullable=False),
        sa.Column("unknown", sa.Text(), nullable=False),
        sa.Column("next_steps", sa.Text(), nullable=False),
        _ts("next_update_at"),
        sa.Column("customer_action", sa.Text(), nullable=False),
        sa.Column("internal_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalation.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_status_update_escalation_id", "status_update", ["escalation_id"])

    op.create_table(
        "info_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        _ts("asked_at", nullable=False),
        sa.Column("asked_by", sa.String(length=32), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("return_state", sa.String(length=32), nullable=False),
        _ts("answered_at"),
        sa.Column("answered_by", sa.String(length=32), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalation.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_info_request_escalation_id", "info_request", ["escalation_id"])

    op.create_table(
        "reproduction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        _ts("at", nullable=False),
        sa.Column("by", sa.String(length=32), nullable=False),
        sa.Column("reproduced", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("environment", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalation.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reproduction_escalation_id", "reproduction", ["escalation_id"])

    op.create_table(
        "fix_eta",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        _ts("eta", nullable=False),
        _ts("set_at", nullable=False),
        sa.Column("set_by", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalation.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_fix_eta_escalation_id", "fix_eta", ["escalation_id"])

    op.create_table(
        "handoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("from_user", sa.String(length=32), nullable=True),
        sa.Column("to_user", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _ts("requested_at", nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _ts("decided_at"),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalation.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_handoff_escalation_id", "handoff", ["escalation_id"])
    op.create_index("ix_handoff_to_user", "handoff", ["to_user"])
    op.create_index("ix_handoff_status", "handoff", ["status"])

    op.create_table(
        "resolution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        _ts("at", nullable=False),
        sa.Column("by", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("root_cause", sa.Text(), nullable=False),
        sa.Column("fix_version", sa.String(length=150), nullable=True),
        sa.Column("validation_notes", sa.Text(), nullable=True),
        sa.Column("l1_takeaway", sa.Text(), nullable=False),
        sa.Column("kb_warranted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalation.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_resolution_escalation_id", "resolution", ["escalation_id"])
    op.create_index("ix_resolution_category", "resolution", ["category"])

    op.create_table(
        "handoff_rating",
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("rating", sa.String(length=16), nullable=False),
        _ts("at", nullable=False),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalation.id"]),
        sa.PrimaryKeyConstraint("escalation_id"),
    )

    op.create_table(
        "merge",
        sa.Column("duplicate_id", sa.Integer(), nullable=False),
        sa.Column("survivor_id", sa.Integer(), nullable=False),
        _ts("at", nullable=False),
        sa.Column("by", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["duplicate_id"], ["escalation.id"]),
        sa.ForeignKeyConstraint(["survivor_id"], ["escalation.id"]),
        sa.PrimaryKeyConstraint("duplicate_id"),
    )
    op.create_index("ix_merge_survivor_id", "merge", ["survivor_id"])


def downgrade() -> None:
    op.drop_index("ix_merge_survivor_id", table_name="merge")
    op.drop_table("merge")
    op.drop_table("handoff_rating")
    op.drop_index("ix_resolution_category", table_name="resolution")
    op.drop_index("ix_resolution_escalation_id", table_name="resolution")
    op.drop_table("resolution")
    op.drop_index("ix_handoff_status", table_name="handoff")
    op.drop_index("ix_handoff_to_user", table_name="handoff")
    op.drop_index("ix_handoff_escalation_id", table_name="handoff")
    op.drop_table("handoff")
    op.drop_index("ix_fix_eta_escalation_id", table_name="fix_eta")
    op.drop_table("fix_eta")
    op.drop_index("ix_reproduction_escalation_id", table_name="reproduction")
    op.drop_table("reproduction")
    op.drop_index("ix_info_request_escalation_id", table_name="info_request")
    op.drop_table("info_request")
    op.drop_index("ix_status_update_escalation_id", table_name="status_update")
    op.drop_table("status_update")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("payload")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_request_key"))
        batch_op.drop_column("request_key")
        batch_op.drop_column("to_state")
        batch_op.drop_column("from_state")
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_handoff_to"))
        batch_op.drop_index(batch_op.f("ix_escalation_next_update_due"))
        for column in ("merged_into", "verified_at", "closed_at", "resolved_at",
                       "updates_count", "info_bounces", "return_state", "handoff_to",
                       "fix_eta", "next_update_due", "promised_update_at", "last_update_by",
                       "last_update_at", "accepted_at", "incident_commander_id"):
            batch_op.drop_column(column)
