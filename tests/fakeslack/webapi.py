"""Web API method handlers: Slack's behaviour and response shapes over :class:`WorkspaceState`.

Each handler takes normalised ``args`` and returns the ``ok: true`` body, or raises
:class:`~tests.fakeslack.views.ApiError`. The caller holds the owner's lock.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable

from . import views as view_ops
from .state import (
    FakeChannel,
    JsonDict,
    ResponseTarget,
    SlackIdentity,
    WorkspaceState,
    make_user,
    random_id,
    ts_to_float,
)
from .views import ApiError

Handler = Callable[[JsonDict], JsonDict]

APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
NO_TEXT_FALLBACK = "This content can't be displayed."
MAX_TEXT_LENGTH = 40_000
RESPONSE_URL_MAX_USES = 5


def as_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return False


def as_int(value: object, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return default
    return default


def as_str(value: object) -> str | None:
    if isinstance(value, str) and value != "":
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _required(args: JsonDict, key: str) -> str:
    value = as_str(args.get(key))
    if value is None:
        raise ApiError("invalid_arguments", messages=[f"[ERROR] missing required field: {key}"])
    return value


def encode_cursor(ts: str) -> str:
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def decode_cursor(cursor: str) -> str | None:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return text.removeprefix("next_ts:") if text.startswith("next_ts:") else None


class WebApi:
    """The Web API methods the fake implements."""

    def __init__(
        self,
        state: WorkspaceState,
        ident: SlackIdentity,
        *,
        auto_users: bool,
        socket_url: Callable[[], str],
    ) -> None:
        self.state = state
        self.ident = ident
        self.auto_users = auto_users
        self._socket_url = socket_url
        self.handlers: dict[str, Handler] = {
            "auth.test": self.auth_test,
            "apps.connections.open": self.apps_connections_open,
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.getPermalink": self.chat_get_permalink,
            "conversations.history": self.conversations_history,
            "conversations.replies": self.conversations_replies,
            "conversations.join": self.conversations_join,
            "conversations.open": self.conversations_open,
            "users.info": self.users_info,
            "usergroups.users.list": self.usergroups_users_list,
            "reactions.add": self.reactions_add,
            "views.open": self.views_open,
            "views.push": self.views_push,
            "views.update": self.views_update,
            "views.publish": self.views_publish,
        }

    def call(self, method: str, args: JsonDict) -> JsonDict:
        handler = self.handlers.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        try:
            return {"ok": True, **handler(args)}
        except ApiError as err:
            return err.to_response()

    # ----- identity -------------------------------------------------------------------------

    def auth_test(self, args: JsonDict) -> JsonDict:
        ident = self.ident
        return {
            "url": ident.team_url,
            "team": ident.team_name,
            "user": ident.bot_name,
            "team_id": ident.team_id,
            "user_id": ident.bot_user_id,
            "bot_id": ident.bot_id,
            "is_enterprise_install": False,
        }

    def apps_connections_open(self, args: JsonDict) -> JsonDict:
        return {"url": self._socket_url()}

    # ----- channels ---------------------------------------------------------------------------

    def _auto_channels(self) -> bool:
        return not any(not ch.auto_created and not ch.is_im for ch in self.state.channels.values())

    def dm_channel(self, user_id: str) -> FakeChannel:
        channel_id = self.state.dm_channels.get(user_id)
        if channel_id is None:
            channel_id = random_id("D")
            self.state.dm_channels[user_id] = channel_id
            self.state.channels[channel_id] = FakeChannel(
                id=channel_id,
                name=user_id,
                is_private=True,
                is_im=True,
                im_user=user_id,
                members={self.ident.bot_user_id, user_id},
            )
        return self.state.channels[channel_id]

    def resolve_channel(self, raw: object) -> FakeChannel:
        name = as_str(raw)
        if name is None:
            raise ApiError("channel_not_found")
        if name[:1] in ("U", "W") and name not in self.state.channels:
            return self.dm_channel(name)
        channel = self.state.channels.get(name)
        if channel is not None:
            return channel
        wanted = name.removeprefix("#")
        for candidate in self.state.channels.values():
            if candidate.name == wanted and not candidate.is_im:
                return candidate
        if self._auto_channels() and not name.startswith("#") and name[:1] in ("C", "G"):
            channel = FakeChannel(
                id=name,
                name=name.lower(),
                is_private=name.startswith("G"),
                members={self.ident.bot_user_id},
                auto_created=True,
            )
            self.state.channels[name] = channel
            return channel
        raise ApiError("channel_not_found")

    def _member_channel(self, raw: object) -> FakeChannel:
        channel = self.resolve_channel(raw)
        if self.ident.bot_user_id not in channel.members:
            raise ApiError("channel_not_found" if channel.is_private else "not_in_channel")
        return channel

    def _writable_channel(self, raw: object) -> FakeChannel:
        channel = self._member_channel(raw)
        if channel.is_archived:
            raise ApiError("is_archived")
        return channel

    # ----- messages ---------------------------------------------------------------------------

    def _message_content(self, args: JsonDict, *, require: bool) -> JsonDict:
        content: JsonDict = {}
        text = args.get("text")
        if text is None and isinstance(args.get("markdown_text"), str):
            text = args["markdown_text"]
        blocks = args.get("blocks")
        attachments = args.get("attachments")
        if isinstance(text, str) and len(text) > MAX_TEXT_LENGTH:
            raise ApiError("msg_too_long")
        if blocks is not None and not isinstance(blocks, list):
            raise ApiError("invalid_blocks_format")
        if isinstance(blocks, list) and len(blocks) > 50:
            raise ApiError(
                "invalid_blocks",
                messages=["[ERROR] no more than 50 items allowed [json-pointer:/blocks]"],
            )
        has_text = isinstance(text, str) and text != ""
        if require and not has_text and not blocks and not attachments:
            raise ApiError("no_text")
        if isinstance(text, str):
            content["text"] = text
        if isinstance(blocks, list):
            content["blocks"] = view_ops.with_block_ids(blocks)
        if isinstance(attachments, list):
            content["attachments"] = [
                {"id": index + 1, **a} for index, a in enumerate(attachments) if isinstance(a, dict)
            ]
        metadata = args.get("metadata")
        if isinstance(metadata, dict):
            content["metadata"] = {
                "event_type": metadata.get("event_type", ""),
                "event_payload": metadata.get("event_payload", {}),
            }
        return content

    def _bot_message(self, ts: str) -> JsonDict:
        return {
            "user": self.ident.bot_user_id,
            "type": "message",
            "ts": ts,
            "bot_id": self.ident.bot_id,
            "app_id": self.ident.app_id,
            "text": "",
            "team": self.ident.team_id,
            "bot_profile": self.ident.bot_profile(),
        }

    def chat_post_message(self, args: JsonDict) -> JsonDict:
        channel = self._writable_channel(args.get("channel"))
        content = self._message_content(args, require=True)
        ts = self.state.clock.next()
        message = self._bot_message(ts)
        message.update(content)
        if not message.get("text"):
            message["text"] = NO_TEXT_FALLBACK if content.get("blocks") else ""
        if as_str(args.get("username")):
            message["username"] = args["username"]
        if as_str(args.get("icon_emoji")):
            message["icons"] = {"emoji": args["icon_emoji"]}
        thread_ts = as_str(args.get("thread_ts"))
        if thread_ts is not None:
            parent = self.state.find_message(channel.id, thread_ts)
            if parent is not None and parent.get("thread_ts") not in (None, parent["ts"]):
                thread_ts = str(parent["thread_ts"])  # a reply's ts: Slack uses its parent
            message["thread_ts"] = thread_ts
            if parent is not None:
                message["parent_user_id"] = parent.get("user", "")
            if as_bool(args.get("reply_broadcast")):
                message["subtype"] = "thread_broadcast"
        stored = self.state.add_message(channel.id, message)
        return {"channel": channel.id, "ts": ts, "message": copy.deepcopy(stored)}

    def chat_update(self, args: JsonDict) -> JsonDict:
        channel = self._member_channel(args.get("channel"))
        ts = _required(args, "ts")
        message = self.state.find_message(channel.id, ts)
        if message is None:
            raise ApiError("message_not_found")
        if message.get("bot_id") != self.ident.bot_id:
            raise ApiError("cant_update_message")
        content = self._message_content(args, require=False)
        if not content.keys() & {"text", "blocks", "attachments"}:
            raise ApiError("no_text")
        for key, value in content.items():
            if key in ("blocks", "attachments") and not value:
                message.pop(key, None)
            else:
                message[key] = value
        if "text" not in content and "blocks" in content and not message.get("text"):
            message["text"] = NO_TEXT_FALLBACK
        message["edited"] = {"user": self.ident.bot_user_id, "ts": self.state.clock.next()}
        shown = {k: copy.deepcopy(v) for k, v in message.items() if k not in ("ts", "thread_ts")}
        return {"channel": channel.id, "ts": ts, "text": message.get("text", ""), "message": shown}

    def chat_post_ephemeral(self, args: JsonDict) -> JsonDict:
        channel = self._writable_channel(args.get("channel"))
        user = _required(args, "user")
        if channel.members_known and user not in channel.members:
            raise ApiError("user_not_in_channel")
        content = self._message_content(args, require=True)
        ts = self.state.clock.next()
        record: JsonDict = {
            "channel": channel.id,
            "user": user,
            "ts": ts,
            "via": "chat.postEphemeral",
            **content,
        }
        thread_ts = as_str(args.get("thread_ts"))
        if thread_ts is not None:
            record["thread_ts"] = thread_ts
        self.state.ephemerals.append(record)
        return {"message_ts": ts}

    def chat_get_permalink(self, args: JsonDict) -> JsonDict:
        channel = self.resolve_channel(args.get("channel"))
        ts = _required(args, "message_ts")
        message = self.state.find_message(channel.id, ts)
        if message is None:
            raise ApiError("message_not_found")
        archive = f"https://{self.ident.team_domain}.slack.test/archives/{channel.id}"
        link = f"{archive}/p{ts.replace('.', '')}"
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != ts:
            link += f"?thread_ts={thread_ts}&cid={channel.id}"
        return {"channel": channel.id, "permalink": link}

    # ----- reading history ------------------------------------------------------------------

    @staticmethod
    def _in_window(ts: str, args: JsonDict) -> bool:
        value = ts_to_float(ts) or 0.0
        inclusive = as_bool(args.get("inclusive"))
        oldest = ts_to_float(as_str(args.get("oldest")))
        latest = ts_to_float(as_str(args.get("latest")))
        if oldest is not None and (value < oldest or (value == oldest and not inclusive)):
            return False
        return not (latest is not None and (value > latest or (value == latest and not inclusive)))

    @staticmethod
    def _for_reading(message: JsonDict, args: JsonDict) -> JsonDict:
        shown = copy.deepcopy(message)
        if not as_bool(args.get("include_all_metadata")):
            shown.pop("metadata", None)
        return shown

    def _page(self, messages: list[JsonDict], args: JsonDict, default_limit: int) -> JsonDict:
        limit = max(1, min(as_int(args.get("limit"), default_limit), 999))
        cursor = as_str(args.get("cursor"))
        start = 0
        if cursor is not None:
            cursor_ts = decode_cursor(cursor)
            if cursor_ts is None:
                raise ApiError("invalid_cursor")
            start = next((i for i, m in enumerate(messages) if m["ts"] == cursor_ts), len(messages))
        page = messages[start : start + limit]
        has_more = start + limit < len(messages)
        body: JsonDict = {
            "messages": [self._for_reading(m, args) for m in page],
            "has_more": has_more,
        }
        if has_more:
            body["response_metadata"] = {
                "next_cursor": encode_cursor(messages[start + limit]["ts"])
            }
        return body

    def conversations_history(self, args: JsonDict) -> JsonDict:
        channel = self._member_channel(args.get("channel"))
        top_level = [
            m
            for m in self.state.messages.get(channel.id, [])
            if m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast"
        ]
        selected = [m for m in top_level if self._in_window(m["ts"], args)]
        selected.sort(key=lambda m: ts_to_float(m["ts"]) or 0.0, reverse=True)
        body = self._page(selected, args, default_limit=100)
        body.update({"pin_count": 0, "channel_actions_ts": None, "channel_actions_count": 0})
        return body

    def conversations_replies(self, args: JsonDict) -> JsonDict:
        channel = self._member_channel(args.get("channel"))
        ts = _required(args, "ts")
        message = self.state.find_message(channel.id, ts)
        if message is None:
            raise ApiError("thread_not_found")
        root_ts = str(message.get("thread_ts") or ts)
        parent = self.state.find_message(channel.id, root_ts) or message
        replies = [
            m
            for m in self.state.messages.get(channel.id, [])
            if m.get("thread_ts") == root_ts
            and m["ts"] != root_ts
            and self._in_window(m["ts"], args)
        ]
        replies.sort(key=lambda m: ts_to_float(m["ts"]) or 0.0)
        return self._page([parent, *replies], args, default_limit=1000)

    def conversations_join(self, args: JsonDict) -> JsonDict:
        channel = self.resolve_channel(args.get("channel"))
        if channel.is_im or channel.is_private:
            raise ApiError("method_not_supported_for_channel_type")
        if channel.is_archived:
            raise ApiError("is_archived")
        already = self.ident.bot_user_id in channel.members
        channel.members.add(self.ident.bot_user_id)
        body: JsonDict = {"channel": channel.to_api(self.ident.bot_user_id)}
        if already:
            body["warning"] = "already_in_channel"
            body["response_metadata"] = {"warnings": ["already_in_channel"]}
        return body

    def conversations_open(self, args: JsonDict) -> JsonDict:
        channel_arg = as_str(args.get("channel"))
        if channel_arg is not None:
            return {"channel": {"id": self.resolve_channel(channel_arg).id}}
        users = [u for u in (as_str(args.get("users")) or "").split(",") if u]
        if len(users) != 1:
            raise ApiError(
                "invalid_arguments", messages=["[ERROR] the fake supports one user per DM"]
            )
        existed = users[0] in self.state.dm_channels
        channel = self.dm_channel(users[0])
        body: JsonDict = {"channel": {"id": channel.id}}
        if existed:
            body.update({"no_op": True, "already_open": True})
        return body

    # ----- people ---------------------------------------------------------------------------

    def users_info(self, args: JsonDict) -> JsonDict:
        user_id = _required(args, "user")
        user = self.state.users.get(user_id)
        if user is None and user_id == self.ident.bot_user_id:
            user = make_user(
                user_id, team_id=self.ident.team_id, name=self.ident.bot_name, is_bot=True
            )
            user["profile"]["bot_id"] = self.ident.bot_id
            user["profile"]["api_app_id"] = self.ident.app_id
        elif user is None and self.auto_users and user_id[:1] in ("U", "W"):
            user = make_user(user_id, team_id=self.ident.team_id)
            self.state.users[user_id] = user
        if user is None:
            raise ApiError("user_not_found")
        shown = copy.deepcopy(user)
        if as_bool(args.get("include_locale")):
            shown.setdefault("locale", "en-US")
        return {"user": shown}

    def usergroups_users_list(self, args: JsonDict) -> JsonDict:
        group = _required(args, "usergroup")
        members = self.state.usergroups.get(group)
        if members is None:
            raise ApiError("no_such_subteam")
        return {"users": list(members)}

    def reactions_add(self, args: JsonDict) -> JsonDict:
        channel = self._member_channel(args.get("channel"))
        message = self.state.find_message(channel.id, _required(args, "timestamp"))
        if message is None:
            raise ApiError("message_not_found")
        name = _required(args, "name").strip(":")
        reactions: list[JsonDict] = message.setdefault("reactions", [])
        reaction = next((r for r in reactions if r["name"] == name), None)
        if reaction is None:
            reaction = {"name": name, "users": [], "count": 0}
            reactions.append(reaction)
        if self.ident.bot_user_id in reaction["users"]:
            raise ApiError("already_reacted")
        reaction["users"].append(self.ident.bot_user_id)
        reaction["count"] = len(reaction["users"])
        self.state.reactions.append(
            {"channel": channel.id, "timestamp": message["ts"], "name": name}
        )
        return {}

    # ----- views ------------------------------------------------------------------------------

    def _trigger_user(self, args: JsonDict) -> str:
        if "trigger_id" not in args and as_str(args.get("interactivity_pointer")):
            return view_ops.consume_trigger(self.state, args["interactivity_pointer"])
        return view_ops.consume_trigger(self.state, args.get("trigger_id"))

    def views_open(self, args: JsonDict) -> JsonDict:
        view_ops.check_view_spec(args.get("view"), expected_type="modal")
        user_id = self._trigger_user(args)
        return {"view": view_ops.open_modal(self.state, self.ident, user_id, args.get("view"))}

    def views_push(self, args: JsonDict) -> JsonDict:
        view_ops.check_view_spec(args.get("view"), expected_type="modal")
        user_id = self._trigger_user(args)
        return {"view": view_ops.push_modal(self.state, self.ident, user_id, args.get("view"))}

    def views_update(self, args: JsonDict) -> JsonDict:
        view_id = view_ops.find_view_id(
            self.state, view_id=args.get("view_id"), external_id=args.get("external_id")
        )
        view = view_ops.update_view(
            self.state, self.ident, view_id, args.get("view"), expected_hash=args.get("hash")
        )
        return {"view": view}

    def views_publish(self, args: JsonDict) -> JsonDict:
        user_id = _required(args, "user_id")
        view = view_ops.publish_home(
            self.state, self.ident, user_id, args.get("view"), expected_hash=args.get("hash")
        )
        return {"view": view}

    # ----- response_url -----------------------------------------------------------------------

    def respond(self, key: str, body: JsonDict) -> tuple[int, JsonDict]:
        """What posting ``body`` to a response_url does. Returns (HTTP status, JSON answer)."""
        target = self.state.response_urls.get(key)
        if target is None:
            return 404, {"ok": False, "error": "expired_url"}
        uses = self.state.response_url_uses.get(key, 0) + 1
        self.state.response_url_uses[key] = uses
        if uses > RESPONSE_URL_MAX_USES:
            return 404, {"ok": False, "error": "used_url"}
        try:
            self.apply_response(target, body)
        except ApiError as err:
            return 400, err.to_response()
        return 200, {"ok": True}

    def apply_response(
        self, target: ResponseTarget, body: JsonDict, *, via: str = "response_url"
    ) -> None:
        """Show a response_url post (or a slash command's immediate answer) as Slack does."""
        original = (
            self.state.find_message(target.channel_id, target.message_ts)
            if target.channel_id and target.message_ts
            else None
        )
        if as_bool(body.get("delete_original")) and original is not None and target.channel_id:
            self.state.messages[target.channel_id].remove(original)
            return
        content = self._message_content(body, require=True)
        if as_bool(body.get("replace_original")) and original is not None:
            original.pop("blocks", None)
            original.update(content)
            original["edited"] = {"user": self.ident.bot_user_id, "ts": self.state.clock.next()}
            return
        if body.get("response_type") == "in_channel" and target.channel_id:
            ts = self.state.clock.next()
            message = self._bot_message(ts)
            message.update(content)
            thread_ts = as_str(body.get("thread_ts"))
            if thread_ts is not None:
                message["thread_ts"] = thread_ts
            self.state.add_message(target.channel_id, message)
            return
        self.state.ephemerals.append(
            {
                "channel": target.channel_id,
                "user": target.user_id,
                "ts": self.state.clock.next(),
                "via": via,
                **content,
            }
        )
