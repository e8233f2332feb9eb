"""A fake Slack for tests: a real local server plus a driver that plays Slack's side.

``FakeSlack`` (server.py) is an aiohttp server on 127.0.0.1 (random port, own thread and event
loop) implementing the Web API methods the bot uses, Socket Mode and response_url endpoints::

    with FakeSlack(bot_token="xoxb-test", app_token="xapp-test") as fake:
        fake.add_channel("C0SUPPORT", "support")          # registered channels are enforced
        client = WebClient(base_url=fake.api_url, token="xoxb-test")
        ...                                               # run the app against fake.api_url
        posted = fake.wait_for("chat.postMessage")        # blocks; AssertionError on timeout
        assert fake.messages("C0SUPPORT")[-1]["text"] == "..."
        assert fake.contract_violations == []

Failure injection: ``fake.fail(method, status=429|500|503, times=N, retry_after=1)`` (with
``apply=True`` the call takes effect anyway), ``fake.fail_with_error(method, error, times=N)``,
``fake.slow(method, seconds)``. Every call is recorded as an ``ApiCall`` (``fake.calls``,
``fake.calls_to(method)``); ``fake.reset()`` forgets activity but keeps channels and users.

Contract checks: with ``../shared/slack`` present each call's arguments are validated against
the schemas generated from ``@slack/web-api``; problems land in ``fake.contract_violations``
(the call is still answered). Without the shared data only minimal structural checks run.

``SlackDriver`` (driver.py) sends slash commands, clicks, view submissions and events to the
app, over signed HTTP (``transport="http", url=..., signing_secret=...``) or Socket Mode
(``transport="socket"``, through ``fake.socket_send``), and plays the Slack client's modal
behaviour (trigger_ids valid for 3 s, modal stacks, ``response_action`` handling)::

    drv = SlackDriver(fake, transport="socket")
    drv.slash_command("billing outage", user_id="U0AGENT", channel_id="C0SUPPORT")
    fake.wait_for("views.open")
    drv.submit_view("U0AGENT", {"summary": "Checkout fails", "sev": "sev2"})
    drv.click("claim", user_id="U0ENG", message=("C0ESC", ts))
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
