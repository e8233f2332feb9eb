"""What the detectors share: the kinds of PII, one hit, and the team's allow-list."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PiiKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    CARD = "card"
    SECRET = "secret"
    PASSWORD = "password"
    PRIVATE_KEY = "private_key"



@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    kind: PiiKind
    placeholder: str
    label: str
    why: str


@dataclass(frozen=True)
class AllowList:
    """What the team says is not PII: its own e-mail domains, and exact strings."""

    domains: frozenset[str] = frozenset()
    literals: frozenset[str] = frozenset()

    def allows_email(self, address: str) -> bool:
        domain = address.rsplit("@", 1)[-1].lower().rstrip(".")
        return any(domain == d or domain.endswith("." + d) for d in self.domains)


NO_ALLOW = AllowList()
