"""Bootstrap: the one place that builds the real adapters and wires them together."""

from __future__ import annotations

import logging
import os
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt import App

from bot import metrics
from bot.config import AppConfig
from bot.gateway import SlackGateway, identify, make_client
from bot.inbound import install
from bot.listeners import register_listeners
from bot.llm_drafter import build_drafter
from bot.observe import observe_middleware
from bot.settings import Settings
from commands import digest, workers
from commands.context import Context
from commands.digest import DigestSettings
from commands.planning import plan_missing
from schedules.jobs import build_scheduler
from storage.database import Database

log = logging.getLogger(__name__)

LISTENER_THREADS = 64


@dataclass
class Runtime:
    settings: Settings
    config: AppConfig
    db: Database
    ctx: Context
    app: App
    scheduler: BackgroundScheduler

    def start_background(self) -> None:
        self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        try:
            workers.stop(self.ctx)
        except Exception as exc:  # the database may be the reason we stop
            log.warning("could not leave the worker roster: %s", type(exc).__name__)
        self.db.dispose()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def worker_identity(settings: Settings) -> str:
    """Stable across restarts: the host name, plus WORKER_NAME when set."""
    host = socket.gethostname() or "host"
    return f"{host}:{settings.worker_name}" if settings.worker_name else host


class _DropTokenSkippedWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that our client's token wins; it is the
    same token, so the warning would only confuse operators at every start."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _count_sync(source: str, result: str) -> None:
    if result == "failed":
        metrics.JIRA_SYNC_FAILURES.labels(source=source, reason="error").inc()
    else:
        metrics.JIRA_SYNCS.labels(source=source, result=result).inc()


def _wire_integrations(ctx: Context, config: AppConfig) -> None:
    """Jira and Zendesk clients from the config; secrets from the environment."""
    if config.jira is not None:
        from bot.jira.client import JiraClient
        from commands.jira import JiraSetup

        email, token = config.jira.credentials()
        client = JiraClient(config.jira.base_url, email, token)
        setup = JiraSetup(port=client, settings_for=config.jira.ticket_settings,
                          status_map=config.jira.statuses(),
                          poll_interval=timedelta(seconds=config.jira.poll_seconds or 60))
        try:
            setup.bot_account = client.myself().account_id
        except Exception as exc:  # Jira down at start: echoes are still told apart by actor
            log.warning("Jira: cannot read the bot's account yet: %s", exc)
        ctx.extra["jira"] = setup
    if config.zendesk is not None:
        from bot.zendesk import ZendeskClient

        email, token = config.zendesk.credentials()
        ctx.extra["zendesk"] = ZendeskClient(config.zendesk.url(), email, token)


def build_runtime(settings: Settings, config: AppConfig, *, http: bool) -> Runtime:
    assert settings.slack_bot_token is not None
    db = Database.from_url(settings.database_url)
    db.migrate()
    client = make_client(token=settings.slack_bot_token.get_secret_value(),
                         base_url=settings.slack_api_url)
    identity, boot_id = worker_identity(settings), workers.new_boot_id()
    allow = config.allow_list()
    slack = SlackGateway(client, allow=allow)
    ctx = Context(db=db, slack=slack, domains=config.domain_map(),
                  policy=config.build_policy(),
                  worker=workers.owner_name(identity, boot_id),
                  lease=timedelta(seconds=settings.outbox_lease_seconds),
                  peer_timeout=timedelta(seconds=settings.peer_timeout_seconds),
                  leads=tuple(config.leads), leadership_channel=config.leadership_channel,
                  posting_grace=timedelta(seconds=3), redaction=allow,
                  similar=config.deflection.settings(),

                  on_delivery=lambda kind, outcome: metrics.OUTBOX_DELIVERIES.labels(
                      kind=kind, outcome=outcome).inc(),
                  on_sync=_count_sync,
                  on_deadline=lambda kind, late: metrics.DEADLINE_LATENESS.labels(
                      kind=kind).observe(late))
    metrics.watch_database(db, ctx.now)
    _wire_integrations(ctx, config)
    slack.installation = identify(client, workers.installation_key(ctx))
    # Before any sweep: what a killed previous run of this process held is retried now.
    workers.start(ctx, identity=identity, boot_id=boot_id, pid=os.getpid(),
                  is_alive=_pid_alive)
    logging.getLogger("slack_bolt.App").addFilter(_DropTokenSkippedWarning())
    app = App(
        client=client,
        # HTTP mode checks signatures itself, on the raw bytes before parsing (bot.http), and
        # hands Bolt the parsed body: Bolt's own check would see the re-encoded body.
        signing_secret=None,
        request_verification_enabled=False,
        # Unhandled requests go to the error handler, which answers 200 (bot.inbound.guard).
        raise_error_for_unhandled_request=True,
        process_before_response=False,
        # Bolt's default pool has 5 threads: a burst of clicks would queue before their ack.
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS,
                                             thread_name_prefix="listener"),
    )
    install(app, notify=ctx.slack.ephemeral)
    settings.require_drafter()
    ctx.extra["drafter"] = build_drafter(
        drafter=settings.drafter, base_url=settings.llm_base_url, model=settings.llm_model,
        api_key=settings.llm_api_key.get_secret_value() if settings.llm_api_key else None,
        timeout_s=settings.llm_timeout_seconds)
    app.use(observe_middleware)  # first: times the ack, binds the request's ids to log lines
    register_listeners(app, ctx)
    # The weekly digest: a calendar deadline in the timers' table (posted by the sweep).
    ctx.extra["digest"] = DigestSettings(schedule=config.digest.schedule(),
                                         channel=config.digest_channel,
                                         per_domain=dict(config.digest.per_domain))
    digest.start(ctx)
    # Where knowledge-base drafts are posted for review besides the L1 agent's DM.
    if config.kb_channel:
        ctx.extra["kb_channel"] = config.kb_channel
    planned = plan_missing(ctx)  # escalations stored before the timers existed
    if planned:
        log.info("planned the clocks of %d escalation(s)", planned)
    scheduler = build_scheduler(ctx, delivery_interval_s=settings.delivery_interval_seconds,
                                sweep_interval_s=settings.sweep_interval_seconds,
                                names_interval_s=settings.names_interval_seconds,
                                jira_poll_s=config.jira.poll_seconds if config.jira else 0,
                                heartbeat_s=settings.heartbeat_seconds,
                                me=(identity, boot_id, os.getpid()))
    return Runtime(settings, config, db, ctx, app, scheduler)
