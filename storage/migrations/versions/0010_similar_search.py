"""deflection at intake: full-text search documents (FTS5 / tsvector), suggestions shown

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 13:30:00 UTC

``search_doc`` holds one text per approved knowledge-base article and per resolved escalation
(the newest resolution); existing ones are backfilled here. The full-text index is the
database's own: on SQLite an FTS5 table with external content, kept in step by triggers (a
later batch migration that rebuilds ``search_doc`` must re-create them); on PostgreSQL a
generated ``tsvector`` column with a GIN index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of storage.similar's texts (a migration must not change when the code does).
_ANSWER = ("COALESCE((SELECT a.value FROM checklist_answer a WHERE a.escalation_id = e.id"
           " AND a.field = '{field}'), '')")
BACKFILL_ESCALATIONS = (
    "INSERT INTO search_doc (kind, ref_id, body, updated_at)"
    " SELECT 'escalation', e.id, e.problem || ' ' || " + _ANSWER.format(field="actual")
    + " || ' ' || " + _ANSWER.format(field="logs")
    + " || ' ' || r.root_cause || ' ' || r.l1_takeaway, r.at"
    " FROM escalation e JOIN resolution r ON r.id = (SELECT MAX(r2.id) FROM resolution r2"
    " WHERE r2.escalation_id = e.id)")
BACKFILL_ARTICLES = (
    "INSERT INTO search_doc (kind, ref_id, body, updated_at)"
    " SELECT 'article', k.id, k.title || ' ' || k.symptoms || ' ' || k.cause || ' ' ||"
    " k.resolution || ' ' || k.before_escalating || ' ' || k.tags, k.updated_at"
    " FROM kb_article k WHERE k.status = 'approved'")

SQLITE_FTS = (
    "CREATE VIRTUAL TABLE search_doc_fts USING fts5(body, content='search_doc',"
    " content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER search_doc_fts_ai AFTER INSERT ON search_doc BEGIN"
    " INSERT INTO search_doc_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER search_doc_fts_ad AFTER DELETE ON search_doc BEGIN"
    " INSERT INTO search_doc_fts(search_doc_fts, rowid, body)"
    " VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER search_doc_fts_au AFTER UPDATE ON search_doc BEGIN"
    " INSERT INTO search_doc_fts(search_doc_fts, rowid, body)"
    " VALUES ('delete', old.id, old.body);"
    " INSERT INTO search_doc_fts(rowid, body) VALUES (new.id, new.body); END",
)
POSTGRES_FTS = (
    "ALTER TABLE search_doc ADD COLUMN search_vector tsvector"
    " GENERATED ALWAYS AS (to_tsvector('english', body)) STORED",
    "CREATE INDEX ix_search_doc_search_vector ON search_doc USING gin (search_vector)",
)


def upgrade() -> None:
    op.create_table(
        "search_doc",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "ref_id", name="uq_search_doc_kind_ref"),
    )
    op.create_table(
        "deflection_shown",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("domain_key", sa.String(length=64), nullable=True),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_deflection_shown_shown_at", "deflection_shown", ["shown_at"])
    op.create_table(
        "deflection_suggestion",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["key"], ["deflection_shown.key"]),
        sa.PrimaryKeyConstraint("key", "kind", "ref_id"),
    )
    statements = SQLITE_FTS if op.get_bind().dialect.name == "sqlite" else POSTGRES_FTS
    for statement in statements:
        op.execute(statement)
    op.execute(BACKFILL_ESCALATIONS)
    op.execute(BACKFILL_ARTICLES)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS search_doc_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS search_doc_fts")
    op.drop_table("deflection_suggestion")
    op.drop_index("ix_deflection_shown_shown_at", table_name="deflection_shown")
    op.drop_table("deflection_shown")
    op.drop_table("search_doc")
