"""What each action collects, with its constraints.

One frozen dataclass per action that takes input; its field names are the form's keys (use
them as block ids, so ``errors`` map straight onto ``response_action: errors``). The
:data:`FORMS` table describes every field (label, kind, required, limits, hints) for the
modal renderer and the slash-command parser. The checks behind the inline errors are
:mod:`core.form_checks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.model import Level, Severity
from core.workflow import Action

TEXT_MAX = 3000


class FormKind(StrEnum):
    LINE = "line"            # one line of text
    TEXT = "text"            # multi-line text
    DATETIME = "datetime"    # an instant (Slack datetimepicker), stored in UTC
    SEVERITY = "severity"    # SEV1…SEV4
    LEVEL = "level"          # L2…L4
    USER = "user"            # one Slack user
    FLAG = "flag"            # yes/no checkbox
    CATEGORY = "category"    # a ResolutionCategory
    RATING = "rating"        # a HandoffRating
    ESCALATION = "escalation"  # another escalation's id (ESC-17, 17)


class ResolutionCategory(StrEnum):
    CODE_FIX = "code_fix"
    CONFIGURATION_CHANGE = "configuration_change"
    KNOWN_ISSUE = "known_issue"
    DOCUMENTATION_GAP = "documentation_gap"
    USER_ERROR = "user_error"
    CANNOT_REPRODUCE = "cannot_reproduce"
    DUPLICATE = "duplicate"
    WONT_FIX = "wont_fix"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]

    @property
    def needs_fix_version(self) -> bool:
        return self in (ResolutionCategory.CODE_FIX, ResolutionCategory.CONFIGURATION_CHANGE)


CATEGORY_LABELS: Mapping[ResolutionCategory, str] = {
    ResolutionCategory.CODE_FIX: "Code fix",
    ResolutionCategory.CONFIGURATION_CHANGE: "Configuration change",
    ResolutionCategory.KNOWN_ISSUE: "Known issue / workaround",
    ResolutionCategory.DOCUMENTATION_GAP: "Documentation gap",
    ResolutionCategory.USER_ERROR: "User error / how-to",
    ResolutionCategory.CANNOT_REPRODUCE: "Cannot reproduce",
    ResolutionCategory.DUPLICATE: "Duplicate",
    ResolutionCategory.WONT_FIX: "Won't fix",
}


class HandoffRating(StrEnum):
    """Seed 002's measure: did the handoff tell the receiver their first move?"""

    YES = "yes"
    PARTLY = "partly"
    HAD_TO_ASK = "had_to_ask"

    @property
    def label(self) -> str:
        return {"yes": "Yes", "partly": "Partly",
                "had_to_ask": "I had to ask the requester"}[self.value]


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class AcceptInput:
    note: str | None = None


@dataclass(frozen=True)
class UpdateInput:
    """Seed 001 §3's five questions; all but ``internal_note`` go into the customer draft."""

    known: str
    unknown: str
    next_steps: str
    next_update_at: datetime | None  # None: now + the SEV cadence
    customer_action: str
    internal_note: str | None = None


@dataclass(frozen=True)
class NeedsInfoInput:
    question: str


@dataclass(frozen=True)
class AnswerInput:
    answer: str


@dataclass(frozen=True)
class ReproInput:
    """Reproduced or cannot reproduce: what was done, and where."""

    notes: str
    environment: str


@dataclass(frozen=True)
class EtaInput:
    eta: datetime
    reason: str | None = None  # required when an ETA was set before


@dataclass(frozen=True)
class LevelInput:
    reason: str
    target: Level | None = None     # None: the next rung
    notify_leadership: bool = False  # contract or PR risk: L5 Leadership is told


@dataclass(frozen=True)
class SeverityInput:
    severity: Severity
    reason: str


@dataclass(frozen=True)
class IcInput:
    user: str | None  # None clears it (back to the domain default for SEV1–2)


@dataclass(frozen=True)
class ReassignInput:
    to_user: str
    note: str


@dataclass(frozen=True)
class DeclineInput:
    reason: str


@dataclass(frozen=True)
class ResolveInput:
    category: ResolutionCategory
    root_cause: str
    fix_version: str | None
    validation_notes: str | None
    l1_takeaway: str
    kb_warranted: bool = False


@dataclass(frozen=True)
class VerifyInput:
    note: str | None = None


@dataclass(frozen=True)
class ReasonInput:
    """Reopen, cancel, close without resolution: a required reason."""

    reason: str


@dataclass(frozen=True)
class MergeInput:
    survivor_id: int


@dataclass(frozen=True)
class RateInput:
    rating: HandoffRating


# ---------------------------------------------------------------- field specs


@dataclass(frozen=True)
class FormField:
    key: str
    label: str
    kind: FormKind
    required: bool = True
    max_length: int = TEXT_MAX
    min_words: int = 0
    tone: bool = True              # refuse temperament ("customer is difficult")
    customer_facing: bool = False  # refuse blame, speculation, internal ids
    hint: str | None = None
    placeholder: str | None = None
    example: str = ""


_REASON_EX = "Say what changed, e.g. “a second enterprise customer reported the same 500”."

FORMS: Mapping[Action, tuple[FormField, ...]] = {
    Action.ACCEPT: (
        FormField("note", "First note (optional)", FormKind.TEXT, required=False,
                  placeholder="What you will look at first"),
    ),
    Action.POST_UPDATE: (
        FormField("known", "What we know", FormKind.TEXT, min_words=4, customer_facing=True,
                  example="E.g. “Sign-in through Okta fails for all users since Monday's "
                          "release.”"),
        FormField("unknown", "What we don't know yet", FormKind.TEXT, min_words=3,
                  customer_facing=True,
                  example="E.g. “whether accounts on other identity providers are affected”."),
        FormField("next_steps", "What we're doing next", FormKind.TEXT, min_words=4,
                  customer_facing=True,
                  example="E.g. “we are preparing a configuration rollback for your account”."),
        FormField("next_update_at", "When you'll hear from us again", FormKind.DATETIME,
                  required=False, hint="Empty: now plus the severity's update cadence."),
        FormField("customer_action", "What the customer should do in the meantime",
                  FormKind.TEXT, min_words=3, customer_facing=True,
                  example="E.g. “users can sign in with a password reset link meanwhile”."),
        FormField("internal_note", "Internal note (not sent to the customer)", FormKind.TEXT,
                  required=False, hint="Log lines, hostnames, ticket keys go here."),
    ),
    Action.NEEDS_INFO: (
        FormField("question", "Your question for the requester", FormKind.TEXT, min_words=6,
                  example="Ask one specific thing, e.g. “Which IdP metadata URL does Acme "
                          "use, and when was it last changed?”."),
    ),
    Action.ANSWER_INFO: (
        FormField("answer", "Your answer", FormKind.TEXT, min_words=3,
                  example="Answer the question with facts, e.g. a URL, a time, a setting."),
    ),
    Action.REPRODUCED: (
        FormField("notes", "What you did and saw", FormKind.TEXT, min_words=6,
                  example="E.g. “followed steps 1–4 on a copy of Acme's tenant: HTTP 500 on "
                          "/saml/acs”."),
        FormField("environment", "Environment used", FormKind.LINE, max_length=300, tone=False,
                  placeholder="e.g. staging, build 4.2.1, saml_strict_audience=on"),
    ),
    Action.CANNOT_REPRODUCE: (
        FormField("notes", "What you tried and saw", FormKind.TEXT, min_words=6,
                  example="E.g. “followed steps 1–4 on staging build 4.2.1: login works”."),
        FormField("environment", "Environment used", FormKind.LINE, max_length=300, tone=False,
                  placeholder="e.g. staging, build 4.2.1, saml_strict_audience=on"),
    ),
    Action.SET_ETA: (
        FormField("eta", "Fix ETA (UTC)", FormKind.DATETIME),
        FormField("reason", "Why the ETA changes", FormKind.TEXT, required=False, min_words=4,
                  hint="Required when an ETA was set before.", example=_REASON_EX),
    ),
    Action.ESCALATE_LEVEL: (
        FormField("target", "To level", FormKind.LEVEL, required=False,
                  hint="Empty: the next rung. A leap needs a severity that warrants it."),
        FormField("reason", "Why it goes up", FormKind.TEXT, min_words=5, example=_REASON_EX),
        FormField("notify_leadership", "Contract or PR risk: notify leadership",
                  FormKind.FLAG, required=False),
    ),
    Action.CHANGE_SEVERITY: (
        FormField("severity", "New severity", FormKind.SEVERITY),
        FormField("reason", "Why", FormKind.TEXT, min_words=5, example=_REASON_EX),
    ),
    Action.SET_IC: (
        FormField("user", "Incident commander", FormKind.USER, required=False),
    ),
    Action.REASSIGN: (
        FormField("to_user", "Hand off to", FormKind.USER),
        FormField("note", "Handoff note", FormKind.TEXT, min_words=8,
                  example="Say where it stands and the next move, e.g. “reproduced on "
                          "staging; next: compare the audience URN with Acme's metadata”."),
    ),
    Action.DECLINE_HANDOFF: (
        FormField("reason", "Why you decline", FormKind.TEXT, min_words=4,
                  example="E.g. “on call for the billing outage until Thursday”."),
    ),
    Action.RESOLVE: (
        FormField("category", "Resolution category", FormKind.CATEGORY),
        FormField("root_cause", "Root cause", FormKind.TEXT, min_words=6,
                  example="E.g. “the strict audience check added in 4.2 compared URNs "
                          "case-sensitively”."),
        FormField("fix_version", "Fix version or change id", FormKind.LINE, required=False,
                  max_length=150, tone=False,
                  hint="Required for a code fix or configuration change."),
        FormField("validation_notes", "Post-fix validation notes", FormKind.TEXT,
                  required=False, min_words=4,
                  hint="How the fix was checked. Required for a code fix or configuration "
                       "change.",
                  example="E.g. “Acme signed in through Okta on 4.2.2 at 15:10 UTC”."),
        FormField("l1_takeaway", "L1 takeaway: what L1 could do next time", FormKind.TEXT,
                  min_words=5,
                  example="E.g. “check the audience URN in the IdP metadata before "
                          "escalating SAML 500s”."),
        FormField("kb_warranted", "A knowledge-base article is warranted", FormKind.FLAG,
                  required=False),
    ),
    Action.VERIFY: (
        FormField("note", "Note (optional)", FormKind.TEXT, required=False),
    ),
    Action.REOPEN: (
        FormField("reason", "Why it is reopened", FormKind.TEXT, min_words=5,
                  example="E.g. “Acme sees the 500 again after the 4.2.3 deploy”."),
    ),
    Action.CANCEL: (
        FormField("reason", "Why it is cancelled", FormKind.TEXT, min_words=4,
                  example="E.g. “the customer withdrew the request”."),
    ),
    Action.CLOSE: (
        FormField("reason", "Why it closes without resolution", FormKind.TEXT, min_words=4,
                  example="E.g. “no answer from the customer for 14 days”."),
    ),
    Action.MERGE: (
        FormField("survivor_id", "Duplicate of", FormKind.ESCALATION,
                  hint="The escalation that stays open, e.g. ESC-17."),
    ),
    Action.RATE_HANDOFF: (
        FormField("rating", "Did the handoff tell you your first move?", FormKind.RATING),
    ),
}
FIELDS_BY_KEY: Mapping[Action, Mapping[str, FormField]] = {
    action: {f.key: f for f in fields} for action, fields in FORMS.items()
}
