"""The bot's own health in Prometheus format (``prometheus-client``).

Counters and histograms are updated where things happen (the Slack gateway, the listeners'
acks, the Jira and Zendesk clients, the outbox); the escalation and outbox gauges are read
from the database at scrape time, so every replica reports the shared truth and a restart
loses nothing. Served at ``GET /metrics`` in HTTP mode and on ``METRICS_PORT`` in Socket Mode.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
_LATENESS_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400)

SLACK_CALLS = Counter("escalation_bot_slack_calls", "Slack Web API calls made, by method "
                      "and outcome (ok or the Slack error)", ["method", "outcome"],
                      registry=REGISTRY)
SLACK_FAILURES = Counter("escalation_bot_slack_call_failures", "Slack Web API calls that "
                         "failed, by method and error", ["method", "error"], registry=REGISTRY)
OUTBOX_DELIVERIES = Counter("escalation_bot_outbox_deliveries", "Outbox delivery attempts by "
                            "kind and outcome (delivered, failed, deferred, lost: the lease was "
                            "taken over, nothing sent)",
                            ["kind", "outcome"], registry=REGISTRY)
ACK_LATENCY = Histogram("escalation_bot_ack_latency_seconds", "Time from receiving a Slack "
                        "request to acknowledging it, per listener", ["listener"],
                        buckets=_LATENCY_BUCKETS, registry=REGISTRY)
DEADLINE_LATENESS = Histogram("escalation_bot_deadline_lateness_seconds", "How late a due "
                              "deadline (acknowledgment, update cadence) fired after its due "
                              "time", ["kind"], buckets=_LATENESS_BUCKETS, registry=REGISTRY)
JIRA_REQUESTS = Counter("escalation_bot_jira_requests", "Jira REST calls by endpoint and "
                        "outcome (HTTP status or unreachable)", ["endpoint", "outcome"],
                        registry=REGISTRY)
JIRA_LATENCY = Histogram("escalation_bot_jira_request_seconds", "Jira REST call latency",
                         ["endpoint"], buckets=_LATENCY_BUCKETS, registry=REGISTRY)
JIRA_SYNCS = Counter("escalation_bot_jira_syncs", "Jira changes applied to escalations, by "
                     "source (webhook, poll) and result", ["source", "result"],
                     registry=REGISTRY)
JIRA_SYNC_FAILURES = Counter("escalation_bot_jira_sync_failures", "Jira syncs that failed "
                             "(poll errors, refused webhooks)", ["source", "reason"],
                             registry=REGISTRY)
ZENDESK_NOTES = Counter("escalation_bot_zendesk_notes", "Zendesk internal notes by outcome",
                        ["outcome"], registry=REGISTRY)


class DatabaseCollector(Collector):
    """Gauges read from the database when Prometheus scrapes (shared by every replica)."""

    def __init__(self, read: Callable[[], dict[str, Any]]) -> None:
        self._read = read

    def describe(self) -> Iterator[Metric]:
        return iter(())  # values come from the database: nothing to describe up front

    def collect(self) -> Iterator[Metric]:
        escalations = GaugeMetricFamily("escalation_bot_escalations", "Escalations by state "
                                        "and severity", labels=["state", "severity"])
        backlog = GaugeMetricFamily("escalation_bot_outbox_pending", "Outbox items not yet "
                                    "delivered, by kind", labels=["kind"])
        oldest = GaugeMetricFamily("escalation_bot_outbox_oldest_pending_age_seconds",
                                   "Age of the oldest undelivered outbox item (0 when empty)")
        dead = GaugeMetricFamily("escalation_bot_outbox_dead", "Outbox items given up on")
        lag = GaugeMetricFamily("escalation_bot_jira_sync_lag_seconds", "Time since the "
                                "stalest linked Jira issue of a live escalation was synced")
        up = GaugeMetricFamily("escalation_bot_database_up", "1 when the database answered")
        try:
            data = self._read()
        except Exception as exc:  # a scrape must answer even when the database does not
            log.warning("metrics: database unreachable: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        for state, sev, count in data["escalations"]:
            escalations.add_metric([state, sev], count)
        ages = [0.0]
        for kind, count, age in data["backlog"]:
            backlog.add_metric([kind], count)
            ages.append(age)
        oldest.add_metric([], max(ages))
        dead.add_metric([], data["dead"])
        yield from (escalations, backlog, oldest, dead, up)
        if data.get("jira_lag") is not None:
            lag.add_metric([], data["jira_lag"])
            yield lag


_db_collector: DatabaseCollector | None = None


def watch_database(db: Any, clock: Callable[[], datetime]) -> None:
    """Report the gauges of this database (the last call wins: one per process)."""
    global _db_collector
    from storage import jira as jira_store
    from storage import stats

    def read() -> dict[str, Any]:
        now = clock()
        with db.read() as session:
            backlog = [(kind, n, (now - oldest).total_seconds() if oldest else 0.0)
                       for kind, n, oldest in stats.outbox_backlog(session)]
            synced = jira_store.oldest_sync(session)
            return {"escalations": stats.escalations_by_state(session), "backlog": backlog,
                    "dead": stats.outbox_dead(session),
                    "jira_lag": (now - synced).total_seconds() if synced else None}

    if _db_collector is not None:
        REGISTRY.unregister(_db_collector)
    _db_collector = DatabaseCollector(read)
    REGISTRY.register(_db_collector)


def exposition() -> bytes:
    return generate_latest(REGISTRY)


def serve(port: int, host: str = "0.0.0.0") -> Any:
    """Socket Mode: a small separate HTTP server for ``GET /metrics``; returns the server."""
    from prometheus_client import start_http_server

    server, _thread = start_http_server(port, addr=host, registry=REGISTRY)
    return server
