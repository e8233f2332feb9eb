"""Build a leads' report: the one source of truth for the CLI, Slack and the weekly digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.model import Severity
from core.period import Period, weekly_buckets
from core.policy import Policy
from core.report import SECTIONS, Report, ReportKind, build, claim_targets
from core.report_data import WeeklySeries
from storage import reports as figures_db
from storage.database import Database

CHART_WEEKS = 8


@dataclass(frozen=True)
class ReportWithSeries:
    report: Report
    series: WeeklySeries | None


def queue_thresholds(policy: Policy) -> dict[str, float | None]:
    return {s.value: policy.for_severity(s).queue_threshold.total_seconds() for s in Severity}


def make_report(db: Database, *, kind: ReportKind, period: Period, policy: Policy,
                now: datetime, domain: str | None = None, series: bool = False,
                timezone: str = "UTC") -> ReportWithSeries:
    """Aggregate both periods in the database and build the report (and the weekly series)."""
    sections = frozenset(SECTIONS[kind])
    targets = claim_targets(policy)
    thresholds = queue_thresholds(policy)
    with db.read() as session:
        this = figures_db.period_figures(session, period=period, domain=domain,
                                         claim_targets=targets, queue_thresholds=thresholds,
                                         sections=sections)
        last = figures_db.period_figures(session, period=period.previous(), domain=domain,
                                         claim_targets=targets, queue_thresholds=thresholds,
                                         sections=sections)
        weekly = None
        if series:
            weekly = figures_db.weekly_series(
                session, weeks=weekly_buckets(period.end, weeks=CHART_WEEKS, zone=timezone),
                domain=domain)
    report = build(kind, this=this, last=last, period=period, policy=policy,
                   generated_at=now, domain=domain)
    return ReportWithSeries(report, weekly)
