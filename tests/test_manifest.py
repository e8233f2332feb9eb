"""The shipped Slack app manifest (manifest.yml) is valid and declares what the bot needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from tests.shared_data import requires_shared, shared_path

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"
SCHEMA_BASE_URL = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"
VERSIONED_SCHEMAS = ("manifest.schema.1.0.0.json", "manifest.schema.2.0.0.json")
BOT_SCOPES = [
    "commands",
    "chat:write",
    "channels:history",
    "groups:history",
    "channels:join",
    "usergroups:read",
    "files:write",
    "users:read",
    "files:read",
]


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _manifest_validator() -> Draft7Validator:
    """Slack's top-level manifest schema, resolving its absolute $refs to the local copies."""
    folder = shared_path("manifest-schema")
    registry: Registry[Any] = Registry().with_resources(
        (SCHEMA_BASE_URL + name, Resource.from_contents(_read_json(folder / name)))
        for name in VERSIONED_SCHEMAS
    )
    return Draft7Validator(_read_json(folder / "manifest.schema.json"), registry=registry)


def _schema_errors(document: Any) -> list[str]:
    validator = _manifest_validator()
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in validator.iter_errors(document)
    ]


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    with MANIFEST.open(encoding="utf-8") as stream:
        loaded = yaml.safe_load(stream)
    assert isinstance(loaded, dict)
    return loaded


@requires_shared
class TestOfficialSchema:
    def test_manifest_validates_against_slack_schema(self, manifest: dict[str, Any]) -> None:
        """manifest.yml is valid under Slack's official app-manifest schema."""
        assert _schema_errors(manifest) == []

    def test_schema_accepts_slack_valid_example(self) -> None:
        """The schema machinery accepts Slack's own valid v1 example manifest."""
        example = _read_json(shared_path("manifest-schema/v1.manifest.valid.json"))
        assert _schema_errors(example) == []

    def test_schema_rejects_slack_invalid_example(self) -> None:
        """The schema machinery rejects Slack's invalid v1 example, for its unknown settings key."""
        example = _read_json(shared_path("manifest-schema/v1.manifest.invalid.json"))
        assert _schema_errors(example) != []
        del example["settings"]["bad_param"]
        assert _schema_errors(example) == []

    def test_schema_rejects_unknown_manifest_key(self, manifest: dict[str, Any]) -> None:
        """A typo in our own manifest would be caught, not silently accepted."""
        broken = {**manifest, "settings": {**manifest["settings"], "socket_mode": True}}
        assert _schema_errors(broken) != []


class TestDeclaredFeatures:
    def test_uses_manifest_major_version_1(self, manifest: dict[str, Any]) -> None:
        """The manifest targets schema major version 1."""
        assert manifest["_metadata"]["major_version"] == 1

    def test_names_the_app(self, manifest: dict[str, Any]) -> None:
        """The app is called "Escalation Bot" and its bot user "escalation-bot"."""
        assert manifest["display_information"]["name"] == "Escalation Bot"
        assert manifest["features"]["bot_user"]["display_name"] == "escalation-bot"

    def test_declares_escalate_command(self, manifest: dict[str, Any]) -> None:
        """The /escalate slash command is declared with its description and unescaped text."""
        commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
        escalate = commands["/escalate"]
        assert escalate["description"] == (
            "Escalate a case to Tier 2 / Engineering with the checklist"
        )
        assert escalate["usage_hint"] == "[problem in one sentence | link to a message of a thread]"
        assert escalate["should_escape"] is False

    def test_declares_the_thread_shortcut(self, manifest: dict[str, Any]) -> None:
        """"Escalate this thread" is a message shortcut whose callback the bot listens to."""
        from bot.listeners.threads import SHORTCUT

        shortcuts = manifest["features"]["shortcuts"]
        assert shortcuts == [{"name": "Escalate this thread", "type": "message",
                              "callback_id": SHORTCUT,
                              "description": shortcuts[0]["description"]}]
        assert 0 < len(shortcuts[0]["description"]) <= 150

    def test_declares_escalation_command(self, manifest: dict[str, Any]) -> None:
        """/escalation is declared with escaped text, so mentions arrive as user ids."""
        commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
        escalation = commands["/escalation"]
        assert escalation["should_escape"] is True
        assert "ESC-42" in escalation["usage_hint"] and len(escalation["usage_hint"]) <= 100

    def test_scopes_cover_the_web_api_calls_the_code_makes(self) -> None:
        """Every Web API method the bot's code calls is covered by a declared scope."""
        needs = {"chat.postMessage": "chat:write", "chat.update": "chat:write",
                 "chat.postEphemeral": "chat:write", "conversations.history": "channels:history",
                 "conversations.join": "channels:join", "usergroups.users.list":
                 "usergroups:read", "files.upload_v2": "files:write",
                 "users.info": "users:read"}
        source = "\n".join(p.read_text(encoding="utf-8")
                           for p in (MANIFEST.parent / "bot").rglob("*.py"))
        for method, scope in needs.items():
            called = f'"{method}"' in source or method.replace(".", "_") + "(" in source
            assert called, f"{method} is no longer called: drop {scope} if nothing needs it"
            assert scope in BOT_SCOPES

    def test_enables_interactivity(self, manifest: dict[str, Any]) -> None:
        """Interactivity is on, so buttons and modal submissions reach the bot."""
        assert manifest["settings"]["interactivity"]["is_enabled"] is True

    def test_enables_socket_mode(self, manifest: dict[str, Any]) -> None:
        """Socket Mode is on, so no request URL is needed."""
        assert manifest["settings"]["socket_mode_enabled"] is True

    def test_requests_exactly_the_needed_bot_scopes(self, manifest: dict[str, Any]) -> None:
        """The bot asks for exactly the nine scopes its Web API calls need, and no user scopes."""
        scopes = manifest["oauth_config"]["scopes"]
        assert scopes["bot"] == BOT_SCOPES
        assert "user" not in scopes

    def test_enables_home_tab(self, manifest: dict[str, Any]) -> None:
        """The App Home tab is enabled and the bot subscribes to app_home_opened."""
        assert manifest["features"]["app_home"]["home_tab_enabled"] is True
        assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]

    def test_every_scope_carries_a_reason(self) -> None:
        """Each bot scope line is preceded by a comment saying which call needs it."""
        lines = MANIFEST.read_text(encoding="utf-8").splitlines()
        for scope in BOT_SCOPES:
            index = next(i for i, line in enumerate(lines) if line.strip() == f"- {scope}")
            assert lines[index - 1].strip().startswith("#"), f"{scope} has no comment"
