"""Knowledge-base drafts: Approve / Edit / Discard buttons and the Edit modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.inbound import BlockAction, Malformed, guarded, parse_block_action, parse_view_submission
from bot.inbound.read import whole_number
from bot.render.kb import APPROVE, DISCARD, EDIT, EDIT_CALLBACK, LABELS, edit_view
from commands import kb
from commands.context import Context
from core.inputs import UNREADABLE

# Article ids are database integers: anything larger is not one of ours.
MAX_ID = 2**31 - 1


def _reply(ctx: Context, click: BlockAction, text: str) -> None:
    if click.channel:
        ctx.slack.ephemeral(click.channel, click.user, text)


def _decide(ctx: Context, body: dict[str, Any], *, approve: bool) -> None:
    click = parse_block_action(body)
    result = kb.decide(ctx, article_id=click.number(high=MAX_ID), user=click.user,
                       approve=approve)
    _reply(ctx, click, result.text)


def register(app: App, ctx: Context) -> None:
    @app.action(APPROVE)
    @guarded
    def approve(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        _decide(ctx, body, approve=True)

    @app.action(DISCARD)
    @guarded
    def discard(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        _decide(ctx, body, approve=False)

    @app.action(EDIT)
    @guarded
    def edit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        click = parse_block_action(body)
        article = kb.load(ctx, click.number(high=MAX_ID))
        if article is None:
            _reply(ctx, click, "That knowledge-base draft no longer exists.")
            return
        if article.status != "draft":
            _reply(ctx, click, f"This draft was {article.status} already.")
            return
        if click.trigger_id is None:
            raise Malformed("trigger_id: missing")
        client.views_open(trigger_id=click.trigger_id, view=edit_view(article).to_dict())

    @app.view(EDIT_CALLBACK)
    @guarded
    def save(ack: Ack, body: dict[str, Any]) -> None:
        sub = parse_view_submission(body)
        article_id = whole_number(sub.view.private_metadata, "view.private_metadata",
                                  low=1, high=MAX_ID)
        values: dict[str, str] = {}
        unreadable: dict[str, str] = {}
        for key, _label in LABELS:
            element = sub.view.element(key)
            value = element.value if element is not None else None
            if value is None:
                values[key] = ""
            elif isinstance(value, str):
                values[key] = value
            else:  # a text input holds text: anything else is an error on its field
                unreadable[key] = UNREADABLE
        if unreadable:
            ack(response_action="errors", errors=unreadable)
            return
        errors = kb.save_edit(ctx, article_id=article_id, user=sub.user, values=values)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
