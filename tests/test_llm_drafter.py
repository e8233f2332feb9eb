"""The optional LLM drafter against a fake OpenAI-compatible server: it sees only the redacted
thread, its JSON must validate, and it falls back to the rules (saying so) on a timeout, an
error or invalid output."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from benchmarks.drafter_corpus import load_corpus, replies
from bot.llm_drafter import LLMDrafter, build_drafter
from core.drafting.pipeline import draft_thread
from core.drafting.rules import RulesDrafter
from core.drafting.thread import Thread, parse_replies
from tests.fakeopenai import FakeOpenAI, Script, fake_openai

CASE = next(c for c in load_corpus() if c.key.startswith("02_"))  # card, key, a remark
PII = ("4242 4242 4242 4242", "sk_live_51Hx9aQ2eZvKYlo2C7qRfT0b")

GOOD = {
    "problem": "Checkout API returns 503 for all Brightwave merchants in eu-west-1",
    "severity": "SEV1", "customer": "Brightwave", "tier": "strategic",
    "affected_users": "3400", "linked_tickets": "ZD-51007",
    "tried": "Backup endpoint: worked 10 min, then 503 again (twice)",
    "hypothesis": "The envoy 1.28.1 sidecar upgrade cannot reach the payments pods",
    "severity_reason": "Outage for every merchant", "logs": None,
    "sources": {"problem": [1], "tried": [7, 99], "linked_tickets": [1]},
}


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with fake_openai() as fake:
        yield fake


def thread() -> Thread:
    return parse_replies([replies(CASE)], channel=CASE.channel, names=CASE.names)


def drafter(server: FakeOpenAI, timeout_s: float = 5.0) -> LLMDrafter:
    return LLMDrafter(base_url=server.base_url, model="fake-model", api_key="sk-test",
                      timeout_s=timeout_s)


def test_valid_json_becomes_the_draft_with_sources(server: FakeOpenAI) -> None:
    server.script = Script(content=json.dumps(GOOD))
    t = thread()
    draft = draft_thread(t, drafter(server))
    assert draft.drafter == "llm" and draft.notes == ()
    assert draft.value("severity") == "SEV1" and draft.value("customer") == "Brightwave"
    assert draft.items["tried"].sources == (t.messages[6].ts,)  # 99 is no message: dropped
    assert draft.value("logs") is None
    assert draft.severity_reason == "Outage for every merchant"
    [request] = server.requests
    assert request["model"] == "fake-model"
    assert request["response_format"] == {"type": "json_object"}
    shown = server.prompt_text()
    assert "Brightwave" in shown and "upstream connect error" in shown
    assert not any(p in shown for p in PII)  # redacted before the LLM saw it
    assert "melting down" not in shown       # remarks dropped before the LLM saw it


@pytest.mark.parametrize(("script", "said"), [
    (Script(content="this is not json"), "returned invalid output"),
    (Script(content=json.dumps({**GOOD, "severity": "SEV9"})), "returned invalid output"),
    (Script(content=json.dumps({**GOOD, "mood": "angry"})), "returned invalid output"),
    (Script(status=500), "failed"),
    (Script(delay_s=2.0, content=json.dumps(GOOD)), "timed out after 0.5 s"),
])
def test_falls_back_to_the_rules_and_says_so(server: FakeOpenAI, script: Script,
                                             said: str) -> None:
    server.script = script
    draft = draft_thread(thread(), drafter(server, timeout_s=0.5))
    rules = draft_thread(thread(), RulesDrafter())
    assert draft.drafter == "rules"
    assert any(said in note and "rules drafter" in note for note in draft.notes), draft.notes
    assert {k: i.value for k, i in draft.items.items()} == \
        {k: i.value for k, i in rules.items.items()}


def test_a_remark_or_pii_the_model_writes_is_removed(server: FakeOpenAI) -> None:
    server.script = Script(content=json.dumps({
        **GOOD, "background": "Their CTO is a nightmare to deal with. Checkout fails since "
                              "15:48 UTC for every merchant.",
        "posture": "Reach the CTO at cto@brightwave.example or +44 20 7946 0018."}))
    draft = draft_thread(thread(), drafter(server))
    text = json.dumps(draft.as_dict())
    assert "nightmare" not in text and "cto@brightwave.example" not in text
    assert "Checkout fails since 15:48 UTC" in (draft.value("background") or "")


def test_the_rules_are_the_default() -> None:
    chosen = build_drafter(drafter="rules", base_url=None, model=None, api_key=None,
                           timeout_s=20)
    assert isinstance(chosen, RulesDrafter)
