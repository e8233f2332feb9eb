"""Process settings from the environment and ``.env`` (pydantic-settings).

Secrets are ``SecretStr`` so they never show in logs or error messages. A missing or malformed
setting is reported by :func:`load_settings` as one line naming it (see ``bot.cli``).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import SettingsError

SLACK_API_DEFAULT = "https://slack.com/api/"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore", case_sensitive=False)

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = SLACK_API_DEFAULT
    database_url: str = "sqlite:///escalation.db"
    escalation_config: Path = Path("escalation.yml")
    log_level: str = Field(default="INFO")
    log_format: str = "text"  # text (human-readable) or json (one object per line)
    # Socket Mode: serve GET /metrics on this port (HTTP mode serves it beside /slack/events).
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # Operations knobs (rarely changed): outbox sweep interval and delivery lease length.
    delivery_interval_seconds: float = Field(default=15, gt=0, le=3600)
    # Renewed before each external call: it must outlast one call with retries (~45 s).
    outbox_lease_seconds: int = Field(default=120, ge=1, le=3600)
    # The timers' ticker: how often due deadlines are swept (reminders are at most this late).
    sweep_interval_seconds: float = Field(default=10, gt=0, le=3600)
    # How often display names are refreshed from Slack (users.info) for the reports.
    names_interval_seconds: float = Field(default=60, gt=0, le=3600)
    # Drafting from a thread: "rules" (offline, the default) or "llm" (any OpenAI-compatible
    # chat-completions endpoint; falls back to the rules on timeout, error or invalid output).
    drafter: str = "rules"
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str | None = None
    llm_timeout_seconds: float = Field(default=20, gt=0, le=300)

    @field_validator("drafter")
    @classmethod
    def _drafter(cls, value: str) -> str:
        if value.lower() not in {"rules", "llm"}:
            raise ValueError("must be rules or llm")
        return value.lower()

    @field_validator("llm_base_url")
    @classmethod
    def _llm_base_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://api.openai.com/v1")
        return value
    # Crash recovery: this process's stable name among replicas (default: the host name); a
    # restart under the same name takes back its previous incarnation's leases at once. Every
    # process beats a heartbeat; a peer silent for PEER_TIMEOUT_SECONDS is taken as dead.
    worker_name: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
    heartbeat_seconds: float = Field(default=2, gt=0, le=60)
    peer_timeout_seconds: float = Field(default=10, gt=0, le=600)

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError("is not a SQLAlchemy URL (e.g. sqlite:///escalation.db)") from exc
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError("must be a sqlite:// or postgresql+psycopg:// URL")
        if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
            return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return level

    def require_drafter(self) -> None:
        """DRAFTER=llm needs its endpoint and model (the key may be absent for local servers)."""
        if self.drafter == "llm":
            self.require("llm_base_url", "llm_model")
    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        if value.lower() not in {"text", "json"}:
            raise ValueError("must be text or json")
        return value.lower()

    def require(self, *names: str) -> None:
        """Fail with one line naming the first missing setting the chosen mode needs."""
        for name in names:
            if getattr(self, name) is None:
                raise SettingsError(f"{name.upper()} is not set; it is needed for this mode "
                                    "(put it in the environment or .env)")


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"{name}: {first['msg'].removeprefix('Value error, ')}") from None
