"""The feedback loop end to end, the way the README tells a new user to take it: Claim →
accept → update → needs-info + answer → severity → level → reassign + accept handoff →
resolve → handoff rating → verify → reopen → export. Every step visible in the thread,
enforced by role, recorded in the audit trail; HTTP and Socket Mode, SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.harness import BotProcess
from tests.e2e.loop_steps import (
    check_all_messages,
    click_packet,
    dm_with,
    ephemeral_to,
    escalate_and_claim,
    packet_text,
    submit_form,
    thread,
    wait_packet,
    wait_thread,
)
from tests.e2e.test_reliability import audit, wait_until
from tests.fakeslack import FakeSlack, SlackDriver

pytestmark = pytest.mark.e2e

UPDATE = {
    "known": "Sign-in through Okta fails for every Acme user since the 4.2 release.",
    "unknown": "Whether tenants on other identity providers are affected.",
    "next_steps": "We are preparing a configuration rollback for the Acme tenant.",
    "customer_action": "Users can sign in with the password reset link we sent.",
}


def test_the_whole_loop(fake: FakeSlack, bot: BotProcess, drv: SlackDriver,
                        database_url: str) -> None:
    """A new user's journey from Claim to export, every step in the thread and the audit."""
    ts = escalate_and_claim(drv, fake)

    # The requester cannot accept: only the owner can.
    click_packet(drv, fake, ts, "accept", "U0AGENT")
    ephemeral_to(fake, "U0AGENT", "Only the owner")

    # Accept, with a first note.
    click_packet(drv, fake, ts, "accept", "U0SPEC")
    body = submit_form(drv, fake, "U0SPEC", "loop.accept",
                       {"note": "Reading the acs logs first; update by 15:00 UTC."})
    assert "You accepted ESC-1" in json.dumps(body)
    wait_packet(fake, ts, "Accepted")
    wait_thread(fake, ts, "accepted it")

    # Post update: the five questions; a blaming answer is refused inline first.
    click_packet(drv, fake, ts, "update", "U0SPEC")
    refused = submit_form(drv, fake, "U0SPEC", "loop.update",
                          {**UPDATE, "known": "It is the customer's fault, they broke SSO."})
    assert refused.get("response_action") == "errors" and "known" in refused["errors"]
    drv.submit_view("U0SPEC", UPDATE)
    wait_thread(fake, ts, "Customer-safe draft")
    wait_packet(fake, ts, "by <@U0SPEC>")

    # The requester passes the draft on and clicks Customer told under it (support's clock).
    [draft] = [m for m in thread(fake, ts) if '"loop:told"' in json.dumps(m.get("blocks"))]
    drv.click("loop:told", user_id="U0AGENT", message=("C0AUTH0001", draft["ts"]))
    wait_thread(fake, ts, "gave the customer an update")

    # Needs info from /escalation; the requester answers from the DM's button.
    drv.slash_command("ESC-1 info", user_id="U0SPEC", command="/escalation")
    submit_form(drv, fake, "U0SPEC", "loop.info", {
        "question": "Which Okta app id does Acme use, and when was the cert rotated?"})
    wait_packet(fake, ts, "Needs info")
    dm = dm_with(fake, "U0AGENT", "loop:answer")
    drv.click("loop:answer", user_id="U0AGENT", message=("U0AGENT", dm["ts"]))
    view = submit_form(drv, fake, "U0AGENT", "loop.answer", {
        "answer": "App id 0oa1b2c3; the certificate was rotated Friday 09:00 UTC."})
    assert "your answer is in" in json.dumps(view)
    wait_packet(fake, ts, "Accepted")
    wait_thread(fake, ts, "0oa1b2c3")

    # Severity up by the requester, with a reason.
    drv.slash_command("esc-1 severity SEV1", user_id="U0AGENT", command="/escalation")
    submit_form(drv, fake, "U0AGENT", "loop.severity", {
        "reason": "Two more enterprise tenants report the same SAML failure now."})
    wait_thread(fake, ts, "from SEV2 to SEV1")
    wait_packet(fake, ts, "SEV1")

    # Level up by the owner from the overflow menu.
    click_packet(drv, fake, ts, "level", "U0SPEC")
    submit_form(drv, fake, "U0SPEC", "loop.level", {
        "target": "L4", "reason": "Needs a code change in the SAML audience check."})
    wait_thread(fake, ts, "to L4")
    wait_packet(fake, ts, "L4 Engineering")

    # Reassign to Dana; ownership moves only when Dana accepts.
    drv.slash_command("1 reassign <@U0DANA|dana>", user_id="U0SPEC", command="/escalation")
    submit_form(drv, fake, "U0SPEC", "loop.reassign", {
        "note": "Reproduced on staging 4.2.1; next compare the audience URN with Acme "
                "metadata and prepare the hotfix."})
    wait_packet(fake, ts, "Handoff to <@U0DANA> pending")
    offer = dm_with(fake, "U0DANA", "loop:accept-handoff")
    drv.click("loop:accept-handoff", user_id="U0DANA", message=("U0DANA", offer["ts"]))
    wait_thread(fake, ts, "accepted the handoff")
    wait_packet(fake, ts, "<@U0DANA>")
    assert "pending" not in packet_text(fake, ts)

    # Resolve with the structured wrap-up.
    click_packet(drv, fake, ts, "resolve", "U0DANA")
    submit_form(drv, fake, "U0DANA", "loop.resolve", {
        "category": "code_fix",
        "root_cause": "The strict audience check in 4.2 compared URNs case-sensitively.",
        "fix_version": "web 4.2.2",
        "validation_notes": "Acme signed in through Okta on 4.2.2 at 15:10 UTC.",
        "l1_takeaway": "Check the audience URN in the IdP metadata before escalating.",
        "kb_warranted": ["true"]})
    wait_thread(fake, ts, "Wrap-up of ESC-1")
    wait_packet(fake, ts, "Resolved")

    # The handoff rating, asked privately once; a second click counts nothing.
    rating = dm_with(fake, "U0DANA", "loop:rate:yes")
    drv.click("loop:rate:yes", user_id="U0DANA", message=("U0DANA", rating["ts"]))
    ephemeral_to(fake, "U0DANA", "recorded")
    drv.redeliver(retry_num=1)
    ephemeral_to(fake, "U0DANA", "Done already")
    # The used DM loses its buttons and says what was done.
    wait_until(lambda: "loop:rate" not in json.dumps(
        (fake.find_message("U0DANA", rating["ts"]) or {}).get("blocks")), 15)

    # Verify from the DM closes it; reopen with a reason brings Dana back.
    verify = dm_with(fake, "U0AGENT", "loop:verify")
    drv.click("loop:verify", user_id="U0AGENT", message=("U0AGENT", verify["ts"]))
    wait_packet(fake, ts, "Closed")
    drv.slash_command("ESC-1 reopen", user_id="U0AGENT", command="/escalation")
    submit_form(drv, fake, "U0AGENT", "loop.reopen", {
        "reason": "Acme sees the HTTP 500 again after the 4.2.3 deploy."})
    wait_packet(fake, ts, "Reopened")

    # Export: the Markdown file lands in the requester's DM, people by name (users.info).
    fake.add_user("U0SPEC", "dana", real_name="Dana Scully", display_name="")
    drv.slash_command("ESC-1 export", user_id="U0AGENT", command="/escalation")
    wait_until(lambda: len(fake.completed_files()) == 1, 15)
    [export] = fake.completed_files()
    assert export.filename == "ESC-1.md" and export.content is not None
    document = export.content.decode()
    assert "Timeline" in document and "ESC-1" in document
    assert "@Dana Scully" in document and "@U0SPEC" not in document
    assert export.shared_to == [fake.dm_channel_id("U0AGENT")]

    kinds = audit(database_url)
    for kind in ("claimed", "accepted", "update_posted", "info_requested", "info_answered",
                 "severity_changed", "level_changed", "handoff_requested", "handoff_accepted",
                 "resolved", "handoff_rated", "verified", "reopened", "customer_told"):
        assert kinds.count(kind) == 1, (kind, kinds)
    assert len(thread(fake, ts)) >= 12
    check_all_messages(fake)


def test_conflicting_clicks_yield_one_result(fake: FakeSlack, bot: BotProcess,
                                             drv: SlackDriver, database_url: str) -> None:
    """Two severity changes submitted at the same instant: one applies, the other is told."""
    ts = escalate_and_claim(drv, fake)
    for user in ("U0SPEC", "U0AGENT"):
        drv.slash_command("ESC-1 severity SEV1", user_id=user, command="/escalation")
        wait_until(lambda u=user: (fake.top_view(u) or {}).get("callback_id")
                   == "loop.severity")
    import threading

    answers: dict[str, object] = {}

    def submit(user: str) -> None:
        answers[user] = drv.submit_view(user, {
            "reason": "Two more enterprise tenants report the same SAML failure now."})

    threads = [threading.Thread(target=submit, args=(u,)) for u in ("U0SPEC", "U0AGENT")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    texts = json.dumps([getattr(a, "body", None) for a in answers.values()])
    assert audit(database_url).count("severity_changed") == 1
    assert "SEV1 already" in texts or "Not applied" in texts, texts
    wait_packet(fake, ts, "SEV1")


def test_retried_deliveries_change_nothing_twice(fake: FakeSlack, bot: BotProcess,
                                                 drv: SlackDriver, database_url: str) -> None:
    """Slack redelivers an accept submission and a Verify click: one event, one DM each."""
    ts = escalate_and_claim(drv, fake)
    click_packet(drv, fake, ts, "accept", "U0SPEC")
    submit_form(drv, fake, "U0SPEC", "loop.accept", {})
    drv.redeliver(retry_num=1)
    wait_thread(fake, ts, "accepted it")
    time.sleep(0.5)
    assert audit(database_url).count("accepted") == 1
    lines = [m for m in thread(fake, ts) if "accepted it" in json.dumps(m.get("blocks"))]
    assert len(lines) == 1
    drv.slash_command("ESC-1 export", user_id="U0AGENT", command="/escalation")
    drv.redeliver(retry_num=1)
    wait_until(lambda: len(fake.completed_files()) == 1, 15)
    time.sleep(0.5)
    assert len(fake.completed_files()) == 1


def test_slash_command_answers_usage_never_a_trace(fake: FakeSlack, bot: BotProcess,
                                                   drv: SlackDriver) -> None:
    """Unknown input gets the short usage; help, mine and queue answer in plain words."""
    drv.slash_command("ESC-1 explode", command="/escalation")
    text = ephemeral_to(fake, "U0AGENT", "not an action I know")
    assert "Usage" in text and "Traceback" not in text
    drv.slash_command("help", command="/escalation")
    ephemeral_to(fake, "U0AGENT", "act on an escalation")
    drv.slash_command("ESC-99 accept", command="/escalation")
    ephemeral_to(fake, "U0AGENT", "ESC-99 does not exist")
    drv.slash_command("queue nowhere", command="/escalation")
    ephemeral_to(fake, "U0AGENT", "There is no domain `nowhere`")



def test_role_refusals_say_who_can(fake: FakeSlack, bot: BotProcess, drv: SlackDriver,
                                   database_url: str) -> None:
    """The requester cannot post the owner's update, nor resolve before acceptance; the owner
    cannot lower the severity. Each is told why, or who can."""
    ts = escalate_and_claim(drv, fake)
    drv.slash_command("ESC-1 update", user_id="U0AGENT", command="/escalation")
    ephemeral_to(fake, "U0AGENT", "Only the owner")
    drv.slash_command("ESC-1 resolve", user_id="U0AGENT", command="/escalation")
    ephemeral_to(fake, "U0AGENT", "the owner accepts it first")
    drv.slash_command("ESC-1 severity SEV4", user_id="U0SPEC", command="/escalation")
    body = submit_form(drv, fake, "U0SPEC", "loop.severity", {
        "reason": "Only one tenant is affected and a workaround exists now."})
    assert "Not applied" in json.dumps(body) and "lead" in json.dumps(body)
    assert "severity_changed" not in audit(database_url)
    assert "SEV2" in packet_text(fake, ts)


def test_merge_adds_impact_and_offers_a_one_click_upgrade(
        fake: FakeSlack, bot: BotProcess, drv: SlackDriver, database_url: str) -> None:
    """Merging a duplicate closes it, lists it on the survivor, and the owner upgrades in one
    click when the merged impact crosses the policy's threshold."""
    from core.model import Severity

    survivor = escalate_and_claim(drv, fake, severity=Severity.SEV3)
    duplicate = escalate_and_claim(drv, fake, severity=Severity.SEV3)
    drv.slash_command("ESC-2 merge ESC-1", user_id="U0SPEC", command="/escalation")
    ephemeral_to(fake, "U0SPEC", "merged into ESC-1")
    wait_packet(fake, duplicate, "Merged as duplicate")
    wait_packet(fake, survivor, "Merged here: ESC-2")
    wait_thread(fake, survivor, "Upgrade to SEV2")
    suggestion = next(m for m in thread(fake, survivor)
                      if "loop:severity:sev2" in json.dumps(m.get("blocks")))
    drv.click("loop:severity:sev2", user_id="U0SPEC", message=("C0AUTH0001", suggestion["ts"]))
    wait_packet(fake, survivor, "SEV2")
    wait_thread(fake, survivor, "from SEV3 to SEV2")
    assert audit(database_url, 1).count("severity_changed") == 1
