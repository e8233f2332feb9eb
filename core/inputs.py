"""Validation by field kind: what a form submitted, read against what the form offered.

The Slack adapter hands over each field's raw value as the form held it — a string, a whole
number (a datetimepicker's epoch seconds), a tuple of option values, ``None`` for nothing
entered, or :data:`WRONG_TYPE` when the element's value had the wrong type. This module turns
them into the checklist's string values (see :mod:`core.codec`) and field errors:

- selects, radio buttons and checkboxes accept only the options the form offered;
- datetimes must lie between 2000-01-01 and a day from now; dates within two years of today;
- user pickers must hold a Slack user id; text must be text; numbers stay bounded (their
  wording is checked by :func:`core.checklist.validate`);
- a value of the wrong type is an error on its field, never a crash or a silent drop.

The feedback loop's modals (:data:`core.forms.FORMS`) are read the same way by
:func:`read_form`: their selects, radios and checkboxes (severity, level, resolution category,
handoff rating, flags) accept only the options such a form offers (:func:`form_offered`), and
their datetimes lie between 2000 and two years from now (the command's own checks are finer).

An invalid value is left out of the returned values (it clears the field in the draft), and
its error is returned for the same field.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Final

from core.checklist import Field, Kind, Step, fields_of
from core.forms import FormField, FormKind, HandoffRating, ResolutionCategory
from core.model import CustomerTier, Environment, Level, Severity, Signal, Workaround


class _WrongType:
    """The element's value had a type its kind never has (e.g. a list for a select)."""

    _instance: _WrongType | None = None

    def __new__(cls) -> _WrongType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "WRONG_TYPE"


WRONG_TYPE: Final = _WrongType()
RawValue = str | int | tuple[str, ...] | None | _WrongType

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
# "First reported" may be a little ahead of the server's clock (a user's clock, time zones):
# more than a day ahead is not a time, it is a typo. The checklist's own rule is stricter.
LATEST_AHEAD = timedelta(days=1)
DATE_RANGE = timedelta(days=731)  # a customer deadline within ±2 years of today
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_USER = re.compile(r"^[UW][A-Z0-9]{2,40}$")
_NUMBER_MAX_CHARS = 40

UNREADABLE = "This value could not be read; please enter it again."
NOT_OFFERED = "Pick one of the offered choices."


def offered(kind: Kind, domains: Collection[str]) -> tuple[str, ...] | None:
    """The option values the form offers for a field of ``kind`` (None: not a choice)."""
    choices: dict[Kind, tuple[str, ...]] = {
        Kind.DOMAIN: tuple(domains),
        Kind.SEVERITY: tuple(s.value for s in Severity),
        Kind.TIER: tuple(t.value for t in CustomerTier),
        Kind.ENVIRONMENT: tuple(e.value for e in Environment),
        Kind.WORKAROUND: tuple(w.value for w in Workaround),
        Kind.SIGNALS: tuple(s.value for s in Signal),
        Kind.FLAG: ("true",),
    }
    return choices.get(kind)


@dataclass(frozen=True)
class Read:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _text(spec: Field, raw: RawValue) -> str | None:
    if not isinstance(raw, str):
        raise _Refused(UNREADABLE)
    stripped = raw.rstrip() if spec.kind is Kind.TEXT else raw.strip()
    return stripped if stripped.strip() else None


def _choice(spec: Field, raw: RawValue, choices: tuple[str, ...]) -> str | None:
    if spec.kind in (Kind.SIGNALS, Kind.FLAG):
        if isinstance(raw, str):  # a single choice from a select of the same options
            raw = (raw,)
        if not isinstance(raw, tuple):
            raise _Refused(UNREADABLE)
        if any(value not in choices for value in raw):
            raise _Refused(NOT_OFFERED)
        picked = [c for c in choices if c in raw]
        return ",".join(picked) or None
    if not isinstance(raw, str):
        raise _Refused(UNREADABLE)
    if raw not in choices:
        raise _Refused(NOT_OFFERED)
    return raw


def _datetime(raw: RawValue, now: datetime) -> str:
    if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdecimal() \
            and len(raw.strip()) <= 12:
        raw = int(raw.strip())
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise _Refused(UNREADABLE)
    if raw > (now + LATEST_AHEAD).timestamp():
        raise _Refused("That is in the future; pick a time up to now (UTC).")
    if raw < EARLIEST.timestamp():
        raise _Refused(f"That is before {EARLIEST:%Y}; check the date.")
    return datetime.fromtimestamp(raw, UTC).isoformat()


def _date(raw: RawValue, now: datetime) -> str:
    if not isinstance(raw, str) or not _DATE.match(raw.strip()):
        raise _Refused("Pick a date (YYYY-MM-DD).")
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise _Refused("Pick a date (YYYY-MM-DD).") from None
    today = now.astimezone(UTC).date()
    if not today - DATE_RANGE <= day <= today + DATE_RANGE:
        raise _Refused("Pick a date within two years of today.")
    return day.isoformat()


def _user(raw: RawValue) -> str:
    if not isinstance(raw, str) or not _USER.match(raw):
        raise _Refused("Pick a person.")
    return raw


def _number(raw: RawValue) -> str | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        raise _Refused(UNREADABLE)
    if len(raw.strip()) > _NUMBER_MAX_CHARS:
        raise _Refused("Enter a whole number of users, e.g. 120.")
    return raw.strip() or None


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def read_value(spec: Field, raw: RawValue, *, now: datetime,
               domains: Collection[str]) -> str | None:
    """One field's raw value as its checklist string (None: blank); raises on a bad value."""
    if raw is None or raw == "" or raw == ():
        return None
    choices = offered(spec.kind, domains)
    if choices is not None:
        return _choice(spec, raw, choices)
    if spec.kind is Kind.DATETIME:
        return _datetime(raw, now)
    if spec.kind is Kind.DATE:
        return _date(raw, now)
    if spec.kind is Kind.USER:
        return _user(raw)
    if spec.kind is Kind.NUMBER:
        return _number(raw)
    return _text(spec, raw)


def read_fields(fields: Iterable[Field], raw: Mapping[str, RawValue], *, now: datetime,
                domains: Collection[str]) -> Read:
    """Read the values submitted for ``fields``; fields not in ``raw`` are blank."""
    out = Read()
    for spec in fields:
        try:
            value = read_value(spec, raw.get(spec.key), now=now, domains=domains)
        except _Refused as refused:
            out.errors[spec.key] = refused.message
            continue
        if value is not None:
            out.values[spec.key] = value
    return out


def read_step(step: Step, raw: Mapping[str, RawValue], *, now: datetime,
              domains: Collection[str]) -> Read:
    """Read the values submitted on ``step``; fields not in ``raw`` are blank."""
    return read_fields(fields_of(step), raw, now=now, domains=domains)


# ---------------------------------------------------------------- the feedback loop's forms

# The levels a loop form can offer: the rungs above L1 that an owner works at (L5 Leadership
# is notified, never picked). Which of them a given escalation offers is the command's check.
_LOOP_LEVELS: Final = (Level.L2.name, Level.L3.name, Level.L4.name)


def form_offered(kind: FormKind) -> tuple[str, ...] | None:
    """Every option value a loop form offers for a field of ``kind`` (None: not a choice)."""
    choices: dict[FormKind, tuple[str, ...]] = {
        FormKind.SEVERITY: tuple(s.value for s in Severity),
        FormKind.LEVEL: _LOOP_LEVELS,
        FormKind.CATEGORY: tuple(c.value for c in ResolutionCategory),
        FormKind.RATING: tuple(r.value for r in HandoffRating),
        FormKind.FLAG: ("true",),
    }
    return choices.get(kind)


def _form_choice(kind: FormKind, raw: RawValue, choices: tuple[str, ...]) -> str | None:
    if kind is FormKind.FLAG:  # checkboxes: a tuple of ticked values
        if isinstance(raw, str):
            raw = (raw,)
        if not isinstance(raw, tuple):
            raise _Refused(UNREADABLE)
        if any(value not in choices for value in raw):
            raise _Refused(NOT_OFFERED)
        return ",".join(c for c in choices if c in raw) or None
    if not isinstance(raw, str):
        raise _Refused(UNREADABLE)
    if raw not in choices:
        raise _Refused(NOT_OFFERED)
    return raw


def _instant(raw: RawValue, now: datetime) -> str:
    if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdecimal() \
            and len(raw.strip()) <= 12:
        raw = int(raw.strip())
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise _Refused(UNREADABLE)
    if not EARLIEST.timestamp() <= raw <= (now + DATE_RANGE).timestamp():
        raise _Refused("Pick a date and time within two years from now (UTC).")
    return datetime.fromtimestamp(raw, UTC).isoformat()


def read_form_value(spec: FormField, raw: RawValue, *, now: datetime) -> str | None:
    """One loop-form field's raw value as the string :mod:`core.forms` reads (None: blank);
    raises on a value the form did not offer or cannot hold."""
    if raw is None or raw == "" or raw == ():
        return None
    choices = form_offered(spec.kind)
    if choices is not None:
        return _form_choice(spec.kind, raw, choices)
    if spec.kind is FormKind.DATETIME:
        return _instant(raw, now)
    if spec.kind is FormKind.USER:
        return _user(raw)
    if not isinstance(raw, str):
        raise _Refused(UNREADABLE)
    value = raw.rstrip() if spec.kind is FormKind.TEXT else raw.strip()
    return value if value.strip() else None


def read_form(fields: Sequence[FormField], raw: Mapping[str, RawValue], *,
              now: datetime) -> Read:
    """Read a loop form's submitted values; fields not in ``raw`` are blank."""
    out = Read()
    for spec in fields:
        try:
            value = read_form_value(spec, raw.get(spec.key), now=now)
        except _Refused as refused:
            out.errors[spec.key] = refused.message
            continue
        if value is not None:
            out.values[spec.key] = value
    return out
