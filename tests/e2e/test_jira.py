"""Jira and Zendesk end to end: the real bot process, the fake Slack, Jira and Zendesk.

Create from the packet (a double click makes one issue), link an existing issue, the webhook
moving the issue to Done resolves the escalation and tells the requester, the poll does the
same without a webhook, Jira down then back loses nothing, a forged webhook is refused,
Zendesk gets private notes on post and resolve, and /metrics counts it all.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import driver_for
from tests.e2e.harness import BotProcess, free_port
from tests.e2e.test_metrics import scrape, value
from tests.e2e.test_reliability import escalate, packets, wait_until
from tests.fakejira import FakeJira
from tests.fakeslack import FakeSlack, SlackDriver
from tests.fakezendesk import FakeZendesk

pytestmark = pytest.mark.e2e

SECRET = "e2e-jira-webhook-secret"


@pytest.fixture
def jira() -> Iterator[FakeJira]:
    with FakeJira() as fake:
        fake.add_project("AUTH")
        yield fake
        assert fake.contract_violations == [], "\n".join(fake.contract_violations)


@pytest.fixture
def zendesk() -> Iterator[FakeZendesk]:
    fake = FakeZendesk(tickets=(48213,)).start()
    yield fake
    fake.stop()
    assert fake.problems == []


def start(bot_factory: Any, jira: FakeJira, zendesk: FakeZendesk, mode: str = "http",
          poll_seconds: float = 0) -> BotProcess:
    metrics_port = free_port()
    bot: BotProcess = bot_factory(
        mode, JIRA_EMAIL=jira.email, JIRA_API_TOKEN=jira.token, JIRA_WEBHOOK_SECRET=SECRET,
        ZENDESK_EMAIL=zendesk.email, ZENDESK_API_TOKEN=zendesk.token,
        METRICS_PORT=str(metrics_port))
    bot.config_extra = (f"jira:\n  base_url: {jira.url}\n  project_per_domain: {{auth: AUTH}}\n"
                        f"  severity_field: customfield_10042\n  poll_seconds: {poll_seconds}\n"
                        f"zendesk:\n  subdomain: acme\n  base_url: {zendesk.url}\n")
    bot.start()
    bot.metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"  # type: ignore[attr-defined]
    return bot


def claimed_packet(fake: FakeSlack, drv: SlackDriver) -> str:
    """Escalate and claim as U0SPEC; returns the packet's ts."""
    escalate(drv, fake)
    wait_until(lambda: packets(fake))
    fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") == "U0AGENT")
    ts = str(packets(fake)[0]["ts"])
    assert drv.click("claim", user_id="U0SPEC", message=("C0AUTH0001", ts)).ok
    wait_until(lambda: "jira_create" in json.dumps(fake.find_message("C0AUTH0001", ts)))
    return ts


def packet_text(fake: FakeSlack, ts: str) -> str:
    return json.dumps(fake.find_message("C0AUTH0001", ts), ensure_ascii=False)


def jira_line(fake: FakeSlack, ts: str) -> str:
    """The packet's Jira line (key, status, assignee), or "" while it has none."""
    message = fake.find_message("C0AUTH0001", ts) or {}
    for block in message.get("blocks", []):
        if block.get("block_id") == "jira":
            return str(block["elements"][0]["text"])
    return ""


def thread(fake: FakeSlack, ts: str) -> list[str]:
    return [m.get("text", "") for m in fake.messages("C0AUTH0001") if m.get("thread_ts") == ts
            and m.get("ts") != ts]


def dms(fake: FakeSlack, user: str = "U0AGENT") -> list[str]:
    return [m.get("text", "") for m in fake.messages(user)]


def post_webhook(bot: BotProcess, body: dict[str, Any], headers: dict[str, str],
                 query: str = f"?secret={SECRET}") -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(f"http://127.0.0.1:{bot.port}/jira/webhook{query}",
                                     data=json.dumps(body).encode(), headers=headers,
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_create_from_the_packet_and_done_in_jira_resolves(
        fake: FakeSlack, bot_factory: Any, jira: FakeJira, zendesk: FakeZendesk) -> None:
    bot = start(bot_factory, jira, zendesk)
    drv = driver_for(fake, bot)
    ts = claimed_packet(fake, drv)
    # The handoff is on the Zendesk ticket as a private note, with the packet's link.
    [handoff] = zendesk.wait_for_notes(48213, 1)
    assert handoff["public"] is False and "ESC-1" in handoff["body"]
    assert "/archives/C0AUTH0001/p" in handoff["body"]

    # A double click: two clicks at once, one issue.
    clicks = [threading.Thread(target=drv.click, args=("jira_create",),
                               kwargs={"user_id": "U0SPEC", "message": ("C0AUTH0001", ts)})
              for _ in range(2)]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    wait_until(lambda: "AUTH-1|AUTH-1>" in jira_line(fake, ts))
    assert list(jira.issues) == ["AUTH-1"] and len(jira.calls_to("create")) == 1
    issue = jira.issues["AUTH-1"]
    assert issue.fields["summary"].startswith("[ESC-1] SEV2")
    headings = [n["content"][0]["text"] for n in issue.fields["description"]["content"]
                if n["type"] == "heading"]
    assert "Reproduction steps" in headings and "Linked Zendesk tickets" in headings
    wait_until(lambda: issue.remote_links)
    assert "*To Do* · unassigned" in jira_line(fake, ts)
    assert "jira_create" not in packet_text(fake, ts)  # the button is gone once linked
    wait_until(lambda: any("Jira issue <" in t and "AUTH-1" in t for t in thread(fake, ts)))
    wait_until(lambda: any("Created <" in e.get("text", "") for e in fake.ephemerals))
    replies = [e.get("text", "") for e in fake.ephemerals if e.get("user") == "U0SPEC"]
    assert any("is being created" in r for r in replies), replies  # the second click

    # A forged webhook changes nothing.
    jira.transition("AUTH-1", "Done", fix_versions=["4.2.2"], assignee="Dana")
    body, headers = jira.webhook_payload("AUTH-1")
    assert post_webhook(bot, body, headers, query="?secret=guess")[0] == 401
    assert post_webhook(bot, body, headers, query="")[0] == 401
    assert "Done" not in jira_line(fake, ts)

    # The real one resolves the escalation, says so in the thread, tells the requester.
    status, answer = post_webhook(bot, body, headers)
    assert (status, answer.get("result")) == (200, "applied")
    assert post_webhook(bot, body, headers)[1].get("duplicate") is True  # Jira's retry
    wait_until(lambda: any("Engineering marked" in d for d in dms(fake)))
    [resolved_dm] = [d for d in dms(fake) if "Engineering marked" in d]
    assert "AUTH-1" in resolved_dm and "4.2.2" in resolved_dm
    wait_until(lambda: "*Done* · Dana" in jira_line(fake, ts))
    assert any("moved to *Done*" in t and "resolved" in t for t in thread(fake, ts))
    notes = zendesk.wait_for_notes(48213, 2)
    assert notes[1]["public"] is False and "Fix version: 4.2.2" in notes[1]["body"]

    samples = scrape(bot.metrics_url)  # type: ignore[attr-defined]
    assert value(samples, "escalation_bot_jira_requests_total", endpoint="create",
                 outcome="201") == 1
    assert value(samples, "escalation_bot_jira_syncs_total", source="webhook",
                 result="applied") == 1
    assert value(samples, "escalation_bot_jira_sync_failures_total", source="webhook",
                 reason="unauthenticated") == 2
    assert value(samples, "escalation_bot_zendesk_notes_total", outcome="added") == 2
    assert value(samples, "escalation_bot_escalations", state="resolved", severity="SEV2") == 1


def test_link_existing_and_polling_without_a_webhook(
        fake: FakeSlack, bot_factory: Any, jira: FakeJira, zendesk: FakeZendesk) -> None:
    """Socket Mode (no public URL): link with the slash command; the poll sees Done."""
    key = jira.add_issue("AUTH", "SAML audience check too strict", status="In Progress")
    bot = start(bot_factory, jira, zendesk, mode="socket", poll_seconds=0.5)
    drv = driver_for(fake, bot)
    ts = claimed_packet(fake, drv)

    refused = drv.slash_command("ESC-1 jira link AUTH-99", user_id="U0SPEC",
                                command="/escalation")
    assert refused.ok
    drv.slash_command("esc-1 jira link AUTH-1", user_id="U0OTHER", command="/escalation")
    drv.slash_command(f"1 jira link {key.lower()}", user_id="U0SPEC", command="/escalation")
    wait_until(lambda: f"|{key}>" in jira_line(fake, ts))
    wait_until(lambda: any("Linked ESC-1" in e.get("text", "") for e in fake.ephemerals))
    texts = [e.get("text", "") for e in fake.ephemerals]
    assert any("AUTH-99 does not exist in Jira" in t for t in texts), texts
    assert any("Only the owner (<@U0SPEC>) or a lead" in t for t in texts), texts
    assert any("Linked ESC-1 to <" in t for t in texts), texts
    assert "*In Progress*" in jira_line(fake, ts)
    wait_until(lambda: jira.issues[key].comments)
    assert "Linked to escalation ESC-1" in json.dumps(jira.issues[key].comments[0]["body"])

    jira.transition(key, "Done", fix_versions=["4.2.3"])
    wait_until(lambda: any("Engineering marked" in d for d in dms(fake)))
    wait_until(lambda: "*Done*" in jira_line(fake, ts))
    assert jira.calls_to("create") == []
    assert len([c for c in jira.calls_to("search") if c.status == 200]) >= 1
    # Counted once the poll's run is over (the DM is sent inside it).
    wait_until(lambda: value(scrape(bot.metrics_url),  # type: ignore[attr-defined]
                             "escalation_bot_jira_syncs_total", source="poll",
                             result="applied") == 1)


def test_jira_down_then_back_loses_nothing(
        fake: FakeSlack, bot_factory: Any, jira: FakeJira, zendesk: FakeZendesk) -> None:
    bot = start(bot_factory, jira, zendesk)
    drv = driver_for(fake, bot)
    ts = claimed_packet(fake, drv)
    jira.down()
    drv.click("jira_create", user_id="U0SPEC", message=("C0AUTH0001", ts))
    wait_until(lambda: any("as soon as it does" in e.get("text", "")
                           for e in fake.ephemerals))
    samples = scrape(bot.metrics_url)  # type: ignore[attr-defined]
    assert value(samples, "escalation_bot_outbox_pending", kind="jira_create") == 1
    assert value(samples, "escalation_bot_jira_requests_total", endpoint="create",
                 outcome="503") >= 1
    jira.up()
    wait_until(lambda: "AUTH-1|AUTH-1>" in jira_line(fake, ts), timeout=30)
    assert list(jira.issues) == ["AUTH-1"]
    samples = scrape(bot.metrics_url)  # type: ignore[attr-defined]
    assert value(samples, "escalation_bot_outbox_pending", kind="jira_create") == 0
