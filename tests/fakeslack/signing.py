"""Slack request signing (``v0`` scheme): ``v0=`` + HMAC-SHA256 of ``v0:{timestamp}:{body}``."""

from __future__ import annotations

import hashlib
import hmac


def slack_signature(signing_secret: str, timestamp: str | int, body: str | bytes) -> str:
    raw = body.encode("utf-8") if isinstance(body, str) else body
    base = b"v0:" + str(timestamp).encode("ascii") + b":" + raw
    digest = hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return f"v0={digest}"
