"""The redaction engine: PII and secrets out, placeholders that say what was removed (seed 003)."""

from __future__ import annotations

import pytest

from core.pii.personal import luhn_valid
from core.redaction import AllowList, PiiKind, redact, redact_all, summarize

JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ."
       "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")


def clean(text: str, **kw: AllowList) -> str:
    return redact(text, **kw).text


class TestEmails:
    def test_plus_and_subdomains(self) -> None:
        """An address with + tagging and several subdomains is removed whole."""
        assert clean("write to jane.doe+billing@mail.eu.acme-corp.com today") == \
            "write to [email] today"

    def test_slack_mailto(self) -> None:
        """Slack's <mailto:…|…> link is removed whole, label included."""
        assert clean("see <mailto:bob@example.org|bob@example.org> now") == "see [email] now"

    def test_url_encoded_in_log_line(self) -> None:
        """An address URL-encoded in a log line is removed; the rest of the line stays."""
        line = "GET /api/v2/users?email=jane.doe%2Bx%40acme.com&page=2 HTTP/1.1 500"
        assert clean(line) == "GET /api/v2/users?email=[email]&page=2 HTTP/1.1 500"

    def test_allow_list_domains(self) -> None:
        """The team's own domains (and their subdomains) are kept; others are not."""
        allow = AllowList(domains=frozenset({"ourco.com"}))
        text = "from support@ourco.com and ops@eu.ourco.com to buyer@ourco.com.evil.io"
        assert clean(text, allow=allow) == \
            "from support@ourco.com and ops@eu.ourco.com to [email]"

    def test_slack_mentions_are_not_emails(self) -> None:
        assert clean("<@U0123ABCD> please look, cc <!subteam^S0AUTHSPEC>") == \
            "<@U0123ABCD> please look, cc <!subteam^S0AUTHSPEC>"


class TestPhones:
    @pytest.mark.parametrize("text", [
        "+1 (415) 555-0132", "+44 20 7946 0958", "+49 30 901820", "+33 1 23 45 67 89",
        "(415) 555-0132", "415-555-0132", "415.555.0132", "020 7946 0958", "01 23 45 67 89",
        "0049 30 901820",
    ])
    def test_formats(self, text: str) -> None:
        """International and national formats are replaced by [phone]."""
        assert clean(f"call {text} after 5") == "call [phone] after 5"

    def test_phone_inside_url(self) -> None:
        """A phone number in a link's query string is removed; the link stays usable."""
        assert clean("https://crm.example.com/c?phone=%2B14155550132&tab=2") == \
            "https://crm.example.com/c?phone=[phone]&tab=2"
        assert clean("<tel:+14155550132|+1 415 555 0132>") == "<tel:[phone]|[phone]>"

    @pytest.mark.parametrize("text", [
        "build 4.2.1 (a1b2c3d)", "version 10.15.7", "on 2024-03-01 at 10:02 UTC",
        "host 10.0.0.1 port 5432", "p99 went from 300 ms to 4200 ms", "ZD-48213, PROJ-112",
        "request id req_8f3a2b", "trace 4bf92f3577b34da6a3ce929d0e0e4736",
        "uuid 123e4567-e89b-12d3-a456-426614174000", "1,200 users on 14,000 events",
    ])
    def test_not_phones(self, text: str) -> None:
        """Versions, dates, IPs, counts and ids are not phone numbers."""
        assert clean(text) == text


class TestCards:
    @pytest.mark.parametrize("number", [
        "4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111",
        "5555 5555 5555 4444", "3782 822463 10005", "6011-0009-9013-9424",
    ])
    def test_cards_keep_last_four(self, number: str) -> None:
        """Luhn-valid card numbers, split by spaces or dashes or not, keep their last four."""
        digits = number.replace(" ", "").replace("-", "")
        assert clean(f"charged card {number} twice") == \
            f"charged card [card ••••{digits[-4:]}] twice"

    def test_the_issues_example_shape(self) -> None:
        assert clean("card 5105 1051 0510 0853") == "card [card ••••0853]"

    def test_luhn_invalid_is_kept(self) -> None:
        assert not luhn_valid("4111111111111112")
        assert clean("card 4111 1111 1111 1112") == "card 4111 1111 1111 1112"

    @pytest.mark.parametrize("text", [
        "order 4111111111111111 shipped late", "order #4111111111111111",
        "Order no. 4111-1111-1111-1111", "invoice 378282246310005", "tracking 5555555555554444",
    ])
    def test_order_id_that_passes_luhn(self, text: str) -> None:
        """A number next to "order"/"invoice"/"tracking" is an id, even when it passes Luhn."""
        assert clean(text) == text

    def test_masked_card_is_left_alone(self) -> None:
        assert clean("card ••••1234 and ****5678, XXXX-XXXX-XXXX-0053") == \
            "card ••••1234 and ****5678, XXXX-XXXX-XXXX-0053"


class TestSecrets:
    @pytest.mark.parametrize("token,prefix", [
        ("sk_live_51H8abcDEFghiJKLmnoPQRstu", "sk_live_"),
        ("xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx", "xoxb-"),
        ("ghp_16C7e42F292c6912E7710c838347Ae178B4a", "ghp_"),
        ("AKIAIOSFODNN7EXAMPLE", "AKIA"),
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_"),
        ("glpat-xxYYzz0011223344556677", "glpat-"),
    ])
    def test_prefixed_keys(self, token: str, prefix: str) -> None:
        """Well-known key prefixes are named in the placeholder, the rest is gone."""
        assert clean(f"the key {token} leaked") == f"the key [secret: {prefix}…] leaked"

    def test_masked_keys_are_left_alone(self) -> None:
        text = "they use sk_test_… in staging and sk_live_**** in prod, xoxb-…"
        assert clean(text) == text

    def test_key_wrapped_across_a_line(self) -> None:
        """A key an email client wrapped onto the next line is removed with its tail."""
        text = "key: sk_live_51H8abcDEFghiJKLmno\nPQRstuVWXyz0123 was rotated"
        assert clean(text) == "key: [secret: sk_live_…] was rotated"

    def test_jwt_in_a_har_excerpt(self) -> None:
        """A JWT in a HAR header and a session cookie in its cookies list are removed."""
        har = ('{"headers": [{"name": "Authorization", "value": "Bearer ' + JWT + '"}],\n'
               ' "cookies": [{"name": "_app_session", "value": "8f3a9c2e7b1d4f6a0c5e9d"}]}')
        out = clean(har)
        assert JWT[:20] not in out and "8f3a9c2e7b1d" not in out
        assert '"Bearer [secret: JWT]"' in out
        assert '"value": "[secret: session cookie]"' in out

    def test_bearer_and_cookie_header(self) -> None:
        text = ("Authorization: Bearer abcdef0123456789abcdef0123456789\n"
                "Cookie: theme=dark; _app_session=8f3a9c2e7b1d4f6a0c5e")
        assert clean(text) == ("Authorization: Bearer [secret: bearer token]\n"
                               "Cookie: theme=dark; _app_session=[secret: session cookie]")

    def test_key_value_pairs(self) -> None:
        assert clean("api_key=3f9a8b7c6d5e4f3a2b1c0d9e&x=1") == "api_key=[secret]&x=1"
        assert clean('"client_secret": "Zx8vQ2mN7pL4kJ9hG3fD"') == '"client_secret": "[secret]"'

    @pytest.mark.parametrize("text,expected", [
        ("password: hunter2", "password: [password]"),
        ("the pw is Tr0ub4dor&3", "the pw is [password]"),
        ("temp password is 'letmein' for now", "temp password is '[password]' for now"),
        ("Password=Sup3r$ecret!", "Password=[password]"),
        ("postgres://admin:S3cretPass@db.acme.internal:5432/app",
         "postgres://admin:[password]@db.acme.internal:5432/app"),
    ])
    def test_passwords(self, text: str, expected: str) -> None:
        assert clean(text) == expected

    @pytest.mark.parametrize("text", [
        "the password is expired", "password reset link fails", "the password is wrong",
        "SSO users have no password", "token refresh fails with invalid_grant",
        "our token is stored in the vault",
    ])
    def test_password_words_are_not_passwords(self, text: str) -> None:
        assert clean(text) == text

    def test_private_key(self) -> None:
        text = ("here:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\nq1w2e3r4\n"
                "-----END RSA PRIVATE KEY-----\nthanks")
        assert clean(text) == "here:\n[private key]\nthanks"


class TestKept:
    def test_ids_versions_and_company_names_stay(self) -> None:
        """Ticket, request and trace ids, versions and the company name are not PII."""
        text = ("Acme Inc. (acct 991) on build 4.2.1 (a1b2c3d): ZD-48213, PROJ-112, "
                "request_id=req_8f3a2b9c, trace_id=4bf92f3577b34da6a3ce929d0e0e4736, "
                "x-correlation-id: 7f1d2c3b-aaaa-4bbb-8ccc-123456789abc, iOS 17.4")
        assert clean(text) == text

    def test_allow_literals(self) -> None:
        allow = AllowList(literals=frozenset({"help@vendor.io"}))
        assert clean("cc help@vendor.io and a@b.io", allow=allow) == "cc help@vendor.io and [email]"


class TestFindings:
    def test_summary_says_what_and_never_the_value(self) -> None:
        """The agent is told what was removed; findings never carry the removed value."""
        result = redact("mail jane@acme.com, card 4111 1111 1111 1111, cc bob@acme.com")
        assert result.summary() == "3 items removed: 2 email addresses, a card number"
        assert [f.kind for f in result.findings] == [PiiKind.EMAIL, PiiKind.CARD, PiiKind.EMAIL]
        assert "jane" not in repr(result.findings) and "4111" not in repr(result.findings)

    def test_offsets_point_into_the_original(self) -> None:
        text = "mail jane@acme.com now"
        (finding,) = redact(text).findings
        assert text[finding.start:finding.end] == "jane@acme.com"

    def test_nothing_found(self) -> None:
        result = redact("CSV export returns HTTP 500 since build 4.2")
        assert not result.changed and result.summary() == "" and summarize([]) == ""

    def test_redact_all(self) -> None:
        values, changed = redact_all({"logs": "user a@b.io failed", "region": "eu-west-1"})
        assert values == {"logs": "user [email] failed", "region": "eu-west-1"}
        assert list(changed) == ["logs"]
        assert changed["logs"].summary() == "1 item removed: an email address"

    def test_idempotent(self) -> None:
        """Redacting redacted text changes nothing (drafts are redacted more than once)."""
        once = clean("jane@acme.com 4111 1111 1111 1111 sk_live_51H8abcDEFghiJKLmnoPQ "
                     "+1 415 555 0132")
        assert clean(once) == once
