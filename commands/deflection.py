"""Deflection at intake (issue 7 §3): before the agent escalates, show what already solved it.

:func:`suggest` runs when the /escalate modal reaches its readiness step: the words of what
the agent typed (core.similar) are looked up in the database's full-text index of approved
knowledge-base articles and recently resolved escalations (storage.similar), and the best
matches are recorded against the modal's key (storage.deflection) — so the deflection report
can count intakes shown suggestions that escalated anyway and those that did not. The agent
can always escalate: suggestions never block the form.

Texts come back redacted once more with the team's allow-list (answers are redacted before
storage; a root cause or L1 takeaway typed at resolve might not be).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from commands.context import Context
from core.model import Answers
from core.redaction import redact
from core.similar import Suggestion, search_terms
from storage import deflection as shown_data
from storage import repository as repo
from storage import similar

log = logging.getLogger(__name__)


def suggest(ctx: Context, *, key: str, user: str, answers: Answers) -> list[Suggestion]:
    """The best matches for this draft (at most ``max_suggestions``), recorded as shown."""
    settings = ctx.similar
    terms = search_terms(answers)
    if not terms or settings.max_suggestions <= 0:
        return []
    now = ctx.now()
    try:
        with ctx.db.read() as session:
            found = similar.search(session, terms=terms,
                                   resolved_since=now - timedelta(days=settings.lookback_days),
                                   limit=settings.max_suggestions)
        if not found:
            return []
        with ctx.db.transaction() as session:
            # A SEV1 paged from step 1 is escalated already: nothing left to deflect.
            if repo.find_by_key(session, key=key) is None:
                shown_data.record_shown(session, key=key, user=user, domain=answers.domain,
                                        suggestions=found, now=now)
    except SQLAlchemyError:  # suggestions help; they must never keep the agent from escalating
        log.exception("deflection suggestions failed for %s", key)
        return []
    return [_redacted(ctx, s) for s in found]


def _redacted(ctx: Context, found: Suggestion) -> Suggestion:
    def clean(text: str) -> str:
        return redact(text, allow=ctx.redaction).text

    return replace(found, title=clean(found.title), cause=clean(found.cause),
                   fix=clean(found.fix), check_first=clean(found.check_first))
