"""/metrics: Prometheus text that prometheus_client's own parser reads, with moving numbers;
JSON log lines that carry ids and never user text."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.gateway import SlackGateway, make_client
from bot.observe import JsonFormatter, TimedAck, observe_middleware, request_facts
from commands import escalate, logctx
from commands.context import Context
from commands.deliver import deliver_due
from commands.ports import DeliveryError
from storage.database import Database
from tests.builders import good_answers
from tests.e2e.harness import BOT_TOKEN, make_fake
from tests.fakes import InMemorySlack
from tests.test_commands import DOMAINS, Clock


def scrape() -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Every sample of the exposition, parsed by prometheus_client's parser."""
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(metrics.exposition().decode()):
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return out


def value(samples: dict[str, dict[tuple[tuple[str, str], ...], float]], name: str,
          **labels: str) -> float:
    return samples.get(name, {}).get(tuple(sorted(labels.items())), 0.0)


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)


@pytest.fixture
def ctx(db: Database, clock: Clock) -> Iterator[Context]:
    context = Context(db=db, slack=InMemorySlack(), domains=DOMAINS, clock=clock,
                      worker="test", on_delivery=lambda kind, outcome: metrics.
                      OUTBOX_DELIVERIES.labels(kind=kind, outcome=outcome).inc())
    metrics.watch_database(db, clock)
    yield context


def test_escalations_and_the_outbox_backlog(ctx: Context, clock: Clock) -> None:
    """Gauges come from the database: escalations by state and SEV, backlog and its age."""
    slack = ctx.slack
    assert isinstance(slack, InMemorySlack)
    slack.fail("post_packet", DeliveryError("channel_not_found", retryable=False), times=5)
    escalate.submit(ctx, key="V1", requester="U0AGENT", answers=good_answers(clock()))
    delivered_before = value(scrape(), "escalation_bot_outbox_deliveries_total",
                             kind="post_packet", outcome="failed")
    deliver_due(ctx)
    clock.advance(minutes=3)
    samples = scrape()
    assert value(samples, "escalation_bot_escalations", state="open", severity="SEV2") == 1
    assert value(samples, "escalation_bot_outbox_pending", kind="post_packet") == 1
    assert value(samples, "escalation_bot_outbox_oldest_pending_age_seconds") == 180
    assert value(samples, "escalation_bot_outbox_deliveries_total", kind="post_packet",
                 outcome="failed") == delivered_before + 1
    assert value(samples, "escalation_bot_database_up") == 1

    slack.failures.clear()
    clock.advance(minutes=10)
    deliver_due(ctx)
    samples = scrape()
    assert value(samples, "escalation_bot_outbox_oldest_pending_age_seconds") == 0
    assert value(samples, "escalation_bot_outbox_pending", kind="post_packet") == 0


def test_a_scrape_answers_when_the_database_does_not(ctx: Context) -> None:
    ctx.db.dispose()
    broken = Database.from_url("postgresql+psycopg://u:p@127.0.0.1:1/none")
    metrics.watch_database(broken, ctx.now)
    assert value(scrape(), "escalation_bot_database_up") == 0


def test_slack_calls_and_failures_by_method_and_error() -> None:
    fake = make_fake()
    try:
        gateway = SlackGateway(make_client(token=BOT_TOKEN, base_url=fake.api_url))
        before = scrape()
        gateway.ephemeral("C0AUTH0001", "U0SPEC", "hello")
        fake.fail_with_error("chat.postEphemeral", "channel_not_found")
        gateway.ephemeral("C0AUTH0001", "U0SPEC", "hello")
        after = scrape()
    finally:
        fake.stop()
    calls = "escalation_bot_slack_calls_total"
    assert value(after, calls, method="chat.postEphemeral", outcome="ok") == \
        value(before, calls, method="chat.postEphemeral", outcome="ok") + 1
    failures = "escalation_bot_slack_call_failures_total"
    assert value(after, failures, method="chat.postEphemeral", error="channel_not_found") == \
        value(before, failures, method="chat.postEphemeral", error="channel_not_found") + 1


def test_ack_latency_is_observed_per_listener() -> None:
    from slack_bolt.request import BoltRequest
    from slack_bolt.response import BoltResponse

    body = "command=%2Fescalate&text=secret+customer+text&user_id=U0AGENT&channel_id=C0SUP" \
           "&team_id=T0TEST&trigger_id=13345.224"
    request = BoltRequest(body=body, headers={"content-type":
                                              ["application/x-www-form-urlencoded"]})
    count = "escalation_bot_ack_latency_seconds_count"
    before = value(scrape(), count, listener="/escalate")

    def listener() -> BoltResponse:
        ack = request.context.ack
        assert isinstance(ack, TimedAck)
        ack()
        return BoltResponse(status=200)

    observe_middleware(request, BoltResponse(status=200), listener)
    assert value(scrape(), count, listener="/escalate") == before + 1


def test_json_logs_carry_ids_and_never_user_text() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("test.json")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    body = {"type": "block_actions", "user": {"id": "U0SPEC"}, "channel": {"id": "C0AUTH"},
            "team": {"id": "T0TEST"}, "trigger_id": "1.2",
            "actions": [{"action_id": "claim", "value": "secret customer text"}]}
    with logctx.bound(**request_facts(body)), logctx.bound(escalation="ESC-7"):
        logger.info("claimed %s", "ESC-7")
    logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["message"] == "claimed ESC-7" and line["level"] == "INFO"
    assert (line["escalation"], line["request_type"], line["listener"], line["user_id"],
            line["channel_id"], line["team_id"], line["trigger_id"]) == \
        ("ESC-7", "block_actions", "claim", "U0SPEC", "C0AUTH", "T0TEST", "1.2")
    assert "secret" not in stream.getvalue()
    assert datetime.fromisoformat(line["time"]).utcoffset() == timedelta(0)


@pytest.mark.parametrize(("body", "kind", "listener"), [
    ({"command": "/escalation", "user_id": "U1", "text": "ESC-1 jira create"},
     "slash_command", "/escalation"),
    ({"type": "view_submission", "view": {"callback_id": "escalate"}, "user": {"id": "U1"}},
     "view_submission", "escalate"),
    ({"type": "event_callback", "event": {"type": "app_home_opened"}, "event_id": "Ev1"},
     "event_callback", "app_home_opened"),
])
def test_request_facts(body: dict[str, object], kind: str, listener: str) -> None:
    facts = request_facts(body)
    assert (facts["request_type"], facts["listener"]) == (kind, listener)
    assert "jira create" not in json.dumps(facts)


def test_deadline_lateness_is_observed_when_a_reminder_fires(db: Database, clock: Clock
                                                             ) -> None:
    """A reminder swept 170 minutes after its due time lands in the lateness histogram."""
    from commands.timers import sweep
    from tests.timers.test_sweep import M, posted

    context = Context(db=db, slack=InMemorySlack(), domains=DOMAINS, clock=clock, worker="w",
                      on_deadline=lambda kind, late: metrics.DEADLINE_LATENESS.labels(
                          kind=kind).observe(late))
    before = scrape()
    posted(context)
    result = sweep(context, clock() + 200 * M)
    assert result.fired == 1
    after = scrape()
    fired = [labels for labels, count in after["escalation_bot_deadline_lateness_seconds_count"]
             .items() if count > before.get("escalation_bot_deadline_lateness_seconds_count",
                                            {}).get(labels, 0)]
    assert len(fired) == 1
    total = value(after, "escalation_bot_deadline_lateness_seconds_sum", **dict(fired[0])) - \
        value(before, "escalation_bot_deadline_lateness_seconds_sum", **dict(fired[0]))
    assert total == 170 * 60
