"""/metrics from the real process, parsed with prometheus_client's parser, numbers moving;
JSON logs from the real process."""

from __future__ import annotations

import json
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import driver_for
from tests.e2e.harness import BotProcess, free_port
from tests.e2e.test_reliability import escalate, packets, wait_until
from tests.fakeslack import FakeSlack

pytestmark = pytest.mark.e2e

Samples = dict[str, dict[tuple[tuple[str, str], ...], float]]


def scrape(url: str) -> Samples:
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get(name, {}).get(tuple(sorted(labels.items())), 0.0)


@pytest.mark.parametrize("mode", ["http", "socket"])
def test_metrics_move_as_the_scenario_runs(fake: FakeSlack, bot_factory: object,
                                           mode: str) -> None:
    """Escalate and claim; the scrape shows the escalation, the acks, the Slack calls."""
    port = free_port()
    bot: BotProcess = bot_factory(mode, METRICS_PORT=str(port),  # type: ignore[operator]
                                  LOG_FORMAT="json")
    bot.start()
    url = f"http://127.0.0.1:{port}/metrics"
    before = scrape(url)
    assert value(before, "escalation_bot_database_up") == 1
    assert value(before, "escalation_bot_escalations", state="open", severity="SEV2") == 0

    drv = driver_for(fake, bot)
    escalate(drv, fake)
    wait_until(lambda: packets(fake))
    ts = packets(fake)[0]["ts"]
    # The requester's DM follows the stored post: from then on the packet can be claimed.
    fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") == "U0AGENT")
    fake.fail_with_error("chat.update", "internal_error")  # logged, retried later
    drv.click("claim", user_id="U0SPEC", message=("C0AUTH0001", ts))
    fake.wait_for("chat.update")
    wait_until(lambda: value(scrape(url), "escalation_bot_outbox_pending",
                             kind="notify_claimed") == 0)

    after = scrape(url)
    assert value(after, "escalation_bot_escalations", state="claimed", severity="SEV2") == 1
    assert value(after, "escalation_bot_ack_latency_seconds_count", listener="/escalate") >= 1
    assert value(after, "escalation_bot_ack_latency_seconds_count", listener="claim") == 1
    assert value(after, "escalation_bot_slack_calls_total", method="chat.postMessage",
                 outcome="ok") >= 2
    assert value(after, "escalation_bot_outbox_deliveries_total", kind="post_packet",
                 outcome="delivered") == 1
    # The failed packet update waits in the outbox: the backlog shows it.
    assert value(after, "escalation_bot_outbox_pending", kind="update_packet") == 1
    assert value(after, "escalation_bot_outbox_oldest_pending_age_seconds") > 0
    assert value(after, "escalation_bot_slack_call_failures_total", method="chat.update",
                 error="internal_error") == 1
    if mode == "http":  # the HTTP server serves it beside /slack/events as well
        assert value(scrape(f"http://127.0.0.1:{bot.port}/metrics"),
                     "escalation_bot_escalations", state="claimed", severity="SEV2") == 1

    lines = [json.loads(line) for line in bot.log().splitlines() if line.startswith("{")]
    assert lines, bot.log()[-2000:]
    wait_until(lambda: "update_packet for ESC-1 failed" in bot.log())
    lines = [json.loads(line) for line in bot.log().splitlines() if line.startswith("{")]
    [failed] = [x for x in lines if "update_packet for ESC-1 failed" in x["message"]]
    assert (failed["level"], failed["escalation"], failed["outbox_kind"]) == \
        ("WARNING", "ESC-1", "update_packet")
    if failed.get("listener"):  # delivered from the click's own thread
        assert (failed["listener"], failed["user_id"]) == ("claim", "U0SPEC")
    assert "SSO login fails" not in bot.log()  # the agent's text never reaches the log
