"""``escalation-bot export ESC-42 [--out FILE]``: the Markdown export from the command line.

Reads the database (no Slack, nothing written to it). Bad input — an id that is not an
escalation id, an unknown escalation, an unwritable file, an unreachable database — is one
line and exit code 2 (a :class:`UserError`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import cast

from sqlalchemy.exc import SQLAlchemyError

from bot.config import load_config
from bot.errors import UserError, one_line
from bot.settings import Settings
from commands.context import Context
from commands.export import markdown
from commands.ports import SlackPort
from core.model import Domain, parse_public_id
from storage.database import Database


def _domains(settings: Settings) -> dict[str, Domain]:
    """Domain names for the document; without a config file, the stored keys are used."""
    if not settings.escalation_config.is_file():
        return {}
    return load_config(settings.escalation_config).domain_map()


def export(settings: Settings, escalation: str, out: str | None) -> None:
    number = parse_public_id(escalation)
    if number is None:
        raise UserError(f"{escalation!r} is not an escalation id (use ESC-42 or 42)")
    domains = _domains(settings)
    db = Database.from_url(settings.database_url)
    try:
        # Export reads only: it never calls Slack, so no Slack port is needed here.
        ctx = Context(db=db, slack=cast(SlackPort, None), domains=domains)
        document = markdown(ctx, number)
    except SQLAlchemyError as exc:
        raise UserError(f"DATABASE_URL: cannot read escalations ({one_line(exc)}); "
                        "run `escalation-bot migrate` first?") from None
    finally:
        db.dispose()
    if document is None:
        raise UserError(f"ESC-{number} does not exist in this database")
    if out is None:
        sys.stdout.write(document)
        return
    try:
        Path(out).write_text(document, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"--out {out}: cannot write ({exc.strerror})") from None
    print(f"wrote ESC-{number} to {out}")
