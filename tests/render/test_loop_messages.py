"""Thread lines, status updates, the wrap-up and DMs: valid Block Kit, user text escaped."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from bot.render import loop_messages as render
from core.customer_safe import build_draft
from core.model import Severity, State
from core.progress import StatusUpdate, wrap_up
from core.timeline import Notice, SeveritySuggestion, TimelineEntry
from core.workflow import Action
from tests.render.test_renderers import escalation, message_args
from tests.slack_contracts import check_message

HOSTILE = "<!channel> @here <@U123> ``` *bold*"


def _entry(now: datetime, quotes: tuple[tuple[str, str], ...] = ()) -> TimelineEntry:
    return TimelineEntry(at=now, actor="U0SPEC", kind="accepted",
                         headline="<@U0SPEC> accepted it (claimed → accepted)", quotes=quotes,
                         milestone="Acceptance")


def _body(rendered: object) -> str:
    return json.dumps([b.to_dict() for b in rendered.blocks])  # type: ignore[attr-defined]


class TestTimeline:
    def test_one_line_with_time_and_escaped_quotes(self, now: datetime) -> None:
        """A timeline line shows the UTC time and headline; the user's words cannot ping."""
        esc = escalation(now, state=State.ACCEPTED, owner="U0SPEC", claimed_at=now)
        rendered = render.timeline(esc, _entry(now, (("Note", HOSTILE),)))
        check_message(message_args(rendered))
        body = _body(rendered)
        assert "12:00 UTC" in body and "<@U0SPEC> accepted it" in body
        assert "<!channel>" not in body and "<@U123>" not in body

    def test_long_quote_is_cut_not_rejected(self, now: datetime) -> None:
        """A very long note still makes a valid message."""
        esc = escalation(now)
        rendered = render.timeline(esc, _entry(now, (("Note", "x " * 5000),)))
        check_message(message_args(rendered))


class TestStatusUpdate:
    def test_five_answers_and_customer_draft(self, now: datetime) -> None:
        """The update shows the answers, the next update time in UTC and the customer draft."""
        esc = escalation(now, state=State.ACCEPTED, owner="U0SPEC", claimed_at=now)
        due = now + timedelta(hours=2)
        draft = build_draft(known="Sign-in through Okta fails since the 4.2 release.",
                            unknown="Whether other identity providers are affected.",
                            next_steps="We are preparing a configuration rollback.",
                            customer_action="Use the password reset link meanwhile.",
                            next_update=due)
        update = StatusUpdate(id=1, at=now, author="U0SPEC", known=draft.details[0],
                              unknown="Other IdPs", next_steps="Rollback",
                              next_update_at=due, customer_action="Reset link",
                              internal_note="acs logs on " + HOSTILE, draft=draft)
        rendered = render.status_update(esc, update)
        check_message(message_args(rendered))
        body = _body(rendered)
        assert "2026-11-23 14:00 UTC" in body and "Customer-safe draft" in body
        assert "Next update: 2026-11-23 14:00 UTC" in body and "<!channel>" not in body


class TestWrapUpAndDms:
    def test_wrap_up_states_the_numbers(self, now: datetime) -> None:
        """The wrap-up shows resolution time, time to claim and accept, updates, root cause."""
        esc = escalation(now, state=State.RESOLVED, owner="U0SPEC", claimed_at=now)
        wrap = wrap_up(escalated_at=now, posted_at=now, claimed_at=now + timedelta(minutes=7),
                       accepted_at=now + timedelta(minutes=20),
                       resolved_at=now + timedelta(hours=5), updates=3,
                       root_cause="Strict audience check compared URNs case-sensitively",
                       fix_version="4.2.2", l1_takeaway="Check the audience URN first",
                       kb_warranted=True)
        rendered = render.wrap_up(esc, wrap)
        check_message(message_args(rendered))
        body = _body(rendered)
        for needle in ("5h", "7m", "13m", "Status updates*\\n3", "4.2.2", "case-sensitively",
                       "Knowledge-base article warranted", "Verify", "Reopen"):
            assert needle in body, needle

    def test_dm_carries_the_recipients_buttons(self, now: datetime) -> None:
        """A DM has exactly the notice's buttons, each naming the escalation."""
        esc = escalation(now, state=State.RESOLVED, owner="U0SPEC", claimed_at=now)
        notice = Notice(to="U0AGENT", entry=_entry(now),
                        actions=(Action.VERIFY, Action.REOPEN))
        rendered = render.dm(esc, notice)
        check_message(message_args(rendered))
        actions = [b for b in (b.to_dict() for b in rendered.blocks) if b["type"] == "actions"]
        assert [e["action_id"] for e in actions[0]["elements"]] == ["loop:verify", "loop:reopen"]
        assert {e["value"] for e in actions[0]["elements"]} == {"42"}

    def test_rating_prompt_has_the_three_answers(self, now: datetime) -> None:
        """Yes / Partly / I had to ask the requester — seed 002's measure."""
        rendered = render.rating_prompt(escalation(now))
        check_message(message_args(rendered))
        body = _body(rendered)
        assert all(f'"loop:rate:{v}"' in body for v in ("yes", "partly", "had_to_ask"))
        assert "I had to ask the requester" in body

    def test_severity_suggestion_is_one_click(self, now: datetime) -> None:
        """After merges the owner gets one button to upgrade."""
        esc = escalation(now, state=State.ACCEPTED, owner="U0SPEC", claimed_at=now)
        rendered = render.severity_suggestion(esc, SeveritySuggestion(
            Severity.SEV1, "6 customers affected", "U0SPEC"))
        check_message(message_args(rendered))
        assert '"loop:severity:sev1"' in _body(rendered)

    def test_leads_notice_links_the_packet(self, now: datetime) -> None:
        """Leads get the packet's link and the reason."""
        esc = escalation(now, permalink="https://fake.slack.test/archives/C/p1")
        rendered = render.leads_notice(esc, _entry(now))
        check_message(message_args(rendered))
        assert "<https://fake.slack.test/archives/C/p1|ESC-42>" in _body(rendered)
