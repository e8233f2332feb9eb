"""Who is who on one escalation: the roles a person can hold, and the words that name them.

:data:`core.workflow.WHO` says which roles may take each action; :class:`People` answers which
roles a user holds on one escalation, and :func:`who_text` names the people who may act, for
refusal sentences.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    REQUESTER = "requester"          # the agent who escalated
    CASE_OWNER = "case_owner"        # support side, from the checklist
    SPECIALIST = "specialist"        # of the domain: its user group, or anyone without one
    OWNER = "owner"                  # Engineering side, after Claim
    LEAD = "lead"                    # ``leads:`` in the YAML (global or per domain)
    INCIDENT_COMMANDER = "incident_commander"
    HANDOFF_TARGET = "handoff_target"  # the person a pending reassignment names
    ANYONE = "anyone"


@dataclass(frozen=True)
class People:
    """Who is who on one escalation. Group ids are already resolved to members by the caller.

    ``specialists`` is None when the domain has no user group (anyone may claim) or Slack
    could not say; ``leads`` holds user ids (global and domain leads, groups expanded).
    """

    requester: str
    case_owner: str | None = None
    owner: str | None = None
    incident_commander: str | None = None
    handoff_to: str | None = None
    leads: frozenset[str] = frozenset()
    specialists: frozenset[str] | None = None
    # For refusal sentences: the group to name ("<!subteam^S…>"), when there is one.
    specialists_group: str | None = None
    leads_groups: tuple[str, ...] = ()

    def roles_of(self, user: str) -> frozenset[Role]:
        roles = {Role.ANYONE}
        if user == self.requester:
            roles.add(Role.REQUESTER)
        if user == (self.case_owner or self.requester):
            roles.add(Role.CASE_OWNER)
        if self.specialists is None or user in self.specialists:
            roles.add(Role.SPECIALIST)
        if self.owner is not None and user == self.owner:
            roles.add(Role.OWNER)
        if user in self.leads:
            roles.add(Role.LEAD)
        if self.incident_commander is not None and user == self.incident_commander:
            roles.add(Role.INCIDENT_COMMANDER)
        if self.handoff_to is not None and user == self.handoff_to:
            roles.add(Role.HANDOFF_TARGET)
        return frozenset(roles)

    def describe(self, role: Role) -> str:
        """The role in words, naming the person where there is one (mrkdwn)."""
        if role is Role.REQUESTER:
            return f"the requester (<@{self.requester}>)"
        if role is Role.CASE_OWNER:
            return f"the case owner (<@{self.case_owner or self.requester}>)"
        if role is Role.OWNER:
            return f"the owner (<@{self.owner}>)" if self.owner else "the owner"
        if role is Role.INCIDENT_COMMANDER:
            return (f"the incident commander (<@{self.incident_commander}>)"
                    if self.incident_commander else "the incident commander")
        if role is Role.HANDOFF_TARGET:
            return f"<@{self.handoff_to}>" if self.handoff_to else "the person it is handed to"
        if role is Role.SPECIALIST:
            return (f"members of <!subteam^{self.specialists_group}>"
                    if self.specialists_group else "the domain's specialists")
        if role is Role.LEAD:
            named = [f"<!subteam^{g}>" for g in self.leads_groups]
            named += [f"<@{u}>" for u in sorted(self.leads)[:3]] if not named else []
            return f"a lead ({', '.join(named)})" if named else "a lead"
        return "anyone"


def who_text(roles: frozenset[Role], people: People) -> str:
    order = list(Role)
    # The case owner is the requester unless named otherwise: don't say it twice.
    if people.case_owner in (None, people.requester):
        roles = roles - {Role.CASE_OWNER} if Role.REQUESTER in roles else roles
    names = [people.describe(r) for r in sorted(roles, key=order.index)]
    if len(names) <= 1:
        return names[0] if names else "nobody"
    return ", ".join(names[:-1]) + " or " + names[-1]
