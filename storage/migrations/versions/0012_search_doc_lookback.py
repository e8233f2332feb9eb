"""similarity search: an index on search_doc.updated_at (the lookback)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 16:40:00 UTC

The search ranks only documents that can be shown: approved articles, and escalations indexed
since the lookback's start (``updated_at``). With this index PostgreSQL intersects the
full-text matches with that range in its indexes (a bitmap AND) instead of reading every
matching document to check its date.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_search_doc_updated_at", "search_doc", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_search_doc_updated_at", table_name="search_doc")
