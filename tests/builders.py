"""Test data: a complete, specific escalation an L1 agent would really write."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from core.codec import answers_to_dict
from core.model import Answers, CustomerTier, Environment, Severity, Signal, Workaround


def good_answers(now: datetime, **changes: Any) -> Answers:
    answers = Answers(
        problem="SSO login fails with HTTP 500 for all Acme users since build 4.2",
        background=("Acme rotated their Okta signing certificate on Friday; since Monday's "
                    "deploy of build 4.2 every SAML login returns HTTP 500."),
        domain="auth",
        severity=Severity.SEV2,
        customer="Acme Corp (acct 48213)",
        tier=CustomerTier.ENTERPRISE,
        affected_users="1200",
        first_reported_at=now - timedelta(hours=2),
        signals=(Signal.CODE_CHANGE,),
        repro_steps=("1. Open https://acme.example.com/login\n2. Choose 'Sign in with Okta'\n"
                     "3. Authenticate at Okta\n4. Observe HTTP 500 on /saml/acs"),
        expected="The user lands on the dashboard, signed in.",
        actual="HTTP 500 on /saml/acs with correlation id 7f3a; blank page.",
        environment=Environment.PRODUCTION,
        build_version="web 4.2.1 (a1b2c3d)",
        feature_flags="saml_strict_audience=on",
        region="eu-west-1 / cluster-7",
        workflow="Tenant admins and all staff sign in through Okta SAML; no password fallback.",
        logs="2026-11-23T10:02:11Z ERROR saml.acs: audience mismatch (expected urn:acme)",
        evidence_links="https://files.example.com/har/acme-login.har",
        tried=("Re-uploaded the IdP metadata: same 500. Disabled saml_strict_audience for a "
               "test tenant: login works there, but we cannot change flags for customers."),
        blocker="Changing saml_strict_audience for a customer tenant needs engineering access.",
        hypothesis=("We ruled out the certificate and the metadata, so we suspect the strict "
                    "audience check added in 4.2 rejects Acme's audience URN."),
        asks="Confirm from the acs logs and roll back the flag for Acme or ship a hotfix.",
        workaround=Workaround.NONE,
        deadline="2026-11-27",
        renewal_at_stake=True,
        posture="Go-live for 400 new seats is Friday; two workarounds failed.",
        linked_tickets="ZD-48213, AUTH-112",
        case_owner="U0AGENT",
    )
    return replace(answers, **changes)


def good_values(now: datetime, **changes: Any) -> dict[str, str]:
    return answers_to_dict(good_answers(now, **changes))
