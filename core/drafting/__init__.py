"""Drafting the escalation checklist from a Slack thread (issue 8).

``thread`` reads a saved ``conversations.replies`` response into plain messages, ``text``
turns Slack mrkdwn into prose, code and links, ``rules`` is the deterministic offline drafter
and ``pipeline`` runs redaction and the tone component before any drafter sees the thread.
"""
