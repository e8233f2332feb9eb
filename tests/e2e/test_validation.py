"""Each checklist rule reaches the agent inline on the field that is wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.harness import BotProcess, form_values, raw
from tests.fakeslack import FakeSlack, SlackDriver

pytestmark = pytest.mark.e2e

NOW = datetime.now(UTC).replace(microsecond=0)


def open_at(drv: SlackDriver, fake: FakeSlack, step: str) -> None:
    drv.slash_command()
    fake.wait_for("views.open")
    for earlier in ("problem", "reproduction", "handoff"):
        if earlier == step:
            return
        assert drv.submit_view("U0AGENT", form_values(NOW, earlier)).json.get(
            "response_action") == "update"


CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("problem", {"background": "The customer is a nightmare and very rude to our team."},
     "background", "temperament"),
    ("problem", {"problem": "Doesn't work, please help!"}, "problem", "generic"),
    ("problem", {"problem": "Login fails for Acme. Also exports fail for everyone."},
     "problem", "one sentence"),
    ("problem", {"affected_users": raw("0")}, "affected_users", "At least one user"),
    ("problem", {"first_reported_at": raw(int((NOW + timedelta(days=2)).timestamp()))},
     "first_reported_at", "in the future"),
    ("reproduction", {"evidence_links": raw("htp:/broken-link")}, "evidence_links",
     "well-formed"),
    ("reproduction", {"logs": raw(None), "evidence_links": raw(None)}, "logs",
     "engineering needs the data"),
    ("reproduction", {"repro_steps": raw("x" * 3001)}, "repro_steps", "limit is 3000"),
    ("handoff", {"blocker": "need engineering"}, "blocker", "too generic"),
    ("handoff", {"hypothesis": raw("no idea")}, "hypothesis", "too generic"),
    ("handoff", {"hypothesis": raw(None)}, "hypothesis", "is required"),
    ("handoff", {"linked_tickets": raw("see the thread")}, "linked_tickets",
     "Not a ticket id"),
    ("handoff", {"posture": raw("Their CTO is difficult and crazy.")}, "posture",
     "temperament"),
]


@pytest.mark.parametrize(("step", "changes", "field", "message"), CASES,
                         ids=[f"{c[2]}-{c[3].split()[0]}" for c in CASES])
def test_rule_is_shown_on_its_field(fake: FakeSlack, http_bot: BotProcess, step: str,
                                    changes: dict[str, Any], field: str, message: str) -> None:
    """The submission is refused with an inline error on the offending field only."""
    from tests.e2e.conftest import driver_for

    drv = driver_for(fake, http_bot)
    open_at(drv, fake, step)
    values = form_values(NOW, step, **changes)
    response = drv.submit_view("U0AGENT", values, client_validation=False)
    assert response.ok
    body = response.json
    assert body["response_action"] == "errors", body
    assert list(body["errors"]) == [field], body["errors"]
    assert message.lower() in body["errors"][field].lower()
    assert drv.open_view("U0AGENT")["callback_id"] == f"escalate.{step}"  # still on the step
    assert fake.calls_to("chat.postMessage") == []
    assert fake.contract_violations == []
