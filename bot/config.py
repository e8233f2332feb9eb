"""The YAML config (``ESCALATION_CONFIG``, default ``./escalation.yml``).

```yaml
domains:
  - {key: auth, name: Authentication & SSO, channel: C0123ABCD, specialists: S0123ABCD}
digest_channel: C0456EFGH
policy:                       # optional, per-severity overrides of the seed defaults
  SEV2: {base_level: L4, claim: 20m, update: 1h30m}
business_hours: {timezone: America/New_York, start: "09:00", end: "17:30"}
leads: [U0LEAD0001, S0LEADS001]   # optional: user and/or user group IDs (domains add theirs)
leadership_channel: C0LEAD0001    # optional: told about L4 escalations and contract/PR risk
reopen_window: 7d                 # optional
merge_threshold: {customers: 5, affected_users: 1000, suggest: SEV2}   # optional
deflection: {lookback: 180d, max_suggestions: 3}                      # optional (defaults)
```
Unknown keys, duplicate domain keys, malformed ids, zero or negative durations and an overdue
before its due are refused at start with the file, the key and why
(:class:`bot.errors.ConfigError`). The timer keys are in :mod:`bot.timer_config`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import time as dt_time
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.errors import ConfigError
from bot.jira.config import JiraConfig, ZendeskConfig
from bot.timer_config import BusinessHoursConfig, TimerOverride, build_timers, duration
from core.model import Domain, Level, Severity
from core.period import WEEKDAYS, DigestSchedule
from core.policy import DEFAULT_POLICY, MergeThreshold, Policy
from core.redaction import AllowList
from core.similar import DEFAULT_LOOKBACK_DAYS, DEFAULT_MAX_SUGGESTIONS, SimilarSettings

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")
_USERGROUP_ID = re.compile(r"^S[A-Z0-9]{6,}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")
_DOMAIN_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


def _people(values: list[str]) -> list[str]:
    for value in values:
        if not (_USER_ID.match(value) or _USERGROUP_ID.match(value)):
            raise ValueError(f"{value!r} is not a Slack user ID (U…/W…) or user group ID (S…)")
    return values


def _user(value: str | None) -> str | None:
    if value is not None and not _USER_ID.match(value):
        raise ValueError(f"{value!r} is not a Slack user ID (like U0123ABCD)")
    return value


def _channel(value: str) -> str:
    if not _CHANNEL_ID.match(value):
        raise ValueError(f"{value!r} is not a Slack channel ID (like C0123ABCD; copy it from "
                         "the channel's details, not its #name)")
    return value


class DomainTimerOverride(TimerOverride):
    """Per-domain overrides: timer keys only (the ladder is the same for every domain)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DomainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    name: Annotated[str, Field(min_length=1, max_length=60)]
    channel: str
    specialists: str | None = None
    business_hours: BusinessHoursConfig | None = None
    policy: dict[Severity, DomainTimerOverride] = Field(default_factory=dict)
    # The domain's leads (added to the global ones): user IDs and/or user group IDs.
    leads: list[str] = Field(default_factory=list)
    # Incident commander by default for this domain's SEV1–2 escalations.
    incident_commander: str | None = None

    _check_leads = field_validator("leads")(classmethod(lambda cls, v: _people(v)))
    _check_ic = field_validator("incident_commander")(classmethod(lambda cls, v: _user(v)))

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _DOMAIN_KEY.match(value):
            raise ValueError(f"{value!r} must be lower-case letters, digits, - or _ "
                             "(at most 32)")
        return value

    _check_channel = field_validator("channel")(classmethod(lambda cls, v: _channel(v)))

    @field_validator("specialists")
    @classmethod
    def _specialists(cls, value: str | None) -> str | None:
        if value is not None and not _USERGROUP_ID.match(value):
            raise ValueError(f"{value!r} is not a Slack user group ID (like S0123ABCD)")
        return value


class SevOverride(TimerOverride):
    model_config = ConfigDict(extra="forbid", frozen=True)

    base_level: Level | None = None
    queue_threshold: timedelta | None = None
    # The spine's keys, still accepted: ack_deadline_minutes is ``claim``,
    # update_cadence_minutes is ``update``.
    queue_threshold_minutes: Annotated[int, Field(gt=0)] | None = None
    ack_deadline_minutes: Annotated[int, Field(gt=0)] | None = None
    update_cadence_minutes: Annotated[int, Field(gt=0)] | None = None

    _queue = field_validator("queue_threshold", mode="before")(
        classmethod(lambda cls, v: None if v is None else duration(v)))

    @field_validator("base_level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        if isinstance(value, str) and value.upper() in Level.__members__:
            value = Level[value.upper()]
        if value in (Level.L1, Level.L5, 1, 5):
            raise ValueError("must be L2, L3 or L4: L1 is where escalations start and L5 "
                             "Leadership is notified, never the owner")
        return value

    @model_validator(mode="after")
    def _one_spelling(self) -> SevOverride:
        for old, new in (("queue_threshold_minutes", "queue_threshold"),
                         ("ack_deadline_minutes", "claim"),
                         ("update_cadence_minutes", "update")):
            if getattr(self, old) is not None and getattr(self, new) is not None:
                raise ValueError(f"{old} and {new} say the same thing: keep only {new}")
        return self

    def timers(self) -> dict[str, object]:
        return self.timer_fields(ack_minutes=self.ack_deadline_minutes,
                                 update_minutes=self.update_cadence_minutes)

    def fields(self) -> dict[str, object]:
        out: dict[str, object] = {}
        if self.base_level is not None:
            out["base_level"] = self.base_level
        if self.queue_threshold_minutes is not None:
            out["queue_threshold"] = timedelta(minutes=self.queue_threshold_minutes)
        if self.queue_threshold is not None:
            out["queue_threshold"] = self.queue_threshold
        timers = self.timers()
        if "claim" in timers:
            out["ack_deadline"] = timers["claim"]
        if "update" in timers:
            out["update_cadence"] = timers["update"]
        return out


class DigestConfig(BaseModel):
    """When the weekly digest is posted: ``digest: {weekday: mon, time: "09:00", timezone:
    Europe/Berlin, per_domain: {auth: C0AUTHLEAD}}`` (default Monday 09:00 UTC)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weekday: str = "mon"
    time: str = "09:00"
    timezone: str = "UTC"
    # Optional extra digests, one per domain, each to its own channel.
    per_domain: dict[str, str] = Field(default_factory=dict)

    @field_validator("weekday")
    @classmethod
    def _weekday(cls, value: str) -> str:
        day = value.strip().lower()[:3]
        if day not in WEEKDAYS:
            raise ValueError(f"{value!r} must be a weekday: {', '.join(WEEKDAYS)}")
        return day

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        if not re.match(r"^([01]\d|2[0-3]):[0-5]\d$", value.strip()):
            raise ValueError(f"{value!r} must be a 24-hour time like \"09:00\"")
        return value.strip()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except Exception:
            raise ValueError(f"{value!r} is not a time zone name like Europe/Berlin or UTC"
                             ) from None
        return value

    @field_validator("per_domain")
    @classmethod
    def _channels(cls, value: dict[str, str]) -> dict[str, str]:
        for channel in value.values():
            _channel(channel)
        return value

    def schedule(self) -> DigestSchedule:
        return DigestSchedule(self.weekday, dt_time.fromisoformat(self.time), self.timezone)
class MergeThresholdConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    customers: Annotated[int, Field(gt=0)] = 5
    affected_users: Annotated[int, Field(gt=0)] = 1000
    suggest: Severity = Severity.SEV2


class RedactionConfig(BaseModel):
    """What is not PII for this team: its own email domains, and exact strings to keep."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    allow_domains: list[str] = Field(default_factory=list)
    allow: list[str] = Field(default_factory=list)

    @field_validator("allow_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        for domain in value:
            if not re.fullmatch(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}", domain):
                raise ValueError(f"{domain!r} is not a domain name like example.com "
                                 "(lower case, no @ or scheme)")
        return value


class DeflectionConfig(BaseModel):
    """Deflection at intake: resolved escalations younger than ``lookback`` and approved
    articles are suggested on the readiness step, at most ``max_suggestions`` (0: off)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lookback: timedelta = timedelta(days=DEFAULT_LOOKBACK_DAYS)
    max_suggestions: Annotated[int, Field(ge=0, le=5)] = DEFAULT_MAX_SUGGESTIONS

    @field_validator("lookback", mode="before")
    @classmethod
    def _lookback(cls, value: Any) -> timedelta:
        return value if isinstance(value, timedelta) else duration(value)

    def settings(self) -> SimilarSettings:
        return SimilarSettings(lookback_days=max(1, round(self.lookback / timedelta(days=1))),
                               max_suggestions=self.max_suggestions)


class AppConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    domains: Annotated[list[DomainConfig], Field(min_length=1)]
    digest_channel: str
    digest: DigestConfig = Field(default_factory=DigestConfig)
    # Where knowledge-base drafts go for review besides the L1 agent's DM (optional).
    kb_channel: str | None = None
    policy: dict[Severity, SevOverride] = Field(default_factory=dict)
    business_hours: BusinessHoursConfig | None = None
    # Leads everywhere: user IDs and/or user group IDs (domains may add their own).
    leads: list[str] = Field(default_factory=list)
    # Where leadership is told about L4 escalations and contract/PR risk.
    leadership_channel: str | None = None
    # After resolution, the requester or the owner may reopen within this (leads: always).
    reopen_window: timedelta = timedelta(days=7)
    # Merged duplicates adding up to this much impact suggest a severity upgrade.
    merge_threshold: MergeThresholdConfig = Field(default_factory=MergeThresholdConfig)
    deflection: DeflectionConfig = Field(default_factory=DeflectionConfig)
    jira: JiraConfig | None = None
    zendesk: ZendeskConfig | None = None


    redaction: RedactionConfig = Field(default_factory=RedactionConfig)

    _check_digest = field_validator("digest_channel")(classmethod(lambda cls, v: _channel(v)))
    _check_leads = field_validator("leads")(classmethod(lambda cls, v: _people(v)))

    @field_validator("leadership_channel")
    @classmethod
    def _leadership(cls, value: str | None) -> str | None:
        return None if value is None else _channel(value)

    @field_validator("reopen_window", mode="before")
    @classmethod
    def _reopen_window(cls, value: Any) -> timedelta:
        return value if isinstance(value, timedelta) else duration(value)

    @field_validator("kb_channel")
    @classmethod
    def _kb_channel(cls, value: str | None) -> str | None:
        return None if value is None else _channel(value)

    @model_validator(mode="after")
    def _digest_domains(self) -> AppConfig:
        keys = {d.key for d in self.domains}
        for key in self.digest.per_domain:
            if key not in keys:
                raise ValueError(f"digest.per_domain: {key!r} is not a domain key "
                                 f"({', '.join(sorted(keys))})")
        return self

    @field_validator("domains")
    @classmethod
    def _unique_keys(cls, value: list[DomainConfig]) -> list[DomainConfig]:
        seen: set[str] = set()
        for domain in value:
            if domain.key in seen:
                raise ValueError(f"domain key {domain.key!r} is used twice; keys must be unique")
            seen.add(domain.key)
        return value

    @model_validator(mode="after")
    def _jira_domains(self) -> AppConfig:
        if self.jira is not None:
            keys = {d.key for d in self.domains}
            for name in self.jira.project_per_domain:
                if name not in keys:
                    raise ValueError(f"jira.project_per_domain: {name!r} is not a domain key "
                                     f"(domains: {', '.join(sorted(keys))})")
        return self

    def domain_map(self) -> dict[str, Domain]:
        return {d.key: Domain(d.key, d.name, d.channel, d.specialists, tuple(d.leads),
                              d.incident_commander) for d in self.domains}

    def allow_list(self) -> AllowList:
        return AllowList(domains=frozenset(self.redaction.allow_domains),
                         literals=frozenset(self.redaction.allow))

    def build_policy(self) -> Policy:
        """The rule table; a ValueError names the key when timer values contradict."""
        timers = build_timers(
            {sev: override.timers() for sev, override in self.policy.items()},
            self.business_hours,
            {d.key: ({sev: o.timer_fields() for sev, o in d.policy.items()}, d.business_hours)
             for d in self.domains})
        policy = DEFAULT_POLICY.with_overrides(
            {sev: override.fields() for sev, override in self.policy.items()}
        )
        threshold = MergeThreshold(customers=self.merge_threshold.customers,
                                   affected_users=self.merge_threshold.affected_users,
                                   suggest=self.merge_threshold.suggest)
        return replace(policy, timers=timers, reopen_window=self.reopen_window,
                       merge_threshold=threshold)


def _where(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
        else:
            parts.append(str(item))
    return ".".join(parts) or "(top level)"


def load_config(path: Path) -> AppConfig:
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found (copy escalation.example.yml to "
                          f"{path} or set ESCALATION_CONFIG)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}:{at} is not valid YAML ({getattr(exc, 'problem', exc)})"
                          ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with 'domains' and 'digest_channel'")
    try:
        config = AppConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _where(tuple(first["loc"]))
        why = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            why = "unknown key"
        elif first["type"] == "missing":
            why = "is required"
        raise ConfigError(f"{path}: {where}: {why}") from None
    try:
        config.build_policy()
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return config
