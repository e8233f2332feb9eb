"""Knowledge-base drafts: Approve / Edit / Discard buttons and the Edit modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.inbound import guarded
from bot.render.kb import APPROVE, DISCARD, EDIT, EDIT_CALLBACK, LABELS, edit_view
from commands import kb
from commands.context import Context


def _article_id(body: dict[str, Any]) -> int | None:
    try:
        return int(str(body["actions"][0]["value"]))
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _reply(ctx: Context, body: dict[str, Any], text: str) -> None:
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id")
    if channel:
        ctx.slack.ephemeral(channel, user, text)


def register(app: App, ctx: Context) -> None:
    @app.action(APPROVE)
    @guarded
    def approve(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        article_id = _article_id(body)
        if article_id is not None:
            result = kb.decide(ctx, article_id=article_id, user=body["user"]["id"],
                               approve=True)
            _reply(ctx, body, result.text)

    @app.action(DISCARD)
    @guarded
    def discard(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        article_id = _article_id(body)
        if article_id is not None:
            result = kb.decide(ctx, article_id=article_id, user=body["user"]["id"],
                               approve=False)
            _reply(ctx, body, result.text)

    @app.action(EDIT)
    @guarded
    def edit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        article_id = _article_id(body)
        article = kb.load(ctx, article_id) if article_id is not None else None
        if article is None:
            return
        if article.status != "draft":
            _reply(ctx, body, f"This draft was {article.status} already.")
            return
        client.views_open(trigger_id=body["trigger_id"], view=edit_view(article).to_dict())

    @app.view(EDIT_CALLBACK)
    @guarded
    def save(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values: dict[str, str] = {}
        state = (view.get("state") or {}).get("values") or {}
        for key, _label in LABELS:
            element = (state.get(key) or {}).get(key) or {}
            values[key] = str(element.get("value") or "")
        try:
            article_id = int(str(view.get("private_metadata") or ""))
        except ValueError:
            ack()
            return
        errors = kb.save_edit(ctx, article_id=article_id, user=body["user"]["id"],
                              values=values)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
