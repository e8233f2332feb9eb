"""The rules drafter: the labelled corpus's goals, and the rules one by one on small threads."""

from __future__ import annotations

import json
from typing import Any

import pytest

from benchmarks.drafter_corpus import load_corpus, replies, run
from core.drafting.model import DRAFTABLE, Draft
from core.drafting.pipeline import draft_thread
from core.drafting.rules import RulesDrafter
from core.drafting.thread import Thread, ThreadError, parse_replies

CORPUS = load_corpus()


def _draft_case(case: Any) -> Draft:
    thread = parse_replies([replies(case)], channel=case.channel, names=case.names)
    return draft_thread(thread, RulesDrafter(case.names))


def thread_of(*texts: str, users: tuple[str, ...] = ("U1", "U2")) -> Thread:
    messages = [{"type": "message", "user": users[i % len(users)], "text": text,
                 "ts": f"{1_790_000_000 + 60 * i}.000100"} for i, text in enumerate(texts)]
    return parse_replies([{"ok": True, "messages": messages, "has_more": False}])


def draft_of(*texts: str) -> Draft:
    return draft_thread(thread_of(*texts))


class TestCorpus:
    def test_the_corpus_is_big_and_noisy_enough(self) -> None:
        assert len(CORPUS) >= 12
        assert {c.split for c in CORPUS} == {"dev", "batch2", "batch3"}
        gold = [c.gold for c in CORPUS]
        assert sum(bool(g["temperament"]) for g in gold) >= 4
        assert any(g["deflection"] for g in gold)
        assert any(g["duplicate"] for g in gold)
        assert any(g["severity"] == "SEV1" for g in gold)
        assert sum(bool(g["not_tickets"]) for g in gold) >= 3
        assert sum(bool(g["pii"]) for g in gold) >= 6

    def test_no_leak_and_no_false_ticket_anywhere(self) -> None:
        total, per = run(CORPUS, _draft_case)
        misses = {c.key: s.misses for c, s in per if s.misses}
        assert total.pii_leaks == 0, misses
        assert total.remark_leaks == 0, misses
        assert total.false_tickets == 0, misses

    def test_goals_on_the_whole_corpus(self) -> None:
        """Every batch has been tuned on by now; the untuned first runs are in the README."""
        total, per = run(CORPUS, _draft_case)
        misses = {c.key: s.misses for c, s in per if s.misses}
        assert total.refuted_in_hypothesis == 0, misses
        for item, goal in {"tickets": 0.95, "versions": 0.95, "error_lines": 0.85,
                           "tried": 0.85}.items():
            recall = total.recall(item)
            assert recall is not None and recall >= goal, (item, recall, misses)

    @pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.key)
    def test_every_thread_keeps_its_sources_and_fits_the_form(self, case: Any) -> None:
        draft = _draft_case(case)
        known = {m["ts"] for m in replies(case)["messages"]}
        for key, item in draft.items.items():
            assert key in DRAFTABLE
            assert item.sources and set(item.sources) <= known, key
            assert len(item.value) <= 3000
        assert draft.value("first_reported_at") is not None
        assert json.loads(json.dumps(draft.as_dict()))["message_count"] == draft.message_count


class TestThread:
    def test_pages_are_joined_and_the_repeated_parent_counted_once(self) -> None:
        parent = {"type": "message", "user": "U1", "text": "SSO fails", "ts": "100.000001"}
        page1 = {"ok": True, "messages": [parent, {"type": "message", "user": "U2",
                                                    "text": "one", "ts": "101.000001"}],
                 "has_more": True, "response_metadata": {"next_cursor": "c2"}}
        page2 = {"ok": True, "messages": [parent, {"type": "message", "user": "U1",
                                                    "text": "two", "ts": "102.000001"}],
                 "has_more": False}
        thread = parse_replies([page2, page1])
        assert [m.text for m in thread.messages] == ["SSO fails", "one", "two"]
        assert thread.thread_ts == "100.000001"

    def test_joins_and_notices_are_not_messages(self) -> None:
        thread = parse_replies([{"ok": True, "messages": [
            {"type": "message", "user": "U1", "text": "the case", "ts": "1.1"},
            {"type": "message", "subtype": "channel_join", "user": "U3",
             "text": "<@U3> has joined the channel", "ts": "2.1"}]}])
        assert len(thread.messages) == 1

    @pytest.mark.parametrize("bad", [[], [{"ok": False, "error": "channel_not_found"}],
                                     [{"ok": True}], [{"ok": True, "messages": []}],
                                     [{"ok": True, "messages": [{"text": "no ts"}]}]])
    def test_unusable_input_is_refused(self, bad: list[dict[str, Any]]) -> None:
        with pytest.raises(ThreadError):
            parse_replies(bad)


class TestRules:
    def test_invoice_order_and_standard_ids_are_not_tickets(self) -> None:
        draft = draft_of("Acme (business) disputes invoice INV-4410 and order ORD-77. "
                         "Files are UTF-8. Zendesk ticket 48213, Jira bug PLAT-112.",
                         "See <https://acme.atlassian.net/browse/AUTH-9|AUTH-9>, and AUTH-10.")
        tickets = (draft.value("linked_tickets") or "").split("\n")
        assert set(tickets) == {"#48213", "PLAT-112", "https://acme.atlassian.net/browse/AUTH-9",
                                "AUTH-10"}

    def test_versions_not_money_sizes_addresses_or_times(self) -> None:
        draft = draft_of("Export of 4.1M rows for $6,480 from 10.0.0.12 fails at 16:01:07.332 "
                         "on web 4.2.1 (build 4.2.1+77), iOS 17.4, takes 2.5 seconds.",
                         "```server: nginx/1.25.3```")
        versions = draft.value("build_version") or ""
        for expected in ("4.2.1", "17.4", "nginx 1.25.3"):
            assert expected in versions
        for wrong in ("4.1", "10.0.0.12", "2.5", "07.332"):
            assert wrong not in versions

    def test_each_attempt_keeps_its_outcome_also_when_told_later(self) -> None:
        draft = draft_of("Tried clearing the cache: same 500.",
                         "Ran a full re-sync overnight to see if it reconciles.",
                         "try forcing a logout?",
                         "we haven't tried downgrading yet",
                         "the re-sync finished: it made it worse, more duplicates.")
        tried = (draft.value("tried") or "").split("\n")
        assert len(tried) == 2, tried
        assert "clearing the cache: same 500" in tried[0]
        assert "re-sync overnight" in tried[1] and "made it worse" in tried[1]

    def test_a_refuted_guess_is_ruled_out_not_the_hypothesis(self) -> None:
        draft = draft_of("maybe the SAML cert expired?",
                         "I think the new NameID validation rejects their format.",
                         "checked: the cert is valid until 2027, so not the cert.")
        hypothesis = draft.value("hypothesis") or ""
        first, _, ruled_out = hypothesis.partition("\nRuled out: ")
        assert "NameID validation" in first and "cert" not in first
        assert "SAML cert expired" in ruled_out

    def test_temperament_goes_facts_about_the_customer_stay(self) -> None:
        draft = draft_of("Their CTO is melting down on the bridge.",
                         "They asked for updates every 30 min and said they will escalate to "
                         "leadership. The admin is a real piece of work.")
        text = json.dumps(draft.as_dict())
        assert "melting down" not in text and "piece of work" not in text
        assert "updates every 30 min" in (draft.value("posture") or "")
        assert draft.remarks_dropped == 2

    def test_pii_in_log_lines_is_redacted_and_the_error_kept_verbatim(self) -> None:
        draft = draft_of("logs:\n```ERROR saml.acs user=jane.doe@acme.com\n"
                         "SAMLResponseError: NameID format not accepted\n"
                         "  at Handler.validate (acs.py:218)```",
                         "card 4242 4242 4242 4242, key sk_live_51Hx9aQ2eZvKYlo2C7qRfT0b")
        text = json.dumps(draft.as_dict())
        assert "jane.doe@acme.com" not in text and "4242 4242 4242 4242" not in text
        assert "sk_live_51Hx9aQ2eZvKYlo2C7qRfT0b" not in text
        logs = draft.value("logs") or ""
        assert "SAMLResponseError: NameID format not accepted" in logs
        assert "at Handler.validate (acs.py:218)" in logs
        assert "[email]" in logs
        assert "card number" in draft.redacted

    def test_nothing_is_invented_for_a_thread_without_facts(self) -> None:
        draft = draft_of("hi all!", "morning :wave:")
        assert set(draft.items) == {"first_reported_at", "severity"}
        assert draft.value("first_reported_at") == "2026-09-21T14:13:20+00:00"

    def test_kb_solved_how_to_suggests_not_escalating(self) -> None:
        draft = draft_of("Northwind asks how to set up SCIM.",
                         "KB: <https://help.example.com/hc/articles/12|SCIM setup>",
                         "sent it, customer confirmed it works. resolved!")
        assert draft.deflection is not None and "help.example.com" in draft.deflection.text
        assert draft.value("severity") == "SEV4"

    def test_known_issue_is_a_duplicate_hint(self) -> None:
        draft = draft_of("crash on launch with VoiceOver",
                         "this looks exactly like known issue MOB-884, fixed in 7.3.1")
        assert draft.duplicate is not None and "MOB-884" in draft.duplicate.text

    def test_sev1_said_in_the_thread_wins(self) -> None:
        draft = draft_of("checkout returns 503 for 5 users", "this is a SEV1, paging now")
        assert draft.value("severity") == "SEV1"
        assert "SEV1" in (draft.severity_reason or "")

    def test_long_values_are_clipped_to_the_form_field(self) -> None:
        draft = draft_of(*[f"Tried restart number {i}: still 500." for i in range(300)])
        tried = draft.value("tried") or ""
        assert len(tried) <= 3000 and tried.endswith("…")
