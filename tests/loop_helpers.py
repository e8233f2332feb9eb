"""Shared set-up for the feedback-loop command tests: a posted, claimed escalation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from commands import escalate
from commands.claim import claim
from commands.context import Context
from commands.deliver import deliver_due
from core.forms import (
    ReproInput,
    ResolutionCategory,
    ResolveInput,
    UpdateInput,
)
from core.model import Domain, Escalation
from storage import loop as data
from storage import repository as repo
from storage.database import Database
from tests.builders import good_answers
from tests.fakes import InMemorySlack

REQUESTER = "U0AGENT"
OWNER = "U0OWNER"
LEAD = "U0LEAD"
SPECIALIST = "U0SPEC"
NEWBIE = "U0NEWBIE"

DOMAINS = {
    "auth": Domain("auth", "Authentication & SSO", "C0AUTH0001",
                   incident_commander="U0AUTHIC"),
    "billing": Domain("billing", "Billing", "C0BILL0001", specialists="S0BILLSPEC",
                      leads=("S0BILLLEAD",)),
}


class Clock:
    def __init__(self, start: datetime) -> None:
        self.at = start

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **kw: float) -> None:
        self.at += timedelta(**kw)


def make_ctx(db: Database, slack: InMemorySlack, clock: Clock, worker: str = "test") -> Context:
    return Context(db=db, slack=slack, domains=DOMAINS, clock=clock, worker=worker,
                   leads=(LEAD,), leadership_channel="C0LEAD0001")


def posted(ctx: Context, key: str = "V1", **changes: Any) -> int:
    result = escalate.submit(ctx, key=key, requester=REQUESTER,
                             answers=good_answers(ctx.now(), **changes))
    deliver_due(ctx)
    return result.escalation_id


def claimed(ctx: Context, key: str = "V1", owner: str = OWNER, **changes: Any) -> int:
    esc_id = posted(ctx, key, **changes)
    assert claim(ctx, escalation_id=esc_id, user=owner).won
    return esc_id


def load(ctx: Context, esc_id: int) -> Escalation:
    esc = escalate.load(ctx, esc_id)
    assert esc is not None
    return esc


def trail(ctx: Context, esc_id: int) -> list[tuple[str, str, str | None, str | None]]:
    """(actor, kind, from, to) of every audit event, oldest first."""
    with ctx.db.read() as session:
        return [(e.actor, e.kind, e.from_state, e.to_state)
                for e in repo.audit_trail(session, escalation_id=esc_id)]


def kinds(ctx: Context, esc_id: int) -> list[str]:
    return [k for _, k, _, _ in trail(ctx, esc_id)]


def details(ctx: Context, esc_id: int, kind: str) -> dict[str, Any]:
    with ctx.db.read() as session:
        events = [e for e in data.events(session, escalation_id=esc_id) if e.kind == kind]
    return dict(events[-1].details)


UPDATE = UpdateInput(
    known="Sign-in through Okta fails for all Acme users since Monday's release.",
    unknown="Whether accounts on other identity providers are affected.",
    next_steps="We are preparing a configuration rollback for the Acme account.",
    next_update_at=None,
    customer_action="Users can sign in with a password reset link meanwhile.",
    internal_note="ip-10-0-3-17 logs: audience mismatch (AUTH-112)")
REPRO = ReproInput(notes="Followed steps 1-4 on a copy of Acme's tenant: HTTP 500 on /saml/acs",
                   environment="staging, build 4.2.1, saml_strict_audience=on")
RESOLVE = ResolveInput(
    category=ResolutionCategory.CODE_FIX,
    root_cause="The strict audience check added in 4.2 compared URNs case-sensitively",
    fix_version="4.2.2",
    validation_notes="Acme signed in through Okta on 4.2.2 at 15:10 UTC",
    l1_takeaway="Check the audience URN in the IdP metadata before escalating SAML 500s",
    kb_warranted=True)
