"""The timer policy and the planner: which deadlines exist, when, and what fires at ``now``."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from core.business_hours import BusinessHours
from core.model import Severity
from core.timers import (
    DEFAULT_TIMERS,
    Action,
    Phase,
    Snooze,
    TimerFacts,
    TimerKind,
    TimerSettings,
    check_snooze,
    fire,
    plan,
    update_status,
)

M = timedelta(minutes=1)
H = timedelta(hours=1)
T0 = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # a Thursday
NY = BusinessHours(timezone="America/New_York", holidays=frozenset({date(2026, 12, 25)}))
BH = TimerSettings(hours=NY)


def working(sev: Severity = Severity.SEV1, **kw: object) -> TimerFacts:
    base: dict[str, object] = {"severity": sev, "phase": Phase.WORKING,
                               "claimed_at": T0, "accepted_at": T0}
    base.update(kw)
    return TimerFacts(**base)  # type: ignore[arg-type]


def dues(facts: TimerFacts, kind: TimerKind, settings: TimerSettings = DEFAULT_TIMERS
         ) -> list[tuple[datetime, Action]]:
    return [(s.due_at, s.action) for s in plan(facts, settings)[kind].stages]


class TestPolicyDefaults:
    """Seed 001 §2 in numbers."""

    @pytest.mark.parametrize(("sev", "due", "overdue"), [
        (Severity.SEV1, 30 * M, 60 * M), (Severity.SEV2, 2 * H, 3 * H),
        (Severity.SEV3, 24 * H, 36 * H), (Severity.SEV4, None, None)])
    def test_update_cadence(self, sev: Severity, due: timedelta | None,
                            overdue: timedelta | None) -> None:
        policy = DEFAULT_TIMERS.policy(sev)
        assert (policy.update, policy.overdue) == (due, overdue)

    def test_only_sev1_owes_an_rca_in_48h(self) -> None:
        assert DEFAULT_TIMERS.policy(Severity.SEV1).rca == 48 * H
        assert all(DEFAULT_TIMERS.policy(s).rca is None for s in Severity if s != Severity.SEV1)

    def test_sev1_2_run_24_7_and_sev3_4_in_business_hours(self) -> None:
        assert [DEFAULT_TIMERS.policy(s).business_hours for s in Severity] == \
            [False, False, True, True]

    def test_customer_clock_defaults_to_the_internal_cadence(self) -> None:
        assert DEFAULT_TIMERS.policy(Severity.SEV2).customer_cadence == 2 * H

    def test_domain_override_wins_for_that_domain_only(self) -> None:
        fast = replace(DEFAULT_TIMERS.policy(Severity.SEV2), update=H, overdue=2 * H)
        settings = TimerSettings(domain_sev={"auth": {Severity.SEV2: fast}})
        assert settings.policy(Severity.SEV2, "auth").update == H
        assert settings.policy(Severity.SEV2, "billing").update == 2 * H

    @pytest.mark.parametrize(("change", "why"), [
        ({"update": 60 * M, "overdue": 30 * M}, "overdue must be after update"),
        ({"claim": timedelta(0)}, "claim must be longer than zero"),
        ({"accept": -M}, "accept must be longer than zero"),
        ({"return_to_queue": 10 * M}, "return_to_queue must be after accept"),
        ({"update": None}, "go together"),
    ])
    def test_refuses_nonsense(self, change: dict[str, object], why: str) -> None:
        with pytest.raises(ValueError, match=why):
            replace(DEFAULT_TIMERS.policy(Severity.SEV1), **change)  # type: ignore[arg-type]


class TestClaimLadder:
    facts = TimerFacts(Severity.SEV1, Phase.UNCLAIMED, unclaimed_since=T0)

    def test_three_rungs_at_15_30_45(self) -> None:
        assert dues(self.facts, TimerKind.CLAIM) == [
            (T0 + 15 * M, Action.CLAIM_CHANNEL), (T0 + 30 * M, Action.CLAIM_LEADS),
            (T0 + 45 * M, Action.RAISE_LEVEL)]

    @pytest.mark.parametrize(("minutes", "expected"), [
        (14, None), (15, Action.CLAIM_CHANNEL), (29, Action.CLAIM_CHANNEL),
        (30, Action.CLAIM_LEADS), (45, Action.RAISE_LEVEL), (600, Action.RAISE_LEVEL)])
    def test_each_now(self, minutes: int, expected: Action | None) -> None:
        got = fire(plan(self.facts)[TimerKind.CLAIM], 0, T0 + minutes * M)
        assert (got.action if got else None) == expected

    def test_each_rung_once(self) -> None:
        schedule = plan(self.facts)[TimerKind.CLAIM]
        first = fire(schedule, 0, T0 + 16 * M)
        assert first is not None and first.next_stage == 1 and first.next_due == T0 + 30 * M
        assert fire(schedule, first.next_stage, T0 + 20 * M) is None
        last = fire(schedule, 2, T0 + 50 * M)
        assert last is not None and last.next_due is None
        assert fire(schedule, 3, T0 + 500 * M) is None

    def test_downtime_over_two_rungs_acts_once(self) -> None:
        got = fire(plan(self.facts)[TimerKind.CLAIM], 0, T0 + 40 * M)
        assert got is not None
        assert (got.action, got.superseded, got.next_stage) == (Action.CLAIM_LEADS, 1, 2)

    def test_claim_ladder_is_not_snoozed(self) -> None:
        facts = replace(self.facts, snooze=Snooze(T0 + 3 * H, "U1", "vendor", Severity.SEV1))
        assert dues(facts, TimerKind.CLAIM)[0][0] == T0 + 15 * M

    def test_unposted_has_no_clock(self) -> None:
        assert plan(TimerFacts(Severity.SEV1, Phase.UNPOSTED)) == {}


class TestAccept:
    def test_nudge_then_return_to_queue(self) -> None:
        facts = TimerFacts(Severity.SEV1, Phase.CLAIMED, claimed_at=T0)
        assert dues(facts, TimerKind.ACCEPT) == [(T0 + 15 * M, Action.ACCEPT_NUDGE),
                                                  (T0 + 30 * M, Action.RETURN_TO_QUEUE)]
        assert TimerKind.UPDATE not in plan(facts)

    def test_sev3_accept_in_business_hours_over_a_weekend(self) -> None:
        friday_4pm = datetime(2026, 12, 11, 21, 0, tzinfo=UTC)  # 16:00 New York
        facts = TimerFacts(Severity.SEV3, Phase.CLAIMED, claimed_at=friday_4pm)
        # 4 business hours: 1.5 h Friday + 2.5 h Monday → Monday 11:30 New York.
        assert dues(facts, TimerKind.ACCEPT, BH)[0][0] == \
            datetime(2026, 12, 14, 16, 30, tzinfo=UTC)


class TestUpdateClock:
    def test_due_overdue_then_leads(self) -> None:
        assert dues(working(), TimerKind.UPDATE) == [
            (T0 + 30 * M, Action.UPDATE_DUE), (T0 + 60 * M, Action.UPDATE_OVERDUE_OWNER),
            (T0 + 90 * M, Action.UPDATE_OVERDUE_LEADS)]

    def test_update_just_before_due_resets_the_clock(self) -> None:
        facts = working(last_update_at=T0 + 29 * M)
        schedule = plan(facts)[TimerKind.UPDATE]
        assert schedule.stages[0].due_at == T0 + 59 * M
        assert fire(schedule, 0, T0 + 30 * M) is None  # the nudge that was about to go

    def test_update_just_after_due_starts_a_new_basis(self) -> None:
        before = plan(working())[TimerKind.UPDATE]
        after = plan(working(last_update_at=T0 + 31 * M))[TimerKind.UPDATE]
        assert after.basis_key != before.basis_key
        assert after.stages[0].due_at == T0 + 61 * M

    def test_downtime_over_due_and_overdue_gives_one_overdue_nudge(self) -> None:
        """Due 10:30, overdue 11:00, seen at 11:20: one overdue nudge, not two."""
        got = fire(plan(working())[TimerKind.UPDATE], 0, T0 + 80 * M)
        assert got is not None
        assert (got.action, got.superseded) == (Action.UPDATE_OVERDUE_OWNER, 1)

    def test_severity_change_mid_flight_replans(self) -> None:
        sev2 = plan(working(Severity.SEV2))[TimerKind.UPDATE]
        sev1 = plan(working(Severity.SEV1))[TimerKind.UPDATE]
        assert sev2.stages[0].due_at == T0 + 2 * H
        assert sev1.stages[0].due_at == T0 + 30 * M
        assert fire(sev1, 0, T0 + 40 * M) is not None  # already due under the new SEV

    def test_a_promised_time_sooner_than_the_cadence_wins(self) -> None:
        facts = working(Severity.SEV2, last_update_at=T0, promised_update_at=T0 + H)
        assert dues(facts, TimerKind.UPDATE)[:2] == [
            (T0 + H, Action.UPDATE_DUE), (T0 + 2 * H, Action.UPDATE_OVERDUE_OWNER)]
        later = replace(facts, promised_update_at=T0 + 5 * H)  # the cadence still holds
        assert dues(later, TimerKind.UPDATE)[0][0] == T0 + 2 * H

    def test_sev4_has_no_cadence(self) -> None:
        assert TimerKind.UPDATE not in plan(working(Severity.SEV4))

    def test_needs_info_pauses_internal_and_starts_requesters_clock(self) -> None:
        waiting = working(phase=Phase.NEEDS_INFO, needs_info_since=T0 + 10 * M)
        clocks = plan(waiting)
        assert TimerKind.UPDATE not in clocks
        assert clocks[TimerKind.NEEDS_INFO].stages[0].due_at == T0 + 40 * M
        # Answered after 25 min: the internal clock continues where it stopped.
        back = working(pauses=((T0 + 10 * M, T0 + 35 * M),))
        assert plan(back)[TimerKind.UPDATE].stages[0].due_at == T0 + 55 * M

    def test_sev3_update_over_holiday_and_weekend(self) -> None:
        # Accepted Thursday 24 Dec 12:00 New York; 24 business hours; 25 Dec is a holiday.
        start = datetime(2026, 12, 24, 17, 0, tzinfo=UTC)
        facts = working(Severity.SEV3, claimed_at=start, accepted_at=start)
        due = plan(facts, BH)[TimerKind.UPDATE].stages[0].due_at
        # 5.5 h Thu + 8.5 Mon 28 + 8.5 Tue 29 + 1.5 Wed 30 → Wed 30 Dec 10:30 New York.
        assert due == datetime(2026, 12, 30, 15, 30, tzinfo=UTC)

    def test_sev3_update_across_the_spring_dst_change(self) -> None:
        start = datetime(2026, 3, 6, 21, 0, tzinfo=UTC)  # Friday 16:00 EST
        facts = working(Severity.SEV3, claimed_at=start, accepted_at=start)
        due = plan(facts, BH)[TimerKind.UPDATE].stages[0].due_at
        # 1.5 Fri + 8.5 Mon + 8.5 Tue + 5.5 Wed → Wed 11 Mar 14:30 EDT = 18:30 UTC.
        assert due == datetime(2026, 3, 11, 18, 30, tzinfo=UTC)

    def test_sev3_update_across_the_autumn_dst_change(self) -> None:
        start = datetime(2026, 10, 30, 20, 0, tzinfo=UTC)  # Friday 16:00 EDT
        facts = working(Severity.SEV3, claimed_at=start, accepted_at=start)
        due = plan(facts, BH)[TimerKind.UPDATE].stages[0].due_at
        assert due == datetime(2026, 11, 4, 19, 30, tzinfo=UTC)  # Wed 14:30 EST

    def test_status_for_the_packet(self) -> None:
        status = update_status(working(), T0 + 20 * M)
        assert status is not None and status.due_at == T0 + 30 * M and status.overdue_by is None
        late = update_status(working(), T0 + 55 * M)
        assert late is not None and late.overdue_by == 25 * M


class TestSnooze:
    def test_snooze_moves_the_whole_ladder(self) -> None:
        facts = working(snooze=Snooze(T0 + 2 * H, "U1", "waiting on the vendor", Severity.SEV1))
        assert dues(facts, TimerKind.UPDATE) == [
            (T0 + 2 * H, Action.UPDATE_DUE), (T0 + 150 * M, Action.UPDATE_OVERDUE_OWNER),
            (T0 + 3 * H, Action.UPDATE_OVERDUE_LEADS)]
        assert fire(plan(facts)[TimerKind.UPDATE], 0, T0 + 119 * M) is None

    def test_snooze_never_outlives_a_severity_increase(self) -> None:
        facts = working(Severity.SEV1,
                        snooze=Snooze(T0 + 2 * H, "U1", "vendor", Severity.SEV2))
        assert dues(facts, TimerKind.UPDATE)[0][0] == T0 + 30 * M

    def test_snooze_survives_a_decrease(self) -> None:
        facts = working(Severity.SEV3, snooze=Snooze(T0 + 30 * H, "U1", "x", Severity.SEV1))
        assert plan(facts)[TimerKind.UPDATE].stages[0].due_at >= T0 + 30 * H

    def test_snooze_bounds(self) -> None:
        assert check_snooze(T0 - M, T0) == "pick a time in the future"
        assert check_snooze(T0 + 8 * timedelta(days=1), T0) is not None
        assert check_snooze(T0 + 30 * M, T0) is None


class TestOtherClocks:
    def test_customer_update_due_with_the_cadence(self) -> None:
        """Support's clock: from the claim, restarted only when the requester records giving
        the customer an update — a status update gives them a draft, it tells nobody."""
        claimed = working(Severity.SEV2).claimed_at
        assert claimed is not None
        facts = working(Severity.SEV2, last_update_at=T0 + H)
        assert dues(facts, TimerKind.CUSTOMER) == [(claimed + 2 * H,
                                                    Action.CUSTOMER_UPDATE_DUE)]
        told = replace(facts, customer_told_at=T0 + 90 * M)
        assert dues(told, TimerKind.CUSTOMER) == [(T0 + 3 * H + 30 * M,
                                                   Action.CUSTOMER_UPDATE_DUE)]

    def test_eta_passed_without_an_update(self) -> None:
        facts = working(eta=T0 + 5 * H)
        assert dues(facts, TimerKind.ETA) == [(T0 + 5 * H, Action.ETA_PASSED)]
        assert TimerKind.ETA not in plan(replace(facts, last_update_at=T0 + 6 * H))

    def test_resolve_stops_everything_but_the_rca(self) -> None:
        facts = working(phase=Phase.RESOLVED, resolved_at=T0, resolved_severity=Severity.SEV1)
        clocks = plan(facts)
        assert set(clocks) == {TimerKind.RCA}
        assert dues(facts, TimerKind.RCA) == [(T0 + 24 * H, Action.RCA_REMINDER),
                                             (T0 + 48 * H, Action.RCA_DUE)]
        assert plan(replace(facts, rca_done=True)) == {}

    def test_sev2_resolve_owes_no_rca(self) -> None:
        facts = working(Severity.SEV2, phase=Phase.RESOLVED, resolved_at=T0,
                        resolved_severity=Severity.SEV2)
        assert plan(facts) == {}

    def test_ended_is_silent(self) -> None:
        assert plan(working(phase=Phase.ENDED, eta=T0 + H)) == {}


def test_many_nows_never_fire_twice_for_one_due_time() -> None:
    """Sweeping every minute for six hours: each stage fires at most once, in order."""
    schedule = plan(working())[TimerKind.UPDATE]
    next_stage, fired = 0, []
    for minute in range(0, 360):
        got = fire(schedule, next_stage, T0 + minute * M)
        if got is not None:
            fired.append((minute, got.action))
            next_stage = got.next_stage
    assert fired == [(30, Action.UPDATE_DUE), (60, Action.UPDATE_OVERDUE_OWNER),
                     (90, Action.UPDATE_OVERDUE_LEADS)]


def test_business_hours_policy_uses_domain_hours() -> None:
    london = BusinessHours(timezone="Europe/London", start=time(8, 0), end=time(16, 0))
    settings = TimerSettings(hours=NY, domain_hours={"billing": london})
    facts = TimerFacts(Severity.SEV4, Phase.UNCLAIMED, domain="billing",
                       unclaimed_since=datetime(2026, 12, 4, 15, 0, tzinfo=UTC))  # Fri 15:00
    # 24 h of London business hours: 1 h Friday + 8 Mon + 8 Tue + 7 Wed → Wed 15:00 UTC.
    assert dues(facts, TimerKind.CLAIM, settings)[0][0] == \
        datetime(2026, 12, 9, 15, 0, tzinfo=UTC)
