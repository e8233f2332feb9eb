"""Reading a Web API request the way Slack does: query string, JSON, urlencoded or multipart.

Arguments are normalised into one dict: form values stay strings, JSON-bearing arguments
(``blocks``, ``view``, ``metadata`` ...) are decoded in either encoding, and the token is taken
from ``Authorization: Bearer`` or the ``token`` argument (which is removed).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .state import JsonDict

# Arguments that carry JSON even when the rest of the request is form-encoded.
JSON_ARGUMENTS = frozenset(
    {"blocks", "attachments", "view", "metadata", "user_auth_blocks", "unfurls", "response_urls",
     "files"}
)


async def read_api_request(request: web.Request) -> tuple[JsonDict, str, str | None]:
    """(args, encoding, token) from query string, JSON, urlencoded or multipart bodies."""
    args: JsonDict = dict(request.query)
    encoding = "query" if args else "none"
    if request.body_exists:
        content_type = request.content_type
        if content_type == "application/json":
            raw = await request.read()
            if raw.strip():
                data = json.loads(raw)
                if not isinstance(data, dict):
                    raise ValueError("JSON body is not an object")
                args.update(data)
            encoding = "json"
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key in form:
                value = form[key]
                if isinstance(value, str):
                    args[key] = value
                elif isinstance(value, bytes | bytearray):
                    args[key] = value.decode("utf-8", errors="replace")
                else:
                    args[key] = f"<file {value.filename}>"
            encoding = "form" if content_type.endswith("urlencoded") else "multipart"
    for name in JSON_ARGUMENTS & args.keys():
        args[name] = decode_json_argument(args[name])
    token: str | None = None
    authorization = request.headers.get("Authorization", "")
    if authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    body_token = args.pop("token", None)
    if token is None and isinstance(body_token, str):
        token = body_token
    return args, encoding, token


def decode_json_argument(value: Any) -> Any:
    """A JSON object/array given as a string, decoded; anything else unchanged."""
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
