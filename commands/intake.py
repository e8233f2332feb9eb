"""Escalate from a Slack thread: read the whole thread, draft the checklist, merge the draft
into the modal's answers (what the agent already typed wins), remember each item's sources.

The drafter never sees raw text: :func:`core.drafting.pipeline.draft_thread` redacts PII and
drops temperament remarks first. A thread the bot may not read raises
:class:`commands.ports.ThreadUnreadable` before anything is stored: no partial draft.
"""

from __future__ import annotations

from dataclasses import dataclass

from commands.context import Context
from commands.ports import SourceItem
from core.checklist import FIELDS
from core.codec import answers_from_dict, answers_to_dict
from core.drafting.links import message_link, ordered_sources
from core.drafting.model import Draft, Drafter
from core.drafting.pipeline import draft_thread
from core.drafting.rules import RulesDrafter
from core.drafting.thread import parse_replies
from core.model import Answers, Escalation
from core.redaction import NO_ALLOW, AllowList
from storage import repository as repo
from storage import threads


@dataclass(frozen=True)
class Drafted:
    answers: Answers            # the modal's answers after the merge
    draft: Draft
    filled: tuple[str, ...]     # items the draft filled (the agent had left them blank)
    permalink: str | None       # the thread's parent message


def drafter_of(ctx: Context) -> Drafter:
    chosen = ctx.extra.get("drafter")
    return chosen if isinstance(chosen, Drafter) else RulesDrafter()


def _allow(ctx: Context) -> AllowList:
    allow = getattr(ctx, "redaction", NO_ALLOW)
    return allow if isinstance(allow, AllowList) else NO_ALLOW


def draft_from_thread(ctx: Context, *, key: str, user: str, channel: str,
                      thread_ts: str) -> Drafted:
    pages = ctx.slack.read_thread(channel, thread_ts)
    thread = parse_replies(pages, channel=channel)
    draft = draft_thread(thread, drafter_of(ctx), allow=_allow(ctx))
    permalink = ctx.slack.permalink(channel, thread.thread_ts)
    now = ctx.now()
    with ctx.db.transaction() as session:
        row = repo.get_draft(session, key=key)
        typed = answers_to_dict(repo.draft_answers(row))
        drafted = {k: item.value for k, item in draft.items.items()}
        filled = tuple(k for k in drafted if not typed.get(k))
        answers = answers_from_dict({**drafted, **typed})
        repo.save_draft(session, key=key, user=user, answers=answers,
                        step=row.step if row else "problem", now=now,
                        channel=None if row else channel)
        threads.save_thread_source(
            session, key=key, channel=channel, thread_ts=thread.thread_ts, permalink=permalink,
            message_count=draft.message_count, drafter=draft.drafter,
            sources={k: draft.items[k].sources for k in filled},
            drafted={k: draft.items[k].value for k in filled}, now=now)
    return Drafted(answers, draft, filled, permalink)


def source_items(ctx: Context, esc: Escalation) -> tuple[list[SourceItem], str | None] | None:
    """The Sources reply owed to a packet drafted from a thread (None when typed by hand)."""
    with ctx.db.transaction() as session:
        row = repo.get_escalation(session, escalation_id=esc.id)
        source = threads.get_thread_source(session, key=row.idempotency_key) if row else None
        if source is None:
            return None
        by_item = threads.sources_of(source)
        channel, thread_ts, parent = source.channel_id, source.thread_ts, source.permalink
    final = answers_to_dict(esc.answers)
    edited = {k for k, (_, value) in by_item.items() if final.get(k) != value}
    labels = {f.label: f.key for f in FIELDS}
    items = []
    for label, stamps in ordered_sources({k: ts for k, (ts, _) in by_item.items()}):
        links = tuple(message_link(parent, channel=channel, ts=ts, thread_ts=thread_ts)
                      for ts in stamps) if parent else ()
        if links:
            note = " (edited by the agent)" if labels[label] in edited else ""
            items.append(SourceItem(label + note, links))
    return items, parent


def thread_link(ctx: Context, key: str) -> str | None:
    with ctx.db.transaction() as session:
        source = threads.get_thread_source(session, key=key)
        return source.permalink if source else None
