"""Renderers: core objects in, typed ``slack_sdk.models`` blocks out. Sending is elsewhere.

Like Sentry's Slack renderer, each function is pure and returns blocks (plus fallback text
for messages); building them with ``slack_sdk.models`` checks Slack's limits before Slack does.
"""
