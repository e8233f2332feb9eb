"""A fake Slack for tests: a real local server plus a driver that plays Slack's side.

``FakeSlack`` (server.py) is an aiohttp server on 127.0.0.1 (random port, own thread and event
loop) with the Web API methods the bot uses, Socket Mode, and response_url endpoints::

    with FakeSlack(bot_token="xoxb-test", app_token="xapp-test") as fake:
        fake.add_channel("C0SUPPORT", "support")   # once any channel is registered, others
        fake.add_channel("C0ESC", "escalations")   # are channel_not_found; bot must be a member
        fake.usergroups = {"S0BILLING": ["U0ENG"]}
        client = WebClient(base_url=fake.api_url, token="xoxb-test")
        ...                                        # run the app against fake.api_url
        [call] = fake.wait_for("chat.postMessage") # blocks; AssertionError lists what arrived
        assert fake.messages("C0ESC")[-1]["text"] == call.args["text"]
        assert fake.contract_violations == []

Recorded: ``fake.calls`` / ``fake.calls_to(method)`` (``ApiCall``: method, normalised args,
status, response, ``.succeeded``), ``fake.messages(channel)`` (edits applied, thread replies
included), ``fake.ephemerals``, ``fake.views`` / ``fake.modal_stack(user)`` / ``fake.top_view``.
``fake.add_message`` puts a person's message into history; ``fake.reset()`` forgets activity but
keeps channels, users and groups.

Failures: ``fake.fail(method, status=429|500|503, times=N, retry_after=1)`` (``apply=True``:
the call takes effect but still fails), ``fake.fail_with_error(method, error, times=N)``,
``fake.slow(method, seconds)``.

Contract checks: with ``../shared/slack`` present, each call's arguments are validated against
the JSON Schemas generated from ``@slack/web-api`` (views returned in a view_submission ack
too); problems go to ``fake.contract_violations`` and the call is still answered. Without the
data only minimal checks run (message text/blocks, ≤ 50 message blocks, ≤ 100 view blocks).

``SlackDriver`` (driver.py) plays Slack towards the app over signed HTTP
(``SlackDriver(fake, "http", url=..., signing_secret=...)``) or Socket Mode
(``SlackDriver(fake, "socket")``, through ``fake.socket_send``), and plays the Slack client:
trigger_ids valid for 3 s and single use, per-user modal stacks, ``response_action`` handling,
required inputs enforced before submitting::

    drv = SlackDriver(fake, transport="socket")
    drv.slash_command("checkout down", user_id="U0AGENT", channel_id="C0SUPPORT")
    fake.wait_for("views.open")
    answer = drv.submit_view("U0AGENT", {"summary": "Checkout fails", "sev": "sev2"})
    drv.click("claim", user_id="U0ENG", message=("C0ESC", ts))
    drv.event({"type": "app_mention", "user": "U0AGENT", "text": "<@U0BOT> hi", ...})

Every driver call returns ``DriverResponse(status, body)``; in Socket Mode ``status`` is 200
when acked (``body`` is the ack's payload) and 0 when no ack came within the timeout.
"""

from .driver import DriverResponse, SlackDriver
from .server import FakeSlack
from .signing import slack_signature
from .state import ApiCall, FakeChannel
from .views import ApiError

__all__ = [
    "ApiCall",
    "ApiError",
    "DriverResponse",
    "FakeChannel",
    "FakeSlack",
    "SlackDriver",
    "slack_signature",
]
