"""Escalation criteria: severity, tier, signals and time in queue to a ladder level."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from core.ladder import decide_level, time_in_queue
from core.model import CustomerTier, Level, LevelDecision, Severity, Signal
from core.policy import DEFAULT_POLICY, Policy

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
# Just reported: well inside every severity's queue threshold.
FRESH = NOW - timedelta(minutes=5)


def decide(
    severity: Severity,
    *,
    tier: CustomerTier | None = CustomerTier.STANDARD,
    signals: tuple[Signal, ...] = (),
    reported: datetime | None = FRESH,
    policy: Policy = DEFAULT_POLICY,
) -> LevelDecision:
    return decide_level(severity=severity, tier=tier, signals=signals,
                        first_reported_at=reported, now=NOW, policy=policy)


class TestBaseLevel:
    def test_sev1_leaps_to_engineering(self) -> None:
        """A SEV1 goes straight to Engineering and the reason says it is a leap."""
        decision = decide(Severity.SEV1)
        assert decision.target is Level.L4
        assert "leap" in decision.reason
        assert decision.reason == "L4 Engineering: SEV1 warrants a leap to Engineering"

    def test_sev2_leaps_to_tier3(self) -> None:
        """A SEV2 lands with Tier 3."""
        decision = decide(Severity.SEV2)
        assert decision.target is Level.L3
        assert decision.reason == "L3 Tier 3: SEV2 warrants a leap to Tier 3"

    @pytest.mark.parametrize("severity", [Severity.SEV3, Severity.SEV4])
    def test_low_severity_is_sequential(self, severity: Severity) -> None:
        """A SEV3/SEV4 climbs one rung from Tier 1 to Tier 2, no leap."""
        decision = decide(severity)
        assert decision.target is Level.L2
        assert "leap" not in decision.reason
        assert decision.reason == f"L2 Tier 2: {severity.value}: next rung up from Tier 1"

    def test_no_leadership_by_default(self) -> None:
        """Leadership is not pinged for an ordinary case."""
        assert not decide(Severity.SEV1).leadership_notified


class TestSignals:
    @pytest.mark.parametrize("signal", [Signal.DATA_LOSS, Signal.SECURITY])
    def test_engineering_signals_raise_sev3_to_l4(self, signal: Signal) -> None:
        """Data loss or a security exposure goes to Engineering even at SEV3."""
        decision = decide(Severity.SEV3, signals=(signal,))
        assert decision.target is Level.L4
        assert f"{signal.label.lower()} → Engineering" in decision.reason

    @pytest.mark.parametrize("signal", [Signal.CODE_CHANGE, Signal.MULTIPLE_CUSTOMERS])
    def test_tier3_signals_raise_sev3_to_l3(self, signal: Signal) -> None:
        """A needed code change or several affected customers goes to Tier 3."""
        decision = decide(Severity.SEV4, signals=(signal,))
        assert decision.target is Level.L3
        assert f"{signal.label.lower()} → Tier 3" in decision.reason

    def test_signal_below_base_level_adds_no_reason(self) -> None:
        """A code-change signal on a SEV1 changes nothing and is not mentioned."""
        decision = decide(Severity.SEV1, signals=(Signal.CODE_CHANGE,))
        assert decision.target is Level.L4
        assert "code change" not in decision.reason

    def test_highest_floor_wins(self) -> None:
        """With several signals the highest floor wins, whatever the order ticked."""
        one = decide(Severity.SEV3, signals=(Signal.CODE_CHANGE, Signal.DATA_LOSS))
        two = decide(Severity.SEV3, signals=(Signal.DATA_LOSS, Signal.CODE_CHANGE))
        assert one.target is two.target is Level.L4
        assert one.reason == two.reason

    def test_frozenset_signals_are_accepted(self) -> None:
        """Signals may be passed as a set (the adapter's checkbox values)."""
        decision = decide_level(severity=Severity.SEV3, tier=None,
                                signals=frozenset({Signal.SECURITY}), first_reported_at=None,
                                now=NOW)
        assert decision.target is Level.L4

    def test_contract_risk_notifies_leadership(self) -> None:
        """Contract or PR risk notifies L5 Leadership without making it the owner."""
        decision = decide(Severity.SEV3, signals=(Signal.CONTRACT_RISK,))
        assert decision.leadership_notified
        assert decision.target is Level.L2
        assert "L5" in decision.reason
        assert decision.reason.endswith("L5 Leadership notified for contract/PR risk")

    def test_contract_risk_never_routes_to_l5(self) -> None:
        """Even with every signal and a late SEV1, the owner is Engineering, never Leadership."""
        decision = decide(Severity.SEV1, tier=CustomerTier.STRATEGIC, signals=tuple(Signal),
                          reported=NOW - timedelta(days=3))
        assert decision.target is Level.L4
        assert decision.leadership_notified


class TestTier:
    @pytest.mark.parametrize("tier", [CustomerTier.ENTERPRISE, CustomerTier.STRATEGIC])
    def test_priority_tier_at_sev2_climbs_one_rung(self, tier: CustomerTier) -> None:
        """An enterprise or strategic customer at SEV2 goes one rung higher."""
        decision = decide(Severity.SEV2, tier=tier)
        assert decision.target is Level.L4
        assert f"{tier.label} customer at SEV2" in decision.reason

    def test_priority_tier_at_sev1_stays_at_engineering(self) -> None:
        """A strategic SEV1 is already with Engineering and never goes above L4."""
        decision = decide(Severity.SEV1, tier=CustomerTier.STRATEGIC)
        assert decision.target is Level.L4
        assert "Strategic" not in decision.reason

    @pytest.mark.parametrize("severity", [Severity.SEV3, Severity.SEV4])
    def test_priority_tier_at_low_severity_does_not_climb(self, severity: Severity) -> None:
        """An enterprise customer's SEV3/SEV4 follows the normal ladder."""
        assert decide(severity, tier=CustomerTier.ENTERPRISE).target is Level.L2

    @pytest.mark.parametrize("tier", [CustomerTier.BUSINESS, CustomerTier.STANDARD,
                                      CustomerTier.FREE, None])
    def test_other_tiers_do_not_climb(self, tier: CustomerTier | None) -> None:
        """Business, standard, free or unknown tiers get no extra rung."""
        assert decide(Severity.SEV2, tier=tier).target is Level.L3

    def test_tier_climb_stacks_on_a_signal(self) -> None:
        """An enterprise SEV2 needing a code change climbs from Tier 3 to Engineering."""
        decision = decide(Severity.SEV2, tier=CustomerTier.ENTERPRISE,
                          signals=(Signal.CODE_CHANGE,))
        assert decision.target is Level.L4

    def test_priority_tiers_are_configurable(self) -> None:
        """A team can make business customers a priority tier."""
        policy = Policy(priority_tiers=frozenset({CustomerTier.BUSINESS}))
        assert decide(Severity.SEV2, tier=CustomerTier.BUSINESS, policy=policy).target is (
            Level.L4)
        assert decide(Severity.SEV2, tier=CustomerTier.ENTERPRISE, policy=policy).target is (
            Level.L3)


class TestTimeInQueue:
    def test_over_threshold_climbs_one_rung(self) -> None:
        """A SEV3 waiting 30h (over its 24h) goes one rung up and says how long it waited."""
        decision = decide(Severity.SEV3, reported=NOW - timedelta(hours=30))
        assert decision.target is Level.L3
        assert "1d 6h in queue, over SEV3's 1d, one rung up" in decision.reason

    def test_sev2_over_threshold(self) -> None:
        """A SEV2 waiting 5h 20m (over its 4h) goes from Tier 3 to Engineering."""
        decision = decide(Severity.SEV2, reported=NOW - timedelta(hours=5, minutes=20))
        assert decision.target is Level.L4
        assert "5h 20m in queue, over SEV2's 4h" in decision.reason

    def test_exactly_at_threshold_does_not_climb(self) -> None:
        """A case waiting exactly the threshold is not yet under-escalated."""
        decision = decide(Severity.SEV3, reported=NOW - timedelta(hours=24))
        assert decision.target is Level.L2
        assert "in queue" not in decision.reason

    def test_at_ceiling_still_reports_the_wait(self) -> None:
        """A late SEV1 cannot climb past Engineering, but the reason still says how late."""
        decision = decide(Severity.SEV1, reported=NOW - timedelta(hours=2))
        assert decision.target is Level.L4
        assert "2h in queue, over SEV1's 1h" in decision.reason
        assert "one rung up" not in decision.reason

    def test_unknown_report_time_does_not_climb(self) -> None:
        """Without a first-report time there is no queue penalty."""
        assert decide(Severity.SEV3, reported=None).target is Level.L2

    def test_report_in_the_future_does_not_climb(self) -> None:
        """A first-report time slightly ahead of the clock is no penalty."""
        assert decide(Severity.SEV3, reported=NOW + timedelta(minutes=3)).target is Level.L2

    def test_aware_non_utc_report_time(self) -> None:
        """A report time with another offset is compared as the same instant."""
        reported = datetime(2026, 11, 22, 1, 0, tzinfo=timezone(timedelta(hours=-5)))  # 06:00Z
        decision = decide(Severity.SEV3, reported=reported)
        assert decision.target is Level.L3
        assert "1d 6h in queue" in decision.reason

    def test_naive_report_time_is_utc(self) -> None:
        """A naive report time (as some databases return it) is taken as UTC, not a crash."""
        decision = decide(Severity.SEV3, reported=datetime(2026, 11, 22, 6, 0))
        assert decision.target is Level.L3

    def test_tier_and_queue_stack_up_to_the_ceiling(self) -> None:
        """Tier and time in queue each add a rung but never beyond Engineering."""
        decision = decide(Severity.SEV2, tier=CustomerTier.ENTERPRISE,
                          reported=NOW - timedelta(hours=10))
        assert decision.target is Level.L4
        assert "Enterprise customer at SEV2" in decision.reason
        assert "10h in queue" in decision.reason

    def test_time_in_queue_helper(self) -> None:
        """The queue clock runs from first report to now and never goes negative."""
        assert time_in_queue(NOW - timedelta(hours=3), NOW) == timedelta(hours=3)
        assert time_in_queue(NOW + timedelta(hours=3), NOW) == timedelta(0)
        assert time_in_queue(None, NOW) is None
        assert time_in_queue(datetime(2026, 11, 23, 9, 0), NOW) == timedelta(hours=3)


class TestPolicyOverrides:
    def test_base_level_override(self) -> None:
        """A team that sends SEV3 straight to Tier 3 sees it routed there, as a leap."""
        policy = DEFAULT_POLICY.with_overrides({Severity.SEV3: {"base_level": Level.L3}})
        decision = decide(Severity.SEV3, policy=policy)
        assert decision.target is Level.L3
        assert decision.reason == "L3 Tier 3: SEV3 warrants a leap to Tier 3"

    def test_base_level_lowered(self) -> None:
        """A team that lowers SEV1 to Tier 3 gets Tier 3 for a plain SEV1."""
        policy = DEFAULT_POLICY.with_overrides({Severity.SEV1: {"base_level": Level.L3}})
        assert decide(Severity.SEV1, policy=policy).target is Level.L3

    def test_base_level_never_below_tier2(self) -> None:
        """An escalation always leaves Tier 1: a base level of L1 still routes to Tier 2."""
        policy = DEFAULT_POLICY.with_overrides({Severity.SEV4: {"base_level": Level.L1}})
        assert decide(Severity.SEV4, policy=policy).target is Level.L2

    def test_threshold_override_tightens(self) -> None:
        """A tighter SEV3 threshold (2h) makes a 3h wait climb a rung."""
        policy = DEFAULT_POLICY.with_overrides(
            {Severity.SEV3: {"queue_threshold": timedelta(hours=2)}})
        decision = decide(Severity.SEV3, reported=NOW - timedelta(hours=3), policy=policy)
        assert decision.target is Level.L3
        assert "3h in queue, over SEV3's 2h" in decision.reason
        assert decide(Severity.SEV3, reported=NOW - timedelta(hours=3)).target is Level.L2

    def test_threshold_override_loosens(self) -> None:
        """A looser SEV1 threshold keeps a 2h wait from being flagged."""
        policy = DEFAULT_POLICY.with_overrides(
            {Severity.SEV1: {"queue_threshold": timedelta(hours=4)}})
        decision = decide(Severity.SEV1, reported=NOW - timedelta(hours=2), policy=policy)
        assert "in queue" not in decision.reason

    def test_lower_ceiling_caps_every_route(self) -> None:
        """With a Tier 3 ceiling nothing is routed to Engineering."""
        policy = Policy(ceiling=Level.L3)
        decision = decide(Severity.SEV3, tier=CustomerTier.STRATEGIC,
                          signals=(Signal.DATA_LOSS,), reported=NOW - timedelta(days=2),
                          policy=policy)
        assert decision.target is Level.L3
        assert decision.reason.startswith("L3 Tier 3: ")


REASON_CASES = [
    dict(severity=Severity.SEV1),
    dict(severity=Severity.SEV2, tier=CustomerTier.ENTERPRISE),
    dict(severity=Severity.SEV3, signals=(Signal.DATA_LOSS, Signal.CONTRACT_RISK)),
    dict(severity=Severity.SEV4, reported=NOW - timedelta(days=5)),
    dict(severity=Severity.SEV2, tier=CustomerTier.STRATEGIC, signals=tuple(Signal),
         reported=NOW - timedelta(hours=9)),
]


class TestReason:
    @pytest.mark.parametrize("case", REASON_CASES)
    def test_reason_is_one_line_starting_with_label(self, case: dict[str, object]) -> None:
        """The reason fits on one line of the packet and opens with the chosen level."""
        decision = decide(**case)  # type: ignore[arg-type]
        assert "\n" not in decision.reason
        assert decision.reason.startswith(f"{decision.target.label}: ")

    def test_reasons_are_joined_in_order(self) -> None:
        """The reason reads severity first, then signals, tier, queue and leadership."""
        decision = decide(Severity.SEV3, tier=CustomerTier.ENTERPRISE,
                          signals=(Signal.CONTRACT_RISK, Signal.CODE_CHANGE),
                          reported=NOW - timedelta(hours=25))
        assert decision.reason == (
            "L4 Engineering: SEV3: next rung up from Tier 1; needs a code change → Tier 3; "
            "1d 1h in queue, over SEV3's 1d, one rung up; "
            "L5 Leadership notified for contract/PR risk"
        )
