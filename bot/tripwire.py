"""The tripwire before every Slack, Jira and Zendesk call: none may be made inside a database
write transaction.

A write transaction holds SQLite's one write lock (and PostgreSQL row locks) until it ends; a
call made inside one makes every other writer — a Claim click, another replica's sweep —
wait for the service to answer, up to its timeout. The code stores first and calls after the
commit (the outbox). The tests fail on a call inside a transaction (tests/txguard.py); in
production this logs a WARNING naming the call, never refuses it.
"""

from __future__ import annotations

import logging

from storage.database import in_write_transaction

log = logging.getLogger(__name__)


def outside_transaction(service: str, method: str) -> None:
    if in_write_transaction():
        log.warning("%s %s called inside a database write transaction: other writers wait "
                    "for it", service, method)
