"""Customer told (real database, in-memory Slack, controlled clock): support's customer-update
clock runs from the claim, a status update gives the requester a draft but does not settle it,
the requester's *Customer told* does — recorded, the reminder acted on, the clock restarted —
and the leads' report counts it per SEV and per support agent."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import loop_dispatch as dispatch
from bot.render.digest import digest_message
from bot.render.nudges import nudge as render_nudge
from commands import feedback
from commands.context import Context
from commands.reports import make_report
from commands.timers import sweep
from core.period import Period
from core.report import ReportKind
from core.report_format import to_dict
from core.workflow import Action
from storage import deadlines as dl
from tests.fakes import InMemorySlack
from tests.loop_helpers import OWNER, REQUESTER, UPDATE, Clock, claimed, load, trail

M, H = timedelta(minutes=1), timedelta(hours=1)


def customer_due(ctx: Context, esc: int) -> datetime | None:
    with ctx.db.read() as session:
        return {d.kind: d.due_at for d in dl.deadlines_for(session, escalation_id=esc)
                }.get("customer_update")


def told(ctx: Context, esc: int, user: str = REQUESTER, key: str = "k1") -> str:
    outcome = dispatch.perform(ctx, Action.CUSTOMER_TOLD, escalation_id=esc, user=user,
                               request_key=f"click:told:{key}")
    return ("ok: " if outcome.ok else "refused: ") + outcome.text


def test_customer_told_settles_supports_clock_and_the_report_counts_it(
        ctx: Context, slack: InMemorySlack, clock: Clock, now: datetime) -> None:
    esc = claimed(ctx)  # SEV2: a customer update every 2 h, from the claim
    assert feedback.accept(ctx, escalation_id=esc, user=OWNER).ok
    assert customer_due(ctx, esc) == now + 2 * H
    clock.at = now + 10 * M
    assert feedback.post_update(ctx, escalation_id=esc, user=OWNER, form=UPDATE).ok
    assert customer_due(ctx, esc) == now + 2 * H  # a draft for support, not a told customer

    # The reminder goes to the requester, with the draft and the button that settles it.
    sweep(ctx, now + 2 * H)
    [reminder] = [n for w, n in slack.nudges if n.action.value == "customer_update_due"]
    rendered = render_nudge(load(ctx, esc), reminder)
    buttons = [e.action_id for b in rendered.blocks for e in getattr(b, "elements", [])]
    assert buttons == ["loop:told"]
    assert "Customer told" in rendered.blocks[0].text.text  # type: ignore[attr-defined]

    # Only support records it; the requester does, late (after the reminder).
    assert told(ctx, esc, user=OWNER).startswith("refused: ")
    clock.at = now + 2 * H + 10 * M
    assert told(ctx, esc).startswith("ok: Recorded")
    assert customer_due(ctx, esc) == now + 4 * H + 10 * M
    with ctx.db.read() as session:
        [ledger] = [n for n in dl.nudges_for(session, escalation_id=esc)
                    if n.kind == "customer_update"]
    assert (ledger.acted_by, ledger.acted_at) == (REQUESTER, now + 2 * H + 10 * M)
    assert (REQUESTER, "customer_told") in [t[:2] for t in trail(ctx, esc)]
    # A double click records nothing new; the retried delivery of the same click neither.
    clock.at = now + 2 * H + 11 * M
    assert told(ctx, esc, key="k2").startswith("refused: Already recorded")
    assert told(ctx, esc, key="k1") == f"ok: Done already ({load(ctx, esc).public_id})."

    # Then on time: told before the next reminder.
    clock.at = now + 3 * H
    assert told(ctx, esc, key="k3").startswith("ok: Recorded")
    report = make_report(ctx.db, kind=ReportKind.DIGEST, policy=ctx.policy, now=now + 5 * H,
                         period=Period(now - 7 * 24 * H + 5 * H, now + 5 * H)).report
    figures = {f["key"]: f for s in to_dict(report)["sections"] for f in s["figures"]}
    assert figures["promises.customer_updates_due"]["this_period"] == 2
    assert figures["promises.customer_updates_on_time.SEV2"]["this_period"] == 0.5
    text = "\n".join(b.text.text for b in digest_message(report).blocks  # type: ignore[attr-defined]
                     if getattr(b, "text", None) is not None and hasattr(b.text, "text"))
    assert "Customer updates on time: *50%*" in text
    assert f"By support agent: {REQUESTER} 1/2" in text and "<@" not in text  # no ping


def test_status_update_thread_message_offers_customer_told(
        ctx: Context, slack: InMemorySlack, clock: Clock, now: datetime) -> None:
    from bot.render.loop_messages import status_update
    from storage.loop import status_updates, to_status_update

    esc = claimed(ctx)
    assert feedback.accept(ctx, escalation_id=esc, user=OWNER).ok
    assert feedback.post_update(ctx, escalation_id=esc, user=OWNER, form=UPDATE).ok
    with ctx.db.read() as session:
        [update] = list(status_updates(session, escalation_id=esc))
    rendered = status_update(load(ctx, esc), to_status_update(update))
    buttons = [(e.action_id, e.text.text) for b in rendered.blocks  # type: ignore[attr-defined]
               for e in getattr(b, "elements", []) if hasattr(e, "action_id")]
    assert buttons == [("loop:told", "Customer told")]
