"""What the loop's modals refuse, and why (the /escalate guardrails plus customer safety)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core import customer_safe
from core.form_checks import (
    validate_eta,
    validate_level,
    validate_needs_info,
    validate_reassign,
    validate_resolve,
    validate_severity,
    validate_update,
)
from core.forms import (
    FORMS,
    EtaInput,
    LevelInput,
    NeedsInfoInput,
    ReassignInput,
    ResolutionCategory,
    ResolveInput,
    SeverityInput,
    UpdateInput,
)
from core.model import Level, Severity
from core.policy import DEFAULT_POLICY
from core.workflow import Action

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SEV1 = DEFAULT_POLICY.for_severity(Severity.SEV1)
SEV2 = DEFAULT_POLICY.for_severity(Severity.SEV2)


def update(**kw: object) -> UpdateInput:
    values: dict[str, object] = dict(
        known="Sign-in through Okta fails for all Acme users since Monday's release.",
        unknown="Whether accounts on other identity providers are affected.",
        next_steps="We are preparing a configuration rollback for your account.",
        next_update_at=None,
        customer_action="Users can sign in with a password reset link meanwhile.")
    values.update(kw)
    return UpdateInput(**values)  # type: ignore[arg-type]


class TestStatusUpdate:
    def test_a_good_update_passes(self) -> None:
        assert validate_update(update(), now=NOW, sev=SEV2) == {}

    @pytest.mark.parametrize(("field", "text", "hint"), [
        ("known", "The outage was the customer's fault for rotating the certificate.", "blame"),
        ("known", "Their admin messed up the SAML settings last week again.", "blame"),
        ("next_steps", "We will probably have a fix out by tonight for everyone.", "speculation"),
        ("unknown", "We think it might be the load balancer in the EU region.", "speculation"),
        ("known", "Login fails on ip-10-0-3-17 with errors since 10:02 today.", "hostnames"),
        ("known", "2026-11-23T10:02:11Z ERROR saml.acs: audience mismatch seen.", "log lines"),
        ("next_steps", "Engineering is working on AUTH-112 and will ship it soon.", "internal ids"),
        ("known", "Same as ESC-17 which we already looked at yesterday.", "internal ids"),
    ])
    def test_customer_facing_fields_refuse(self, field: str, text: str, hint: str) -> None:
        """Blame, speculation, hostnames, log lines and internal ids never reach a customer."""
        errors = validate_update(update(**{field: text}), now=NOW, sev=SEV2)
        assert field in errors and hint in errors[field]

    def test_internal_note_may_carry_internals(self) -> None:
        note = "ip-10-0-3-17 ERROR saml.acs; see AUTH-112 and ESC-17"
        assert validate_update(update(internal_note=note), now=NOW, sev=SEV2) == {}

    def test_vague_and_temperament_are_refused_too(self) -> None:
        errors = validate_update(update(next_steps="please help"), now=NOW, sev=SEV2)
        assert "too generic" in errors["next_steps"]

    def test_next_update_within_the_cadence(self) -> None:
        """SEV1 needs an update at least every 30 minutes: a promise of 2 h is refused."""
        late = validate_update(update(next_update_at=NOW + timedelta(hours=2)), now=NOW,
                               sev=SEV1)
        assert "every 30 minutes" in late["next_update_at"]
        assert "12:30 UTC" in late["next_update_at"]
        past = validate_update(update(next_update_at=NOW - timedelta(minutes=1)), now=NOW,
                               sev=SEV1)
        assert "future" in past["next_update_at"]
        assert validate_update(update(next_update_at=NOW + timedelta(minutes=20)), now=NOW,
                               sev=SEV1) == {}

    def test_draft_is_built_from_the_answers(self) -> None:
        form = update()
        draft = customer_safe.build_draft(
            known=form.known, unknown=form.unknown, next_steps=form.next_steps,
            customer_action=form.customer_action, next_update=NOW + timedelta(hours=2))
        text = draft.as_text()
        assert draft.summary == form.known
        assert "Audience: customers" in text and "Next update: 2026-11-23 14:00 UTC" in text
        assert "What you can do in the meantime: Users can sign in" in text

    def test_every_customer_facing_field_is_in_the_draft(self) -> None:
        facing = [f.key for f in FORMS[Action.POST_UPDATE] if f.customer_facing]
        assert facing == ["known", "unknown", "next_steps", "customer_action"]


class TestOtherForms:
    def test_needs_info_asks_one_specific_question(self) -> None:
        assert "too generic" in validate_needs_info(NeedsInfoInput("please advise"))["question"]
        assert "at least 6 words" in validate_needs_info(NeedsInfoInput("logs?"))["question"]
        assert validate_needs_info(NeedsInfoInput(
            "Which IdP metadata URL does Acme use, and when was it changed?")) == {}

    def test_changing_an_eta_needs_a_reason(self) -> None:
        first = EtaInput(NOW + timedelta(days=1))
        assert validate_eta(first, now=NOW, previous=None) == {}
        errors = validate_eta(EtaInput(NOW + timedelta(days=2)), now=NOW,
                              previous=NOW + timedelta(days=1))
        assert "say why it changes" in errors["reason"]
        assert validate_eta(EtaInput(NOW + timedelta(days=2), "The fix failed QA on the SAML "
                                     "regression suite"), now=NOW,
                            previous=NOW + timedelta(days=1)) == {}
        assert "future" in validate_eta(EtaInput(NOW - timedelta(hours=1)), now=NOW,
                                        previous=None)["eta"]

    def test_levels_are_sequential_unless_severity_warrants_a_leap(self) -> None:
        reason = "A second enterprise customer reported the same failure today"
        leap = LevelInput(reason, target=Level.L4)
        refused = validate_level(leap, current=Level.L2, severity=Severity.SEV3,
                                 sev=DEFAULT_POLICY.for_severity(Severity.SEV3))
        assert "One rung at a time" in refused["target"]
        assert validate_level(leap, current=Level.L2, severity=Severity.SEV1, sev=SEV1) == {}
        assert validate_level(LevelInput(reason), current=Level.L2, severity=Severity.SEV3,
                              sev=DEFAULT_POLICY.for_severity(Severity.SEV3)) == {}
        five = validate_level(LevelInput(reason, target=Level.L5), current=Level.L3,
                              severity=Severity.SEV1, sev=SEV1)
        assert "never the owner" in five["target"]
        assert "reason" in validate_level(LevelInput("because"), current=Level.L2,
                                          severity=Severity.SEV3, sev=SEV1)

    def test_severity_needs_a_reason_and_a_change(self) -> None:
        errors = validate_severity(SeverityInput(Severity.SEV3, "x"), current=Severity.SEV3)
        assert set(errors) == {"severity", "reason"}

    def test_reassign_needs_someone_else_and_a_handoff_note(self) -> None:
        errors = validate_reassign(ReassignInput("UOWN", "take it"), owner="UOWN")
        assert set(errors) == {"to_user", "note"}

    def test_resolution_of_a_code_fix_needs_version_and_validation(self) -> None:
        form = ResolveInput(ResolutionCategory.CODE_FIX,
                            "The strict audience check compared URNs case-sensitively",
                            None, None, "Check the audience URN in the IdP metadata first")
        errors = validate_resolve(form)
        assert set(errors) == {"fix_version", "validation_notes"}
        how_to = ResolveInput(ResolutionCategory.USER_ERROR,
                              "The admin had not assigned the app to the user group",
                              None, None, "Check the Okta app assignment before escalating")
        assert validate_resolve(how_to) == {}
