"""Runs the real bot — the ``escalation-bot run`` command in a subprocess — against FakeSlack.

The bot process gets the fake's Web API URL through ``SLACK_API_URL``, a real database URL, a
real config file, and in HTTP mode a real port; in Socket Mode it connects to the fake's
websocket. Its log is kept in a file and printed when a test fails.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from tests.builders import good_answers
from tests.fakeslack import FakeSlack
from tests.shared_data import SHARED_SLACK

REPO = Path(__file__).resolve().parents[2]
SIGNING_SECRET = "e2e-signing-secret"
BOT_TOKEN = "xoxb-e2e"
APP_TOKEN = "xapp-e2e"

CONFIG = """\
domains:
  - {key: auth, name: Authentication & SSO, channel: C0AUTH0001}
  - {key: billing, name: Billing & invoicing, channel: C0BILL0001, specialists: S0BILLSPEC,
     incident_commander: U0IC0001}
  - {key: api, name: Public API, channel: C0API00001}
digest_channel: C0DIGEST01
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_fake(*, contract_data: Path | None = SHARED_SLACK) -> FakeSlack:
    """The fake workspace the bot is configured for.

    ``contract_data=None`` turns off the per-call schema checks (the benchmark does: they cost
    tens of milliseconds of CPU per call in the test process).
    """
    fake = FakeSlack(bot_token=BOT_TOKEN, app_token=APP_TOKEN, contract_data=contract_data)
    fake.start()
    fake.add_channel("C0SUPPORT", "support")
    fake.add_channel("C0AUTH0001", "esc-auth")
    fake.add_channel("C0BILL0001", "esc-billing", is_private=True)
    fake.add_channel("C0API00001", "esc-api", bot_member=False)  # public: the bot joins it
    fake.add_channel("C0DIGEST01", "esc-digest")
    fake.usergroups = {"S0BILLSPEC": ["U0BILLER"]}
    return fake


@dataclass
class BotProcess:
    fake: FakeSlack
    workdir: Path
    database_url: str
    mode: Literal["http", "socket"] = "http"
    port: int = field(default_factory=free_port)
    env_overrides: dict[str, str] = field(default_factory=dict)
    config: str = CONFIG
    config_extra: str = ""  # more escalation.yml (e.g. a jira: section)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    @property
    def log_path(self) -> Path:
        return self.workdir / "bot.log"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("SLACK_", "DATABASE_", "ESCALATION_"))}
        (self.workdir / "escalation.yml").write_text(self.config + self.config_extra)
        env.update({
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": self.fake.api_url,
            "DATABASE_URL": self.database_url,
            "ESCALATION_CONFIG": str(self.workdir / "escalation.yml"),
            "DELIVERY_INTERVAL_SECONDS": "0.5",
            # Short, so restart tests are quick, yet longer than one delivery attempt here
            # (rate-limit waits of 1–2 s, 5xx retries): a shorter lease lets a second worker
            # retry an attempt still in flight, which is what the lease exists to prevent.
            "OUTBOX_LEASE_SECONDS": "8",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        })
        for key, value in self.env_overrides.items():
            if value == "":
                env.pop(key, None)  # "" restores the program's default
            else:
                env[key] = value
        return env

    def start(self, timeout: float = 30.0) -> None:
        args = [sys.executable, "-m", "bot.cli", "run"]
        if self.mode == "http":
            args += ["--http", "--host", "127.0.0.1", "--port", str(self.port)]
        connections_before = self.fake.socket_connection_count
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(args, cwd=self.workdir, env=self.env(), stdout=log,
                                        stderr=subprocess.STDOUT)
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"bot exited with {self.process.returncode}:\n{self.log()}")
            if self._ready(connections_before):
                return
            time.sleep(0.05)
        raise AssertionError(f"bot did not become ready in {timeout}s:\n{self.log()}")

    def _ready(self, connections_before: int) -> bool:
        if self.mode == "socket":
            return self.fake.socket_connection_count > connections_before
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz",
                                        timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def stop(self, *, kill: bool = False) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


STEP_FIELDS = {
    "problem": ["problem", "background", "domain", "severity", "customer", "tier",
                "affected_users", "first_reported_at", "signals"],
    "reproduction": ["repro_steps", "expected", "actual", "environment", "build_version",
                     "feature_flags", "region", "workflow", "logs", "evidence_links"],
    "handoff": ["tried", "blocker", "hypothesis", "asks", "workaround", "deadline",
                "renewal_at_stake", "posture", "linked_tickets", "case_owner"],
}


def form_values(now: datetime, step: str, **changes: Any) -> dict[str, Any]:
    """What an agent enters on ``step`` for the builders' good escalation, as driver values."""
    answers = good_answers(now, **{k: v for k, v in changes.items()
                                   if not isinstance(v, _Raw)})
    out: dict[str, Any] = {}
    for key in STEP_FIELDS[step]:
        value = getattr(answers, key)
        if key == "signals":
            value = [s.value for s in value]
        elif key == "renewal_at_stake":
            value = ["true"] if value else []
        elif key == "first_reported_at":
            value = int(value.timestamp())
        elif hasattr(value, "value"):
            value = value.value
        out[key] = value
    for key, raw in changes.items():
        if isinstance(raw, _Raw):
            out[key] = raw.value
    return out


@dataclass(frozen=True)
class _Raw:
    """A value typed into the form as-is (for values the Answers type would not hold)."""

    value: Any


def raw(value: Any) -> _Raw:
    return _Raw(value)
