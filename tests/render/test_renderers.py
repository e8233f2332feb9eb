"""Every view and message the bot builds passes Slack's limits and schemas, and reads right."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.render.home import HomeSection, home_view
from bot.render.modal import done_view, step_view
from bot.render.mrkdwn import escape
from bot.render.packet import SECTION_BUDGET, overflow_messages, packet
from core.checklist import Step, readiness
from core.model import Answers, Domain, Escalation, Level, LevelDecision, State
from tests.builders import good_answers
from tests.slack_contracts import check_message, check_view

DOMAINS = [Domain("auth", "Authentication & SSO", "C0AUTH0001", "S0AUTHSPEC"),
           Domain("billing", "Billing", "C0BILL0001")]


def escalation(now: datetime, **changes: object) -> Escalation:
    answers = good_answers(now)
    esc = Escalation(id=42, answers=answers, requester="U0AGENT", domain=DOMAINS[0],
                     decision=LevelDecision(Level.L4, True, "L4 Engineering: SEV2 …"),
                     state=State.OPEN, created_at=now, posted_at=now, channel="C0AUTH0001",
                     message_ts="1700000000.000100")
    return replace(esc, **changes)  # type: ignore[arg-type]


def message_args(rendered: object) -> dict[str, object]:
    return {"channel": "C0AUTH0001", "text": rendered.text,  # type: ignore[attr-defined]
            "blocks": [b.to_dict() for b in rendered.blocks]}  # type: ignore[attr-defined]


class TestModal:
    @pytest.mark.parametrize("step", list(Step))
    def test_empty_steps_are_valid_views(self, step: Step, now: datetime) -> None:
        """Each step's form, blank, is a view Slack accepts."""
        view = step_view(step, Answers(), domains=DOMAINS, requester="U0AGENT",
                         channel="C0SUPPORT", weak=readiness(Answers(), now=now))
        check_view(view.to_dict())

    @pytest.mark.parametrize("step", list(Step))
    def test_prefilled_steps_keep_answers(self, step: Step, now: datetime) -> None:
        """A step re-rendered from the draft shows what was typed."""
        view = step_view(step, good_answers(now), domains=DOMAINS, requester="U0AGENT",
                         channel="C0SUPPORT").to_dict()
        check_view(view)
        initial = str(view)
        expected = {Step.PROBLEM: "SSO login fails", Step.REPRODUCTION: "web 4.2.1",
                    Step.HANDOFF: "strict audience check"}[step]
        assert expected in initial

    def test_severity_options_explain_each_level(self, now: datetime) -> None:
        """The severity picker describes each SEV's meaning (seed 001 §2)."""
        view = step_view(Step.PROBLEM, Answers(), domains=DOMAINS, requester="U",
                         channel=None).to_dict()
        severity = next(b for b in view["blocks"] if b.get("block_id") == "severity")
        descriptions = [o["description"]["text"] for o in severity["element"]["options"]]
        assert len(descriptions) == 4 and "on-call Engineering" in descriptions[0]

    def test_last_step_shows_readiness(self, now: datetime) -> None:
        """The last step lists what is still weak before the agent submits."""
        weak = readiness(replace(good_answers(now), evidence_links=None), now=now)
        view = step_view(Step.HANDOFF, good_answers(now), domains=DOMAINS, requester="U",
                         channel=None, weak=weak).to_dict()
        assert "No screenshots, HAR or video links" in str(view["blocks"][2])

    def test_back_button_only_after_first_step(self) -> None:
        """Step 1 has no Back button; later steps go back to the previous one."""
        first = step_view(Step.PROBLEM, Answers(), domains=DOMAINS, requester="U", channel=None)
        second = step_view(Step.REPRODUCTION, Answers(), domains=DOMAINS, requester="U",
                           channel=None).to_dict()
        assert "escalate_back" not in str(first.to_dict())
        nav = next(b for b in second["blocks"] if b.get("block_id") == "nav")
        assert nav["elements"][0]["value"] == "problem"

    def test_done_view(self) -> None:
        """The confirmation names the escalation and the channel."""
        view = done_view(public_id="ESC-42", channel="C0AUTH0001", level="L4 Engineering",
                         reason="L4 Engineering: SEV1 …", created=True).to_dict()
        check_view(view)
        assert "ESC-42" in str(view) and "<#C0AUTH0001>" in str(view)


class TestPacket:
    def test_packet_is_valid_and_complete(self, now: datetime) -> None:
        """The packet carries every checklist section, UTC times and a Claim button."""
        rendered = packet(escalation(now))
        check_message(message_args(rendered))
        body = json.dumps([b.to_dict() for b in rendered.blocks], ensure_ascii=False)
        for needle in ("ESC-42 · SEV2", "Reproduction", "Expected vs actual", "Environment",
                       "What was tried", "Blocker", "Next-move hypothesis", "Asks for engineering",
                       "Linked tickets", "2026-11-23 12:00 UTC", "L5 Leadership notified",
                       "<!subteam^S0AUTHSPEC>", '"action_id": "claim"'):
            assert needle in body, needle
        assert rendered.overflow == []
        assert "ESC-42" in rendered.text and "Authentication" in rendered.text

    def test_claimed_packet_shows_owner_not_button(self, now: datetime) -> None:
        """Once claimed, the packet shows the owner and time to claim instead of the button."""
        esc = escalation(now, state=State.CLAIMED, owner="U0SPEC",
                         claimed_at=now + timedelta(minutes=7))
        rendered = packet(esc)
        check_message(message_args(rendered))
        body = str([b.to_dict() for b in rendered.blocks])
        assert "'claim'" not in body
        assert "<@U0SPEC> since 12:07 UTC (claimed 7m after posting)" in body

    def test_user_text_cannot_ping_or_break_layout(self, now: datetime) -> None:
        """Mentions, broadcasts and links typed by the agent are shown, not executed."""
        hostile = "<!channel> @here <@U123> <https://evil.example|click> ``` *"
        esc = escalation(now, answers=replace(good_answers(now), background=hostile * 3,
                                              logs="``` <!here> ```"))
        rendered = packet(esc)
        check_message(message_args(rendered))
        body = str([b.to_dict() for b in rendered.blocks])
        assert "<!channel>" not in body and "<!here>" not in body and "<@U123>" not in body
        assert "&lt;!channel&gt;" in body

    def test_long_content_goes_to_thread_not_lost(self, now: datetime) -> None:
        """A section too long for the packet is cut there and posted in full in the thread."""
        long_logs = "\n".join(f"2026-11-23T10:{i % 60:02d}:00Z ERROR line {i}" for i in range(900))
        esc = escalation(now, answers=replace(good_answers(now), logs=long_logs))
        rendered = packet(esc)
        check_message(message_args(rendered))
        logs_block = next(b.to_dict() for b in rendered.blocks if b.block_id == "logs")
        assert len(logs_block["text"]["text"]) <= SECTION_BUDGET
        assert "full text in the thread" in logs_block["text"]["text"]
        thread = overflow_messages(esc, rendered.overflow)
        for message in thread:
            check_message(message_args(message))
        shown = "".join(str(b.to_dict()) for m in thread for b in m.blocks)
        assert all(f"ERROR line {i}" in shown for i in (0, 450, 899))

    def test_escape_helper(self) -> None:
        """The escape helper neutralises Slack's control sequences."""
        assert escape("a & <b> @channel") == "a &amp; &lt;b&gt; @\u2060channel"


class TestHome:
    def test_home_lists_escalations(self, now: datetime) -> None:
        """App Home lists the user's work with state and next update due, linked to packets."""
        from core.model import Progress

        esc = escalation(now, owner="U0SPEC", state=State.ACCEPTED,
                         permalink="https://fake.slack.test/p1",
                         progress=Progress(next_update_due=now + timedelta(hours=2)))
        view = home_view("U0SPEC", [HomeSection("mine", [esc], 1)]).to_dict()
        check_view(view)
        body = str(view)
        assert "My work" in body and "Accepted · next update due 2026-11-23 14:00 UTC" in body
        assert "<https://fake.slack.test/p1|ESC-42>" in body

    def test_empty_home_explains_escalate(self) -> None:
        """An empty App Home says so per section and tells the user how to escalate."""
        sections = [HomeSection(k, [], 0) for k in ("waiting", "mine", "raised", "unclaimed",
                                                     "resolved")]
        view = home_view("U1", sections)
        check_view(view.to_dict())
        assert "/escalate" in str(view.to_dict())

    def test_long_lists_stay_within_100_blocks(self, now: datetime) -> None:
        """Hundreds of items still make a valid Home tab, with "and N more" lines."""
        many = [escalation(now, id=n, owner="U0SPEC", state=State.ACCEPTED)
                for n in range(1, 60)]
        sections = [HomeSection(k, many, 500) for k in ("waiting", "mine", "raised",
                                                         "unclaimed", "resolved")]
        view = home_view("U0SPEC", sections).to_dict()
        check_view(view)
        assert len(view["blocks"]) <= 100
        assert "and 441 more" in str(view)
