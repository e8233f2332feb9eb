"""The weekly digest on the calendar: posted once per week across replicas and restarts,
late when the bot was down, retried without repeating a step. Controlled clock, real database,
in-memory Slack."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

import pytest

from commands import digest
from commands.context import Context
from commands.digest import DigestSettings, deliver_digests
from commands.ports import DeliveryError
from commands.timers import sweep
from core.model import Domain
from core.period import DigestSchedule
from storage import deadlines as dl
from storage import digests as store
from storage.database import Database
from tests.fakes import InMemorySlack
from tests.reports.seed import escalation

DOMAINS = {"auth": Domain("auth", "Authentication & SSO", "C0AUTH0001"),
           "billing": Domain("billing", "Billing", "C0BILL0001")}
# Monday 09:00 in Berlin: 08:00 UTC in winter.
SCHEDULE = DigestSchedule("mon", time(9, 0), "Europe/Berlin")
START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday
DUE = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
M = timedelta(minutes=1)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def make_ctx(db: Database, slack: InMemorySlack, clock: Clock, worker: str = "w1",
             per_domain: dict[str, str] | None = None) -> Context:
    ctx = Context(db=db, slack=slack, domains=DOMAINS, clock=clock, worker=worker)
    ctx.extra["digest"] = DigestSettings(SCHEDULE, "C0DIGEST01", per_domain or {})
    return ctx


@pytest.fixture
def slack() -> InMemorySlack:
    return InMemorySlack()


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def ctx(db: Database, slack: InMemorySlack, clock: Clock) -> Context:
    ctx = make_ctx(db, slack, clock)
    digest.start(ctx)
    return ctx


def at(clock: Clock, moment: datetime) -> Callable[[Context], object]:
    clock.at = moment
    return lambda c: sweep(c, moment)


def test_start_puts_the_deadline_at_the_next_occurrence(ctx: Context) -> None:
    with ctx.db.read() as session:
        row = dl.get_deadline(session, key="cal:weekly_digest")
    assert row is not None and row.due_at == DUE


def test_posted_once_on_time_with_chart_and_report(ctx: Context, slack: InMemorySlack,
                                                   clock: Clock) -> None:
    with ctx.db.transaction() as s:
        escalation(s, created=DUE - timedelta(days=2), severity="SEV1", claimed=5 * M,
                   owner="U0SPEC")
    sweep(ctx, DUE - M)
    assert slack.digests() == []  # not yet
    clock.at = DUE + M
    sweep(ctx, DUE + M)
    sweep(ctx, DUE + 2 * M)
    deliver_digests(ctx, DUE + 3 * M)
    [message] = slack.digests("C0DIGEST01")
    assert message.late_note is None
    assert message.report is not None
    assert message.report.period.start == datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
    opened = message.report.figure("volume.opened")
    assert opened is not None and opened.this == 1
    assert slack.files == [("C0DIGEST01", None, "escalation-digest-2026-11-23.png"),
                           ("C0DIGEST01", message.ts, "escalation-digest-2026-11-23.md")]
    with ctx.db.read() as session:
        row = dl.get_deadline(session, key="cal:weekly_digest")
    assert row is not None and row.due_at == DUE + timedelta(days=7)


def test_down_at_the_due_time_posts_once_late(ctx: Context, slack: InMemorySlack,
                                              clock: Clock) -> None:
    """Down from Sunday to Tuesday: one digest on restart, saying it is late; the missed
    week is not replayed again and the next one is on the following Monday."""
    later = DUE + timedelta(days=1, hours=3)
    clock.at = later
    digest.start(ctx)  # a restart
    sweep(ctx, later)
    sweep(ctx, later + M)
    [message] = slack.digests()
    assert message.late_note is not None and "late" in message.late_note
    with ctx.db.read() as session:
        row = dl.get_deadline(session, key="cal:weekly_digest")
    assert row is not None and row.due_at == DUE + timedelta(days=7)


def test_two_replicas_post_once(db: Database, slack: InMemorySlack, clock: Clock) -> None:
    one, two = make_ctx(db, slack, clock, "w1"), make_ctx(db, slack, clock, "w2")
    digest.start(one)
    digest.start(two)
    clock.at = DUE + M
    barrier = threading.Barrier(2)

    def run(c: Context) -> None:
        barrier.wait()
        sweep(c, DUE + M)
        deliver_digests(c, DUE + M)

    threads = [threading.Thread(target=run, args=(c,)) for c in (one, two)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(slack.digests()) == 1
    assert len(slack.files) == 2


def test_per_domain_digests_go_to_their_channels(db: Database, slack: InMemorySlack,
                                                 clock: Clock) -> None:
    ctx = make_ctx(db, slack, clock, per_domain={"auth": "C0AUTHLEAD"})
    digest.start(ctx)
    with db.transaction() as s:
        escalation(s, created=DUE - timedelta(days=1), domain="auth")
        escalation(s, created=DUE - timedelta(days=1), domain="billing")
    clock.at = DUE
    sweep(ctx, DUE)
    team, = slack.digests("C0DIGEST01")
    auth, = slack.digests("C0AUTHLEAD")
    assert team.report is not None and auth.report is not None
    assert team.report.figure("volume.opened").this == 2  # type: ignore[union-attr]
    assert auth.report.figure("volume.opened").this == 1  # type: ignore[union-attr]
    assert auth.report.title.endswith("auth")


def test_a_failed_upload_is_retried_without_posting_again(ctx: Context, slack: InMemorySlack,
                                                          clock: Clock) -> None:
    slack.fail("upload_digest_report", DeliveryError("ratelimited"))
    clock.at = DUE
    sweep(ctx, DUE)
    assert len(slack.digests()) == 1 and len(slack.files) == 1  # chart only
    deliver_digests(ctx, DUE + M)  # not yet: backoff
    assert len(slack.files) == 1
    deliver_digests(ctx, DUE + 10 * M)
    assert len(slack.digests()) == 1 and len(slack.files) == 2
    with ctx.db.read() as session:
        [post] = store.all_posts(session)
    assert post.status == "done" and post.attempts == 2


def test_unknown_outcome_looks_before_posting_again(ctx: Context, slack: InMemorySlack,
                                                    clock: Clock) -> None:
    slack.lose_response_once = True  # Slack posted it, we saw a timeout
    clock.at = DUE
    sweep(ctx, DUE)
    deliver_digests(ctx, DUE + 10 * M)
    assert len(slack.digests()) == 1 and slack.lookups == 1
    assert len(slack.files) == 2


def test_no_digest_channel_no_deadline(db: Database, slack: InMemorySlack,
                                       clock: Clock) -> None:
    ctx = Context(db=db, slack=slack, domains=DOMAINS, clock=clock, worker="w1")
    digest.start(ctx)
    with db.read() as session:
        assert dl.get_deadline(session, key="cal:weekly_digest") is None


def test_changed_schedule_moves_the_future_deadline(db: Database, slack: InMemorySlack,
                                                    clock: Clock) -> None:
    ctx = make_ctx(db, slack, clock)
    digest.start(ctx)
    ctx.extra["digest"] = DigestSettings(DigestSchedule("fri", time(16, 0), "UTC"),
                                         "C0DIGEST01", {})
    digest.start(ctx)
    with db.read() as session:
        row = dl.get_deadline(session, key="cal:weekly_digest")
    assert row is not None and row.due_at == datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


class StallingSlack(InMemorySlack):
    """Runs ``after_post`` once the next digest message is posted (the call was slow)."""

    after_post: Callable[[], None] | None = None

    def post_digest(self, channel: str, report: object, *, key: str,  # type: ignore[override]
                    late_note: str | None) -> object:
        posted = super().post_digest(channel, report, key=key,  # type: ignore[arg-type]
                                     late_note=late_note)
        hook, self.after_post = self.after_post, None
        if hook is not None:
            hook()
        return posted


def test_a_worker_whose_lease_was_taken_over_uploads_nothing(db: Database,
                                                             clock: Clock) -> None:
    """w1's post outlives its lease; w2 takes the digest over, finds the message and uploads
    the chart and the report. w1 then makes no further call: one chart, one report."""
    slack = StallingSlack()
    one, two = make_ctx(db, slack, clock, "w1"), make_ctx(db, slack, clock, "w2")
    digest.start(one)

    def stall_and_take_over() -> None:
        clock.at += one.lease + M
        assert deliver_digests(two, clock.at) == 1

    slack.after_post = stall_and_take_over
    clock.at = DUE + M
    sweep(one, DUE + M)  # fires the digest and delivers it: w1 posts, then stalls
    assert len(slack.digests()) == 1
    assert [name for _, _, name in slack.files] == ["escalation-digest-2026-11-23.png",
                                                    "escalation-digest-2026-11-23.md"]
    with db.read() as session:
        [post] = store.all_posts(session)
    assert post.status == "done" and post.chart_done and post.report_done
