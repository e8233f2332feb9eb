"""Total readers for untrusted JSON: each returns the typed value or raises :class:`Malformed`.

``Malformed`` names *where* the payload is wrong (``actions[0].value``) and never holds a
value from it: the payload may carry personal data, and the message goes to the log.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

# Slack ids: users U…/W…, channels C…/G…/D…, teams T…, apps A…, bots B…, groups S…. Stored
# in columns of 32 characters.
_SLACK_ID = re.compile(r"^[A-Z][A-Z0-9]{1,31}$")
_URL = re.compile(r"^https?://[^\s]{1,2000}$")
# Message timestamps: "1700000000.000100".
_TS = re.compile(r"^\d{1,12}\.\d{1,9}$")
MAX_ID_LENGTH = 255


class Malformed(Exception):
    """A payload (or part of one) this bot cannot read. ``where`` is a path, not a value."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where


def obj(value: object, where: str) -> Mapping[str, Any]:
    """``value`` as a JSON object (a dict with string keys)."""
    if not isinstance(value, dict):
        raise Malformed(f"{where}: not an object")
    return value


def opt_obj(value: object, where: str) -> Mapping[str, Any] | None:
    return None if value is None else obj(value, where)


def array(value: object, where: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise Malformed(f"{where}: not a list")
    return value


def text(value: object, where: str, *, max_length: int = 100_000) -> str:
    """A string (may be empty); not a number or a list pretending to be one."""
    if not isinstance(value, str):
        raise Malformed(f"{where}: not a string")
    if len(value) > max_length:
        raise Malformed(f"{where}: longer than {max_length}")
    return value


def opt_text(value: object, where: str, *, max_length: int = 100_000) -> str | None:
    return None if value is None else text(value, where, max_length=max_length)


def ident(value: object, where: str) -> str:
    """A non-empty opaque id (view ids, trigger ids, action ids, callback ids)."""
    value = text(value, where, max_length=MAX_ID_LENGTH)
    if not value.strip():
        raise Malformed(f"{where}: empty")
    return value


def opt_ident(value: object, where: str) -> str | None:
    return None if value is None or value == "" else ident(value, where)


def slack_id(value: object, where: str) -> str:
    """A Slack object id such as ``U0123ABC`` (users, channels, teams, bots)."""
    value = text(value, where, max_length=32)
    if not _SLACK_ID.match(value):
        raise Malformed(f"{where}: not a Slack id")
    return value


def is_slack_id(value: object) -> bool:
    return isinstance(value, str) and bool(_SLACK_ID.match(value))


def opt_url(value: object, where: str) -> str | None:
    """An http(s) URL Slack gave us to answer on (``response_url``)."""
    if value is None or value == "":
        return None
    value = text(value, where, max_length=2100)
    if not _URL.match(value):
        raise Malformed(f"{where}: not an http(s) URL")
    return value


def opt_slack_id(value: object, where: str) -> str | None:
    return None if value is None or value == "" else slack_id(value, where)


def message_ts(value: object, where: str) -> str:
    value = text(value, where, max_length=32)
    if not _TS.match(value):
        raise Malformed(f"{where}: not a message timestamp")
    return value


def opt_message_ts(value: object, where: str) -> str | None:
    return None if value is None or value == "" else message_ts(value, where)


def whole_number(value: object, where: str, *, low: int, high: int) -> int:
    """A decimal whole number in ``[low, high]`` given as a string or a JSON integer."""
    if isinstance(value, bool):
        raise Malformed(f"{where}: not a whole number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and 0 < len(value.strip()) <= 20 \
            and value.strip().isascii() and value.strip().isdecimal():
        number = int(value.strip())
    else:
        raise Malformed(f"{where}: not a whole number")
    if not low <= number <= high:
        raise Malformed(f"{where}: out of range")
    return number
