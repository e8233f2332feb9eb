"""Answers to and from plain strings, for drafts, storage and the form's initial values.

Every value is a string (or absent), so the same mapping serves a JSON draft, a row per
checklist item, and a Slack ``initial_value``. Datetimes are ISO 8601 in UTC.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from core.model import Answers, CustomerTier, Environment, Severity, Signal, Workaround
from core.timefmt import utc

_ENUMS: dict[str, type[Any]] = {
    "severity": Severity, "tier": CustomerTier, "environment": Environment,
    "workaround": Workaround,
}


def answers_to_dict(answers: Answers) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in fields(Answers):
        value = getattr(answers, f.name)
        if value is None or value == () or value is False:
            continue
        if isinstance(value, datetime):
            out[f.name] = utc(value).isoformat()
        elif isinstance(value, tuple):
            out[f.name] = ",".join(str(v) for v in value)
        elif value is True:
            out[f.name] = "true"
        else:
            out[f.name] = str(value)
    return out


def answers_from_dict(data: dict[str, str]) -> Answers:
    """The inverse of :func:`answers_to_dict`; unknown keys and unparsable values are dropped."""
    kwargs: dict[str, Any] = {}
    names = {f.name for f in fields(Answers)}
    for key, raw in data.items():
        if key not in names or raw is None or raw == "":
            continue
        try:
            kwargs[key] = _parse(key, raw)
        except ValueError:
            continue
    return Answers(**kwargs)


def _parse(key: str, raw: str) -> Any:
    if key in _ENUMS:
        return _ENUMS[key](raw)
    if key == "signals":
        return tuple(Signal(part) for part in raw.split(",") if part)
    if key == "first_reported_at":
        return utc(datetime.fromisoformat(raw))
    if key == "renewal_at_stake":
        return raw == "true"
    return raw


def merge(base: Answers, update: dict[str, str], keys: set[str]) -> Answers:
    """``base`` with the fields in ``keys`` replaced by ``update`` (absent there → cleared)."""
    data = answers_to_dict(base)
    for key in keys:
        data.pop(key, None)
    data.update({k: v for k, v in update.items() if k in keys})
    return answers_from_dict(data)
