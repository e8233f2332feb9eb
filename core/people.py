"""People as a lead reads them: a Slack user id shown as the person's display name.

Slack's ``users.info`` answers a user object; the name people see is the profile's
``display_name``, or its ``real_name`` when the display name is empty (Slack lets people leave
it blank). Anything without a name shows the id. Names are user text: renderers escape them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta

# A cached name older than this is asked for again (people rename themselves).
NAME_TTL = timedelta(days=1)
# Names are shown in table cells and chart labels: long ones are cut.
NAME_MAX = 80

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


def is_user_id(text: str) -> bool:
    """``U0SPEC031`` / ``W…`` (Enterprise Grid): what ``users.info`` can be asked about."""
    return bool(_USER_ID.match(text))


def clean_name(text: object) -> str | None:
    """One line, no control or invisible characters, at most :data:`NAME_MAX`; None if blank."""
    if not isinstance(text, str):
        return None
    flat = " ".join(_CONTROL.sub(" ", text).split())
    if not flat:
        return None
    return flat if len(flat) <= NAME_MAX else flat[: NAME_MAX - 1].rstrip() + "…"


def display_name(user: Mapping[str, object]) -> str | None:
    """The name of a ``users.info`` user object: ``profile.display_name``, else
    ``profile.real_name``; None when both are empty (the caller shows the id)."""
    profile = user.get("profile")
    if not isinstance(profile, Mapping):
        return None
    return clean_name(profile.get("display_name")) or clean_name(profile.get("real_name"))


def shown(user_id: str, names: Mapping[str, str]) -> str:
    """The name to show for ``user_id``: the cached name, or the id itself."""
    return names.get(user_id) or user_id
