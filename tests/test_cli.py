"""The command line: one clear line and exit code 2 for operator mistakes, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "escalation.example.yml"
GOOD_YAML = EXAMPLE.read_text()


def run_cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_",
                                                                    "ESCALATION_"))}
    base.update(env)
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, env=base,
                          capture_output=True, text=True, timeout=60)


def assert_user_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "escalation.yml").write_text(GOOD_YAML)
    return tmp_path


class TestSettings:
    def test_missing_app_token_for_socket_mode(self, workdir: Path) -> None:
        """`run` in Socket Mode without SLACK_APP_TOKEN names that setting."""
        result = run_cli("run", cwd=workdir, SLACK_BOT_TOKEN="xoxb-1")
        assert_user_error(result, "SLACK_APP_TOKEN")

    def test_missing_signing_secret_for_http(self, workdir: Path) -> None:
        """`run --http` without SLACK_SIGNING_SECRET names that setting."""
        result = run_cli("run", "--http", cwd=workdir, SLACK_BOT_TOKEN="xoxb-1")
        assert_user_error(result, "SLACK_SIGNING_SECRET")

    def test_malformed_bot_token(self, workdir: Path) -> None:
        """A user token where the bot token belongs is refused by name."""
        result = run_cli("check", cwd=workdir, SLACK_BOT_TOKEN="xoxp-123")
        assert_user_error(result, "SLACK_BOT_TOKEN", "xoxb-")

    def test_malformed_database_url(self, workdir: Path) -> None:
        """A DATABASE_URL that is not a SQLAlchemy URL is refused by name."""
        result = run_cli("check", cwd=workdir, DATABASE_URL="not a url")
        assert_user_error(result, "DATABASE_URL")

    def test_unknown_drafter(self, workdir: Path) -> None:
        """DRAFTER is rules or llm."""
        assert_user_error(run_cli("check", cwd=workdir, DRAFTER="gpt"), "DRAFTER", "rules or llm")

    def test_llm_drafter_needs_its_endpoint(self, workdir: Path) -> None:
        """DRAFTER=llm without LLM_BASE_URL names the missing setting."""
        assert_user_error(run_cli("check", cwd=workdir, DRAFTER="llm", LLM_MODEL="m"),
                          "LLM_BASE_URL")

    def test_settings_from_dotenv(self, workdir: Path) -> None:
        """Settings are read from .env in the working directory too."""
        (workdir / ".env").write_text("SLACK_API_URL=ftp://nope\n")
        result = run_cli("check", cwd=workdir)
        assert_user_error(result, "SLACK_API_URL")


class TestConfig:
    @pytest.mark.parametrize(("yaml_text", "needles"), [
        (GOOD_YAML + "\nsurprise: 1\n", ["surprise", "unknown key"]),
        (GOOD_YAML.replace("key: billing", "key: auth"), ["domains", "auth", "twice"]),
        (GOOD_YAML.replace("channel: C0API00001", "channel: '#api'"),
         ["domains[2].channel", "not a Slack channel ID"]),
        (GOOD_YAML.replace("specialists: S0AUTHSPEC", "specialists: auth-team"),
         ["domains[0].specialists", "user group ID"]),
        (GOOD_YAML + "\nredaction: {allow_domains: ['@ourco.com']}\n",
         ["redaction.allow_domains", "not a domain name"]),
        (GOOD_YAML.replace("SEV2: {update: 2h, overdue: 3h}", "SEV9: {}"),
         ["policy", "SEV9"]),
        (GOOD_YAML.replace("SEV2: {update: 2h, overdue: 3h}", "SEV2: {base_level: L5}"),
         ["policy.SEV2.base_level", "must be L2, L3 or L4"]),
        ("domains: [\n", ["not valid YAML"]),
        ("digest_channel: C0DIGEST01\n", ["domains", "is required"]),
    ])
    def test_bad_config_is_refused(self, workdir: Path, yaml_text: str,
                                   needles: list[str]) -> None:
        """A bad escalation.yml is refused with the file, the key and why."""
        (workdir / "escalation.yml").write_text(yaml_text)
        result = run_cli("check", cwd=workdir)
        assert_user_error(result, "escalation.yml", *needles)

    def test_missing_config_file(self, tmp_path: Path) -> None:
        """A missing config file says how to create one."""
        result = run_cli("check", cwd=tmp_path)
        assert_user_error(result, "escalation.yml", "not found", "escalation.example.yml")

    def test_example_config_is_valid(self, workdir: Path) -> None:
        """The shipped example passes `check`."""
        result = run_cli("check", cwd=workdir)
        assert result.returncode == 0, result.stderr
        assert "3 domain(s) OK" in result.stdout


class TestMigrate:
    def test_migrate_creates_the_schema(self, workdir: Path) -> None:
        """`migrate` on an empty SQLite file creates the schema; a second run is a no-op."""
        url = f"sqlite:///{workdir}/fresh.db"
        for _ in range(2):
            result = run_cli("migrate", cwd=workdir, DATABASE_URL=url)
            assert result.returncode == 0, result.stderr
        assert (workdir / "fresh.db").exists()

    def test_unreachable_database(self, workdir: Path) -> None:
        """A database that cannot be reached is one line, exit 2."""
        result = run_cli("migrate", cwd=workdir,
                         DATABASE_URL="postgresql+psycopg://u:p@127.0.0.1:1/none")
        assert_user_error(result, "DATABASE_URL")

    def test_bad_argument_exits_2(self, workdir: Path) -> None:
        """An unknown subcommand exits 2 with argparse's usage message."""
        result = run_cli("fly", cwd=workdir)
        assert result.returncode == 2 and "invalid choice" in result.stderr


class TestDraft:
    """``escalation-bot draft FILE.json``: offline, no settings or tokens needed."""

    @pytest.fixture
    def saved(self, tmp_path: Path) -> Path:
        from benchmarks.drafter_corpus import load_corpus, replies

        case = next(c for c in load_corpus() if c.key.startswith("02_"))
        path = tmp_path / "thread.json"
        path.write_text(json.dumps(replies(case)))
        return path

    def test_json_keys_are_the_checklist_field_names(self, saved: Path, tmp_path: Path) -> None:
        result = run_cli("draft", str(saved), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        draft = json.loads(result.stdout)
        assert draft["severity"] == "SEV1"
        assert draft["customer"] == "Brightwave"
        assert draft["linked_tickets"] == "ZD-51007"
        assert "upstream connect error" in draft["logs"]
        assert draft["repro_steps"] is None  # not in the thread: left for the agent
        assert "4242 4242 4242 4242" not in result.stdout
        assert "melting down" not in result.stdout

    def test_markdown(self, saved: Path, tmp_path: Path) -> None:
        result = run_cli("draft", str(saved), "--format", "markdown", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "## Diagnosis & handoff" in result.stdout
        assert "**Linked tickets:** ZD-51007" in result.stdout
        assert "## Sources" in result.stdout

    @pytest.mark.parametrize(("content", "needle"), [
        ("", "empty"), ("{not json", "not JSON"), ('{"ok": true}', "messages"),
        ('{"ok": false, "error": "not_in_channel"}', "not_in_channel"),
        ('{"ok": true, "messages": []}', "no messages"),
    ])
    def test_bad_files_one_line_exit_2(self, tmp_path: Path, content: str, needle: str) -> None:
        path = tmp_path / "bad.json"
        path.write_text(content)
        assert_user_error(run_cli("draft", str(path), cwd=tmp_path), "bad.json", needle)

    def test_missing_file(self, tmp_path: Path) -> None:
        assert_user_error(run_cli("draft", str(tmp_path / "nope.json"), cwd=tmp_path),
                          "no such file")
