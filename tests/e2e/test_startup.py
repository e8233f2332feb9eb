"""Starting the bot against Slack with wrong credentials: one clear line, exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.harness import BotProcess
from tests.fakeslack import FakeSlack

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(("mode", "env", "needle"), [
    ("socket", {"SLACK_APP_TOKEN": "xapp-wrong"}, "SLACK_APP_TOKEN: Slack refused"),
    ("http", {"SLACK_BOT_TOKEN": "xoxb-wrong"}, "SLACK_BOT_TOKEN: Slack refused it"),
], ids=["app-token", "bot-token"])
def test_wrong_token_is_one_line(fake: FakeSlack, tmp_path: Path, mode: str,
                                 env: dict[str, str], needle: str) -> None:
    """A token Slack refuses stops the bot with one line naming the problem, exit 2."""
    bot = BotProcess(fake=fake, workdir=tmp_path, database_url=f"sqlite:///{tmp_path}/x.db",
                     mode=mode, env_overrides=env)  # type: ignore[arg-type]
    args = [sys.executable, "-m", "bot.cli", "run"] + (["--http", "--port", str(bot.port)]
                                                       if mode == "http" else [])
    result = subprocess.run(args, cwd=tmp_path, env=bot.env(), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("escalation-bot: error:") and needle in last, result.stderr
