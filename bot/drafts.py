"""Drafting from a saved ``conversations.replies`` file (the ``draft`` CLI command)."""

from __future__ import annotations

import json
from pathlib import Path

from bot.errors import UserError
from core.drafting.pipeline import draft_thread
from core.drafting.report import markdown
from core.drafting.thread import ThreadError, parse_replies


def draft_file(path: str, *, fmt: str = "json") -> str:
    file = Path(path)
    try:
        raw = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read it ({exc.__class__.__name__})") from None
    if not raw.strip():
        raise UserError(f"{path}: the file is empty; save a conversations.replies response") \
            from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}: not JSON (line {exc.lineno}: {exc.msg})") from None
    pages = data if isinstance(data, list) else [data]
    try:
        thread = parse_replies(pages)
    except ThreadError as exc:
        raise UserError(f"{path}: {exc}") from None
    draft = draft_thread(thread)
    if fmt == "markdown":
        return markdown(draft, thread)
    return json.dumps(draft.as_dict(), indent=2, ensure_ascii=False) + "\n"
