"""``escalation-bot export``: the Markdown document, or one line and exit code 2."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.database import Database
from tests.fakes import InMemorySlack
from tests.loop_helpers import Clock, claimed, make_ctx
from tests.test_cli import GOOD_YAML, assert_user_error, run_cli


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "escalation.yml").write_text(GOOD_YAML)
    db = Database.from_url(f"sqlite:///{tmp_path}/escalation.db")
    db.migrate()
    claimed(make_ctx(db, InMemorySlack(), Clock(datetime(2026, 11, 23, 12, tzinfo=UTC))))
    db.dispose()
    return tmp_path


def test_prints_the_document(workdir: Path) -> None:
    result = run_cli("export", "esc-1", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# ESC-1: SSO login fails")
    assert "| Claim | 2026-11-23T12:00Z | @U0OWNER |" in result.stdout


def test_writes_a_file(workdir: Path) -> None:
    result = run_cli("export", "ESC-1", "--out", "esc1.md", cwd=workdir)
    assert result.returncode == 0 and result.stdout.strip() == "wrote ESC-1 to esc1.md"
    assert (workdir / "esc1.md").read_text().startswith("# ESC-1:")


@pytest.mark.parametrize(("args", "needle"), [
    (("export", "banana"), "'banana' is not an escalation id"),
    (("export", "ESC-99"), "ESC-99 does not exist"),
    (("export", "1", "--out", "missing-dir/x.md"), "--out missing-dir/x.md: cannot write"),
])
def test_bad_input_is_one_line(workdir: Path, args: tuple[str, ...], needle: str) -> None:
    assert_user_error(run_cli(*args, cwd=workdir), needle)


def test_unmigrated_database(tmp_path: Path) -> None:
    (tmp_path / "escalation.yml").write_text(GOOD_YAML)
    assert_user_error(run_cli("export", "1", cwd=tmp_path), "DATABASE_URL", "migrate")
