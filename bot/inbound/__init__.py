"""The one defensive layer between Slack's payloads and the bot: parse, guard, answer.

Every listener — today's and the next ones — is written like this::

    from bot.inbound import Malformed, guarded, parse_block_action

    @app.action("my_button")
    @guarded                                   # 1. ack discipline (always right under @app.…)
    def my_button(ack: Ack, body: dict[str, Any]) -> None:
        ack()                                  # 2. ack first (or ack(response_action=…))
        click = parse_block_action(body)       # 3. typed, total parse — raises Malformed
        number = click.number()                #    bounded int from the button's value
        result = my_command(ctx, number=number, user=click.user)
        ctx.slack.ephemeral(click.channel, click.user, result.text)

1. **``@guarded``** (:mod:`bot.inbound.guard`) goes directly under Bolt's decorator. Nothing
   the listener raises reaches Bolt (whose thread runner loses an ``ack()`` when a listener
   raises after it): a :class:`Malformed` gets one WARNING log line with the request type and
   ids — never payload text — and a harmless answer (``response_action: errors`` on the
   modal's first input, an ephemeral "That request could not be read" where there is a
   channel, a bare ack otherwise); any other exception is logged with its traceback and the
   user gets "Something went wrong on our side" the same way. A listener that returns without
   acking is acked. Listener arguments are Bolt's usual names (``ack``, ``body``, ``client``,
   ``respond``, ``view``, ``context``, …).
2. **Ack early.** Slack waits 3 s. Ack before any Slack call; for a view submission, validate,
   then ``ack(response_action=…)``. After the ack, raise freely: the guard tells the user.
3. **Parse with the typed parsers** (:mod:`bot.inbound.payloads`) — never index ``body``
   directly: :func:`parse_slash_command`, :func:`parse_block_action` (``.number()`` for ids
   in button values, ``.channel``/``.message_ts`` of the message clicked, ``.view`` inside a
   modal), :func:`parse_view_submission` (``.view.state`` holds typed :class:`Element` values;
   a wrong-typed value becomes :data:`WRONG_TYPE`, which :func:`core.inputs.read_step` turns
   into a field error), :func:`parse_shortcut` (global and message shortcuts),
   :func:`parse_event`. For your own shapes use the total readers in :mod:`bot.inbound.read`
   (``obj``, ``array``, ``text``, ``slack_id``, ``whole_number`` …): each returns the typed
   value or raises :class:`Malformed` naming *where* (not what) was wrong.
4. **Form values are checked by kind in the core** (:mod:`core.inputs`): selects, radios and
   checkboxes accept only offered options; dates and datetimes are range-checked; a value of
   the wrong type is an error on its field. Put new choice kinds in ``core.inputs.offered``.
5. **Never log payload text** (it may hold PII): log :func:`request_ids` (type, user, team,
   action/callback/view ids) if you must log a request.

Outside the listeners, HTTP mode (:mod:`bot.http`) checks the signature before anything reads
the body (bad → 401), refuses bodies that are not UTF-8 form data or a JSON object (→ 400),
and :func:`install` (called once in ``bot.app``) makes Bolt answer 200 — not 500/404 — for
failures before a listener runs and for requests no listener handles. A Jira webhook or any
other non-Slack endpoint is not signed by Slack: give it its own path and check in ``bot.http``.
"""

from bot.inbound.guard import FAILED_TEXT, UNREADABLE_TEXT, guarded, install
from bot.inbound.payloads import (
    WRONG_TYPE,
    BlockAction,
    Element,
    Event,
    Shortcut,
    SlashCommand,
    View,
    ViewSubmission,
    parse_block_action,
    parse_event,
    parse_shortcut,
    parse_slash_command,
    parse_view,
    parse_view_submission,
    request_ids,
)
from bot.inbound.read import Malformed

__all__ = [
    "FAILED_TEXT",
    "UNREADABLE_TEXT",
    "WRONG_TYPE",
    "BlockAction",
    "Element",
    "Event",
    "Malformed",
    "Shortcut",
    "SlashCommand",
    "View",
    "ViewSubmission",
    "guarded",
    "install",
    "parse_block_action",
    "parse_event",
    "parse_shortcut",
    "parse_slash_command",
    "parse_view",
    "parse_view_submission",
    "request_ids",
]
