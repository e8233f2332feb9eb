"""The fake workspace's state: identity, recorded calls, channels, messages, users, triggers.

Everything here is plain data guarded by the owner's lock: ``FakeSlack`` holds one
``threading.RLock`` and takes it around every handler and every public accessor.
"""

from __future__ import annotations

import copy
import secrets
import string
import time
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]

_ID_ALPHABET = string.ascii_uppercase + string.digits


def random_id(prefix: str, length: int = 10) -> str:
    """A Slack-looking object id such as ``V04ABCDEF12`` (views) or ``D04ABCDEF12`` (DMs)."""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def ts_to_float(ts: str | float | int | None) -> float | None:
    if ts is None or ts == "":
        return None
    try:
        return float(ts)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class SlackIdentity:
    """Who the fake workspace and the installed app are."""

    bot_token: str = "xoxb-test"
    app_token: str = "xapp-test"
    team_id: str = "T0TEST"
    team_domain: str = "fake-team"
    team_name: str = "Fake Team"
    bot_user_id: str = "U0BOT"
    bot_id: str = "B0BOT"
    bot_name: str = "escalation-bot"
    app_id: str = "A0TEST"
    verification_token: str = "fake-verification-token"

    @property
    def team_url(self) -> str:
        return f"https://{self.team_domain}.slack.test/"

    def bot_profile(self) -> JsonDict:
        return {
            "id": self.bot_id,
            "app_id": self.app_id,
            "name": self.bot_name,
            "deleted": False,
            "updated": 1700000000,
            "team_id": self.team_id,
            "icons": {
                "image_36": "https://a.slack-edge.test/bot_36.png",
                "image_48": "https://a.slack-edge.test/bot_48.png",
                "image_72": "https://a.slack-edge.test/bot_72.png",
            },
        }


@dataclass(frozen=True)
class ApiCall:
    """One Web API request as the fake saw it, with what it answered.

    ``args`` are normalised: form values stay strings, JSON-bearing arguments (``blocks``,
    ``view``, ``metadata`` ...) are decoded, and ``token`` is removed.
    """

    method: str
    args: JsonDict
    at: float
    status: int
    response: JsonDict
    encoding: str = "json"  # json | form | multipart | query | none | raw (upload bytes)

    @property
    def succeeded(self) -> bool:
        return self.status == 200 and self.response.get("ok") is True

    @property
    def error(self) -> str | None:
        error = self.response.get("error")
        return error if isinstance(error, str) else None

    def summary(self) -> str:
        outcome = "ok" if self.succeeded else f"{self.status} {self.error or ''}".strip()
        keys = ",".join(sorted(self.args))
        return f"{self.method}({keys}) -> {outcome}"


@dataclass
class FakeChannel:
    """A conversation known to the fake.

    ``members`` always holds the bot's user id when the bot is in the channel. Human membership
    is only enforced (``user_not_in_channel`` for ephemerals) when ``members_known`` is true,
    i.e. the channel was registered with an explicit member list.
    """

    id: str
    name: str
    is_private: bool = False
    members: set[str] = field(default_factory=set)
    members_known: bool = False
    is_archived: bool = False
    is_im: bool = False
    im_user: str | None = None
    auto_created: bool = False  # made up on first use because no channels were registered
    created: int = field(default_factory=lambda: int(time.time()))

    def to_api(self, bot_user_id: str) -> JsonDict:
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "created": self.created,
            "is_archived": self.is_archived,
            "is_general": False,
            "unlinked": 0,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "pending_shared": [],
            "is_pending_ext_shared": False,
            "is_member": bot_user_id in self.members,
            "creator": "U0CREATOR",
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
        }


@dataclass
class Trigger:
    """A trigger_id the driver issued (one per user interaction)."""

    trigger_id: str
    user_id: str
    issued_at: float  # time.monotonic()
    used: bool = False


@dataclass(frozen=True)
class ResponseTarget:
    """Where a response_url posts to: the interaction it came from."""

    kind: str  # "commands" | "actions"
    user_id: str
    channel_id: str | None
    message_ts: str | None = None


class TsClock:
    """Unique, strictly increasing message timestamps based on the wall clock."""

    def __init__(self) -> None:
        self._last_micros = 0

    def next(self) -> str:
        micros = int(time.time() * 1_000_000)
        if micros <= self._last_micros:
            micros = self._last_micros + 1
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


@dataclass
class WorkspaceState:
    """All mutable fake-Slack state. Not thread-safe by itself: callers hold the owner's lock."""

    channels: dict[str, FakeChannel] = field(default_factory=dict)
    users: dict[str, JsonDict] = field(default_factory=dict)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    # channel id -> messages in ts order (top-level and thread replies alike)
    messages: dict[str, list[JsonDict]] = field(default_factory=dict)
    ephemerals: list[JsonDict] = field(default_factory=list)
    views: dict[str, JsonDict] = field(default_factory=dict)
    modal_stacks: dict[str, list[str]] = field(default_factory=dict)
    home_views: dict[str, str] = field(default_factory=dict)
    view_owner: dict[str, str] = field(default_factory=dict)
    closed_views: set[str] = field(default_factory=set)
    triggers: dict[str, Trigger] = field(default_factory=dict)
    response_urls: dict[str, ResponseTarget] = field(default_factory=dict)
    response_url_uses: dict[str, int] = field(default_factory=dict)
    dm_channels: dict[str, str] = field(default_factory=dict)  # user id -> D... id
    reactions: list[JsonDict] = field(default_factory=list)
    clock: TsClock = field(default_factory=TsClock)
    # When the Web API call being handled arrived (time.monotonic()): a trigger's age is
    # counted to then, as Slack does, not to whenever this fake gets round to handling it.
    call_arrived: float | None = None

    def reset_activity(self) -> None:
        """Forget messages, views, triggers and responses; keep channels, users and groups."""
        self.messages.clear()
        self.ephemerals.clear()
        self.views.clear()
        self.modal_stacks.clear()
        self.home_views.clear()
        self.view_owner.clear()
        self.closed_views.clear()
        self.triggers.clear()
        self.response_urls.clear()
        self.response_url_uses.clear()
        self.reactions.clear()
        for channel_id in [c for c, ch in self.channels.items() if ch.is_im or ch.auto_created]:
            del self.channels[channel_id]
        self.dm_channels.clear()

    # ----- messages ---------------------------------------------------------------------------

    def find_message(self, channel_id: str, ts: str) -> JsonDict | None:
        for message in self.messages.get(channel_id, []):
            if message.get("ts") == ts:
                return message
        return None

    def add_message(self, channel_id: str, message: JsonDict) -> JsonDict:
        """Store a message (its ``ts`` already set) and maintain its thread parent's counters."""
        stored = copy.deepcopy(message)
        self.messages.setdefault(channel_id, []).append(stored)
        thread_ts = stored.get("thread_ts")
        if thread_ts and thread_ts != stored["ts"]:
            parent = self.find_message(channel_id, thread_ts)
            if parent is not None:
                parent["thread_ts"] = thread_ts
                parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
                replier = stored.get("user") or stored.get("bot_id") or ""
                reply_users = list(parent.get("reply_users", []))
                if replier and replier not in reply_users:
                    reply_users.append(replier)
                parent["reply_users"] = reply_users
                parent["reply_users_count"] = len(reply_users)
                parent["latest_reply"] = stored["ts"]
        return stored


def make_user(
    user_id: str,
    *,
    team_id: str,
    name: str | None = None,
    real_name: str | None = None,
    email: str | None = None,
    tz: str = "Europe/London",
    tz_offset: int = 0,
    is_bot: bool = False,
    deleted: bool = False,
    display_name: str | None = None,
) -> JsonDict:
    """A ``users.info`` user object with realistic keys. ``display_name`` defaults to the
    handle; Slack lets people leave it empty ("" here), and clients then show the real name."""
    handle = name or user_id.lower()
    full = real_name or handle.replace(".", " ").title()
    shown = handle if display_name is None else display_name
    profile: JsonDict = {
        "real_name": full,
        "real_name_normalized": full,
        "display_name": shown,
        "display_name_normalized": shown,
        "first_name": full.split(" ")[0],
        "last_name": " ".join(full.split(" ")[1:]),
        "title": "",
        "phone": "",
        "skype": "",
        "status_text": "",
        "status_emoji": "",
        "status_expiration": 0,
        "avatar_hash": "g0000000000",
        "image_24": "https://secure.gravatar.test/24.png",
        "image_32": "https://secure.gravatar.test/32.png",
        "image_48": "https://secure.gravatar.test/48.png",
        "image_72": "https://secure.gravatar.test/72.png",
        "image_192": "https://secure.gravatar.test/192.png",
        "image_512": "https://secure.gravatar.test/512.png",
        "team": team_id,
    }
    if email is not None or not is_bot:
        profile["email"] = email or f"{handle}@example.test"
    return {
        "id": user_id,
        "team_id": team_id,
        "name": handle,
        "deleted": deleted,
        "color": "9f69e7",
        "real_name": full,
        "tz": tz,
        "tz_label": "Greenwich Mean Time" if tz_offset == 0 else tz,
        "tz_offset": tz_offset,
        "profile": profile,
        "is_admin": False,
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": is_bot,
        "is_app_user": False,
        "updated": 1700000000,
        "is_email_confirmed": True,
        "who_can_share_contact_card": "EVERYONE",
    }
