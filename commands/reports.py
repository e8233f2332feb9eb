"""Build a leads' report: the one source of truth for the CLI, Slack and the weekly digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from core.model import Severity
from core.period import Period, PeriodError, weekly_buckets
from core.period import since as since_period
from core.policy import Policy
from core.report import SECTIONS, Report, ReportKind, build, claim_targets
from core.report_data import WeeklySeries
from storage import names as names_db
from storage import reports as figures_db
from storage import reports_people as people_db
from storage.database import Database
from storage.report_scope import plan_for_memory

if TYPE_CHECKING:
    from commands.context import Context

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
        plan_for_memory(session)
        open_now = (people_db.open_per_owner(session, domain=domain)
                    if "utilization" in sections else None)
        this = figures_db.period_figures(session, period=period, domain=domain,
                                         claim_targets=targets, queue_thresholds=thresholds,
                                         sections=sections, timers=policy.timers,
                                         open_now=open_now)
        last = figures_db.period_figures(session, period=period.previous(), domain=domain,
                                         claim_targets=targets, queue_thresholds=thresholds,
                                         sections=sections, timers=policy.timers,
                                         open_now=open_now)
        weekly = None
        if series:
            weekly = figures_db.weekly_series(
                session, weeks=weekly_buckets(period.end, weeks=CHART_WEEKS, zone=timezone),
                domain=domain)
        report = build(kind, this=this, last=last, period=period, policy=policy,
                       generated_at=now, domain=domain)
        # People by name (the bot's cache, filled from Slack; the id where none is known).
        report = report.with_names(names_db.names_for(session, users=report.user_ids()))
    return ReportWithSeries(report, weekly)


@dataclass(frozen=True)
class LeadReport:
    report: Report | None
    text: str


def lead_report(ctx: Context, *, user: str, kind: str, since: str) -> LeadReport:
    """``/escalation report …``: leads only (global or any domain's ``leads:``)."""
    from commands.act import expand

    lead_ids = [*ctx.leads, *(i for d in ctx.domains.values() for i in d.leads)]
    if user not in expand(ctx, lead_ids):
        return LeadReport(None, "Reports are for leads (`leads:` in the bot's config). Ask a "
                                "lead, or run `escalation-bot report` on the server.")
    now = ctx.now()
    try:
        period = since_period(since, now=now)
    except PeriodError as exc:
        return LeadReport(None, str(exc))
    built = make_report(ctx.db, kind=ReportKind(kind), period=period, policy=ctx.policy,
                        now=now)
    return LeadReport(built.report, built.report.title)
