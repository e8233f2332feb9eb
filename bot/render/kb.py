"""A knowledge-base draft as a Slack message (Approve / Edit / Discard) and its Edit modal."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.render.mrkdwn import escape, truncate
from core.kb import FIELD_MAX, TITLE_MAX, Article
from core.model import Escalation

APPROVE, EDIT, DISCARD = "kb:approve", "kb:edit", "kb:discard"
EDIT_CALLBACK = "kb:edit_submit"
SECTION_MAX = 3000
LABELS = (("title", "Title"), ("symptoms", "Symptoms"), ("applies_to", "Applies to"),
          ("cause", "Cause"), ("resolution", "Resolution or workaround"),
          ("before_escalating", "Before you escalate, check…"))


def draft_message(esc: Escalation, article: Article) -> tuple[str, list[Block]]:
    assert article.id is not None
    text = (f"Knowledge-base draft from {esc.public_id}: {article.title} — approve, edit "
            "or discard it.")
    blocks: list[Block] = [
        HeaderBlock(text=truncate(f"KB draft: {article.title}", 150)),
        ContextBlock(elements=[MarkdownTextObject(
            text=f"Drafted from {esc.public_id} when it was resolved. Approved articles are "
                 "kept with their source escalations and shown to agents at `/escalate` "
                 "when a similar case comes in.")]),
    ]
    for key, label in LABELS[1:]:
        value = str(getattr(article, key))
        blocks.append(SectionBlock(text=MarkdownTextObject(
            text=truncate(f"*{label}*\n{escape(value)}", SECTION_MAX))))
    value = str(article.id)
    blocks.append(ActionsBlock(block_id=f"kb:{article.id}", elements=[
        ButtonElement(text="Approve", action_id=APPROVE, value=value, style="primary"),
        ButtonElement(text="Edit", action_id=EDIT, value=value),
        ButtonElement(text="Discard", action_id=DISCARD, value=value, style="danger"),
    ]))
    return text, blocks


def edit_view(article: Article) -> View:
    assert article.id is not None
    blocks: list[Block] = []
    for key, label in LABELS:
        limit = TITLE_MAX if key == "title" else FIELD_MAX
        blocks.append(InputBlock(
            block_id=key, label=label,
            element=PlainTextInputElement(action_id=key, multiline=key != "title",
                                          initial_value=str(getattr(article, key))[:limit],
                                          max_length=limit)))
    return View(type="modal", callback_id=EDIT_CALLBACK, private_metadata=str(article.id),
                title="Edit KB draft", submit="Save", close="Cancel", blocks=blocks)
