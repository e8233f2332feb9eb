"""The default drafter: deterministic rules over the thread's structure and language.

Offline (no network, no model weights) and fast: one pass to parse, then each checklist item is
filled only when the thread supports it, and keeps the messages it was drawn from.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.drafting import extract, judgement, narrative
from core.drafting.doc import posts
from core.drafting.model import Draft, Hint, Item
from core.drafting.thread import Thread
from core.timefmt import utc


class RulesDrafter:
    name = "rules"

    def __init__(self, names: Mapping[str, str] | None = None) -> None:
        self._names = dict(names or {})

    def draft(self, thread: Thread) -> Draft:
        items_in = posts(thread, self._names)
        out: dict[str, Item] = {}

        def put(key: str, found: tuple[str, tuple[str, ...]] | None) -> None:
            if found and found[0].strip():
                out[key] = Item(found[0], found[1])

        def put_line(key: str, line: narrative.Line | None) -> None:
            if line and line.text.strip():
                out[key] = Item(line.text, line.sources)

        first = thread.messages[0]
        reported = utc(first.at).replace(microsecond=0)
        out["first_reported_at"] = Item(reported.isoformat(), (first.ts,))
        customer, tier = extract.customer_and_tier(items_in)
        if customer:
            out["customer"] = Item(customer.value, (customer.ts,))
        if tier:
            out["tier"] = Item(tier.value, (tier.ts,))
        users = extract.affected_users(items_in)
        if users:
            out["affected_users"] = Item(users.value, (users.ts,))
        put("linked_tickets", extract.tickets(items_in))
        put("build_version", extract.versions(items_in))
        put("feature_flags", extract.flags(items_in))
        put("region", extract.region(items_in))
        put("environment", extract.environment(items_in))
        put("logs", extract.error_lines(items_in))
        put("evidence_links", extract.evidence_links(items_in))

        tried = narrative.tried(items_in)
        if tried:
            out["tried"] = Item("\n".join(f"• {line.text}" for line in tried),
                                tuple(dict.fromkeys(ts for line in tried for ts in line.sources)))
        used = {narrative._clean(s.text) for p in items_in for s in p.sentences
                if any(s.ts in line.sources and narrative._clean(s.text) in line.text
                       for line in tried)}
        blocker = narrative.blocker(items_in, used)
        put_line("blocker", blocker)
        hypothesis = narrative.hypothesis(items_in, used)
        put_line("hypothesis", hypothesis)
        posture = narrative.posture(items_in)
        put_line("posture", posture)
        put_line("problem", narrative.problem(items_in, customer.value if customer else None))
        told = used | {line for item in (blocker, hypothesis) if item
                       for line in item.text.split("\n")}
        put_line("background", narrative.background(items_in, told))
        put_line("repro_steps", narrative.repro_steps(items_in))
        expected, actual = narrative.expected_actual(items_in)
        put_line("expected", expected)
        put_line("actual", actual)
        put("signals", judgement.signals(items_in))
        put("workaround", judgement.workaround(items_in, tried))
        if posture and "renewal" in posture.text.lower():
            out["renewal_at_stake"] = Item("true", posture.sources)

        deflect = judgement.deflection(items_in, has_blocker=blocker is not None)
        duplicate = judgement.duplicate(items_in)
        count = int(users.value) if users else None
        level, reason, sources = judgement.severity(items_in, count, deflect is not None)
        if not sources:  # drawn from the user count, the KB answer, or the report itself
            sources = ((users.ts,) if users else deflect.sources if deflect else (first.ts,))
        out["severity"] = Item(level, sources)
        return Draft(
            items=out, message_count=len(thread.messages), thread_ts=thread.thread_ts,
            channel=thread.channel, severity_reason=reason,
            deflection=Hint(deflect.text, deflect.sources) if deflect else None,
            duplicate=Hint(duplicate.text, duplicate.sources) if duplicate else None,
            drafter=self.name)
