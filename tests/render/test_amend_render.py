"""Renderers of intake: the fast lane's packet, files, Add details, redaction notes."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

from bot.render.amend import details_view
from bot.render.modal import step_view
from bot.render.packet import packet
from commands.amend import DETAIL_KEYS
from core.checklist import Step
from core.model import Answers, Domain, Severity
from tests.render.test_renderers import escalation, message_args
from tests.slack_contracts import check_message, check_view

DOMAIN = Domain("billing", "Billing", "C0BILL0001", specialists="S0BILLSPEC",
                incident_commander="U0IC0001")


def paged(now: datetime) -> object:
    esc = escalation(now)
    a = esc.answers
    step1 = Answers(problem=a.problem, background=a.background, domain="billing",
                    severity=Severity.SEV1, customer=a.customer, tier=a.tier,
                    affected_users=a.affected_users, first_reported_at=a.first_reported_at)
    return replace(esc, answers=step1, domain=DOMAIN)


def test_paged_packet_says_incomplete_and_pages(now: datetime) -> None:
    """After Page now the packet says what follows, pages specialists and IC, lists gaps."""
    esc = paged(now)
    rendered = packet(esc)  # type: ignore[arg-type]
    check_message(message_args(rendered))
    text = json.dumps([b.to_dict() for b in rendered.blocks], ensure_ascii=False)
    assert "Incomplete: reproduction and handoff to follow" in text
    assert "<!subteam^S0BILLSPEC>" in text and "<@U0IC0001> (incident commander)" in text
    assert "Reproduction steps" in text.split("Still missing:")[1]


def test_complete_packet_has_no_banner_and_lists_files(now: datetime) -> None:
    esc = escalation(now)
    link = "https://acme.slack.com/files/U0AGENT/F0ABC/har<1>.png"
    esc = replace(esc, answers=replace(esc.answers, evidence_files=(
        f"login <error>.png\thttps://acme.slack.com/files/U0AGENT/F0ABC/login.png\n"
        f"bad\t{link}")))
    rendered = packet(esc)
    check_message(message_args(rendered))
    text = json.dumps([b.to_dict() for b in rendered.blocks], ensure_ascii=False)
    assert "Incomplete" not in text
    assert "<https://acme.slack.com/files/U0AGENT/F0ABC/login.png|login &lt;error&gt;.png>" \
        in text
    assert "har<1>" not in text  # an unsafe link is shown as text, not linked
    assert '"action_id": "intake:add_details"' in text


def test_details_view_prefilled_and_valid(now: datetime) -> None:
    esc = escalation(now)
    view = details_view(esc, DETAIL_KEYS, channel="C0AUTH0001").to_dict()
    check_view(view)
    logs = next(b for b in view["blocks"] if b.get("block_id") == "logs")
    assert logs["element"]["initial_value"] == esc.answers.logs
    assert all(b.get("optional") for b in view["blocks"] if b["type"] == "input")
    noted = details_view(esc, DETAIL_KEYS, channel=None, values={"logs": "x [email]"},
                         removed={"logs": "1 item removed: an email address"}).to_dict()
    check_view(noted)
    block = next(b for b in noted["blocks"] if str(b.get("block_id")).startswith("logs~"))
    assert block["hint"]["text"].startswith("🔒 1 item removed: an email address")
    assert block["element"]["initial_value"] == "x [email]"


def test_step_one_offers_page_now_for_sev1(now: datetime) -> None:
    answers = Answers(severity=Severity.SEV1)
    offered = step_view(Step.PROBLEM, answers, domains=[DOMAIN], requester="U0A",
                        channel=None, page_now_offer=True).to_dict()
    check_view(offered)
    assert any(b.get("block_id") == "page_now" for b in offered["blocks"])
    severity = next(b for b in offered["blocks"] if b.get("block_id") == "severity")
    assert severity["dispatch_action"] is True
    evidence = step_view(Step.REPRODUCTION, Answers(), domains=[DOMAIN], requester="U0A",
                         channel=None).to_dict()
    check_view(evidence)
    files = next(b for b in evidence["blocks"] if b.get("block_id") == "evidence_files")
    assert files["element"]["type"] == "file_input"
