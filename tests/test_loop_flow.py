"""The feedback loop end to end through the commands (SQLite and PostgreSQL, in-memory Slack):
from Claim to verified resolution, every step in the thread, the audit trail and the DMs."""

from __future__ import annotations

from datetime import datetime, timedelta

from commands import export, feedback, levels, ownership, resolution
from commands.context import Context
from commands.deliver import deliver_due
from core.forms import (
    AcceptInput,
    AnswerInput,
    DeclineInput,
    EtaInput,
    HandoffRating,
    LevelInput,
    MergeInput,
    NeedsInfoInput,
    RateInput,
    ReasonInput,
    ReassignInput,
    SeverityInput,
)
from core.model import CustomerTier, Level, Severity, State
from core.workflow import Action
from storage import loop as data
from tests.fakes import InMemorySlack
from tests.loop_helpers import (
    LEAD,
    NEWBIE,
    OWNER,
    REPRO,
    REQUESTER,
    RESOLVE,
    UPDATE,
    Clock,
    claimed,
    details,
    kinds,
    load,
    trail,
)


def dm_kinds(slack: InMemorySlack, user: str) -> list[str]:
    return [d.kind for d in slack.notices[user]]


class TestFullLoop:
    def test_claim_to_verified_and_reopened(self, ctx: Context, slack: InMemorySlack,
                                            clock: Clock) -> None:
        """Claim → accept → update → needs info → answer → severity → level → reassign →
        accept handoff → reproduced → ETA → resolve → rating → verify → reopen: each step is in
        the thread and the audit trail with from → to, and the requester hears of each."""
        esc_id = claimed(ctx)
        clock.advance(minutes=5)
        assert feedback.accept(ctx, escalation_id=esc_id, user=OWNER,
                               form=AcceptInput("Looking at the acs logs first")).ok
        clock.advance(minutes=10)
        out = feedback.post_update(ctx, escalation_id=esc_id, user=OWNER, form=UPDATE)
        assert out.ok and "Next update due 2026-11-23 14:15 UTC" in out.text
        clock.advance(minutes=5)
        assert feedback.needs_info(ctx, escalation_id=esc_id, user=OWNER, form=NeedsInfoInput(
            "Which IdP metadata URL does Acme use, and when was it last changed?")).ok
        assert load(ctx, esc_id).state is State.NEEDS_INFO
        assert feedback.answer_info(ctx, escalation_id=esc_id, user=REQUESTER, form=AnswerInput(
            "https://acme.okta.example/metadata, rotated Friday 09:00 UTC")).ok
        assert load(ctx, esc_id).state is State.ACCEPTED
        assert levels.change_severity(ctx, escalation_id=esc_id, user=REQUESTER,
                                      form=SeverityInput(Severity.SEV1, "Every Acme user is "
                                                         "locked out, including admins")).ok
        assert load(ctx, esc_id).severity is Severity.SEV1
        # The spine routed it to L4 (SEV2 + enterprise): a lead lowers nothing here; the level
        # is at the top, so escalating is refused with the L5 sentence.
        top = levels.escalate_level(ctx, escalation_id=esc_id, user=REQUESTER,
                                    form=LevelInput("The renewal call is tomorrow morning"))
        assert not top.ok and "never the owner" in top.text
        assert ownership.reassign(ctx, escalation_id=esc_id, user=OWNER, form=ReassignInput(
            NEWBIE, "Reproduced on staging; next: compare the audience URN with the "
                    "metadata")).ok
        assert load(ctx, esc_id).owner == OWNER  # pending until accepted
        assert load(ctx, esc_id).progress.pending_handoff is not None
        assert ownership.accept_handoff(ctx, escalation_id=esc_id, user=NEWBIE).ok
        esc = load(ctx, esc_id)
        assert esc.owner == NEWBIE and esc.progress.pending_handoff is None
        assert feedback.reproduced(ctx, escalation_id=esc_id, user=NEWBIE, form=REPRO).ok
        assert feedback.set_eta(ctx, escalation_id=esc_id, user=NEWBIE,
                                form=EtaInput(clock.at + timedelta(hours=6))).ok
        assert load(ctx, esc_id).state is State.FIX_IN_PROGRESS
        clock.advance(hours=5)
        out = resolution.resolve(ctx, escalation_id=esc_id, user=NEWBIE, form=RESOLVE)
        assert out.ok and load(ctx, esc_id).state is State.RESOLVED
        assert slack.ratings_asked == [(esc_id, NEWBIE)]
        assert resolution.rate_handoff(ctx, escalation_id=esc_id, user=NEWBIE,
                                       form=RateInput(HandoffRating.PARTLY)).ok
        assert resolution.verify(ctx, escalation_id=esc_id, user=REQUESTER).ok
        assert load(ctx, esc_id).state is State.CLOSED
        clock.advance(days=2)
        assert resolution.reopen(ctx, escalation_id=esc_id, user=REQUESTER, form=ReasonInput(
            "Acme sees the 500 again after the 4.2.3 deploy")).ok
        esc = load(ctx, esc_id)
        assert esc.state is State.REOPENED and esc.owner == NEWBIE

        assert trail(ctx, esc_id)[2:] == [
            (OWNER, "claimed", "open", "claimed"),
            (OWNER, "accepted", "claimed", "accepted"),
            (OWNER, "update_posted", "accepted", "accepted"),
            (OWNER, "info_requested", "accepted", "needs_info"),
            (REQUESTER, "info_answered", "needs_info", "accepted"),
            (REQUESTER, "severity_changed", "accepted", "accepted"),
            (OWNER, "handoff_requested", "accepted", "accepted"),
            (NEWBIE, "handoff_accepted", "accepted", "accepted"),
            (NEWBIE, "reproduced", "accepted", "reproduced"),
            (NEWBIE, "eta_set", "reproduced", "fix_in_progress"),
            (NEWBIE, "resolved", "fix_in_progress", "resolved"),
            (NEWBIE, "handoff_rated", "resolved", "resolved"),
            (REQUESTER, "verified", "resolved", "closed"),
            (REQUESTER, "reopened", "closed", "reopened"),
        ]
        # The thread reads as the timeline: one line per public step, plus the status update
        # with its draft and the wrap-up; the private rating is not there.
        thread = [m.kind for m in slack.thread(esc_id)]
        assert thread == ["claimed", "accepted", "status_update", "info_requested",
                          "info_answered", "severity_changed", "handoff_requested",
                          "handoff_accepted", "reproduced", "eta_set", "resolved", "wrap_up",
                          "verified", "reopened"]
        # The requester is told on claim, accept, needs-info, ETA, severity, resolve — once
        # each; the new owner on the reassignment; nobody else gets anything.
        assert dm_kinds(slack, REQUESTER) == ["accepted", "info_requested", "severity_changed",
                                              "eta_set", "resolved"]
        assert slack.dms[REQUESTER][-1].startswith("claimed")
        assert [d.buttons for d in slack.notices[REQUESTER] if d.buttons] == [
            (Action.ANSWER_INFO,), (Action.VERIFY, Action.REOPEN)]
        assert [(d.kind, d.buttons) for d in slack.notices[NEWBIE]] == [
            ("handoff_requested", (Action.ACCEPT_HANDOFF, Action.DECLINE_HANDOFF))]
        assert set(slack.notices) == {REQUESTER, NEWBIE}
        with ctx.db.read() as session:
            rating = data.rating(session, escalation_id=esc_id)
            assert rating is not None and rating.rating == "partly"
            assert rating.user_id == NEWBIE

    def test_wrap_up_figures(self, ctx: Context, slack: InMemorySlack, clock: Clock) -> None:
        """Wrap-up: escalation → resolution, time to claim, time to accept, updates, cause."""
        esc_id = claimed(ctx)
        clock.advance(minutes=20)
        feedback.accept(ctx, escalation_id=esc_id, user=OWNER)
        feedback.post_update(ctx, escalation_id=esc_id, user=OWNER, form=UPDATE)
        clock.advance(hours=3)
        feedback.post_update(ctx, escalation_id=esc_id, user=OWNER, form=UPDATE)
        resolution.resolve(ctx, escalation_id=esc_id, user=OWNER, form=RESOLVE)
        wrap = [m.text for m in slack.thread(esc_id) if m.kind == "wrap_up"]
        assert wrap == ["updates=2 root cause: " + RESOLVE.root_cause]
        from core.progress import wrap_up

        esc = load(ctx, esc_id)
        assert esc.progress.resolved_at is not None and esc.progress.accepted_at is not None
        figures = wrap_up(escalated_at=esc.created_at, posted_at=esc.posted_at,
                          claimed_at=esc.claimed_at, accepted_at=esc.progress.accepted_at,
                          resolved_at=esc.progress.resolved_at, updates=esc.progress.updates,
                          root_cause="x", fix_version=None, l1_takeaway="y",
                          kb_warranted=False)
        assert figures.time_to_accept == timedelta(minutes=20)
        assert figures.escalation_to_resolution == timedelta(hours=3, minutes=20)


class TestNextUpdateDue:
    def test_follows_claim_update_promise_and_severity(self, ctx: Context,
                                                       clock: Clock) -> None:
        """SEV2: due 2 h after the claim, then after each update; a sooner promise wins; SEV1
        shortens it to 30 minutes; resolved owes nothing."""
        esc_id = claimed(ctx)
        start = clock.at
        assert load(ctx, esc_id).progress.next_update_due == start + timedelta(hours=2)
        feedback.accept(ctx, escalation_id=esc_id, user=OWNER)
        clock.advance(minutes=30)
        promised = clock.at + timedelta(minutes=45)
        feedback.post_update(ctx, escalation_id=esc_id, user=OWNER,
                             form=UPDATE.__class__(**{**UPDATE.__dict__,
                                                      "next_update_at": promised}))
        esc = load(ctx, esc_id)
        assert esc.progress.next_update_due == promised
        assert esc.progress.last_update_at == clock.at and esc.progress.last_update_by == OWNER
        levels.change_severity(ctx, escalation_id=esc_id, user=OWNER, form=SeverityInput(
            Severity.SEV1, "Every Acme user is locked out, including admins"))
        assert load(ctx, esc_id).progress.next_update_due == clock.at + timedelta(minutes=30)
        resolution.resolve(ctx, escalation_id=esc_id, user=OWNER, form=RESOLVE)
        assert load(ctx, esc_id).progress.next_update_due is None


class TestRefusals:
    def test_wrong_role_is_told_who_can_and_nothing_is_written(self, ctx: Context,
                                                               slack: InMemorySlack) -> None:
        esc_id = claimed(ctx)
        before = kinds(ctx, esc_id)
        out = feedback.accept(ctx, escalation_id=esc_id, user=REQUESTER)
        assert not out.ok and out.text == f"Only the owner (<@{OWNER}>) can accept ESC-{esc_id}."
        assert kinds(ctx, esc_id) == before and out.state is State.CLAIMED

    def test_illegal_state_says_what_is_possible(self, ctx: Context) -> None:
        esc_id = claimed(ctx)
        out = resolution.verify(ctx, escalation_id=esc_id, user=REQUESTER)
        assert not out.ok and out.text.startswith(f"ESC-{esc_id} is claimed, so you cannot")
        assert "Possible now: Accept" in out.text

    def test_bad_input_comes_back_as_field_errors(self, ctx: Context) -> None:
        esc_id = claimed(ctx)
        feedback.accept(ctx, escalation_id=esc_id, user=OWNER)
        bad = UPDATE.__class__(**{**UPDATE.__dict__,
                                  "known": "It was the customer's fault, they broke SSO."})
        out = feedback.post_update(ctx, escalation_id=esc_id, user=OWNER, form=bad)
        assert not out.ok and set(out.errors) == {"known"} and "blame" in out.errors["known"]
        assert "update_posted" not in kinds(ctx, esc_id)

    def test_downgrade_is_for_leads(self, ctx: Context) -> None:
        esc_id = claimed(ctx)
        reason = "The customer found a workaround that covers all users"
        out = levels.change_severity(ctx, escalation_id=esc_id, user=OWNER,
                                     form=SeverityInput(Severity.SEV3, reason))
        assert not out.ok and out.text.startswith("Only a lead")
        assert levels.change_severity(ctx, escalation_id=esc_id, user=LEAD,
                                      form=SeverityInput(Severity.SEV3, reason)).ok
        assert details(ctx, esc_id, "severity_changed") == {
            "from_severity": "SEV2", "to_severity": "SEV3", "reason": reason}

    def test_reopen_after_the_window_is_for_leads(self, ctx: Context, clock: Clock) -> None:
        esc_id = claimed(ctx)
        feedback.accept(ctx, escalation_id=esc_id, user=OWNER)
        resolution.resolve(ctx, escalation_id=esc_id, user=OWNER, form=RESOLVE)
        clock.advance(days=8)
        why = ReasonInput("Acme sees the 500 again after the 4.2.3 deploy")
        late = resolution.reopen(ctx, escalation_id=esc_id, user=REQUESTER, form=why)
        assert not late.ok and "after the 7-day reopen window" in late.text
        assert resolution.reopen(ctx, escalation_id=esc_id, user=LEAD, form=why).ok

    def test_missing_escalation(self, ctx: Context) -> None:
        out = feedback.accept(ctx, escalation_id=999, user=OWNER)
        assert not out.ok and out.text == "ESC-999 does not exist."


class TestLevels:
    def test_level_up_to_l4_tells_the_leads(self, ctx: Context, slack: InMemorySlack) -> None:
        """SEV3 at L2 climbs one rung; reaching L4 tells the leads and the leadership channel."""
        esc_id = claimed(ctx, severity=Severity.SEV3, signals=(),
                      tier=CustomerTier.BUSINESS)
        assert load(ctx, esc_id).level is Level.L2
        reason = "A second enterprise customer reported the same failure today"
        assert levels.escalate_level(ctx, escalation_id=esc_id, user=REQUESTER,
                                     form=LevelInput(reason)).ok
        assert load(ctx, esc_id).level is Level.L3 and slack.leadership == []
        out = levels.escalate_level(ctx, escalation_id=esc_id, user=OWNER,
                                    form=LevelInput(reason))
        assert out.ok and "Leads are told" in out.text
        assert slack.leadership == [(esc_id, "C0LEAD0001", frozenset({LEAD}))]
        assert details(ctx, esc_id, "level_changed")["from_level"] == "L3"

    def test_contract_risk_notifies_leadership_never_owner(self, ctx: Context,
                                                           slack: InMemorySlack) -> None:
        esc_id = claimed(ctx, severity=Severity.SEV3, signals=(),
                      tier=CustomerTier.BUSINESS)
        levels.escalate_level(ctx, escalation_id=esc_id, user=OWNER, form=LevelInput(
            "Acme's legal team cites the SLA credits clause", notify_leadership=True))
        esc = load(ctx, esc_id)
        assert esc.level is Level.L3 and esc.decision.leadership_notified
        assert len(slack.leadership) == 1


class TestHandoff:
    def test_decline_keeps_the_owner(self, ctx: Context, slack: InMemorySlack) -> None:
        esc_id = claimed(ctx)
        ownership.reassign(ctx, escalation_id=esc_id, user=OWNER, form=ReassignInput(
            NEWBIE, "Reproduced on staging; next: compare the audience URN with metadata"))
        stranger = ownership.accept_handoff(ctx, escalation_id=esc_id, user=REQUESTER)
        assert not stranger.ok and f"<@{NEWBIE}>" in stranger.text
        out = ownership.decline_handoff(ctx, escalation_id=esc_id, user=NEWBIE,
                                        form=DeclineInput("On call for the billing outage"))
        assert out.ok and f"<@{OWNER}> keeps" in out.text
        esc = load(ctx, esc_id)
        assert esc.owner == OWNER and esc.progress.pending_handoff is None
        again = ownership.accept_handoff(ctx, escalation_id=esc_id, user=NEWBIE)
        assert not again.ok and "No handoff" in again.text
        with ctx.db.read() as session:
            assert [h.status for h in data.handoffs(session, escalation_id=esc_id)] == \
                ["declined"]

    def test_a_lead_may_reassign(self, ctx: Context) -> None:
        esc_id = claimed(ctx)
        assert ownership.reassign(ctx, escalation_id=esc_id, user=LEAD, form=ReassignInput(
            NEWBIE, "Owner is out sick; next step is the acs log comparison")).ok


class TestMerge:
    def test_impact_adds_up_and_an_upgrade_is_suggested(self, ctx: Context,
                                                        slack: InMemorySlack) -> None:
        """Two SEV3 duplicates (600 + 500 users) cross 1,000 users: suggest SEV2 once."""
        survivor = claimed(ctx, "V1", severity=Severity.SEV3, affected_users="600",
                           linked_tickets="ZD-1")
        dup = claimed(ctx, "V2", severity=Severity.SEV3, affected_users="500",
                      customer="Globex", linked_tickets="ZD-2, ZD-1")
        out = ownership.merge(ctx, escalation_id=dup, user=OWNER, form=MergeInput(survivor))
        assert out.ok
        gone = load(ctx, dup)
        assert gone.state is State.MERGED and gone.progress.merged_into == survivor
        kept = load(ctx, survivor)
        assert kept.progress.merged_ids == (dup,)
        assert kept.progress.total_affected_users == 1100
        assert kept.progress.linked_tickets == ("ZD-1", "ZD-2")
        assert len(kept.progress.customers) == 2
        suggestions = [m for m in slack.thread(survivor) if m.kind == "suggest_severity"]
        assert len(suggestions) == 1 and suggestions[0].buttons == ("SEV2",)
        assert kinds(ctx, survivor)[-1] == "merged_in"
        refused = feedback.accept(ctx, escalation_id=dup, user=OWNER)
        assert not refused.ok and f"merged into ESC-{survivor}" in refused.text


class TestExport:
    def test_export_goes_to_the_asker(self, ctx: Context, slack: InMemorySlack) -> None:
        esc_id = claimed(ctx)
        out = export.request_export(ctx, escalation_id=esc_id, user=OWNER, request_key="T1")
        assert out.ok
        again = export.request_export(ctx, escalation_id=esc_id, user=OWNER, request_key="T1")
        assert again.duplicate
        assert [(e[0], e[1], e[2]) for e in slack.exports] == [(esc_id, OWNER,
                                                                 f"ESC-{esc_id}.md")]
        assert slack.exports[0][3].startswith(f"# ESC-{esc_id}: ")
        deliver_due(ctx)
        assert len(slack.exports) == 1


class TestTimersFollow:
    def test_every_stored_change_replans_the_clocks(self, ctx: Context, clock: Clock) -> None:
        """store_change re-plans the timers in the same transaction: accepting starts the
        update clock, resolving stops it."""
        from storage import deadlines as dl

        def due(esc_id: int) -> dict[str, datetime | None]:
            with ctx.db.read() as session:
                return {d.kind: d.due_at for d in dl.deadlines_for(session,
                                                                   escalation_id=esc_id)}

        esc_id = claimed(ctx)
        assert due(esc_id).get("accept") is not None
        feedback.accept(ctx, escalation_id=esc_id, user=OWNER)
        after_accept = due(esc_id)
        assert after_accept.get("accept") is None and after_accept.get("update") is not None
        resolution.resolve(ctx, escalation_id=esc_id, user=OWNER, form=RESOLVE)
        assert due(esc_id).get("update") is None
