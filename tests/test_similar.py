"""Deflection at intake on SQLite and PostgreSQL: the database's full-text index finds the
approved article and the resolved escalation an agent's new case resembles, ranks the closest
first, leaves unrelated cases out, and records what the readiness step showed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from commands import deflection, escalate, feedback, kb, resolution
from commands.context import Context
from commands.deliver import deliver_due
from core import kb as kb_rules
from core.forms import AcceptInput, ReasonInput, ResolutionCategory
from core.model import Domain, Level, LevelDecision
from core.similar import SimilarSettings, Suggestion, SuggestionKind, search_terms
from storage import deflection as shown_data
from storage import kb as kb_store
from storage import loop as loop_data
from storage import repository as repo
from storage import similar
from storage.database import Database
from storage.migrate import upgrade
from storage.tables import KbArticleRow
from tests.builders import good_answers
from tests.fakes import InMemorySlack
from tests.loop_helpers import LEAD, OWNER, REQUESTER, RESOLVE, Clock, claimed, make_ctx

SAML = dict(problem="SSO login through Okta SAML returns HTTP 500 since build 4.2",
            actual="HTTP 500 on /saml/acs, blank page after the Okta redirect",
            logs="2026-11-02T08:00:00Z ERROR saml.acs: audience mismatch (expected urn:acme)")
INVOICE = dict(problem="Invoice PDF shows the wrong VAT rate for German accounts",
               actual="VAT 16% printed instead of 19% on the monthly invoice",
               logs="WARN billing.tax: rate table stale for region DE")
WEBHOOK = dict(problem="Order webhooks are delivered twice to the Shopify connector",
               actual="Duplicate order.created events within one second",
               logs="ERROR webhooks.retry: ack timeout after 10s, redelivering")
NEW_SAML = dict(problem="Customer cannot sign in with Okta: SAML login gives HTTP 500",
                actual="After the Okta redirect the /saml/acs page is blank (500)",
                logs="ERROR saml.acs: audience mismatch")


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now - timedelta(days=10))


@pytest.fixture
def ctx(db: Database, clock: Clock) -> Iterator[Context]:
    yield make_ctx(db, InMemorySlack(), clock)


def resolved(ctx: Context, key: str, texts: dict[str, str], **form: object) -> int:
    esc_id = claimed(ctx, key, **texts)
    assert feedback.accept(ctx, escalation_id=esc_id, user=OWNER, form=AcceptInput()).ok
    outcome = resolution.resolve(ctx, escalation_id=esc_id, user=OWNER,
                                 form=replace(RESOLVE, **form))  # type: ignore[arg-type]
    assert outcome.ok, outcome.text
    deliver_due(ctx)
    return esc_id


def approve_article_of(ctx: Context, esc_id: int) -> int:
    with ctx.db.read() as session:
        row = kb_store.for_escalation(session, escalation_id=esc_id)
    assert row is not None and row.id is not None
    assert kb.decide(ctx, article_id=row.id, user=REQUESTER, approve=True).ok
    return row.id


def find(ctx: Context, texts: dict[str, str], limit: int = 3, days: int = 180
         ) -> list[Suggestion]:
    with ctx.db.read() as session:
        return similar.search(session, terms=search_terms(good_answers(ctx.now(), **texts)),
                              resolved_since=ctx.now() - timedelta(days=days), limit=limit)


def labels(found: list[Suggestion]) -> list[str]:
    return [s.label for s in found]


class TestSearch:
    def test_the_resolved_case_like_the_new_one_ranks_first_and_unrelated_ones_do_not_match(
            self, ctx: Context, clock: Clock) -> None:
        saml = resolved(ctx, "V1", SAML, category=ResolutionCategory.CODE_FIX,
                        kb_warranted=False)
        resolved(ctx, "V2", INVOICE, category=ResolutionCategory.CODE_FIX, kb_warranted=False,
                 root_cause="The VAT table for DE was not reloaded after the rate change",
                 l1_takeaway="Check the invoice date against the VAT change date")
        resolved(ctx, "V3", WEBHOOK, category=ResolutionCategory.CODE_FIX, kb_warranted=False,
                 root_cause="The connector acknowledged after 10 seconds",
                 l1_takeaway="Check the connector's ack latency")
        clock.advance(days=2)
        found = find(ctx, NEW_SAML)
        assert labels(found) == [f"ESC-{saml}"]
        [hit] = found
        assert hit.kind is SuggestionKind.ESCALATION and hit.category == "code_fix"
        assert hit.resolved_at == clock.at - timedelta(days=2)
        assert hit.cause == RESOLVE.root_cause and hit.check_first == RESOLVE.l1_takeaway
        assert labels(find(ctx, INVOICE)) == ["ESC-2"]
        assert find(ctx, {"problem": "Mobile app crashes when uploading a profile photo",
                          "actual": "Crash on Android 14", "logs": "FATAL camera intent"}) == []

    def test_an_approved_article_is_found_and_ranks_with_its_source(self, ctx: Context) -> None:
        saml = resolved(ctx, "V1", SAML, category=ResolutionCategory.KNOWN_ISSUE)
        resolved(ctx, "V2", INVOICE, category=ResolutionCategory.KNOWN_ISSUE,
                 root_cause="The VAT table for DE was not reloaded after the rate change",
                 l1_takeaway="Check the invoice date against the VAT change date")
        with ctx.db.read() as session:  # drafts are not searched
            assert [s.kind for s in similar.search(
                session, terms=search_terms(good_answers(ctx.now(), **NEW_SAML)),
                resolved_since=ctx.now() - timedelta(days=1), limit=3)] == \
                [SuggestionKind.ESCALATION]
        article = approve_article_of(ctx, saml)
        found = find(ctx, NEW_SAML)
        assert {s.label for s in found} == {f"KB-{article}", f"ESC-{saml}"}
        kb_hit = next(s for s in found if s.kind is SuggestionKind.ARTICLE)
        assert kb_hit.title.startswith("SSO login through Okta SAML")
        assert kb_hit.check_first == RESOLVE.l1_takeaway
        assert "ESC-2" not in labels(found) and "KB-" not in "".join(labels(find(ctx, WEBHOOK)))

    def test_old_reopened_and_unresolved_cases_are_not_suggested(self, ctx: Context,
                                                                clock: Clock) -> None:
        old = resolved(ctx, "V1", SAML, category=ResolutionCategory.CODE_FIX,
                       kb_warranted=False)
        clock.advance(days=40)
        assert labels(find(ctx, NEW_SAML, days=30)) == []
        assert labels(find(ctx, NEW_SAML, days=60)) == [f"ESC-{old}"]
        assert resolution.reopen(ctx, escalation_id=old, user=LEAD, form=ReasonInput(
            reason="Acme users get HTTP 500 on the SAML login again after the 4.2.2 fix")).ok
        assert find(ctx, NEW_SAML, days=60) == []  # reopened: no longer an answer
        claimed(ctx, "V9", **SAML)  # open, never resolved
        assert find(ctx, NEW_SAML, days=60) == []

    def test_limit_and_ranking_prefer_more_shared_words(self, ctx: Context) -> None:
        close = resolved(ctx, "V1", SAML, category=ResolutionCategory.CODE_FIX,
                         kb_warranted=False)
        loose = resolved(ctx, "V2", dict(problem="Okta SCIM provisioning creates duplicates",
                                         actual="Two accounts per Okta user",
                                         logs="WARN scim: conflict"),
                         category=ResolutionCategory.CODE_FIX, kb_warranted=False,
                         root_cause="The SCIM client retried user creation without an "
                                    "idempotency key",
                         l1_takeaway="Check the SCIM log for retries")
        assert labels(find(ctx, NEW_SAML)) == [f"ESC-{close}", f"ESC-{loose}"]
        assert labels(find(ctx, NEW_SAML, limit=1)) == [f"ESC-{close}"]

    def test_a_word_in_most_documents_does_not_drown_the_match(self, ctx: Context) -> None:
        """"okta" is in nearly every document (60 approved articles about other Okta matters):
        searching it would fill the suggestions with articles that share nothing else with the
        new case. It is not searched; the case that shares the rare words is shown alone."""
        saml = resolved(ctx, "V1", SAML, category=ResolutionCategory.CODE_FIX,
                        kb_warranted=False)
        now = ctx.now()
        with ctx.db.transaction() as session:
            for i in range(60):
                row = KbArticleRow(
                    status="approved", title=f"Okta admin console shows theme {i} in grey",
                    symptoms="The Okta dashboard colours look wrong", applies_to="All versions",
                    cause="Okta branding cache", resolution="Clear the branding cache",
                    before_escalating="Check the Okta branding settings", domain="auth",
                    tags="okta", created_at=now, updated_at=now, version=1)
                session.add(row)
                session.flush()
                assert row.id is not None
                similar.index_article(session, article_id=row.id, now=now)
        analyze(ctx.db)  # what autovacuum does on a live PostgreSQL (its word statistics)
        terms = search_terms(good_answers(now, **NEW_SAML))
        assert "okta" in terms
        with ctx.db.read() as session:
            every_word = similar.search(session, terms=terms, limit=3, prune_from=10**9,
                                        resolved_since=now - timedelta(days=1))
            found = similar.search(session, terms=terms, limit=3, prune_from=10,
                                   resolved_since=now - timedelta(days=1))
        assert labels(every_word)[0] == f"ESC-{saml}" and len(every_word) == 3  # drowned
        assert labels(found) == [f"ESC-{saml}"]

    def test_old_cases_do_not_crowd_recent_ones_out_of_the_candidates(
            self, ctx: Context, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
        """Only cases resolved within the lookback are ranked: an older case that matches
        better is neither shown nor takes a candidate's place (here: one place)."""
        resolved(ctx, "V1", SAML, category=ResolutionCategory.CODE_FIX, kb_warranted=False)
        clock.advance(days=100)
        loose = resolved(ctx, "V2", dict(problem="Okta SCIM provisioning creates duplicates",
                                         actual="Two accounts per Okta user",
                                         logs="WARN scim: conflict"),
                         category=ResolutionCategory.CODE_FIX, kb_warranted=False,
                         root_cause="The SCIM client retried user creation",
                         l1_takeaway="Check the SCIM log for retries")
        monkeypatch.setattr(similar, "CANDIDATES", 1)
        assert labels(find(ctx, NEW_SAML, days=30)) == [f"ESC-{loose}"]


def analyze(db: Database) -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            conn.execute(sa.text("ANALYZE search_doc"))
            conn.commit()


class TestShown:
    def test_suggest_records_once_and_counts_escalated_anyway(self, ctx: Context,
                                                             clock: Clock) -> None:
        saml = resolved(ctx, "V1", SAML, category=ResolutionCategory.CODE_FIX,
                        kb_warranted=False)
        clock.advance(hours=1)
        answers = good_answers(clock.at, **NEW_SAML)
        for _ in range(3):  # Back and forward, a Slack retry: recorded once
            shown = deflection.suggest(ctx, key="M-went-on", user=REQUESTER, answers=answers)
        assert labels(shown) == [f"ESC-{saml}"]
        assert deflection.suggest(ctx, key="M-gave-up", user="U0OTHER", answers=answers)
        assert deflection.suggest(ctx, key="M-none", user="U0OTHER", answers=good_answers(
            clock.at, problem="Profile photo upload crashes the Android app",
            actual="crash", logs="FATAL camera")) == []
        escalate.submit(ctx, key="M-went-on", requester=REQUESTER, answers=answers)
        with ctx.db.read() as session:
            assert shown_data.shown_ids(session, key="M-went-on") == [("escalation", saml)]
            assert shown_data.shown_ids(session, key="M-none") == []
            from core.period import Period
            figures = shown_data.intake_figures(session, period=Period(
                clock.at - timedelta(days=1), clock.at + timedelta(days=1)))
        assert (figures.shown, figures.went_on, figures.not_escalated) == (2, 1, 1)
        [top] = figures.suggested
        assert (top.kind, top.ref_id, top.shown, top.went_on) == ("escalation", saml, 2, 1)
        assert top.title == SAML["problem"]

    def test_suggestions_are_redacted_and_can_be_turned_off(self, ctx: Context) -> None:
        resolved(ctx, "V1", SAML, category=ResolutionCategory.CODE_FIX, kb_warranted=False,
                 l1_takeaway="Ask jane.doe@acme-corp.com for the IdP metadata first")
        answers = good_answers(ctx.now(), **NEW_SAML)
        [hit] = deflection.suggest(ctx, key="M1", user=REQUESTER, answers=answers)
        assert "jane.doe@acme-corp.com" not in hit.check_first and "[email" in hit.check_first
        ctx.similar = SimilarSettings(max_suggestions=0)
        assert deflection.suggest(ctx, key="M2", user=REQUESTER, answers=answers) == []


AUTH = Domain("auth", "Authentication & SSO", "C0AUTH0001")
DECISION = LevelDecision(Level.L3, False, "L3 Tier 3")


def test_0010_indexes_a_filled_0009_database(database_url: str, now: datetime) -> None:
    """0009 → 0010 on a database with resolved escalations, an approved and a draft article:
    nothing is lost, the resolved ones and the approved article are found at once."""
    db = Database.from_url(database_url)
    try:
        upgrade(db.engine, "0009")
        with db.transaction() as session:
            ids = []
            for key, texts in (("V1", SAML), ("V2", INVOICE), ("V3", WEBHOOK)):
                row, _ = repo.insert_escalation(session, key=key, requester=REQUESTER,
                                                answers=good_answers(now, **texts),
                                                domain=AUTH, decision=DECISION, now=now)
                assert row.id is not None
                ids.append(row.id)
            invoice_fix = replace(RESOLVE, root_cause="VAT table not reloaded",
                                  l1_takeaway="Check the invoice date")
            for esc_id, form in ((ids[0], RESOLVE), (ids[1], invoice_fix)):
                loop_data.add_resolution(session, escalation_id=esc_id, at=now, by=OWNER,
                                         form=form)
                loop_data.set_fields(session, escalation_id=esc_id,
                                     values={"state": "resolved", "resolved_at": now})
            for esc_id, status in ((ids[0], "approved"), (ids[1], "draft")):
                facts = kb_rules.ResolutionFacts("known_issue", "cause", None, None, "check")
                article = kb_rules.draft(good_answers(now, **(SAML if esc_id == ids[0]
                                                              else INVOICE)),
                                         facts, domain="auth", escalation_id=esc_id, now=now)
                article_id = kb_store.add_draft(session, article=article, now=now)
                if status == "approved":
                    assert kb_store.decide(session, article_id=article_id, status=status,
                                           user=REQUESTER, now=now)
        db.migrate()
        with db.read() as session:
            docs = session.execute(sa.text(
                "SELECT kind, ref_id FROM search_doc ORDER BY kind, ref_id")).all()
            assert [tuple(d) for d in docs] == [("article", 1), ("escalation", ids[0]),
                                                ("escalation", ids[1])]
            found = similar.search(session, terms=search_terms(good_answers(now, **NEW_SAML)),
                                   resolved_since=now - timedelta(days=1), limit=3)
            assert {s.label for s in found} == {"KB-1", f"ESC-{ids[0]}"}
            assert repo.load_answers(session, escalation_id=ids[2]).problem == \
                WEBHOOK["problem"]
            assert len(kb_store.approved(session)) == 1
        with db.transaction() as session:  # the index stays in step with later writes
            similar.index_escalation(session, escalation_id=ids[2], now=now)  # no resolution
            loop_data.add_resolution(session, escalation_id=ids[2], at=now, by=OWNER,
                                     form=replace(RESOLVE, root_cause="Connector ack latency"))
            loop_data.set_fields(session, escalation_id=ids[2],
                                 values={"state": "resolved", "resolved_at": now})
            similar.index_escalation(session, escalation_id=ids[2], now=now)
        with db.read() as session:
            found = similar.search(session, terms=("connector", "latency"),
                                   resolved_since=now - timedelta(days=1), limit=3)
            assert [s.label for s in found] == [f"ESC-{ids[2]}"]
    finally:
        db.dispose()


def test_deflection_report_counts_intakes_shown_escalated_anyway_and_most_suggested(
        ctx: Context, clock: Clock) -> None:
    """Known data: three intakes shown suggestions in the period (two escalated anyway), one
    the period before; the report's figures, table, Markdown and JSON say so."""
    import json

    from commands.reports import make_report
    from core.period import Period
    from core.report import ReportKind
    from core.report_format import to_json, to_markdown
    from tests.markdown_lint import lint

    saml = resolved(ctx, "V1", SAML, category=ResolutionCategory.KNOWN_ISSUE)
    article = approve_article_of(ctx, saml)
    answers = good_answers(clock.at, **NEW_SAML)
    start = clock.at - timedelta(hours=1)
    assert deflection.suggest(ctx, key="M0", user="U0A", answers=answers)  # last period
    clock.advance(days=1, hours=2)
    for key in ("M1", "M2", "M3"):
        assert deflection.suggest(ctx, key=key, user="U0A", answers=answers)
    for key in ("M1", "M2"):
        escalate.submit(ctx, key=key, requester="U0A", answers=answers)
    period = Period(start + timedelta(days=1), start + timedelta(days=2))
    report = make_report(ctx.db, kind=ReportKind.DEFLECTION, period=period,
                         policy=ctx.policy, now=clock.at).report
    values = {k: (f.this, f.last) for k in ("deflection.shown", "deflection.escalated_anyway",
                                             "deflection.not_escalated")
              if (f := report.figure(k)) is not None}
    assert values == {"deflection.shown": (3, 1), "deflection.escalated_anyway": (2, 0),
                      "deflection.not_escalated": (1, 1)}
    section = report.section("deflection")
    assert section is not None
    suggested = next(t for t in section.tables if t.key == "suggested")
    assert [r[0] for r in suggested.rows] == [f"KB-{article}", f"ESC-{saml}"]
    assert [r[2:] for r in suggested.rows] == [("3", "2"), ("3", "2")]
    markdown = to_markdown(report)
    assert "Intakes shown similar cases or articles" in markdown and lint(markdown) == []
    data = json.loads(to_json(report))
    assert "deflection.not_escalated" in json.dumps(data)


def test_0012_indexes_the_documents_by_time_and_keeps_them(database_url: str,
                                                           now: datetime) -> None:
    """0011 → 0012 on a database with a searchable resolved escalation: it is still found,
    and the documents' time has its index (the lookback)."""
    db = Database.from_url(database_url)
    try:
        upgrade(db.engine, "0011")
        with db.transaction() as session:
            row, _ = repo.insert_escalation(session, key="V1", requester=REQUESTER,
                                            answers=good_answers(now, **SAML), domain=AUTH,
                                            decision=DECISION, now=now)
            assert row.id is not None
            loop_data.add_resolution(session, escalation_id=row.id, at=now, by=OWNER,
                                     form=RESOLVE)
            loop_data.set_fields(session, escalation_id=row.id,
                                 values={"state": "resolved", "resolved_at": now})
            similar.index_escalation(session, escalation_id=row.id, now=now)
        db.migrate()
        indexes = {i["name"] for i in sa.inspect(db.engine).get_indexes("search_doc")}
        assert "ix_search_doc_updated_at" in indexes
        with db.read() as session:
            found = similar.search(session, terms=search_terms(good_answers(now, **NEW_SAML)),
                                   resolved_since=now - timedelta(days=1), limit=3)
        assert [s.label for s in found] == [f"ESC-{row.id}"]
    finally:
        db.dispose()
