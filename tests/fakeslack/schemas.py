"""Contract checks on the arguments the app sends to the fake.

When ``../shared/slack`` is present, each call is validated against the JSON Schema generated
from ``@slack/web-api`` (``generated-from-slack-types/method-args/<Pascal>Arguments.json``).
Form-encoded calls carry every value as a string, so values are first coerced to what the
schema declares (JSON objects/arrays decoded, ``"1"``/``"true"`` to booleans, digits to numbers);
``ts``-like values stay strings because the schema declares them as strings. ``token`` is
dropped and ``team_id`` too unless the method declares it (Slack and Bolt add it legitimately).

A few structural limits are checked even without the shared data: a message needs ``text``,
``blocks``, ``attachments`` or ``markdown_text`` and at most 50 blocks; a view at most 100
blocks. Deeper Block Kit rules live in ``tests/slack_contracts.py``, not here.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

JsonDict = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100

# Methods whose argument type is the same as another method's in @slack/web-api.
_SCHEMA_ALIASES = {"views.push": "views.open"}

_MESSAGE_METHODS = frozenset(
    {"chat.postMessage", "chat.postEphemeral", "chat.update", "response_url"}
)
_VIEW_METHODS = frozenset({"views.open", "views.push", "views.update", "views.publish"})


def pascal_name(method: str) -> str:
    """``chat.postMessage`` -> ``ChatPostMessage``."""
    return "".join(part[:1].upper() + part[1:] for part in method.split("."))


def schema_file(root: Path, method: str) -> Path:
    name = pascal_name(_SCHEMA_ALIASES.get(method, method))
    return root / "generated-from-slack-types" / "method-args" / f"{name}Arguments.json"


class _MethodSchema:
    def __init__(self, schema: JsonDict) -> None:
        self.validator = Draft7Validator(schema)
        self.property_types = _top_level_property_types(schema)

    def coerce(self, args: JsonDict) -> JsonDict:
        coerced: JsonDict = {}
        for key, value in args.items():
            types = self.property_types.get(key, set())
            coerced[key] = _coerce_value(value, types) if isinstance(value, str) else value
        return coerced

    def drops_team_id(self) -> bool:
        return "team_id" not in self.property_types


class ContractChecker:
    """Validates Web API call arguments; returns human-readable violations."""

    def __init__(self, shared_root: Path | None) -> None:
        self._root = shared_root
        self._schemas: dict[str, _MethodSchema | None] = {}
        self._lock = threading.Lock()

    @property
    def has_schemas(self) -> bool:
        return self._root is not None

    def check(self, method: str, args: JsonDict) -> list[str]:
        violations = [f"{method}: {problem}" for problem in _structural_problems(method, args)]
        schema = self._schema_for(method)
        if schema is None:
            return violations
        candidate = {k: v for k, v in args.items() if k != "token"}
        if schema.drops_team_id():
            candidate.pop("team_id", None)
        candidate = schema.coerce(candidate)
        errors = list(schema.validator.iter_errors(candidate))
        if errors:
            where, message = _most_specific(max(errors, key=_depth))
            violations.append(f"{method}: {where}: {message}")
        return violations

    def _schema_for(self, method: str) -> _MethodSchema | None:
        if self._root is None:
            return None
        with self._lock:
            if method not in self._schemas:
                path = schema_file(self._root, method)
                self._schemas[method] = (
                    _MethodSchema(json.loads(path.read_text(encoding="utf-8")))
                    if path.is_file()
                    else None
                )
            return self._schemas[method]


# ----- picking a readable error out of anyOf unions --------------------------------------------
#
# The generated schemas are big anyOf unions (24 branches for chat.postMessage, one per block and
# element type). jsonschema's best_match stops at the union ("... is not valid under any of the
# given schemas"), so descend ourselves: drop branches whose own ``type`` discriminator does not
# match, prefer the branch with the fewest (then deepest) errors, and recurse.


def _branch_groups(error: ValidationError) -> list[list[ValidationError]]:
    groups: dict[object, list[ValidationError]] = {}
    for sub in error.context or []:
        key = sub.relative_schema_path[0] if sub.relative_schema_path else None
        groups.setdefault(key, []).append(sub)
    return list(groups.values())


def _is_discriminator_miss(error: ValidationError, base: list[object]) -> bool:
    path = list(error.absolute_path)
    if error.validator in ("const", "enum") and path == [*base, "type"]:
        return True
    if error.context and path == base:
        return all(
            any(_is_discriminator_miss(sub, base) for sub in group)
            for group in _branch_groups(error)
        )
    return False


def _depth(error: ValidationError) -> int:
    deepest = len(error.absolute_path)
    for sub in error.context or []:
        deepest = max(deepest, _depth(sub))
    return deepest


def _most_specific(error: ValidationError) -> tuple[str, str]:
    if not error.context:
        return error.json_path, error.message
    base = list(error.absolute_path)
    groups = _branch_groups(error)
    viable = [g for g in groups if not any(_is_discriminator_miss(e, base) for e in g)]
    if not viable:
        instance = error.instance
        if isinstance(instance, dict) and "type" in instance:
            return error.json_path, f"type {instance['type']!r} is not allowed here"
        viable = groups
    group = min(viable, key=lambda g: (len(g), -max(_depth(e) for e in g)))
    return _most_specific(max(group, key=_depth))


def _structural_problems(method: str, args: JsonDict) -> Iterator[str]:
    if method == "response_url" and args.get("delete_original") in (True, "true"):
        return
    if method in _MESSAGE_METHODS:
        blocks = args.get("blocks")
        has_content = any(
            args.get(key) not in (None, "", []) for key in ("text", "attachments", "markdown_text")
        )
        if method != "chat.update" and not has_content and not blocks:
            yield "a message needs text, blocks, attachments or markdown_text"
        if isinstance(blocks, list) and len(blocks) > MAX_MESSAGE_BLOCKS:
            yield f"message has {len(blocks)} blocks (max {MAX_MESSAGE_BLOCKS})"
    if method in _VIEW_METHODS:
        view = args.get("view")
        if not isinstance(view, dict):
            yield "view is missing or not a JSON object"
            return
        yield from view_problems(view)


def view_problems(view: JsonDict) -> Iterator[str]:
    """The minimal view checks (also used for views returned in ``response_action``)."""
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        yield "view.blocks is missing or not a list"
    elif len(blocks) > MAX_VIEW_BLOCKS:
        yield f"view has {len(blocks)} blocks (max {MAX_VIEW_BLOCKS})"
    if view.get("type") not in ("modal", "home"):
        yield f"view.type must be modal or home, got {view.get('type')!r}"


# ----- schema introspection for coercion ------------------------------------------------------


def _top_level_property_types(schema: JsonDict) -> dict[str, set[str]]:
    definitions: JsonDict = schema.get("definitions", {})
    found: dict[str, set[str]] = {}
    for branch in _branches(schema, definitions, depth=0):
        for name, prop in branch.get("properties", {}).items():
            found.setdefault(name, set()).update(_types_of(prop, definitions, depth=0))
    return found


def _resolve(node: JsonDict, definitions: JsonDict) -> JsonDict:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        target = definitions.get(ref.removeprefix("#/definitions/"))
        if isinstance(target, dict):
            return target
    return node


def _branches(node: JsonDict, definitions: JsonDict, depth: int) -> Iterator[JsonDict]:
    """The object schemas an argument object may match (anyOf/oneOf/allOf flattened)."""
    node = _resolve(node, definitions)
    if depth > 8:
        return
    combinators = [node[key] for key in ("anyOf", "oneOf", "allOf") if key in node]
    if not combinators:
        yield node
        return
    if "properties" in node:
        yield node
    for options in combinators:
        for option in options:
            yield from _branches(option, definitions, depth + 1)


def _types_of(node: JsonDict, definitions: JsonDict, depth: int) -> set[str]:
    node = _resolve(node, definitions)
    if depth > 8:
        return set()
    declared = node.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return {str(t) for t in declared}
    if "const" in node:
        return {_json_type(node["const"])}
    if "enum" in node:
        return {_json_type(v) for v in node["enum"]}
    types: set[str] = set()
    for key in ("anyOf", "oneOf", "allOf"):
        for option in node.get(key, []):
            types |= _types_of(option, definitions, depth + 1)
    if not types and "properties" in node:
        types.add("object")
    return types


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    return "object"


def _coerce_value(value: str, types: set[str]) -> object:
    if not types or "string" in types:
        return value
    if types & {"object", "array"}:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if "boolean" in types:
        lowered = value.strip().lower()
        if lowered in ("1", "true"):
            return True
        if lowered in ("0", "false"):
            return False
        return value
    if types & {"number", "integer"}:
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return value
    return value
