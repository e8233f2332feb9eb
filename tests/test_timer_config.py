"""The timer keys of escalation.yml: durations, per-SEV and per-domain overrides, business hours.

Errors name the file, the key and why, at start (load_config is what ``run`` and ``check`` call).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.config import load_config
from bot.errors import ConfigError
from core.model import Severity

BASE = """\
domains:
  - {key: auth, name: Auth, channel: C0AUTH0001%s}
  - {key: billing, name: Billing, channel: C0BILL0001}
digest_channel: C0DIGEST01
"""
M, H = timedelta(minutes=1), timedelta(hours=1)


def load(tmp_path: Path, extra: str = "", domain: str = ""):  # type: ignore[no-untyped-def]
    path = tmp_path / "escalation.yml"
    path.write_text(BASE % domain + extra)
    return load_config(path)


def refused(tmp_path: Path, extra: str, domain: str = "") -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, extra, domain)
    text = str(info.value)
    assert text.startswith(str(tmp_path / "escalation.yml") + ": ")
    return text


def test_durations_in_every_spelling(tmp_path: Path) -> None:
    config = load(tmp_path, "policy:\n  SEV1: {claim: 45s, accept: 10m, return_to_queue: 1h30m,"
                            " update: 20m, overdue: 1h, rca: 1d, rca_reminder: 12h}\n")
    timers = config.build_policy().timers.policy(Severity.SEV1)
    assert (timers.claim, timers.accept, timers.return_to_queue) == \
        (timedelta(seconds=45), 10 * M, 90 * M)
    assert (timers.update, timers.overdue, timers.rca, timers.rca_reminder) == \
        (20 * M, H, 24 * H, 12 * H)
    # The spine's ladder policy reads the same numbers.
    sev = config.build_policy().for_severity(Severity.SEV1)
    assert (sev.ack_deadline, sev.update_cadence) == (timedelta(seconds=45), 20 * M)


def test_spine_minutes_keys_still_load(tmp_path: Path) -> None:
    config = load(tmp_path, "policy:\n  SEV1: {ack_deadline_minutes: 10, "
                            "update_cadence_minutes: 45}\n")
    timers = config.build_policy().timers.policy(Severity.SEV1)
    assert (timers.claim, timers.update) == (10 * M, 45 * M)
    assert timers.overdue == 90 * M  # kept in proportion (seed: overdue at 2× for SEV1)


def test_example_config_loads_unchanged() -> None:
    config = load_config(Path(__file__).resolve().parents[1] / "escalation.example.yml")
    assert config.build_policy().timers.policy(Severity.SEV1).update == 30 * M


def test_business_hours_globally_and_per_domain(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        "business_hours: {timezone: America/New_York, days: [mon, tue, wed, thu, fri],"
        " start: \"09:00\", end: 17:30, holidays: [2026-12-25]}\n"
        "policy:\n  SEV2: {hours: business}\n",
        ", business_hours: {timezone: Europe/London, start: \"08:00\", end: \"16:00\"},"
        " policy: {SEV2: {update: 1h}}")
    timers = config.build_policy().timers
    assert timers.hours.timezone == "America/New_York"
    assert timers.hours.end == time(17, 30)  # unquoted 17:30 (YAML reads 1050) still works
    assert timers.hours.holidays == frozenset({date(2026, 12, 25)})
    assert timers.business_hours("auth").timezone == "Europe/London"
    assert timers.policy(Severity.SEV2, "auth").update == H
    assert timers.policy(Severity.SEV2, "billing").update == 2 * H
    assert timers.policy(Severity.SEV2, "auth").business_hours  # global override inherited
    friday_5pm_ny = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)
    assert timers.clock(Severity.SEV2, "billing").add(friday_5pm_ny, H) == \
        datetime(2026, 12, 7, 14, 30, tzinfo=UTC)


@pytest.mark.parametrize(("extra", "where", "why"), [
    ("policy:\n  SEV1: {remind: 5m}\n", "policy.SEV1.remind", "unknown key"),
    ("policy:\n  SEV1: {update: 0m}\n", "policy.SEV1.update", "must be longer than zero"),
    ("policy:\n  SEV1: {claim: -5m}\n", "policy.SEV1.claim", "is not a duration"),
    ("policy:\n  SEV1: {update: 30}\n", "policy.SEV1.update", "has no unit"),
    ("policy:\n  SEV1: {update: 1h, overdue: 30m}\n", "policy.SEV1.overdue",
     "must be after update"),
    ("policy:\n  SEV2: {accept: 1h, return_to_queue: 30m}\n", "policy.SEV2.return_to_queue",
     "must be after accept"),
    ("policy:\n  SEV1: {claim: 10m, ack_deadline_minutes: 10}\n", "policy.SEV1",
     "keep only claim"),
    ("policy:\n  SEV1: {hours: sometimes}\n", "policy.SEV1.hours", "always"),
    ("policy:\n  SEV1: {claim_ladder: [channel, boss]}\n", "policy.SEV1.claim_ladder[1]",
     "'channel', 'leads' or 'raise'"),
    ("business_hours: {timezone: Mars/Olympus}\n", "business_hours.timezone",
     "not an IANA time zone"),
    ("business_hours: {start: \"18:00\", end: \"09:00\"}\n", "business_hours",
     "must be before end"),
    ("business_hours: {days: [mon, funday]}\n", "business_hours.days", "must be some of"),
    ("business_hours: {start: \"9am\"}\n", "business_hours.start", "time of day"),
])
def test_refused_with_key_and_why(tmp_path: Path, extra: str, where: str, why: str) -> None:
    text = refused(tmp_path, extra)
    assert f": {where}" in text and why in text, text


def test_domain_overdue_before_due_is_refused_naming_the_domain(tmp_path: Path) -> None:
    text = refused(tmp_path, "", ", policy: {SEV3: {overdue: 1h}}")
    assert "domains[auth].policy.SEV3.overdue: overdue must be after update" in text


def test_domain_policy_takes_timer_keys_only(tmp_path: Path) -> None:
    text = refused(tmp_path, "", ", policy: {SEV3: {base_level: L4}}")
    assert "base_level: unknown key" in text


def test_deflection_settings_from_the_yaml(tmp_path: Path) -> None:
    """``deflection:`` sets the lookback and how many suggestions; bad values are refused."""
    from bot.errors import ConfigError
    from core.similar import SimilarSettings

    example = load_config(Path(__file__).resolve().parents[1] / "escalation.example.yml")
    assert example.deflection.settings() == SimilarSettings(lookback_days=180, max_suggestions=3)
    base = (Path(__file__).resolve().parents[1] / "escalation.example.yml").read_text()
    path = tmp_path / "e.yml"
    path.write_text(base.replace("deflection: {lookback: 180d, max_suggestions: 3}",
                                 "deflection: {lookback: 30d, max_suggestions: 0}"))
    assert load_config(path).deflection.settings() == SimilarSettings(30, 0)
    for bad in ("{lookback: 0d}", "{max_suggestions: 9}", "{lookback: 30}", "{days: 3}"):
        path.write_text(base.replace("{lookback: 180d, max_suggestions: 3}", bad))
        with pytest.raises(ConfigError, match="deflection"):
            load_config(path)
