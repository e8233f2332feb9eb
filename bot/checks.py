"""``escalation-bot check``: can the bot reach Jira and Zendesk with what it was given?

One line per problem, naming it (a missing variable, a refused credential, a project or issue
type that does not exist), so an operator can fix them all in one go.
"""

from __future__ import annotations

from bot.config import AppConfig
from bot.errors import ConfigError
from commands.ports import DeliveryError


def check_jira(config: AppConfig) -> tuple[list[str], list[str]]:
    """(what is fine, what is wrong) about the ``jira:`` section."""
    jira = config.jira
    if jira is None:
        return [], []
    from bot.jira.client import JiraClient, NotFound

    try:
        email, token = jira.credentials()
    except ConfigError as exc:
        return [], [f"jira: {exc}"]
    client = JiraClient(jira.base_url, email, token, timeout=10)
    ok: list[str] = []
    problems: list[str] = []
    try:
        try:
            me = client.myself()
        except DeliveryError as exc:
            return [], [f"jira: {jira.base_url} refused the credentials in {jira.email_env}/"
                        f"{jira.token_env} ({exc})"]
        ok.append(f"jira: signed in to {jira.base_url} as {me.display_name or me.account_id}")
        for domain, key in jira.project_per_domain.items():
            try:
                project = client.project(key)
            except NotFound:
                problems.append(f"jira: project {key} (domain {domain}) does not exist or the "
                                "bot's account cannot see it")
                continue
            except DeliveryError as exc:
                problems.append(f"jira: project {key} (domain {domain}): {exc}")
                continue
            names = sorted(t.name for t in project.issue_types)
            if jira.issue_type.lower() not in {n.lower() for n in names}:
                problems.append(f"jira: project {key} has no issue type {jira.issue_type!r} "
                                f"(it has: {', '.join(names)})")
            else:
                ok.append(f"jira: project {key} (domain {domain}) takes {jira.issue_type}")
        if jira.webhook_secret() is None:
            ok.append(f"jira: {jira.webhook_secret_env} is not set, so POST /jira/webhook "
                      "refuses everything; polling keeps escalations in sync")
    finally:
        client.close()
    return ok, problems


def check_zendesk(config: AppConfig) -> tuple[list[str], list[str]]:
    zendesk = config.zendesk
    if zendesk is None:
        return [], []
    from bot.zendesk import ZendeskClient

    try:
        email, token = zendesk.credentials()
    except ConfigError as exc:
        return [], [f"zendesk: {exc}"]
    client = ZendeskClient(zendesk.url(), email, token)
    try:
        me = client.me()
    except DeliveryError as exc:
        return [], [f"zendesk: {zendesk.url()} refused the credentials in {zendesk.email_env}/"
                    f"{zendesk.token_env} ({exc})"]
    finally:
        client.close()
    if me.get("role") not in ("agent", "admin"):
        return [], [f"zendesk: {zendesk.email_env} is not an agent (role {me.get('role')}); "
                    "only agents can add internal notes"]
    return [f"zendesk: signed in to {zendesk.url()} as {me.get('name') or me.get('id')}"], []
