"""Making user text safe inside Slack ``mrkdwn``.

Slack parses ``<…>`` as mentions and links (``<!channel>``, ``<@U123>``, ``<https://x|y>``), so
``& < >`` are escaped as Slack documents. Bare ``@channel``/``@here``/``@everyone`` only ping with
``link_names``, which the bot never sets, but a zero-width joiner keeps them inert anyway, and
triple backticks cannot close the bot's own code blocks.
"""

from __future__ import annotations

import re

_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_ZWJ = "\u2060"


def escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub(lambda m: f"@{_ZWJ}{m.group(1)}", text)


# Slack mrkdwn has no backslash escape: in a name shown as plain text the formatting marks are
# swapped for lookalikes, so "*Dana*" is not bold and a lone "*" cannot pair with the bot's own.
_MARKS = str.maketrans({"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"})


def plain(text: str) -> str:
    """User text (a display name) shown literally: :func:`escape`d, formatting marks inert."""
    return escape(text.translate(_MARKS))


def code_block(text: str) -> str:
    """User text shown verbatim in a ``` block, escaped, with its own fences neutralised."""
    return "```" + escape(text).replace("```", "`\u200b``") + "```"


def truncate(text: str, limit: int, marker: str = "…") -> str:
    """At most ``limit`` characters, cut on a line or word boundary where one is near."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(marker)]
    for sep in ("\n", " "):
        at = cut.rfind(sep)
        if at > limit * 0.6:
            cut = cut[:at]
            break
    return cut.rstrip() + marker


def chunks(text: str, size: int) -> list[str]:
    """Split into pieces of at most ``size`` characters, preferring line boundaries."""
    pieces: list[str] = []
    rest = text
    while len(rest) > size:
        at = rest.rfind("\n", 0, size)
        if at < size * 0.5:
            at = size
        pieces.append(rest[:at])
        rest = rest[at:].lstrip("\n")
    if rest:
        pieces.append(rest)
    return pieces


def fit(text: str, limit: int, *, marker: str = "…") -> tuple[str, bool]:
    """``escape(text)`` cut so the *escaped* result fits ``limit``; True when it was cut."""
    rendered = escape(text)
    if len(rendered) <= limit:
        return rendered, False
    budget = limit - len(marker)
    while budget > 0:
        rendered = escape(truncate(text, budget, marker))
        if len(rendered) <= limit:
            return rendered, True
        budget -= max(len(rendered) - limit, 16)
    return marker, True
