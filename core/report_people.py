"""The report sections about people and promises: specialist utilization, promises kept.

"Updates on time" comes from one place (:class:`~core.report_data.Compliance`, aggregated in
``storage.reports_promises``): per owner (the owner when each was due) in the utilization
table, per SEV in "Promises kept". "Customer updates on time" is support's: per SEV and per
support agent in "Promises kept".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from statistics import median

from core.model import Severity
from core.period import Period
from core.policy import Policy
from core.report_data import Compliance, PeriodFigures
from core.report_model import Figure, Section, Table, Unit, duration_text

# Someone is overloaded when their open count is this much above their domain's median …
OVERLOAD_FACTOR = 1.5
# … and at least this many escalations above it (a median of 1 makes 2 no overload).
OVERLOAD_MIN_EXTRA = 2


def _ratio(part: int | float, whole: int | float) -> float | None:
    return part / whole if whole else None


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def overloaded(people: Iterable[tuple[str, int]]) -> set[str]:
    """Users whose open count is well above their domain's median (``(domain, open)`` pairs
    keyed by user as ``domain|user``)."""
    by_domain: dict[str, list[tuple[str, int]]] = {}
    for key, count in people:
        domain, _, _user = key.partition("|")
        by_domain.setdefault(domain, []).append((key, count))
    out: set[str] = set()
    for members in by_domain.values():
        mid = median(c for _, c in members)
        for key, count in members:
            if count >= mid * OVERLOAD_FACTOR and count >= mid + OVERLOAD_MIN_EXTRA:
                out.add(key)
    return out


def _outside(figures: PeriodFigures) -> float | None:
    hours = sum(d.owned_hours for d in figures.domains)
    outside = sum(d.owned_hours * (d.outside_hours_share or 0.0) for d in figures.domains)
    return _ratio(outside, hours)


def _on_time(rows: Sequence[Compliance]) -> float | None:
    return _ratio(sum(c.on_time for c in rows), sum(c.due for c in rows))


def _people_on_time(figures: PeriodFigures) -> float | None:
    return _ratio(sum(p.updates_on_time or 0 for p in figures.people),
                  sum(p.updates_due or 0 for p in figures.people))


def _of(on_time: int | None, due: int | None) -> str:
    return "—" if not due else f"{on_time or 0}/{due}"


def utilization(this: PeriodFigures, last: PeriodFigures, period: Period, policy: Policy
                ) -> Section:
    heavy = overloaded((f"{p.domain}|{p.user}", p.open_now) for p in this.people)
    people = sorted(this.people, key=lambda p: (-p.open_now, -p.owned_in_period, p.domain,
                                                 p.user))
    rows = []
    for p in people:
        rows.append((p.user, p.domain, str(p.owned_in_period), str(p.open_now),
                     f"{p.owned_hours:.1f}", _share(p.outside_hours_share),
                     duration_text(p.median_claim_s), duration_text(p.median_accept_s),
                     _of(p.updates_on_time, p.updates_due),
                     "overloaded" if f"{p.domain}|{p.user}" in heavy else ""))
    table = Table("people", "Per specialist, by load",
                  ("Specialist", "Domain", "Owned", "Open now", "Owned hours",
                   "Outside business hours", "Median to claim", "Median to accept",
                   "Updates on time", "Load"), tuple(rows),
                  empty="Nobody owned anything.", user_columns=(0,))
    previous = {d.domain: d for d in last.domains}
    domain_rows = []
    for d in this.domains:
        before = previous.get(d.domain)
        domain_rows.append((
            d.domain, f"{d.owned_hours:.1f} ({before.owned_hours if before else 0:.1f})",
            f"{_share(d.outside_hours_share)} "
            f"({_share(before.outside_hours_share if before else None)})"))
    by_domain = Table("domains", "Per domain (previous period in brackets)",
                      ("Domain", "Owned hours", "Outside business hours"), tuple(domain_rows),
                      empty="Nobody owned anything.")
    figures = (
        Figure("utilization.specialists", "Specialists who owned escalations",
               len({p.user for p in this.people if p.owned_in_period}),
               len({p.user for p in last.people if p.owned_in_period}), lower_is_better=False),
        Figure("utilization.overloaded", "Overloaded now", len(heavy), None),
        Figure("utilization.owned_hours", "Owned hours",
               round(sum(d.owned_hours for d in this.domains), 1),
               round(sum(d.owned_hours for d in last.domains), 1), lower_is_better=False),
        Figure("utilization.outside_hours", "Owned time outside business hours",
               _outside(this), _outside(last), Unit.RATIO),
        Figure("utilization.updates_on_time", "Status updates on time",
               _people_on_time(this), _people_on_time(last), Unit.RATIO,
               lower_is_better=False),
    )
    notes = ("Coaching data, not a leaderboard: sorted by load. Overloaded: open count at "
             f"least {OVERLOAD_FACTOR}× the domain's median and {OVERLOAD_MIN_EXTRA} above it. "
             "Owned hours run from the claim to the resolution, for whoever owned it at the "
             "time (a handoff moves the rest to the new owner); the time between a "
             "resolution and a reopening is not counted. Owned: taken on in the period "
             "(claimed or handed over). Business hours are the timers' "
             "(business_hours in the config, per domain where set). Updates on time: "
             "posted before the update reminder fired, of all updates due; each due counts "
             "for whoever owned the escalation when it was due. Customer updates are "
             "support's: see Promises kept.",)
    return Section("utilization", "Specialist utilization", figures, (table, by_domain), notes)


def promises(this: PeriodFigures, last: PeriodFigures, period: Period, policy: Policy
             ) -> Section:
    a, b = this.promises, last.promises
    figures = [Figure("promises.updates_on_time", "Status updates on time",
                      _on_time(a.updates), _on_time(b.updates), Unit.RATIO,
                      lower_is_better=False),
               Figure("promises.updates_due", "Status updates due",
                      sum(c.due for c in a.updates), sum(c.due for c in b.updates),
                      lower_is_better=False)]
    figures += _per_sev("promises.updates_on_time", "updates on time", a.updates, b.updates)
    figures += [Figure("promises.customer_updates_on_time", "Customer updates on time",
                       _on_time(a.customer_updates), _on_time(b.customer_updates), Unit.RATIO,
                       lower_is_better=False),
                Figure("promises.customer_updates_due", "Customer updates due",
                       sum(c.due for c in a.customer_updates),
                       sum(c.due for c in b.customer_updates), lower_is_better=False)]
    figures += _per_sev("promises.customer_updates_on_time", "customer updates on time",
                        a.customer_updates, b.customer_updates)
    figures += [
        Figure("promises.nudges_sent", "Reminders sent", a.nudges_sent, b.nudges_sent),
        Figure("promises.nudges_acted", "Reminders acted on",
               _ratio(a.nudges_acted, a.nudges_sent), _ratio(b.nudges_acted, b.nudges_sent),
               Unit.RATIO, lower_is_better=False),
        Figure("promises.returned_to_queue", "Returned to the queue (not accepted in time)",
               a.returned_to_queue, b.returned_to_queue),
    ]
    table = Table("updates", "Status updates on time per SEV",
                  ("SEV", "On time", "Due"),
                  tuple((c.group, str(c.on_time), str(c.due)) for c in a.updates),
                  empty="No status update was due.")
    customer = Table("customer_updates", "Customer updates on time per SEV",
                     ("SEV", "On time", "Due"),
                     tuple((c.group, str(c.on_time), str(c.due)) for c in a.customer_updates),
                     empty="No customer update was due.")
    agents = Table("customer_agents", "Customer updates on time per support agent",
                   ("Support agent", "On time", "Due"),
                   tuple((c.group, str(c.on_time), str(c.due)) for c in
                         sorted(a.customer_by_agent, key=lambda c: (-c.due, c.group))),
                   empty="No customer update was due.", user_columns=(0,))
    notes = ("An update is due each time the SEV's update clock runs (timers config); it is "
             "on time when posted before the reminder fired; per owner (the owner when each "
             "was due): see Specialist utilization. A customer update is support's: due each "
             "time the customer-update clock runs (customer_update, default the update "
             "cadence, from the claim), on time when the requester recorded giving the "
             "customer an update (Customer told) before the customer-update reminder fired; "
             "a reminder that fired is a miss, for the requester.",)
    return Section("promises", "Promises kept", tuple(figures), (table, customer, agents), notes)


def _per_sev(key: str, label: str, this: Sequence[Compliance], last: Sequence[Compliance]
             ) -> list[Figure]:
    mine = {c.group: c for c in this}
    theirs = {c.group: c for c in last}
    out = []
    for sev in (s.value for s in Severity):
        x, y = mine.get(sev), theirs.get(sev)
        if x is None and y is None:
            continue
        out.append(Figure(f"{key}.{sev}", f"{sev} {label}",
                          _ratio(x.on_time, x.due) if x else None,
                          _ratio(y.on_time, y.due) if y else None, Unit.RATIO,
                          lower_is_better=False))
    return out
