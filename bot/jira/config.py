"""The ``jira:`` and ``zendesk:`` sections of ``escalation.yml``.

Secrets never live in the YAML: the config names the environment variables that hold them
(``email_env``, ``token_env``, ``webhook_secret_env``), and they are read at start.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.errors import ConfigError
from core.jira_sync import DEFAULT_STATUS_MAP, SyncAction, normalise_map
from core.ticket import TicketSettings

_PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]{1,9}$")
_CUSTOM_FIELD = re.compile(r"^customfield_\d+$")
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_LABEL = re.compile(r"^\S{1,255}$")
_SUBDOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def _url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError(f"{value!r} must be an https:// URL such as https://acme.atlassian.net")
    return value.rstrip("/")


def _env_name(value: str) -> str:
    if not _ENV_NAME.match(value):
        raise ValueError(f"{value!r} must name an environment variable (like JIRA_API_TOKEN); "
                         "put the secret itself in the environment, not in this file")
    return value


def secret_from_env(name: str, what: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set: it holds the {what} (named by escalation.yml)")
    return value


class JiraConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str
    email_env: str = "JIRA_EMAIL"
    token_env: str = "JIRA_API_TOKEN"
    webhook_secret_env: str = "JIRA_WEBHOOK_SECRET"
    project_per_domain: Annotated[dict[str, str], Field(min_length=1)]
    issue_type: Annotated[str, Field(min_length=1, max_length=60)] = "Bug"
    severity_field: str | None = None
    affected_users_field: str | None = None
    labels: list[str] = Field(default_factory=lambda: ["escalation"])
    # Jira status name → what it does to the escalation (fix_in_progress, resolved, reopened).
    status_map: dict[str, SyncAction] | None = None
    # Polling fallback (Socket Mode has no public URL for webhooks); 0 turns it off.
    poll_seconds: Annotated[float, Field(ge=0, le=86400)] = 60

    _check_url = field_validator("base_url")(classmethod(lambda cls, v: _url(v)))
    _check_env = field_validator("email_env", "token_env", "webhook_secret_env")(
        classmethod(lambda cls, v: _env_name(v)))

    @field_validator("project_per_domain")
    @classmethod
    def _projects(cls, value: dict[str, str]) -> dict[str, str]:
        for domain, project in value.items():
            if not _PROJECT_KEY.match(project):
                raise ValueError(f"{domain}: {project!r} is not a Jira project key (like AUTH)")
        return value

    @field_validator("severity_field", "affected_users_field")
    @classmethod
    def _custom(cls, value: str | None) -> str | None:
        if value is not None and not _CUSTOM_FIELD.match(value):
            raise ValueError(f"{value!r} must be a custom field id like customfield_10042")
        return value

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: list[str]) -> list[str]:
        for label in value:
            if not _LABEL.match(label):
                raise ValueError(f"label {label!r} must be one word (Jira labels have no spaces)")
        return value

    def statuses(self) -> Mapping[str, SyncAction]:
        return normalise_map(self.status_map) if self.status_map else DEFAULT_STATUS_MAP

    def ticket_settings(self, domain_key: str) -> TicketSettings | None:
        project = self.project_per_domain.get(domain_key)
        if project is None:
            return None
        return TicketSettings(project=project, issue_type=self.issue_type,
                              labels=tuple(self.labels), severity_field=self.severity_field,
                              affected_users_field=self.affected_users_field)

    def credentials(self) -> tuple[str, str]:
        return (secret_from_env(self.email_env, "Jira account's email"),
                secret_from_env(self.token_env, "Jira API token"))

    def webhook_secret(self) -> str | None:
        value = os.environ.get(self.webhook_secret_env, "").strip()
        return value or None


class ZendeskConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    subdomain: str
    email_env: str = "ZENDESK_EMAIL"
    token_env: str = "ZENDESK_API_TOKEN"
    # For tests and proxies: defaults to https://<subdomain>.zendesk.com
    base_url: str | None = None

    _check_env = field_validator("email_env", "token_env")(
        classmethod(lambda cls, v: _env_name(v)))

    @field_validator("subdomain")
    @classmethod
    def _subdomain(cls, value: str) -> str:
        if not _SUBDOMAIN.match(value):
            raise ValueError(f"{value!r} must be the Zendesk subdomain (acme for "
                             "acme.zendesk.com)")
        return value

    @field_validator("base_url")
    @classmethod
    def _base(cls, value: str | None) -> str | None:
        return None if value is None else _url(value)

    def url(self) -> str:
        return self.base_url or f"https://{self.subdomain}.zendesk.com"

    def credentials(self) -> tuple[str, str]:
        return (secret_from_env(self.email_env, "Zendesk agent's email"),
                secret_from_env(self.token_env, "Zendesk API token"))


def unknown_domains(projects: Mapping[str, Any], domain_keys: set[str]) -> list[str]:
    return sorted(set(projects) - domain_keys)
