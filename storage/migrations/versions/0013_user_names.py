"""user_name: the display-name cache the reports show people by (issue 7)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 16:00:00 UTC

A new table only: existing rows are untouched; names fill in as the bot asks Slack
(``users.info``), and until then the reports show the user ids as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_name",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("user_name")
