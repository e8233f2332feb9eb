"""``escalation-bot kb export --out DIR``: approved knowledge-base articles as Markdown files
with front matter (title, tags, domain, source escalations, updated), for a help center."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.errors import UserError, one_line
from bot.settings import Settings


def add_parser(sub: Any) -> None:
    kb = sub.add_parser("kb", help="knowledge-base articles drafted from resolved escalations")
    actions = kb.add_subparsers(dest="kb_command", required=True)
    export = actions.add_parser("export", help="write the approved articles as Markdown")
    export.add_argument("--out", required=True, type=Path, metavar="DIR",
                        help="folder to write into (created if missing)")


def run(settings: Settings, args: argparse.Namespace) -> None:
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a folder")
    from commands.context import Context
    from commands.kb import export
    from storage.database import Database

    db = Database.from_url(settings.database_url)
    try:
        ctx = Context(db=db, slack=None, domains={})  # type: ignore[arg-type]
        written = export(ctx, out)
    except OSError as exc:
        raise UserError(f"--out {out}: cannot write ({exc.strerror})") from None
    except Exception as exc:
        raise UserError(f"DATABASE_URL: cannot read the articles ({one_line(exc)}); "
                        "has `escalation-bot migrate` run?") from None
    finally:
        db.dispose()
    print(f"{len(written)} approved article(s) written to {out}")
