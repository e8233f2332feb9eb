"""``escalation-bot``: run the bot (Socket Mode or HTTP), apply migrations, check the config.

Operator mistakes (a missing token, a bad config file) end with one line on stderr naming the
problem and exit code 2 — never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import NoReturn

from bot import kb_cli, report_cli
from bot.config import load_config
from bot.errors import UserError, one_line
from bot.settings import Settings, load_settings

log = logging.getLogger("escalation-bot")


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line on stderr (exit 2), without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="escalation-bot", description="Tier-2 escalation bot for Slack.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="connect to Slack and serve (Socket Mode by default)")
    run.add_argument("--http", action="store_true",
                     help="serve Slack's HTTP mode at POST /slack/events instead of Socket Mode")
    run.add_argument("--host", default="0.0.0.0", help="HTTP bind address (default 0.0.0.0)")
    run.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    run.add_argument("--threads", type=int, default=32, help="HTTP worker threads (default 32)")
    sub.add_parser("migrate", help="apply database migrations and exit")
    sub.add_parser("check", help="validate settings and escalation.yml, then exit")
    draft = sub.add_parser("draft", help="draft the checklist from a saved conversations.replies "
                                         "response (JSON), offline")
    draft.add_argument("file", help="the Web API's JSON: one response, or a list of its pages")
    draft.add_argument("--format", choices=("json", "markdown"), default="json",
                       help="json (keys are the checklist field names) or markdown")
    report_cli.add_parser(sub)
    kb_cli.add_parser(sub)
    export = sub.add_parser("export", help="write one escalation as Markdown (seed 003's "
                                           "deliverables) to stdout or a file")
    export.add_argument("escalation", metavar="ESC-42", help="the escalation: ESC-42 or 42")
    export.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    return parser


def _configure_logging(settings: Settings) -> None:
    from bot.logsetup import configure_logging

    configure_logging(settings.log_level, settings.log_format)


def _migrate(settings: Settings) -> None:
    from storage.database import Database

    db = Database.from_url(settings.database_url)
    try:
        db.migrate()
    except Exception as exc:
        raise UserError(f"DATABASE_URL: cannot migrate the database: {one_line(exc)}") from None
    finally:
        db.dispose()
    print(f"database is at the latest schema ({settings.database_url.split('@')[-1]})")


def _run(settings: Settings, args: argparse.Namespace) -> None:
    if args.http:
        settings.require("slack_bot_token", "slack_signing_secret")
    else:
        settings.require("slack_bot_token", "slack_app_token")
    if not 0 < args.port < 65536:
        raise UserError(f"--port {args.port}: must be between 1 and 65535")
    config = load_config(settings.escalation_config)
    from bot.app import build_runtime
    try:
        runtime = build_runtime(settings, config, http=args.http)
    except UserError:
        raise
    except Exception as exc:
        reason = one_line(exc)
        if "auth.test" in reason:  # Bolt checks the bot token at start
            raise UserError(f"SLACK_BOT_TOKEN: Slack refused it ({reason})") from None
        raise UserError(f"cannot start: {reason}") from None
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: shutting down", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    runtime.start_background()
    metrics_server = None
    if settings.metrics_port is not None:
        from bot import metrics

        try:
            metrics_server = metrics.serve(settings.metrics_port)
        except OSError as exc:
            runtime.shutdown()
            raise UserError(f"METRICS_PORT {settings.metrics_port}: cannot listen: "
                            f"{exc.strerror}") from None
        log.info("metrics: serving GET /metrics on port %d", settings.metrics_port)
    try:
        if args.http:
            from bot.http import make_server

            try:
                server = make_server(runtime, host=args.host, port=args.port,
                                     threads=args.threads)
            except OSError as exc:
                raise UserError(f"--port {args.port}: cannot listen: {exc.strerror}") from None
            worker = threading.Thread(target=server.run, name="http", daemon=True)
            worker.start()
            log.info("HTTP mode: serving POST /slack/events and GET /healthz on %s:%d",
                     args.host, args.port)
            stop.wait()
            server.close()
        else:
            from slack_sdk.errors import SlackApiError

            from bot.socket import make_handler

            handler = make_handler(runtime)
            try:
                handler.connect()  # type: ignore[no-untyped-call]
            except SlackApiError as exc:
                raise UserError(f"SLACK_APP_TOKEN: Slack refused Socket Mode "
                                f"({exc.response.get('error')}); is it an app-level token "
                                "with connections:write?") from None
            log.info("Socket Mode: connected")
            stop.wait()
            handler.close()  # type: ignore[no-untyped-call]
    finally:
        if metrics_server is not None:
            metrics_server.shutdown()
        runtime.shutdown()


def _draft(args: argparse.Namespace) -> None:
    from bot.drafts import draft_file

    print(draft_file(args.file, fmt=args.format), end="")
def _check(settings: Settings) -> int:
    from bot.checks import check_jira, check_zendesk

    config = load_config(settings.escalation_config)
    print(f"{settings.escalation_config}: {len(config.domains)} domain(s) OK")
    problems: list[str] = []
    for check in (check_jira, check_zendesk):
        fine, wrong = check(config)
        for line in fine:
            print(line)
        problems += wrong
    for line in problems:
        print(f"escalation-bot: error: {line}", file=sys.stderr)
    return 2 if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "draft":  # offline: needs no settings, tokens or database
            _draft(args)
            return 0
        settings = load_settings()
        _configure_logging(settings)
        if args.command == "migrate":
            _migrate(settings)
        elif args.command == "report":
            report_cli.run(settings, args)
        elif args.command == "kb":
            kb_cli.run(settings, args)
        elif args.command == "export":
            from bot.export_cli import export

            export(settings, args.escalation, args.out)
        elif args.command == "check":
            settings.require_drafter()
            return _check(settings)
        else:
            _run(settings, args)
    except UserError as exc:
        print(f"escalation-bot: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
