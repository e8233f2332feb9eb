"""The SEV policy table and its per-severity overrides (seed 001 §1–§2)."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import timedelta

import pytest

from core.model import CustomerTier, Level, Severity, Signal
from core.policy import (
    DEFAULT_POLICY,
    DEFAULT_PRIORITY_TIERS,
    DEFAULT_SEV_POLICIES,
    DEFAULT_SIGNAL_FLOORS,
    Policy,
    SevPolicy,
)


class TestDefaults:
    def test_every_severity_has_a_policy(self) -> None:
        """No severity an agent can pick is missing from the rule table."""
        assert set(DEFAULT_POLICY.sev) == set(Severity)
        for severity in Severity:
            assert isinstance(DEFAULT_POLICY.for_severity(severity), SevPolicy)

    def test_sev1_leaps_to_engineering(self) -> None:
        """SEV1 goes straight to on-call Engineering (seed 001 §2)."""
        assert DEFAULT_POLICY.for_severity(Severity.SEV1).base_level is Level.L4

    def test_sev2_engages_tier3(self) -> None:
        """SEV2 engages Tier 3 (and Engineering) rather than starting at Tier 2."""
        assert DEFAULT_POLICY.for_severity(Severity.SEV2).base_level is Level.L3

    @pytest.mark.parametrize("severity", [Severity.SEV3, Severity.SEV4])
    def test_low_severities_climb_sequentially(self, severity: Severity) -> None:
        """SEV3 and SEV4 take the next rung (Tier 2), no leap."""
        assert DEFAULT_POLICY.for_severity(severity).base_level is Level.L2

    def test_sev1_cadence_within_seed_window(self) -> None:
        """SEV1 updates are due within the seed's 30–60 minute window."""
        cadence = DEFAULT_POLICY.for_severity(Severity.SEV1).update_cadence
        assert cadence is not None
        assert timedelta(minutes=30) <= cadence <= timedelta(minutes=60)

    def test_sev2_cadence_within_seed_window(self) -> None:
        """SEV2 customer updates are due within the seed's 2–3 hour window."""
        cadence = DEFAULT_POLICY.for_severity(Severity.SEV2).update_cadence
        assert cadence is not None
        assert timedelta(hours=2) <= cadence <= timedelta(hours=3)

    def test_sev3_cadence_is_daily(self) -> None:
        """SEV3 gets proactive updates every 24 hours."""
        assert DEFAULT_POLICY.for_severity(Severity.SEV3).update_cadence == timedelta(hours=24)

    def test_sev4_has_no_cadence(self) -> None:
        """SEV4 follows the standard workflow with no update clock."""
        assert DEFAULT_POLICY.for_severity(Severity.SEV4).update_cadence is None

    def test_thresholds_loosen_with_lower_severity(self) -> None:
        """A less severe case may wait longer in queue and for an ack than a more severe one."""
        ordered = sorted(Severity, key=lambda s: s.rank)
        for higher, lower in itertools.pairwise(ordered):
            hi, lo = DEFAULT_POLICY.for_severity(higher), DEFAULT_POLICY.for_severity(lower)
            assert hi.queue_threshold < lo.queue_threshold
            assert hi.ack_deadline < lo.ack_deadline

    def test_signal_floors(self) -> None:
        """Data loss and security need Engineering; code change and many customers need Tier 3."""
        assert DEFAULT_SIGNAL_FLOORS == {
            Signal.DATA_LOSS: Level.L4,
            Signal.SECURITY: Level.L4,
            Signal.CODE_CHANGE: Level.L3,
            Signal.MULTIPLE_CUSTOMERS: Level.L3,
        }
        assert Signal.CONTRACT_RISK not in DEFAULT_POLICY.signal_floors

    def test_priority_tiers(self) -> None:
        """Strategic and enterprise accounts are the priority tiers."""
        assert {CustomerTier.STRATEGIC, CustomerTier.ENTERPRISE} == DEFAULT_PRIORITY_TIERS

    def test_leadership_is_never_the_owner(self) -> None:
        """Cases are routed no higher than Engineering; Leadership is only notified."""
        assert DEFAULT_POLICY.ceiling is Level.L4

    def test_fresh_policies_do_not_share_tables(self) -> None:
        """Two Policy() instances get their own copies of the default tables."""
        assert Policy().sev is not Policy().sev
        assert Policy().sev == DEFAULT_SEV_POLICIES


class TestWithOverrides:
    def test_replaces_only_named_fields(self) -> None:
        """Overriding SEV3's queue threshold keeps its other settings."""
        policy = DEFAULT_POLICY.with_overrides({Severity.SEV3: {"queue_threshold":
                                                                timedelta(hours=8)}})
        sev3 = policy.for_severity(Severity.SEV3)
        default = DEFAULT_POLICY.for_severity(Severity.SEV3)
        assert sev3.queue_threshold == timedelta(hours=8)
        assert sev3.base_level is default.base_level
        assert sev3.ack_deadline == default.ack_deadline
        assert sev3.update_cadence == default.update_cadence

    def test_other_severities_untouched(self) -> None:
        """An override for one severity leaves the others at their defaults."""
        policy = DEFAULT_POLICY.with_overrides({Severity.SEV2: {"base_level": Level.L4}})
        for severity in (Severity.SEV1, Severity.SEV3, Severity.SEV4):
            assert policy.for_severity(severity) == DEFAULT_POLICY.for_severity(severity)
        assert policy.for_severity(Severity.SEV2).base_level is Level.L4

    def test_several_fields_and_severities(self) -> None:
        """One config can override several fields across several severities."""
        policy = DEFAULT_POLICY.with_overrides({
            Severity.SEV1: {"ack_deadline": timedelta(minutes=5),
                            "update_cadence": timedelta(minutes=60)},
            Severity.SEV4: {"update_cadence": timedelta(days=7)},
        })
        assert policy.for_severity(Severity.SEV1).ack_deadline == timedelta(minutes=5)
        assert policy.for_severity(Severity.SEV1).update_cadence == timedelta(minutes=60)
        assert policy.for_severity(Severity.SEV4).update_cadence == timedelta(days=7)

    def test_defaults_are_not_mutated(self) -> None:
        """Overriding a policy never changes the shared defaults other teams rely on."""
        before = dict(DEFAULT_POLICY.sev)
        DEFAULT_POLICY.with_overrides({Severity.SEV1: {"base_level": Level.L3}})
        assert dict(DEFAULT_POLICY.sev) == before
        assert DEFAULT_SEV_POLICIES[Severity.SEV1].base_level is Level.L4

    def test_keeps_the_rest_of_the_policy(self) -> None:
        """Signal floors, priority tiers and the ceiling survive an override."""
        custom = Policy(priority_tiers=frozenset({CustomerTier.BUSINESS}), ceiling=Level.L3)
        policy = custom.with_overrides({Severity.SEV3: {"base_level": Level.L3}})
        assert policy.priority_tiers == {CustomerTier.BUSINESS}
        assert policy.ceiling is Level.L3
        assert policy.signal_floors == custom.signal_floors

    def test_empty_overrides_is_equal_copy(self) -> None:
        """No overrides gives an equal policy."""
        assert DEFAULT_POLICY.with_overrides({}) == DEFAULT_POLICY

    def test_unknown_field_is_refused(self) -> None:
        """A typo in the config's policy keys fails loudly instead of being ignored."""
        with pytest.raises(TypeError):
            DEFAULT_POLICY.with_overrides({Severity.SEV1: {"queue_treshold": timedelta(1)}})

    def test_policy_is_immutable(self) -> None:
        """The policy object cannot be changed in place by an adapter."""
        with pytest.raises(dataclasses.FrozenInstanceError):
            DEFAULT_POLICY.ceiling = Level.L5  # type: ignore[misc]
