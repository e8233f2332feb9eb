"""The knowledge loop back to L1: a draft article on resolve, approved or discarded by L1.

* :func:`draft_on_resolve` is a :data:`commands.change.AFTER_CHANGE` hook: when an escalation
  is resolved with "KB warranted" or a category that calls for one (core.kb.warranted), it
  drafts the article in the same transaction as the resolution and owes its delivery (DM to
  the original L1 agent and, when set, the ``kb_channel``) through the outbox. One article per
  escalation: resolving it again after a reopen drafts nothing new.
* :func:`decide` approves or discards a draft (first decision wins; repeated clicks are told
  what happened); :func:`save_edit` changes a draft's text from the Edit modal.
* :func:`export` writes the approved articles as Markdown with front matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from commands.change import Stored
from commands.context import Context
from core import kb as rules
from core.model import Escalation, public_id
from core.policy import Policy
from storage import kb as store
from storage import loop as loop_data
from storage import repository as repo
from storage import similar
from storage.tables import OutboxRow

KB_DRAFT = "kb_draft"


def draft_on_resolve(session: Session, stored: Stored, now: datetime, policy: Policy) -> None:
    change = stored.change
    if change.kind != "resolved":
        return
    escalation_id = change.escalation_id
    resolution = loop_data.latest_resolution(session, escalation_id=escalation_id)
    if resolution is None or not rules.warranted(resolution.category, resolution.kb_warranted):
        return
    if store.for_escalation(session, escalation_id=escalation_id) is not None:
        return
    facts = rules.ResolutionFacts(
        category=resolution.category, root_cause=resolution.root_cause,
        fix_version=resolution.fix_version, validation_notes=resolution.validation_notes,
        l1_takeaway=resolution.l1_takeaway, kb_warranted=resolution.kb_warranted)
    article = rules.draft(repo.load_answers(session, escalation_id=escalation_id), facts,
                          domain=stored.row.domain_key, escalation_id=escalation_id, now=now)
    article_id = store.add_draft(session, article=article, now=now)
    repo.enqueue(session, escalation_id=escalation_id, kind=KB_DRAFT,
                 dedupe_key=f"{KB_DRAFT}:{escalation_id}:{article_id}", now=now,
                 payload={"article": article_id})


def load(ctx: Context, article_id: int) -> rules.Article | None:
    with ctx.db.read() as session:
        row = store.get(session, article_id=article_id)
        if row is None:
            return None
        return store.to_core(row, store.sources(session, article_id=article_id))


def deliver_draft(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    """The outbox handler: DM the L1 agent, and post to the KB channel when configured."""
    article_id = int(loop_data.payload(item).get("article") or 0)
    article = load(ctx, article_id)
    if article is None or article.status != rules.Status.DRAFT:
        return  # decided before it was delivered: nothing to review
    channel = ctx.extra.get("kb_channel")
    ctx.slack.send_kb_draft(esc, article, channel=channel if isinstance(channel, str) else None)


@dataclass(frozen=True)
class Decided:
    ok: bool
    text: str


def decide(ctx: Context, *, article_id: int, user: str, approve: bool) -> Decided:
    now = ctx.now()
    with ctx.db.transaction() as session:
        row = store.get(session, article_id=article_id)
        if row is None:
            return Decided(False, "That knowledge-base draft no longer exists.")
        if not rules.may_decide(user, requesters=store.requesters(session,
                                                                  article_id=article_id),
                                leads=getattr(ctx, "leads", ())):
            return Decided(False, "Only the agent who escalated it, or a lead, can approve or "
                                  "discard this draft.")
        status = rules.Status.APPROVED if approve else rules.Status.DISCARDED
        if not store.decide(session, article_id=article_id, status=status, user=user, now=now):
            return Decided(False, f"This draft was {row.status} already"
                                  + (f" by <@{row.decided_by}>." if row.decided_by else "."))
        if approve:  # searchable at intake from now on (deflection)
            similar.index_article(session, article_id=article_id, now=now)
        for escalation_id in store.sources(session, article_id=article_id):
            repo.add_audit(session, escalation_id=escalation_id, actor=user,
                           kind=f"kb_{status}", at=now, article=article_id)
    verb = "approved: it is kept with its source escalations and exported with " \
           "`escalation-bot kb export`" if approve else "discarded"
    return Decided(True, f"Knowledge-base article \u201c{row.title}\u201d {verb}.")


def save_edit(ctx: Context, *, article_id: int, user: str, values: dict[str, str]
              ) -> dict[str, str]:
    """Store the Edit modal's text; field errors (inline) or {} when saved."""
    form = rules.EditForm(values)
    errors = form.errors()
    if errors:
        return errors
    with ctx.db.transaction() as session:
        if not rules.may_decide(user, requesters=store.requesters(session,
                                                                  article_id=article_id),
                                leads=getattr(ctx, "leads", ())):
            return {"title": "Only the agent who escalated it, or a lead, can edit this draft."}
        if not store.edit(session, article_id=article_id,
                          values={k: form.values[k].strip() for k in form.FIELDS}, now=ctx.now()):
            return {"title": "This draft was approved or discarded meanwhile."}
    return {}


def export(ctx: Context, out: Path) -> list[Path]:
    """Write every approved article to ``out`` as Markdown with front matter."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with ctx.db.read() as session:
        for row in store.approved(session):
            assert row.id is not None
            ids = store.sources(session, article_id=row.id)
            article = store.to_core(row, ids)
            path = out / f"{rules.slug(article)}.md"
            path.write_text(rules.to_markdown(article, public_ids=[public_id(i) for i in ids]),
                            encoding="utf-8")
            written.append(path)
    return written
