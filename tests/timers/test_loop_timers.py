"""The timers on the feedback loop (real database, in-memory Slack, controlled clock): accept,
updates reset the clock, severity re-plans, needs-info pauses, snooze, resolve → RCA only."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from commands import feedback, levels, reminders, resolution
from commands.context import Context
from commands.timers import sweep
from core.forms import AnswerInput, EtaInput, NeedsInfoInput, SeverityInput
from core.model import Severity
from core.reminder_commands import SnoozeRequest
from storage import deadlines as dl
from tests.fakes import InMemorySlack
from tests.loop_helpers import (
    LEAD,
    OWNER,
    REQUESTER,
    RESOLVE,
    UPDATE,
    Clock,
    claimed,
    load,
)

M, H = timedelta(minutes=1), timedelta(hours=1)


def due(ctx: Context, esc: int) -> dict[str, datetime | None]:
    with ctx.db.read() as session:
        return {d.kind: d.due_at for d in dl.deadlines_for(session, escalation_id=esc)}


def accepted(ctx: Context, clock: Clock) -> int:
    esc = claimed(ctx)
    assert feedback.accept(ctx, escalation_id=esc, user=OWNER).ok
    return esc


def actions(slack: InMemorySlack) -> list[tuple[str, str]]:
    """Reminders sent, except the customer-update clock's (tested on its own)."""
    return [(w, n.action.value) for w, n in slack.nudges
            if n.action.value != "customer_update_due"]


class TestAcceptAndUpdates:
    def test_accept_stops_the_accept_clock_and_starts_the_update_clock(
            self, ctx: Context, clock: Clock, now: datetime) -> None:
        esc = claimed(ctx)
        assert due(ctx, esc)["accept"] == now + 30 * M
        clock.advance(minutes=10)
        assert feedback.accept(ctx, escalation_id=esc, user=OWNER).ok
        clocks = due(ctx, esc)
        assert clocks["accept"] is None and clocks["update"] == now + 10 * M + 2 * H
        assert load(ctx, esc).progress.next_update_due == now + 10 * M + 2 * H

    def test_update_due_nudges_owner_and_ic_in_the_thread(self, ctx: Context,
                                                          slack: InMemorySlack, clock: Clock,
                                                          now: datetime) -> None:
        esc = accepted(ctx, clock)
        sweep(ctx, now + 2 * H)
        [(where, nudge)] = [(w, n) for w, n in slack.nudges if n.action.value == "update_due"]
        assert (REQUESTER, "customer_update_due") in [  # the second clock, at the same time
            (w, n.action.value) for w, n in slack.nudges]
        assert where == "thread:C0AUTH0001" and nudge.action.value == "update_due"
        assert nudge.mentions == (OWNER, "U0AUTHIC")  # the domain's IC for SEV1–2
        clock.at = now + 2 * H + 25 * M
        notes = load(ctx, esc).extra["timer_notes"]
        assert ":red_circle: update overdue by 25m" in notes
        sweep(ctx, now + 3 * H)  # overdue: a DM to the owner
        assert actions(slack)[-1] == (OWNER, "update_overdue_owner")
        sweep(ctx, now + 4 * H)  # then the leads
        assert actions(slack)[-1] == (LEAD, "update_overdue_leads")

    def test_an_update_just_before_due_cancels_the_nudge(self, ctx: Context,
                                                         slack: InMemorySlack, clock: Clock,
                                                         now: datetime) -> None:
        esc = accepted(ctx, clock)
        clock.at = now + 2 * H - M
        assert feedback.post_update(ctx, escalation_id=esc, user=OWNER, form=UPDATE).ok
        sweep(ctx, now + 2 * H)
        assert actions(slack) == []
        assert due(ctx, esc)["update"] == now + 4 * H - M

    def test_an_update_just_after_due_marks_the_nudge_acted_on(self, ctx: Context,
                                                               slack: InMemorySlack,
                                                               clock: Clock,
                                                               now: datetime) -> None:
        esc = accepted(ctx, clock)
        sweep(ctx, now + 2 * H)
        clock.at = now + 2 * H + M
        assert feedback.post_update(ctx, escalation_id=esc, user=OWNER, form=UPDATE).ok
        text = reminders.show(ctx, escalation_id=esc).text
        assert "update due → the packet's thread → acted on by <@U0OWNER>" in text
        sweep(ctx, now + 3 * H)  # the old overdue stage belongs to the reset clock: nothing
        assert actions(slack) == [("thread:C0AUTH0001", "update_due")]

    def test_severity_increase_replans_at_once(self, ctx: Context, slack: InMemorySlack,
                                               clock: Clock, now: datetime) -> None:
        esc = accepted(ctx, clock)
        clock.at = now + 40 * M
        assert levels.change_severity(ctx, escalation_id=esc, user=OWNER, form=SeverityInput(
            Severity.SEV1, "Every Acme user is locked out, including admins")).ok
        assert due(ctx, esc)["update"] == now + 30 * M  # SEV1 cadence from the accept
        sweep(ctx, now + 41 * M)
        assert actions(slack) == [("thread:C0AUTH0001", "update_due")]

    def test_needs_info_pauses_and_starts_the_requesters_clock(self, ctx: Context,
                                                               slack: InMemorySlack,
                                                               clock: Clock,
                                                               now: datetime) -> None:
        esc = accepted(ctx, clock)
        clock.at = now + H
        assert feedback.needs_info(ctx, escalation_id=esc, user=OWNER, form=NeedsInfoInput(
            "Which IdP metadata URL does Acme use, and when was it last changed?")).ok
        clocks = due(ctx, esc)
        assert clocks["update"] is None and clocks["needs_info"] == now + 3 * H
        sweep(ctx, now + 3 * H)
        assert actions(slack) == [(REQUESTER, "needs_info_reminder")]
        clock.at = now + 3 * H + 30 * M
        assert feedback.answer_info(ctx, escalation_id=esc, user=REQUESTER, form=AnswerInput(
            "https://acme.okta.example/metadata, rotated Friday 09:00 UTC")).ok
        # 1 h had run before the question; the 2.5 h waiting do not count.
        assert due(ctx, esc)["update"] == now + 4 * H + 30 * M

    def test_customer_update_nudge_carries_the_latest_draft(self, ctx: Context,
                                                            slack: InMemorySlack,
                                                            clock: Clock,
                                                            now: datetime) -> None:
        esc = accepted(ctx, clock)
        clock.at = now + 10 * M
        assert feedback.post_update(ctx, escalation_id=esc, user=OWNER, form=UPDATE).ok
        sweep(ctx, now + 10 * M + 2 * H)
        customer = [n for w, n in slack.nudges if n.action.value == "customer_update_due"]
        assert [w for w, n in slack.nudges if n.action.value == "customer_update_due"] == \
            [REQUESTER]
        assert "password reset link" in customer[0].detail["draft"]
        assert "ip-10-0-3-17" not in customer[0].detail["draft"]  # internal notes stay out
        del esc

    def test_eta_passed_without_an_update(self, ctx: Context, slack: InMemorySlack,
                                          clock: Clock, now: datetime) -> None:
        esc = accepted(ctx, clock)
        assert feedback.set_eta(ctx, escalation_id=esc, user=OWNER,
                                form=EtaInput(now + 90 * M)).ok
        sweep(ctx, now + 91 * M)
        assert (OWNER, "eta_passed") in actions(slack)


class TestSnooze:
    def test_snooze_moves_reminders_and_is_shown(self, ctx: Context, slack: InMemorySlack,
                                                 clock: Clock, now: datetime) -> None:
        esc = accepted(ctx, clock)
        clock.at = now + 100 * M
        result = reminders.snooze(ctx, escalation_id=esc, user=OWNER, request=SnoozeRequest(
            esc, 60, None, "waiting on the vendor"))
        assert result.ok and "14:40" in result.text
        assert due(ctx, esc)["update"] == now + 160 * M
        assert "reminders snoozed until 14:40 UTC by <@U0OWNER>: waiting on the vendor" in \
            load(ctx, esc).extra["timer_notes"]
        sweep(ctx, now + 2 * H)
        assert actions(slack) == []
        sweep(ctx, now + 160 * M)
        assert actions(slack) == [("thread:C0AUTH0001", "update_due")]

    def test_a_severity_increase_ends_the_snooze(self, ctx: Context, clock: Clock,
                                                 now: datetime) -> None:
        esc = accepted(ctx, clock)
        assert reminders.snooze(ctx, escalation_id=esc, user=OWNER, request=SnoozeRequest(
            esc, 120, None, "vendor")).ok
        assert levels.change_severity(ctx, escalation_id=esc, user=OWNER, form=SeverityInput(
            Severity.SEV1, "Every Acme user is locked out, including admins")).ok
        assert due(ctx, esc)["update"] == now + 30 * M

    def test_only_owner_or_ic_may_snooze(self, ctx: Context, clock: Clock) -> None:
        esc = accepted(ctx, clock)
        result = reminders.snooze(ctx, escalation_id=esc, user=REQUESTER,
                                  request=SnoozeRequest(esc, 30, None, "x"))
        assert not result.ok and "<@U0OWNER>" in result.text


class TestResolveAndRca:
    def test_sev1_resolve_keeps_only_the_rca_clock(self, ctx: Context, slack: InMemorySlack,
                                                   clock: Clock, now: datetime) -> None:
        esc = accepted(ctx, clock)
        assert levels.change_severity(ctx, escalation_id=esc, user=OWNER, form=SeverityInput(
            Severity.SEV1, "Every Acme user is locked out, including admins")).ok
        clock.at = now + 20 * M
        assert resolution.resolve(ctx, escalation_id=esc, user=OWNER, form=RESOLVE).ok
        live = {k: v for k, v in due(ctx, esc).items() if v is not None}
        assert live == {"rca": now + 20 * M + 24 * H}
        sweep(ctx, now + 20 * M + 24 * H)
        assert actions(slack) == [(OWNER, "rca_reminder")]
        clock.at = now + 30 * H
        assert reminders.attach_rca(ctx, escalation_id=esc, user=OWNER,
                                    url="https://wiki.example.com/rca/acme-sso").ok
        assert due(ctx, esc)["rca"] is None
        assert sweep(ctx, now + 3 * 24 * H).fired == 0
        assert "RCA: https://wiki.example.com/rca/acme-sso" in \
            reminders.show(ctx, escalation_id=esc).text

    def test_rca_before_resolve_is_refused(self, ctx: Context, clock: Clock) -> None:
        esc = accepted(ctx, clock)
        result = reminders.attach_rca(ctx, escalation_id=esc, user=OWNER, url="https://x.example")
        assert not result.ok and "not resolved yet" in result.text


def test_unclaimed_ladder_dms_the_leads(ctx: Context, slack: InMemorySlack,
                                        now: datetime) -> None:
    """The second rung tells each lead (global and the domain's, groups expanded) by DM."""
    from tests.loop_helpers import posted

    slack.groups["S0BILLLEAD"] = frozenset({"U0BILLBOSS"})
    esc = posted(ctx, domain="billing")
    sweep(ctx, now + 30 * M)
    sweep(ctx, now + 60 * M)
    assert sorted(w for w, n in slack.nudges if n.action.value == "claim_leads") == \
        sorted([LEAD, "U0BILLBOSS"])
    assert [n.action.value for w, n in slack.nudges if w.startswith("thread:")] == \
        ["claim_channel"]
    del esc


def test_a_leads_group_not_asked_before_the_transaction_is_tried_again(
        ctx: Context, slack: InMemorySlack, now: datetime,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The sweep asks Slack for the leads' groups before its write transaction. If the facts
    changed in between and a firing needs a group that was not asked for, nothing is
    recorded or sent (Slack is not called inside the transaction): the deadline is put back
    for a second and fires on the next sweep."""
    from commands import timers
    from tests.loop_helpers import posted

    slack.groups["S0BILLLEAD"] = frozenset({"U0BILLBOSS"})
    posted(ctx, domain="billing")
    sweep(ctx, now + 30 * M)
    asked = timers.lead_groups
    monkeypatch.setattr(timers, "lead_groups", lambda c, batch, at: {})
    assert sweep(ctx, now + 60 * M).failed == 1
    assert [n for _, n in slack.nudges if n.action.value == "claim_leads"] == []
    monkeypatch.setattr(timers, "lead_groups", asked)
    assert sweep(ctx, now + 60 * M).claimed == 0  # put back for a second, not a retry storm
    assert sweep(ctx, now + 60 * M + timedelta(seconds=2)).fired == 1
    assert sorted(w for w, n in slack.nudges if n.action.value == "claim_leads") == \
        sorted([LEAD, "U0BILLBOSS"])
