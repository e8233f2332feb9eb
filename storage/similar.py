"""Full-text search over approved articles and resolved escalations (deflection at intake).

The index is the database's own (created by migration 0010, see :mod:`storage.similar_tables`):
SQLite FTS5 ranked by ``bm25``, PostgreSQL ``tsvector`` with a GIN index ranked by
``ts_rank``. The search terms come from :func:`core.similar.search_terms` (plain words,
``[a-z0-9]+``), OR-ed: any shared word matches, more and rarer shared words rank higher.

Writers: :func:`index_escalation` on every resolve (the newest resolution's text),
:func:`index_article` when an article is approved. Both upsert one ``search_doc`` row; on
SQLite the triggers keep the FTS5 table in step, on PostgreSQL the generated column is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from core.similar import PRUNE_FROM_DOCS, Suggestion, SuggestionKind, without_common
from core.timefmt import utc
from storage.sqlfn import at
from storage.tables import EscalationRow, KbArticleRow, ResolutionRow, UTCDateTime

# States in which a resolved escalation still counts as resolved (not reopened, not merged).
RESOLVED_STATES = ("resolved", "closed")
# The best this many index matches are checked for state and age: the ranked scan stops
# early, and older or reopened cases outside the lookback rarely crowd out all others.
CANDIDATES = 200

_ANSWER = ("COALESCE((SELECT a.value FROM checklist_answer a WHERE a.escalation_id = e.id"
           " AND a.field = '{field}'), '')")
_ESCALATION_DOC = (
    "SELECT 'escalation', e.id, e.problem || ' ' || " + _ANSWER.format(field="actual")
    + " || ' ' || " + _ANSWER.format(field="logs")
    + " || ' ' || r.root_cause || ' ' || r.l1_takeaway, :now"
    " FROM escalation e JOIN resolution r ON r.id = (SELECT MAX(r2.id) FROM resolution r2"
    " WHERE r2.escalation_id = e.id) WHERE e.id = :ref")
_ARTICLE_DOC = (
    "SELECT 'article', k.id, k.title || ' ' || k.symptoms || ' ' || k.cause || ' ' ||"
    " k.resolution || ' ' || k.before_escalating || ' ' || k.tags, :now"
    " FROM kb_article k WHERE k.id = :ref AND k.status = 'approved'")
_UPSERT = ("INSERT INTO search_doc (kind, ref_id, body, updated_at) {select}"
           " ON CONFLICT (kind, ref_id) DO UPDATE SET body = excluded.body,"
           " updated_at = excluded.updated_at")


def _upsert(session: Session, select: str, ref: int, now: datetime) -> None:
    # SQLite parses ON CONFLICT after INSERT … SELECT only when the SELECT has a WHERE: both do.
    statement = sa.text(_UPSERT.format(select=select)).bindparams(
        sa.bindparam("now", type_=UTCDateTime()))
    session.execute(statement, {"ref": ref, "now": now})


def index_escalation(session: Session, *, escalation_id: int, now: datetime) -> None:
    """(Re-)index a resolved escalation: problem, actual behaviour, logs, root cause, L1
    takeaway. Nothing happens when it has no resolution."""
    _upsert(session, _ESCALATION_DOC, escalation_id, now)


def index_article(session: Session, *, article_id: int, now: datetime) -> None:
    """Index an approved article (title, symptoms, cause, resolution, check first, tags)."""
    _upsert(session, _ARTICLE_DOC, article_id, now)


# Only documents that can be shown are ranked: approved articles whatever their age, and
# escalations indexed since the lookback's start. A resolved escalation is (re)indexed when it
# is resolved (``updated_at`` = its resolution time), so every escalation resolved since then
# is among them; older ones are neither scored nor allowed to crowd the recent ones out of the
# :data:`CANDIDATES`.
_SHOWABLE = "(d.kind = 'article' OR d.updated_at >= :since)"


def _match_sql(dialect: str) -> str:
    """The best :data:`CANDIDATES` index matches, best (lowest score) first."""
    if dialect == "sqlite":  # bm25: lower is better
        return ("SELECT d.kind AS kind, d.ref_id AS ref_id, search_doc_fts.rank AS score"
                " FROM search_doc_fts JOIN search_doc d ON d.id = search_doc_fts.rowid"
                f" WHERE search_doc_fts MATCH :q AND {_SHOWABLE}"
                " ORDER BY search_doc_fts.rank LIMIT :n")
    return ("SELECT d.kind AS kind, d.ref_id AS ref_id,"
            " -ts_rank(d.search_vector, q.q) AS score"
            " FROM search_doc d, websearch_to_tsquery('english', :q) AS q(q)"
            f" WHERE d.search_vector @@ q.q AND {_SHOWABLE} ORDER BY score LIMIT :n")


# How common each word is. PostgreSQL: the statistics ANALYZE (and autovacuum) keeps on the
# tsvector column — the most common lexemes and the share of rows that have each — and the
# table's row estimate; no document is read. The words are stemmed as the index stems them.
_PG_SHARES = (
    "WITH st AS (SELECT c.reltuples AS docs, s.elems, s.freqs FROM pg_class c"
    " LEFT JOIN (SELECT most_common_elems::text::text[] AS elems,"
    " most_common_elem_freqs AS freqs FROM pg_stats WHERE schemaname = current_schema()"
    " AND tablename = 'search_doc' AND attname = 'search_vector') AS s ON true"
    " WHERE c.oid = to_regclass('search_doc')),"
    " common AS (SELECT e.lexeme, e.share FROM st, unnest(st.elems, st.freqs) AS e(lexeme, share)),"
    " words AS (SELECT t.term, x.lexeme FROM unnest(CAST(:terms AS text[])) AS t(term),"
    " unnest(tsvector_to_array(to_tsvector('english', t.term))) AS x(lexeme))"
    " SELECT words.term AS term, st.docs AS docs, common.share AS share"
    " FROM st CROSS JOIN words LEFT JOIN common ON common.lexeme = words.lexeme")


def _shares(session: Session, terms: Sequence[str], dialect: str, prune_from: int
            ) -> tuple[int, dict[str, float]]:
    """The number of searchable documents, and the share of them that has each word (only
    looked up when there are at least ``prune_from`` documents)."""
    if dialect == "sqlite":
        docs = session.execute(sa.text("SELECT count(*) FROM search_doc")).scalar_one()
        if docs < prune_from or not docs:
            return docs, {}
        # FTS5 counts a word's documents from its doclist (no row is read).
        counts = sa.text("SELECT " + ", ".join(
            f"(SELECT count(*) FROM search_doc_fts WHERE search_doc_fts MATCH :t{i})"
            for i in range(len(terms))))
        row = session.execute(counts, {f"t{i}": _query_string([t], dialect)
                                       for i, t in enumerate(terms)}).one()
        return docs, {t: n / docs for t, n in zip(terms, row, strict=True)}
    rows = session.execute(sa.text(_PG_SHARES), {"terms": list(terms)}).all()
    docs = int(rows[0].docs) if rows else 0  # -1: never analyzed
    return docs, {r.term: float(r.share) for r in rows if r.share is not None}


def _query_string(terms: Sequence[str], dialect: str) -> str:
    # Terms are [a-z0-9]+ (core.similar): quoting is only for FTS5's keywords (AND, NOT …).
    if dialect == "sqlite":
        return " OR ".join(f'"{t}"' for t in terms)
    return " or ".join(terms)


def search(session: Session, *, terms: Sequence[str], resolved_since: datetime,
           limit: int, prune_from: int = PRUNE_FROM_DOCS) -> list[Suggestion]:
    """The best ``limit`` matches: approved articles, and escalations resolved (and still
    resolved or closed) since ``resolved_since``; best first, articles first on a tie.
    Words in more than a few percent of the documents are not searched once there are
    ``prune_from`` documents (:func:`core.similar.without_common`)."""
    if not terms or limit <= 0:
        return []
    dialect = session.get_bind().dialect.name
    docs, shares = _shares(session, terms, dialect, prune_from)
    terms = without_common(terms, shares, docs=docs, prune_from=prune_from)
    candidates = _match_sql(dialect)
    E = EscalationRow.__table__  # type: ignore[attr-defined]
    K = KbArticleRow.__table__  # type: ignore[attr-defined]
    R = ResolutionRow.__table__  # type: ignore[attr-defined]
    c = sa.text(candidates).columns(kind=sa.String, ref_id=sa.Integer, score=sa.Float) \
        .bindparams(sa.bindparam("since", resolved_since, type_=UTCDateTime()),
                    q=_query_string(terms, dialect), n=CANDIDATES).subquery("c")
    R2 = R.alias("newer")
    newest = sa.select(sa.func.max(R2.c.id)).where(R2.c.escalation_id == E.c.id) \
        .correlate(E).scalar_subquery()
    query = (
        sa.select(c.c.kind, c.c.ref_id, c.c.score,
                  E.c.problem, E.c.resolved_at, R.c.category, R.c.root_cause, R.c.l1_takeaway,
                  K.c.title, K.c.cause, K.c.resolution, K.c.before_escalating)
        .select_from(c)
        .outerjoin(E, sa.and_(c.c.kind == SuggestionKind.ESCALATION.value, E.c.id == c.c.ref_id))
        .outerjoin(R, R.c.id == newest)
        .outerjoin(K, sa.and_(c.c.kind == SuggestionKind.ARTICLE.value, K.c.id == c.c.ref_id))
        .where(sa.or_(
            sa.and_(c.c.kind == SuggestionKind.ARTICLE.value, K.c.status == "approved"),
            sa.and_(c.c.kind == SuggestionKind.ESCALATION.value,
                    E.c.state.in_(RESOLVED_STATES), E.c.resolved_at >= at(resolved_since),
                    R.c.id.is_not(None))))
        .order_by(c.c.score, c.c.kind, c.c.ref_id)
        .limit(limit))
    out = []
    for row in session.execute(query):
        if row.kind == SuggestionKind.ARTICLE.value:
            out.append(Suggestion(SuggestionKind.ARTICLE, row.ref_id, title=row.title,
                                  cause=row.cause, fix=row.resolution,
                                  check_first=row.before_escalating))
        else:
            out.append(Suggestion(SuggestionKind.ESCALATION, row.ref_id, title=row.problem,
                                  category=row.category,
                                  resolved_at=utc(row.resolved_at) if row.resolved_at else None,
                                  cause=row.root_cause, check_first=row.l1_takeaway))
    return out

