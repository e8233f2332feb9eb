"""The /escalate flow: keep the draft as the agent types, refuse what is not ready, store it.

The escalation is stored (with an outbox item owing its packet) in one transaction *before*
anything is sent to Slack: if Slack is down, nothing is lost and delivery retries later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from sqlmodel import Session

from commands.context import Context
from commands.planning import timer_notes
from core import checklist, inputs
from core.checklist import Step
from core.codec import answers_to_dict, merge
from core.ladder import decide_level
from core.model import Answers, Domain, Escalation, Level, LevelDecision, Severity, public_id
from core.redaction import Redacted, redact_all
from storage import intake as intake_data
from storage import jira as jira_store
from storage import loop as loop_data
from storage import repository as repo
from storage import threads
from storage.tables import EscalationRow, JiraIssueRow


@dataclass(frozen=True)
class Submitted:
    escalation_id: int
    public_id: str
    created: bool
    channel: str
    decision: LevelDecision
    # The final step of a modal that paged early (SEV1 fast lane) completed the escalation.
    completed: bool = False


def _submitted(row: EscalationRow, created: bool) -> Submitted:
    assert row.id is not None
    decision = LevelDecision(Level(row.target_level), row.leadership_notified, row.level_reason)
    return Submitted(row.id, public_id(row.id), created, row.channel_id, decision)


class NotReady(Exception):
    """The escalation fails the checklist; ``errors`` maps field keys to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(sorted(errors)))
        self.errors = errors


def draft(ctx: Context, *, key: str) -> Answers:
    with ctx.db.transaction() as session:
        return repo.draft_answers(repo.get_draft(session, key=key))


@dataclass(frozen=True)
class Recorded:
    """The draft after a step was saved, and what redaction removed from each field."""

    answers: Answers
    removed: dict[str, Redacted] = field(default_factory=dict)


def redact_values(ctx: Context, values: dict[str, str]) -> tuple[dict[str, str],
                                                                dict[str, Redacted]]:
    """Free-text answers with PII and secrets replaced; choices, ids and dates untouched."""
    free = {k: v for k, v in values.items() if k in checklist.FIELDS_BY_KEY
            and checklist.FIELDS_BY_KEY[k].kind in checklist.FREE_TEXT_KINDS}
    clean, removed = redact_all(free, allow=ctx.redaction)
    return {**values, **clean}, removed


def record(ctx: Context, *, key: str, user: str, step: Step, values: dict[str, str],
           channel: str | None = None) -> Recorded:
    """Merge one step's values into the stored draft (even when invalid: typing is kept).

    Free text is redacted first: the original text is never stored.
    """
    keys = {f.key for f in checklist.fields_of(step)}
    clean, removed = redact_values(ctx, values)
    with ctx.db.transaction() as session:
        current = repo.draft_answers(repo.get_draft(session, key=key))
        answers = merge(current, clean, keys)
        if "evidence_files" in keys:  # a file input cannot be pre-filled: keep earlier files
            answers.evidence_files = checklist.union_files(current.evidence_files,
                                                           answers.evidence_files)
        repo.save_draft(session, key=key, user=user, answers=answers, step=step.value,
                        now=ctx.now(), channel=channel)
    return Recorded(answers, removed)


def record_step(ctx: Context, *, key: str, user: str, step: Step, values: dict[str, str],
                channel: str | None = None) -> Answers:
    return record(ctx, key=key, user=user, step=step, values=values, channel=channel).answers


def read_step(ctx: Context, step: Step, raw: Mapping[str, inputs.RawValue]) -> inputs.Read:
    """The step's submitted values checked by kind (offered options, date ranges, types)."""
    return inputs.read_step(step, raw, now=ctx.now(), domains=ctx.domain_keys)


def step_errors(ctx: Context, answers: Answers, step: Step) -> dict[str, str]:
    return checklist.validate(answers, step, now=ctx.now(), domains=ctx.domain_keys)


def first_incomplete_step(ctx: Context, answers: Answers) -> Step | None:
    errors = checklist.validate(answers, now=ctx.now(), domains=ctx.domain_keys)
    for step in Step:
        if any(checklist.FIELDS_BY_KEY[key].step is step for key in errors):
            return step
    return None


def submit(ctx: Context, *, key: str, requester: str, answers: Answers,
           fast_lane: bool = False) -> Submitted:
    """Store a ready escalation once per ``key``; raise :class:`NotReady` otherwise.

    ``fast_lane`` (SEV1 **Page now**): only step 1 must be ready; the escalation is posted
    marked incomplete and the draft is kept for the remaining steps. A later full submit of
    the same modal completes it in place.
    """
    now = ctx.now()
    with ctx.db.transaction() as session:
        existing = repo.find_by_key(session, key=key)
    if existing is not None:
        if fast_lane or existing.id is None:
            return _submitted(existing, created=False)
        return _complete(ctx, existing, key=key, user=requester, answers=answers)
    errors = checklist.validate(answers, Step.PROBLEM if fast_lane else None, now=now,
                                domains=ctx.domain_keys)
    if fast_lane and answers.severity is not Severity.SEV1:
        errors.setdefault("severity", "Page now is for SEV1 only; other severities go "
                                      "through every step first.")
    if errors:
        raise NotReady(errors)
    assert answers.severity is not None and answers.domain is not None
    domain = ctx.domains[answers.domain]
    decision = decide_level(severity=answers.severity, tier=answers.tier,
                            signals=answers.signals, first_reported_at=answers.first_reported_at,
                            now=now, policy=ctx.policy)
    with ctx.db.transaction() as session:
        row, created = repo.insert_escalation(session, key=key, requester=requester,
                                              answers=answers, domain=domain, decision=decision,
                                              now=now)
        assert row.id is not None
        if created:
            # The readiness step's soft gaps at submit, for the handoff-quality report.
            weak = sorted({w.field for w in checklist.readiness(
                answers, now=now, domains=ctx.domain_keys)})
            repo.add_audit(session, escalation_id=row.id, actor=requester, kind="created",
                           at=now, severity=row.severity, domain=row.domain_key,
                           target_level=decision.target.name, reason=decision.reason,
                           weak=weak, **({"fast_lane": True} if fast_lane else {}))
            repo.enqueue(session, escalation_id=row.id, kind="post_packet",
                         dedupe_key=f"post_packet:{row.id}", now=now)
            if threads.get_thread_source(session, key=key) is not None:  # drafted from a thread
                repo.enqueue(session, escalation_id=row.id, kind="post_sources",
                             dedupe_key=f"post_sources:{row.id}", now=now)
            if not fast_lane:
                repo.delete_draft(session, key=key)
    return _submitted(row, created)


def _complete(ctx: Context, row: EscalationRow, *, key: str, user: str,
              answers: Answers) -> Submitted:
    """The final step of a modal that paged early: the escalation is completed in place."""
    assert row.id is not None
    now = ctx.now()
    with ctx.db.transaction() as session:
        stored = repo.load_answers(session, escalation_id=row.id)
    if not checklist.validate(stored, now=row.created_at):
        return _submitted(row, created=False)  # complete already (a retried submission)
    complete = merge(stored, answers_to_dict(answers),
                     {f.key for f in checklist.FIELDS if f.step is not Step.PROBLEM})
    errors = checklist.validate(complete, now=now, domains=ctx.domain_keys)
    if errors:
        raise NotReady(errors)
    with ctx.db.transaction() as session:
        intake_data.replace_answers(session, escalation_id=row.id, answers=complete)
        audit_id = intake_data.add_audit_returning(session, escalation_id=row.id, actor=user,
                                                   kind="completed", at=now)
        repo.enqueue(session, escalation_id=row.id, kind="update_packet",
                     dedupe_key=f"update_packet:{row.id}:intake:{audit_id}", now=now)
        repo.delete_draft(session, key=key)
    return replace(_submitted(row, created=False), completed=True)


def load(ctx: Context, escalation_id: int) -> Escalation | None:
    with ctx.db.transaction() as session:
        return load_in(ctx, session, escalation_id)


def load_in(ctx: Context, session: Session, escalation_id: int) -> Escalation | None:
    """:func:`load` inside the caller's transaction."""
    row = repo.get_escalation(session, escalation_id=escalation_id)
    if row is None or row.id is None:
        return None
    domain = ctx.domains.get(row.domain_key)
    if domain is None:  # a domain removed from the config since: keep its channel
        domain = Domain(row.domain_key, row.domain_key, row.channel_id)
    esc = repo.to_core(row, repo.load_answers(session, escalation_id=row.id), domain,
                       loop_data.progress(session, row, domain))
    source = threads.get_thread_source(session, key=row.idempotency_key)
    if source is not None and source.permalink:
        esc.extra["thread_link"] = source.permalink
        esc.extra["thread_messages"] = str(source.message_count)
    notes = timer_notes(session, row, ctx.policy.timers, ctx.now())
    if notes:
        esc.extra["timer_notes"] = "\n".join(notes)
    return with_jira(ctx, esc, jira_store.get(session, escalation_id=row.id))


def with_jira(ctx: Context, esc: Escalation, link: JiraIssueRow | None) -> Escalation:
    """The escalation with its Jira link (key, URL, status, assignee) in ``extra``."""
    extra = dict(esc.extra)
    setup = ctx.extra.get("jira")
    settings_for = getattr(setup, "settings_for", None)
    if settings_for is not None and settings_for(esc.domain.key) is not None:
        extra["jira_enabled"] = "1"
    if link is not None:
        extra.update(jira_key=link.issue_key, jira_url=link.url,
                     jira_status=link.status or "", jira_assignee=link.assignee or "",
                     jira_fix_versions=link.fix_versions or "")
    return replace(esc, extra=extra) if extra != esc.extra else esc


def recent_for(ctx: Context, user: str, limit: int = 20) -> list[Escalation]:
    """Escalations ``user`` raised or owns, newest first (for App Home)."""
    with ctx.db.transaction() as session:
        ids = [r.id for r in repo.list_for_user(session, user=user, limit=limit) if r.id]
    return [esc for esc in (load(ctx, i) for i in ids) if esc is not None]
