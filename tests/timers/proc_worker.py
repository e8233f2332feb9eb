"""A real sweeping process for the exactly-once tests (``python -m tests.timers.proc_worker``).

It sweeps the deadlines of DATABASE_URL at a fixed ``now`` and delivers what it owes to a
"Slack" that appends one line per reminder to OUT (``<nudge id> <target>``). A retried
delivery whose outcome is unknown looks in every worker's file first, as the real gateway
looks in the packet's thread. With SLOW_MS each send takes that long (so it can be killed
mid-sweep).
"""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from commands import timers
from commands.context import Context
from commands.deliver import deliver_due
from commands.timers import sweep
from core.model import Domain, Escalation
from core.timers import Nudge
from storage.database import Database
from tests.fakes import InMemorySlack


class FileSlack(InMemorySlack):
    def __init__(self, out: Path, slow_ms: float) -> None:
        super().__init__()
        self.out = out
        self.slow = slow_ms / 1000

    def send_nudge(self, esc: Escalation, nudge: Nudge, *, look_first: bool) -> None:
        target = nudge.recipient or "thread"
        line = f"{nudge.id} {target}\n"
        if look_first:
            for path in self.out.parent.glob("sent-*.txt"):
                if line in path.read_text().splitlines(keepends=True):
                    return
        if self.slow:
            time.sleep(self.slow)
        with self.out.open("a") as f:
            f.write(line)
            f.flush()


def main() -> None:
    url, worker, now_iso, out = sys.argv[1:5]
    lease_s = float(os.environ.get("LEASE_S", "30"))
    now = datetime.fromisoformat(now_iso)
    db = Database.from_url(url)
    slack = FileSlack(Path(out), float(os.environ.get("SLOW_MS", "0")))
    ctx = Context(db=db, slack=slack, domains={"auth": Domain("auth", "Auth", "C0AUTH0001")},
                  clock=lambda: now, worker=worker, lease=timedelta(seconds=lease_s))
    timers.CHANNEL_PACE_S = 0.0  # the file "Slack" has no rate limit
    print("ready", flush=True)
    sys.stdin.readline()  # start together
    while sweep(ctx, now, limit=50).claimed:
        pass
    while deliver_due(ctx, limit=200):
        pass
    print("done", flush=True)
    db.dispose()


if __name__ == "__main__":
    main()
