"""The packet's status and actions, and the loop's modals: valid Block Kit that reads right."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.render.loop_modals import FRAMES, form_view, read_metadata
from bot.render.loop_packet import action_elements, parse_action_value
from bot.render.packet import packet
from core.model import PendingHandoff, Progress, State
from core.workflow import Action, available
from tests.render.test_renderers import escalation, message_args
from tests.slack_contracts import check_message, check_view


def _labels(esc: object) -> list[str]:
    labels: list[str] = []
    for element in action_elements(esc):  # type: ignore[arg-type]
        data = element.to_dict()
        if data["type"] == "button":
            labels.append(data["text"]["text"])
        else:
            labels += [o["text"]["text"] for o in data["options"]]
    return labels


class TestPacketStatus:
    @pytest.mark.parametrize("state", list(State))
    def test_every_state_renders_valid_with_exactly_its_actions(self, state: State,
                                                                now: datetime) -> None:
        """In every state the packet is valid Block Kit and offers what the state allows."""
        owner = None if state is State.OPEN else "U0SPEC"
        esc = escalation(now, state=state, owner=owner,
                         claimed_at=None if owner is None else now)
        rendered = packet(esc)
        check_message(message_args(rendered))
        expected = [a.label for a in available(state)]
        assert sorted(_labels(esc)) == sorted(expected)

    def test_status_shows_the_facts(self, now: datetime) -> None:
        """State, owner, level, SEV, IC, last update by whom, next due, ETA — all in UTC."""
        progress = Progress(version=3, incident_commander="U0IC", last_update_at=now,
                            last_update_by="U0SPEC", next_update_due=now + timedelta(hours=2),
                            fix_eta=now + timedelta(days=1),
                            pending_handoff=PendingHandoff("U0DANA", "U0SPEC", now, "note"),
                            merged_ids=(17, 18))
        esc = escalation(now, state=State.FIX_IN_PROGRESS, owner="U0SPEC", claimed_at=now,
                         progress=progress)
        body = json.dumps([b.to_dict() for b in packet(esc).blocks], ensure_ascii=False)
        for needle in ("Fix in progress", "<@U0SPEC> since 12:00 UTC", "L4 Engineering",
                       "SEV2", "<@U0IC>", "2026-11-23 12:00 UTC by <@U0SPEC>",
                       "2026-11-23 14:00 UTC", "2026-11-24 12:00 UTC",
                       "Handoff to <@U0DANA> pending", "Merged here: ESC-17, ESC-18"):
            assert needle in body, needle

    def test_open_question_is_escaped(self, now: datetime) -> None:
        """The open question is user text: shown, never pinging."""
        esc = escalation(now, state=State.NEEDS_INFO, owner="U0SPEC", claimed_at=now,
                         progress=Progress(open_question="<!channel> which app id?"))
        rendered = packet(esc)
        check_message(message_args(rendered))
        assert "&lt;!channel&gt; which app id?" in json.dumps(
            [b.to_dict() for b in rendered.blocks])

    def test_buttons_carry_id_and_version(self, now: datetime) -> None:
        """Each action carries the escalation id (overflow options: action and id)."""
        esc = escalation(now, state=State.ACCEPTED, owner="U0SPEC", claimed_at=now,
                         progress=Progress(version=5))
        values = []
        for element in action_elements(esc):
            data = element.to_dict()
            values += [data["value"]] if data["type"] == "button" else [
                o["value"].split(":", 1)[1] for o in data["options"]]
        assert set(values) == {"42"}
        assert parse_action_value("42") == 42
        assert parse_action_value("42:5") == 42
        assert parse_action_value("x:1") is None
        assert parse_action_value("9" * 40) is None

    def test_overflow_menus_hold_two_to_five_options(self, now: datetime) -> None:
        """Slack's overflow takes 2–5 options: however many actions, each menu fits."""
        for state in State:
            esc = escalation(now, state=state, owner="U0SPEC", claimed_at=now)
            for element in action_elements(esc):
                data = element.to_dict()
                if data["type"] == "overflow":
                    assert 2 <= len(data["options"]) <= 5


class TestModals:
    @pytest.mark.parametrize("action", list(FRAMES))
    def test_every_form_is_a_valid_modal(self, action: Action, now: datetime) -> None:
        """Every loop modal passes the Block Kit checks and carries id + version."""
        esc = escalation(now, state=State.ACCEPTED, owner="U0SPEC", claimed_at=now,
                         progress=Progress(version=4))
        view = form_view(action, esc, context="*Question*\nWhich app id?").to_dict()
        check_view(view)
        assert view["callback_id"] == f"loop.{action.value}"
        assert read_metadata(view["private_metadata"]) == {"id": 42, "v": 4}

    def test_post_update_asks_the_five_questions_with_a_default_next_update(
            self, now: datetime) -> None:
        """The update form has seed 001's five questions; the next update is pre-filled."""
        esc = escalation(now, state=State.ACCEPTED, owner="U0SPEC", claimed_at=now)
        due = now + timedelta(hours=2)
        view = form_view(Action.POST_UPDATE, esc,
                         values={"next_update_at": due.isoformat()}).to_dict()
        labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
        assert labels[:5] == ["What we know", "What we don't know yet", "What we're doing next",
                              "When you'll hear from us again",
                              "What the customer should do in the meantime"]
        picker = next(b for b in view["blocks"] if b.get("block_id") == "next_update_at")
        assert picker["element"]["initial_date_time"] == int(due.timestamp())

    def test_severity_and_level_offer_only_real_changes(self, now: datetime) -> None:
        """The severity form omits the current SEV; the level form offers only higher levels."""
        esc = escalation(now, state=State.ACCEPTED, owner="U0SPEC", claimed_at=now)
        esc = replace(esc, decision=replace(esc.decision, target=esc.decision.target.__class__(3)))
        sev = form_view(Action.CHANGE_SEVERITY, esc).to_dict()
        options = next(b for b in sev["blocks"] if b.get("block_id") == "severity")
        assert "SEV2" not in [o["value"] for o in options["element"]["options"]]
        level = form_view(Action.ESCALATE_LEVEL, esc).to_dict()
        options = next(b for b in level["blocks"] if b.get("block_id") == "target")
        assert [o["value"] for o in options["element"]["options"]] == ["L4"]

    def test_resolve_asks_for_the_structured_wrap_up(self, now: datetime) -> None:
        """Resolve asks for category, root cause, fix version, validation, L1 takeaway, KB."""
        esc = escalation(now, state=State.ACCEPTED, owner="U0SPEC", claimed_at=now)
        view = form_view(Action.RESOLVE, esc).to_dict()
        keys = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
        assert keys == ["category", "root_cause", "fix_version", "validation_notes",
                        "l1_takeaway", "kb_warranted"]
        category = view["blocks"][[b.get("block_id") for b in view["blocks"]].index("category")]
        assert len(category["element"]["options"]) == 8
