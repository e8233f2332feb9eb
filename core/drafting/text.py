"""Slack mrkdwn to plain prose, code blocks and links; prose to sentences.

Slack escapes ``&``, ``<`` and ``>`` in message text and wraps entities in angle brackets:
``<@U123>`` (a mention), ``<#C123|name>`` (a channel), ``<!here>``, ``<https://x|label>`` and
``<mailto:a@b.c|a@b.c>``. Code blocks are fenced with triple backticks, inline code with one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_CODE_BLOCK = re.compile(r"```(.*?)```", re.DOTALL)
_ENTITY = re.compile(r"<([^<>\s][^<>]*)>")
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_EMOJI = re.compile(r"(?<!\S):[a-z0-9_+'-]+:(?!\S)")
_BARE_URL = re.compile(r"\bhttps?://[^\s<>|\"'`]+[^\s<>|\"'`.,;:!?)\]]")
_ABBREVIATION = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|vs|approx|no|inc|ltd|co|corp|dr|mr|ms|mrs|st)|^\d+)\.$",
    re.IGNORECASE)


@dataclass(frozen=True)
class Link:
    url: str
    label: str


@dataclass(frozen=True)
class Parsed:
    prose: str                     # plain text, code blocks cut out (a line break each)
    code: tuple[str, ...]          # contents of fenced code blocks, verbatim
    links: tuple[Link, ...]        # every http(s) link, in order
    inline: tuple[str, ...]        # inline code spans


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def parse(text: str, names: Mapping[str, str] | None = None) -> Parsed:
    names = names or {}
    code = tuple(unescape(block.strip("\n")) for block in _CODE_BLOCK.findall(text))
    prose = _CODE_BLOCK.sub("\n", text)
    links: list[Link] = []

    def entity(match: re.Match[str]) -> str:
        body = match.group(1)
        target, _, label = body.partition("|")
        if target.startswith("@"):
            uid = target[1:]
            return "@" + (label or names.get(uid, uid))
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            if target.startswith("!subteam"):
                return label or "@group"
            return "@" + target[1:].split("^")[0]
        if target.startswith("mailto:"):
            return label or target[len("mailto:"):]
        if target.startswith(("http://", "https://")):
            links.append(Link(unescape(target), unescape(label)))
            return f"{label} ({target})" if label and label != target else target
        return match.group(0)

    prose = _ENTITY.sub(entity, prose)
    inline = tuple(unescape(span) for span in _INLINE_CODE.findall(prose))
    prose = _INLINE_CODE.sub(lambda m: m.group(1), prose)
    prose = unescape(_EMOJI.sub("", prose))
    known = {link.url for link in links}
    for block in (prose, *code):
        for url in _BARE_URL.findall(block):
            if url not in known:
                known.add(url)
                links.append(Link(url, ""))
    return Parsed(prose=prose, code=code, links=tuple(links), inline=inline)


def sentence_spans(line: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of one line: breaks after ``.``/``!``/``?`` and a space,
    also before a lower-case word (chat style), but not after "e.g." or a list number."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in re.finditer(r"(?<=[.!?])\s+", line):
        head = line[start:match.start()]
        if _ABBREVIATION.search(head.strip()):
            continue
        if head.strip():
            spans.append((start, match.start()))
        start = match.end()
    if line[start:].strip():
        spans.append((start, len(line.rstrip())))
    return spans


def sentences(prose: str) -> list[str]:
    """Sentences of prose: lines, then sentence breaks within each line."""
    out: list[str] = []
    for line in prose.splitlines():
        line = line.strip().lstrip(">").strip()
        out.extend(line[a:b].strip() for a, b in sentence_spans(line))
    return [s for s in out if s]
