"""``escalation-bot report digest|utilization|deflection|handoff …``: the leads' reports.

The same figures the weekly digest posts (:func:`commands.reports.make_report`), printed as
Markdown (default), JSON or CSV, with ``--chart FILE.png`` for the charts. Without a period
the report covers the last digest week (the week the latest digest posted about).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.config import load_config
from bot.errors import UserError, one_line
from bot.settings import Settings
from core.period import Period, PeriodError, between, since
from core.report import ReportKind
from core.report_format import FORMATS
from core.timefmt import utcnow


def add_parser(sub: Any) -> None:
    report = sub.add_parser(
        "report", help="print a leads' report (digest, utilization, deflection, handoff)",
        description="Print a leads' report: the same figures the weekly digest posts.")
    report.add_argument("kind", choices=[k.value for k in ReportKind])
    report.add_argument("--since", metavar="SPAN",
                        help="the period ending now: 7d, 24h, 2w (default: the last digest "
                             "week)")
    report.add_argument("--from", dest="start", metavar="YYYY-MM-DD",
                        help="first day (in the digest's time zone)")
    report.add_argument("--to", dest="end", metavar="YYYY-MM-DD",
                        help="last day, included")
    report.add_argument("--domain", metavar="KEY", help="only this domain")
    report.add_argument("--format", default="markdown", choices=sorted(FORMATS),
                        help="markdown (default), json or csv")
    report.add_argument("--chart", metavar="FILE.png", type=Path,
                        help="also write the charts as a PNG")


def _period(args: argparse.Namespace, *, timezone: str, default: Period) -> Period:
    try:
        if args.since and (args.start or args.end):
            raise PeriodError("use either --since or --from/--to, not both")
        if args.since:
            return since(args.since, now=utcnow())
        if args.start or args.end:
            if not (args.start and args.end):
                raise PeriodError("--from and --to go together")
            return between(args.start, args.end, timezone=timezone)
    except PeriodError as exc:
        raise UserError(str(exc)) from None
    return default


def run(settings: Settings, args: argparse.Namespace) -> None:
    config = load_config(settings.escalation_config)
    if args.domain is not None and args.domain not in config.domain_map():
        raise UserError(f"--domain {args.domain!r}: not a domain key "
                        f"({', '.join(sorted(config.domain_map()))})")
    if args.chart is not None and (args.chart.suffix.lower() != ".png"
                                   or not args.chart.parent.is_dir()):
        raise UserError(f"--chart {args.chart}: must be a .png file in an existing folder")
    schedule = config.digest.schedule()
    now = utcnow()
    period = _period(args, timezone=schedule.timezone,
                     default=schedule.week_ending(schedule.occurrence_at_or_before(now)))
    from commands.reports import make_report
    from storage.database import Database

    db = Database.from_url(settings.database_url)
    try:
        result = make_report(db, kind=ReportKind(args.kind), period=period,
                             policy=config.build_policy(), now=now, domain=args.domain,
                             series=args.chart is not None, timezone=schedule.timezone)
    except Exception as exc:
        raise UserError(f"DATABASE_URL: cannot read the reports ({one_line(exc)}); "
                        "has `escalation-bot migrate` run?") from None
    finally:
        db.dispose()
    if args.chart is not None:
        from bot.render.charts import digest_png

        args.chart.write_bytes(digest_png(result.report, result.series))
    sys.stdout.write(FORMATS[args.format](result.report))
