"""Amending an escalation after it is stored: the SEV1 fast lane's later steps, and Add details.

* **Page now** (SEV1): :func:`commands.escalate.submit` with ``fast_lane=True`` stores and
  posts the escalation after step 1. Every later step saved in the same modal replaces the
  stored answers (:func:`save_step`) and owes a packet update; the final step completes it.
* **Add details**: the requester or the case owner adds to a posted escalation; answers are
  redacted and checked like the form's, the packet updates in place, the thread gets a
  "details added: …" line and the audit trail says who changed what.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from commands import escalate, inbound
from commands.context import Context
from core import checklist
from core.checklist import FIELDS_BY_KEY, Kind, Step
from core.codec import answers_to_dict, merge
from core.model import Answers, Escalation
from core.redaction import Redacted
from core.timeline import TimelineEntry
from storage import intake as store
from storage import repository as repo

# What Add details may change: the facts, not the routing (domain, severity, customer, tier
# and the first report decide where the case went and its clocks; they change through their
# own actions).
_NOT_DETAILS = frozenset({"domain", "severity", "customer", "tier", "first_reported_at",
                          "signals", "case_owner"})
DETAIL_KEYS: tuple[str, ...] = tuple(f.key for f in checklist.FIELDS
                                     if f.key not in _NOT_DETAILS)


def missing(answers: Answers, esc: Escalation) -> list[str]:
    """Labels of checklist items still unanswered or refused (an escalation paged early)."""
    errors = checklist.validate(answers, now=esc.created_at, domains=None)
    return [FIELDS_BY_KEY[k].label for k in errors]


@dataclass(frozen=True)
class Paged:
    escalation_id: int
    public_id: str
    channel: str


def paged(ctx: Context, *, key: str) -> Paged | None:
    """The escalation this modal already paged (SEV1 fast lane), if any."""
    with ctx.db.read() as session:
        row = repo.find_by_key(session, key=key)
        if row is None or row.id is None:
            return None
        return Paged(row.id, f"ESC-{row.id}", row.channel_id)


def save_step(ctx: Context, *, key: str, user: str, step: Step, answers: Answers) -> int | None:
    """A step saved after Page now: its answers replace the stored ones, the packet updates.

    Returns the escalation's id, or None when this modal paged nothing (the normal flow).
    Routing answers (domain, severity, customer, tier …) do not change this way.
    """
    now = ctx.now()
    keys = {f.key for f in checklist.fields_of(step)} - _NOT_DETAILS
    with ctx.db.transaction() as session:
        row = repo.find_by_key(session, key=key)
        if row is None or row.id is None:
            return None
        current = repo.load_answers(session, escalation_id=row.id)
        updated = merge(current, answers_to_dict(answers), keys)
        changed = [k for k in checklist.FIELDS_BY_KEY if k in keys
                   and getattr(current, k) != getattr(updated, k)]
        if not changed:
            return row.id
        store.replace_answers(session, escalation_id=row.id, answers=updated)
        audit_id = store.add_audit_returning(session, escalation_id=row.id, actor=user,
                                             kind="step_saved", at=now, step=step.value,
                                             fields=changed)
        repo.enqueue(session, escalation_id=row.id, kind="update_packet",
                     dedupe_key=f"update_packet:{row.id}:intake:{audit_id}", now=now)
        return row.id


@dataclass(frozen=True)
class DetailsOutcome:
    ok: bool
    text: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    # Redaction removed something: nothing was stored; show these values and notes again.
    removed: dict[str, Redacted] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    changed: tuple[str, ...] = ()


def may_add_details(esc: Escalation, user: str) -> bool:
    return user in {esc.requester, esc.answers.case_owner or esc.requester}


def refusal(esc: Escalation) -> str:
    owner = esc.answers.case_owner or esc.requester
    who = f"<@{esc.requester}>" + (f" or the case owner <@{owner}>"
                                   if owner != esc.requester else "")
    return f"Only the requester {who} can add details to {esc.public_id}."


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def add_details(ctx: Context, *, escalation_id: int, user: str, values: dict[str, str],
                request_key: str) -> DetailsOutcome:
    esc = escalate.load(ctx, escalation_id)
    if esc is None:
        return DetailsOutcome(False, f"ESC-{escalation_id} does not exist.")
    if not may_add_details(esc, user):
        return DetailsOutcome(False, refusal(esc))
    clean, removed = escalate.redact_values(ctx, values)
    if removed:
        return DetailsOutcome(False, removed=removed, values=clean)
    # Details are added or changed; a field left empty keeps its answer.
    keys = set(DETAIL_KEYS) & set(clean)
    updated = merge(esc.answers, clean, keys)
    # A file input cannot be pre-filled: files uploaded now are added to the earlier ones.
    updated.evidence_files = checklist.union_files(esc.answers.evidence_files,
                                                   clean.get("evidence_files"))
    errors = {k: v for k, v in checklist.validate(updated, now=ctx.now(),
                                                    domains=ctx.domain_keys).items()
              if k in keys and (not _blank(getattr(updated, k))
                                or not _blank(getattr(esc.answers, k)))}
    if errors:
        return DetailsOutcome(False, errors=errors)
    changed = tuple(FIELDS_BY_KEY[k].label for k in DETAIL_KEYS
                    if getattr(esc.answers, k) != getattr(updated, k))
    if not changed:
        return DetailsOutcome(True, f"Nothing changed in {esc.public_id}.")
    if not inbound.first_time(ctx, f"details:{request_key}"):
        return DetailsOutcome(True, f"Details added to {esc.public_id}.", changed=changed)
    now = ctx.now()
    with ctx.db.transaction() as session:
        store.replace_answers(session, escalation_id=esc.id, answers=updated)
        audit_id = store.add_audit_returning(session, escalation_id=esc.id, actor=user,
                                             kind="details_added", at=now,
                                             fields=list(changed), request_key=request_key)
        repo.enqueue(session, escalation_id=esc.id, kind="update_packet",
                     dedupe_key=f"update_packet:{esc.id}:details:{audit_id}", now=now)
        repo.enqueue(session, escalation_id=esc.id, kind="details_line",
                     dedupe_key=f"details_line:{audit_id}", now=now)
    return DetailsOutcome(True, f"Details added to {esc.public_id}: {', '.join(changed)}. "
                                "The packet is updated.", changed=changed)


def details_entry(ctx: Context, audit_id: int) -> TimelineEntry | None:
    """The thread line for a details_added event: "@X details added: Logs, Evidence links"."""
    with ctx.db.read() as session:
        found = store.audit_detail(session, audit_id=audit_id)
    if found is None:
        return None
    actor, at, detail = found
    labels = {f.label for f in checklist.FIELDS}
    fields = [str(f) for f in detail.get("fields") or [] if str(f) in labels]
    return TimelineEntry(at=at, actor=actor, kind="details_added",
                         headline=f":memo: <@{actor}> details added: {', '.join(fields)}")


__all__ = ["DETAIL_KEYS", "DetailsOutcome", "Kind", "Paged", "add_details", "details_entry",
           "may_add_details", "missing", "paged", "refusal", "save_step"]
