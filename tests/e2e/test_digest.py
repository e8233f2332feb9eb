"""The weekly digest end to end: the real bot process posts it to the fake Slack.

The bot "was down" when the digest fell due (the calendar deadline is already past when it
starts): it posts the digest once, saying it is late, with the chart in the channel and the
full Markdown report in the message's thread; a restart posts nothing more.
"""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest

from commands.timers import ensure_calendar
from core.digest import CALENDAR_KIND
from core.timefmt import utcnow
from storage.database import Database
from tests.e2e.harness import BotProcess
from tests.fakeslack import FakeSlack
from tests.reports.seed import escalation

pytestmark = pytest.mark.e2e


def wait_until(check: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def digests(fake: FakeSlack) -> list[dict[str, object]]:
    return [m for m in fake.messages("C0DIGEST01")
            if (m.get("metadata") or {}).get("event_type") == "escalation_digest"]


def test_missed_digest_is_posted_once_late_with_chart_and_report(
        fake: FakeSlack, bot_factory: object, database_url: str) -> None:
    db = Database.from_url(database_url)
    db.migrate()
    now = utcnow()
    with db.transaction() as s:
        for i in range(6):
            escalation(s, created=now - timedelta(days=i + 1), severity=f"SEV{1 + i % 4}",
                       claimed=timedelta(minutes=10 * (i + 1)), owner=f"U0SPEC{i % 2}")
        ensure_calendar(s, kind=CALENDAR_KIND, first_due=now - timedelta(hours=2), now=now)
    db.dispose()
    # People by name (users.info, asked before posting), escaped; nobody is mentioned (a
    # mention in a channel message pings). U0SPEC0's claims go back to the queue (not accepted
    # in time) while the bot "was down", so U0SPEC1 is the one owner the digest shows.
    fake.add_user("U0SPEC1", "fox", real_name="Fox Mulder", display_name="Fox <!channel>")
    bot: BotProcess = bot_factory("http", SWEEP_INTERVAL_SECONDS="0.5")  # type: ignore[operator]
    bot.start()
    wait_until(lambda: len(fake.completed_files()) >= 2)
    [message] = digests(fake)
    assert "late" in str(message["text"])
    assert "Weekly escalation digest" in str(message["blocks"])
    assert "Fox &lt;!channel&gt; (auth): 1 open now" in str(message["blocks"])
    assert "<@" not in str(message["blocks"]) and "<!channel>" not in str(message["blocks"])
    assert "U0SPEC1" in {c.args.get("user") for c in fake.calls_to("users.info")}
    chart, report = fake.completed_files()
    assert chart.filename.endswith(".png") and chart.shared_to == ["C0DIGEST01"]
    assert report.filename.endswith(".md") and report.content is not None
    assert report.content.decode().startswith("# Weekly escalation digest")
    assert "| Fox \\<!channel\\> | auth |" in report.content.decode()
    assert "U0SPEC1" not in report.content.decode()
    replies = [m for m in fake.messages("C0DIGEST01") if m.get("thread_ts") == message["ts"]
               and m.get("ts") != message["ts"]]
    assert replies, "the Markdown report is shared in the digest's thread"
    from matplotlib import image

    assert chart.content is not None
    assert image.imread(io.BytesIO(chart.content), format="png").shape[:2] == (1350, 1200)
    bot.stop()
    bot.start()  # a restart: the occurrence is done, nothing is posted again
    time.sleep(2)
    assert len(digests(fake)) == 1 and len(fake.completed_files()) == 2
