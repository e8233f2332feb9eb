"""``escalation-bot report …`` end to end: a real database file, the real process."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from core.timefmt import utcnow
from storage.database import Database
from tests.markdown_lint import lint
from tests.reports.seed import escalation
from tests.test_cli import GOOD_YAML, assert_user_error, run_cli


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "escalation.yml").write_text(GOOD_YAML)
    db = Database.from_url(f"sqlite:///{tmp_path}/escalation.db")
    db.migrate()
    now = utcnow()
    with db.transaction() as s:
        for i in range(12):
            escalation(s, created=now - timedelta(days=i, hours=1), severity=f"SEV{1 + i % 4}",
                       domain=("auth", "billing")[i % 2], claimed=timedelta(minutes=10 + i),
                       owner=f"U0SPEC{i % 3}", resolved=timedelta(hours=5) if i % 3 else None)
    db.dispose()
    return tmp_path


def report(workdir: Path, *args: str) -> str:
    result = run_cli("report", *args, cwd=workdir)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_markdown_is_the_default_and_lints_clean(workdir: Path) -> None:
    text = report(workdir, "digest", "--since", "7d")
    assert text.startswith("# Weekly escalation digest\n")
    assert "| Opened | 7 | 5 |" in text
    assert lint(text) == []


def test_json_is_stable_for_scripts(workdir: Path) -> None:
    first = json.loads(report(workdir, "utilization", "--from", "2020-01-01", "--to",
                              "2020-01-31", "--format", "json"))
    again = json.loads(report(workdir, "utilization", "--from", "2020-01-01", "--to",
                              "2020-01-31", "--format", "json"))
    first.pop("generated_at"), again.pop("generated_at")
    assert first == again
    assert sorted(first) == ["domain", "kind", "period", "previous", "sections", "title"]
    # Whole days in the digest's time zone (Europe/Berlin in the example config).
    assert first["period"]["start"] == "2019-12-31T23:00:00+00:00"


def test_csv_and_domain_filter(workdir: Path) -> None:
    lines = report(workdir, "digest", "--since", "30d", "--domain", "billing", "--format",
                   "csv").splitlines()
    assert lines[0].startswith("section,key,label,unit,this_period")
    assert "volume,volume.opened,Opened,count,6,0,6,," in lines


def test_utilization_shows_outside_hours_and_updates_on_time(workdir: Path) -> None:
    text = report(workdir, "utilization", "--since", "30d")
    assert "| Outside business hours |" in text and "| Updates on time |" in text
    assert "### Per domain (previous period in brackets)" in text
    assert lint(text) == []
    rows = {line.split(",")[1]: line.split(",") for line in
            report(workdir, "utilization", "--since", "30d", "--format", "csv").splitlines()}
    share = float(rows["utilization.outside_hours"][4])
    assert 0 < share <= 1  # the seeded escalations are owned around the clock
    assert float(rows["utilization.owned_hours"][4]) > 0


def test_chart_is_a_readable_png(workdir: Path, tmp_path: Path) -> None:
    from matplotlib import image

    chart = tmp_path / "digest.png"
    report(workdir, "digest", "--since", "14d", "--chart", str(chart))
    pixels = image.imread(str(chart))
    assert pixels.shape[:2] == (1350, 1200)
    assert pixels.std() > 0.05  # not a blank canvas


@pytest.mark.parametrize(("args", "needle"), [
    (("digest", "--since", "7x"), "--since"),
    (("digest", "--from", "2026-11-01"), "--from and --to go together"),
    (("digest", "--since", "7d", "--from", "2026-11-01", "--to", "2026-11-02"), "either"),
    (("digest", "--from", "2026-11-31", "--to", "2026-12-01"), "--from"),
    (("digest", "--domain", "nope"), "--domain"),
    (("digest", "--format", "xml"), "--format"),
    (("digest", "--chart", "out.jpg"), "--chart"),
    (("weekly",), "invalid choice"),
])
def test_bad_arguments_are_one_line_exit_2(workdir: Path, args: tuple[str, ...],
                                           needle: str) -> None:
    assert_user_error(run_cli("report", *args, cwd=workdir), needle)


@pytest.mark.parametrize(("digest", "needle"), [
    ("digest: {timezone: Mars/Olympus}\n", "digest.timezone"),
    ("digest: {weekday: funday}\n", "digest.weekday"),
    ("digest: {time: '9am'}\n", "digest.time"),
    ("digest: {per_domain: {nope: C0DIGEST02}}\n", "per_domain"),
])
def test_bad_digest_config_is_refused_at_check(tmp_path: Path, digest: str,
                                               needle: str) -> None:
    (tmp_path / "escalation.yml").write_text(_without_digest(GOOD_YAML) + digest)
    assert_user_error(run_cli("check", cwd=tmp_path), needle)


def _without_digest(text: str) -> str:
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("digest:"):
            skipping = True
            continue
        if skipping and line.startswith((" ", "#")):
            continue
        skipping = False
        out.append(line)
    return "".join(out)


def test_kb_export_writes_approved_articles(workdir: Path, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from core.kb import Article
    from storage import kb as store

    db = Database.from_url(f"sqlite:///{workdir}/escalation.db")
    now = datetime(2026, 11, 23, tzinfo=UTC)
    with db.transaction() as s:
        for status in ("approved", "discarded"):
            article_id = store.add_draft(s, article=Article(
                title=f"SAML 500 ({status})", symptoms="HTTP 500", applies_to="4.2",
                cause="Strict audience", resolution="Turn the flag off",
                before_escalating="Check the URN", domain="auth", tags=("auth",),
                sources=(1,)), now=now)
            store.decide(s, article_id=article_id, status=status, user="U0AGENT", now=now)
    db.dispose()
    out = tmp_path / "help-center"
    result = run_cli("kb", "export", "--out", str(out), cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert "1 approved article(s)" in result.stdout
    [path] = out.iterdir()
    assert path.read_text().startswith('---\ntitle: "SAML 500 (approved)"')


def test_kb_export_needs_a_folder(workdir: Path) -> None:
    (workdir / "file.txt").write_text("x")
    assert_user_error(run_cli("kb", "export", "--out", "file.txt", cwd=workdir), "--out")
    assert_user_error(run_cli("kb", "export", cwd=workdir), "--out")


def _cache_names(workdir: Path, names: dict[str, str]) -> None:
    from storage import names as store

    db = Database.from_url(f"sqlite:///{workdir}/escalation.db")
    with db.transaction() as s:
        for user, name in names.items():
            store.save(s, user=user, name=name, now=utcnow())
    db.dispose()


def test_people_by_cached_name_else_the_id(workdir: Path, tmp_path: Path) -> None:
    """Markdown and CSV show the names the bot cached; a user with none shows the id. The
    report runs without Slack (the cache is the bot's), and a name cannot break the table."""
    _cache_names(workdir, {"U0SPEC0": "Dana Scully", "U0SPEC1": "Fox | *Spooky* <!channel>"})
    text = report(workdir, "utilization", "--since", "30d")
    assert lint(text) == []
    rows = [line for line in text.splitlines()
            if line.startswith("| ") and ("| auth |" in line or "| billing |" in line)]
    assert any(line.startswith("| Dana Scully | ") for line in rows)
    assert any(line.startswith("| Fox \\| \\*Spooky\\* \\<!channel\\> | ") for line in rows)
    assert any(line.startswith("| U0SPEC2 | ") for line in rows)
    assert "U0SPEC0" not in text and "U0SPEC1" not in text
    header = next(line for line in text.splitlines() if line.startswith("| Specialist |"))
    for line in rows:
        if line.startswith(("| Dana", "| Fox", "| U0SPEC2")):
            assert line.replace("\\|", "").count("|") == header.count("|")
    csv_text = report(workdir, "utilization", "--since", "30d", "--format", "csv")
    assert "Dana Scully — Open now" in csv_text and "U0SPEC2 — Open now" in csv_text
    data = json.loads(report(workdir, "utilization", "--since", "30d", "--format", "json"))
    people = data["sections"][0]["tables"][0]
    assert {r[0]: r[-1] for r in people["rows"]}["U0SPEC0"] == "Dana Scully"


def test_chart_labels_people_by_name(workdir: Path, tmp_path: Path) -> None:
    """The per-specialist panel draws names (a "$" would start matplotlib's mathtext). One
    such chart, rendered and looked at, is described in the README (names fit the margin)."""
    from matplotlib import image

    from bot.render.charts import digest_png, people_labels
    from commands.reports import make_report
    from core.period import since
    from core.policy import DEFAULT_POLICY
    from core.report import ReportKind

    _cache_names(workdir, {"U0SPEC0": "Dana Katherine Scully-Mulder",
                           "U0SPEC1": r"$\notacommand$", "U0SPEC2": "李小龍"})
    chart = tmp_path / "named.png"
    report(workdir, "utilization", "--since", "30d", "--chart", str(chart))
    pixels = image.imread(str(chart))
    assert pixels.shape[:2] == (1350, 1200)
    assert pixels.std() > 0.05
    db = Database.from_url(f"sqlite:///{workdir}/escalation.db")
    built = make_report(db, kind=ReportKind.UTILIZATION, period=since("30d", now=utcnow()),
                        policy=DEFAULT_POLICY, now=utcnow())
    db.dispose()
    rows = list(built.report.section("utilization").tables[0].rows)  # type: ignore[union-attr]
    labels = people_labels(built.report, rows)
    # Cut to fit the margin; "$" literal; a name the font cannot draw (no CJK glyphs in
    # DejaVu Sans: empty boxes) falls back to the id.
    assert {label.split(" (")[0] for label in labels} == {
        "Dana Katherine Sc…", r"\$\notacommand\$", "U0SPEC2"}
    # Unescaped, "$\notacommand$" is mathtext that cannot be parsed: drawing would fail.
    assert digest_png(built.report, None)[:8] == b"\x89PNG\r\n\x1a\n"
