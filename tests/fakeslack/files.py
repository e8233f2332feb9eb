"""File uploads the way Slack does them since ``files.upload`` was retired (``files_upload_v2``).

1. ``files.getUploadURLExternal`` (``filename``, ``length``; optional ``alt_txt``,
   ``snippet_type``) answers ``{"upload_url", "file_id"}``.
2. The client POSTs the raw bytes to ``upload_url``; Slack answers HTTP 200 ``OK - <length>``.
3. ``files.completeUploadExternal`` (``files=[{"id", "title"}]``, optional ``channel_id`` or
   ``channels``, ``initial_comment``, ``thread_ts``) finishes the upload and shares the file;
   without a channel the file stays private to the app. It answers ``{"files": [file]}``.

Errors as Slack documents them: a missing argument is ``invalid_arguments``; a ``length`` that is
not a positive integer is ``invalid_arguments``; completing an id that was never issued, or
whose bytes never arrived, is ``file_not_found``; completing it twice is ``file_not_found`` too
(an upload URL and its id are single use); sharing into a channel the bot is not in is
``not_in_channel`` / ``channel_not_found``. The fake also refuses bytes whose count differs from
the announced ``length`` (Slack truncates or rejects them), and records every completed file.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .state import JsonDict, random_id
from .views import ApiError

if TYPE_CHECKING:
    from .webapi import WebApi


@dataclass
class FakeFile:
    id: str
    filename: str
    length: int
    alt_txt: str | None = None
    snippet_type: str | None = None
    content: bytes | None = None
    title: str | None = None
    completed: bool = False
    shared_to: list[str] = field(default_factory=list)

    def to_api(self, bot_user_id: str, team_id: str) -> JsonDict:
        mimetype = "text/markdown" if self.filename.endswith(".md") else "text/plain"
        return {
            "id": self.id,
            "created": 1700000000,
            "timestamp": 1700000000,
            "name": self.filename,
            "title": self.title or self.filename,
            "mimetype": mimetype,
            "filetype": "markdown" if mimetype == "text/markdown" else "text",
            "pretty_type": "Markdown" if mimetype == "text/markdown" else "Plain Text",
            "user": bot_user_id,
            "user_team": team_id,
            "editable": True,
            "size": self.length,
            "mode": "snippet",
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"https://files.slack.test/files-pri/{team_id}-{self.id}/"
                           f"{self.filename}",
            "permalink": f"https://fake-team.slack.test/files/{bot_user_id}/{self.id}/"
                         f"{self.filename}",
            "comments_count": 0,
            "is_starred": False,
            "shares": {},
            "channels": [c for c in self.shared_to if c[:1] == "C"],
            "groups": [c for c in self.shared_to if c[:1] == "G"],
            "ims": [c for c in self.shared_to if c[:1] == "D"],
            "has_rich_preview": False,
        }


class FileApi:
    """The three steps of an external upload over the fake's workspace state."""

    def __init__(self, web: WebApi, upload_base: Callable[[], str]) -> None:
        self.web = web
        self._upload_base = upload_base
        self.files: dict[str, FakeFile] = {}

    def register(self) -> None:
        self.web.handlers["files.getUploadURLExternal"] = self.get_upload_url
        self.web.handlers["files.completeUploadExternal"] = self.complete

    def reset(self) -> None:
        self.files.clear()

    def get_upload_url(self, args: JsonDict) -> JsonDict:
        filename = args.get("filename")
        if not isinstance(filename, str) or not filename:
            raise ApiError("invalid_arguments",
                           messages=["[ERROR] missing required field: filename"])
        raw = args.get("length")
        try:
            length = int(raw) if isinstance(raw, int | str) and not isinstance(raw, bool) else -1
        except ValueError:
            length = -1
        if length <= 0:
            raise ApiError("invalid_arguments",
                           messages=["[ERROR] length must be a positive integer"])
        file_id = random_id("F")
        self.files[file_id] = FakeFile(
            id=file_id, filename=filename, length=length,
            alt_txt=args.get("alt_txt") if isinstance(args.get("alt_txt"), str) else None,
            snippet_type=args.get("snippet_type")
            if isinstance(args.get("snippet_type"), str) else None)
        return {"upload_url": f"{self._upload_base()}/{file_id}", "file_id": file_id}

    def receive(self, file_id: str, data: bytes) -> tuple[int, str]:
        """The POST to an upload URL: (HTTP status, body text)."""
        upload = self.files.get(file_id)
        if upload is None or upload.completed or upload.content is not None:
            return 404, "file_not_found"
        if len(data) != upload.length:
            return 400, f"length mismatch: announced {upload.length}, got {len(data)}"
        upload.content = data
        return 200, f"OK - {len(data)}"

    def complete(self, args: JsonDict) -> JsonDict:
        entries = args.get("files")
        if isinstance(entries, str):
            try:
                entries = json.loads(entries)
            except ValueError:
                entries = None
        if not isinstance(entries, list) or not entries:
            raise ApiError("invalid_arguments", messages=["[ERROR] missing required field: files"])
        uploads: list[FakeFile] = []
        for entry in entries:
            file_id = entry.get("id") if isinstance(entry, dict) else None
            upload = self.files.get(file_id) if isinstance(file_id, str) else None
            if upload is None or upload.completed or upload.content is None:
                raise ApiError("file_not_found")
            uploads.append(upload)
        targets = self._targets(args)
        channels = [self.web._writable_channel(t) for t in targets]
        for entry, upload in zip(entries, uploads, strict=True):
            title = entry.get("title")
            upload.title = title if isinstance(title, str) and title else upload.filename
            upload.completed = True
        for channel in channels:
            self._share(channel.id, uploads, args)
        ident = self.web.ident
        return {"files": [u.to_api(ident.bot_user_id, ident.team_id) for u in uploads]}

    @staticmethod
    def _targets(args: JsonDict) -> list[str]:
        channel_id = args.get("channel_id")
        channels = args.get("channels")
        if isinstance(channel_id, str) and channel_id and channels:
            raise ApiError("invalid_arguments",
                           messages=["[ERROR] pass either channel_id or channels, not both"])
        if isinstance(channel_id, str) and channel_id:
            return [channel_id]
        if isinstance(channels, str) and channels:
            return [c for c in channels.split(",") if c]
        if isinstance(channels, list):
            return [c for c in channels if isinstance(c, str) and c]
        return []

    def _share(self, channel_id: str, uploads: list[FakeFile], args: JsonDict) -> None:
        ident = self.web.ident
        state = self.web.state
        message: JsonDict = {
            "type": "message", "subtype": "file_share", "user": ident.bot_user_id,
            "bot_id": ident.bot_id, "ts": state.clock.next(), "team": ident.team_id,
            "text": args.get("initial_comment") if isinstance(args.get("initial_comment"), str)
            else "",
            "files": [u.to_api(ident.bot_user_id, ident.team_id) for u in uploads],
            "upload": True,
        }
        thread_ts = args.get("thread_ts")
        if isinstance(thread_ts, str) and thread_ts:
            message["thread_ts"] = thread_ts
        state.add_message(channel_id, message)
        for upload in uploads:
            upload.shared_to.append(channel_id)

    def snapshot(self) -> dict[str, FakeFile]:
        return copy.deepcopy(self.files)
