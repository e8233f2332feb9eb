"""Contract checkers for every Slack view, message and Web API call the bot builds.

    check_view(view)                             # views.open / views.update / views.publish
    check_message(args)                          # chat.postMessage / .update / .postEphemeral
    check_method_args("chat.postMessage", args)  # any method with a schema in ../shared/slack

Each raises one AssertionError listing every problem found, from three layers:
slack_sdk's models (a round-trip, with anything slack_sdk warns about treated as an error), the
structural JSON schemas in ../shared/slack (only when that data is beside the clone), and the
Block Kit limits written out below, which neither of the other two fully enforces.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError, relevance
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from tests.shared_data import SHARED_SLACK, shared_path

MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BUTTON_TEXT = 24  # title, submit, close
MAX_PRIVATE_METADATA = 3000
MAX_ID = 255  # action_id, block_id, callback_id, external_id
MAX_MESSAGE_TEXT = 40_000
MAX_INPUT_LENGTH = 3000

# Slack's broadcast mentions: special <!…> tokens, and the raw words Slack may link.
_BROADCAST = re.compile(
    r"<!(?:channel|here|everyone)(?:\|[^>]*)?>|(?<![\w.@])@(?:channel|here|everyone)\b",
    re.IGNORECASE,
)
_RENDERED_TEXT_KEYS = ("text", "markdown_text")
_BOOLEAN_STRINGS = {"true": True, "1": True, "false": False, "0": False}
_SDK_LOGGER = "slack_sdk.models"

Problems = list[str]


# ── public checkers ─────────────────────────────────────────────────────────────────────────


def check_view(view: Mapping[str, Any]) -> None:
    """Fail with every problem in a modal or Home tab view payload."""
    schema = "modal_view.schema.json" if view.get("type") == "modal" else "view.schema.json"
    problems = [
        *_sdk_problems(functools.partial(_round_trip_view, view)),
        *_schema_problems(schema, _without_blocks(view)),
        *_blocks_schema_problems(schema, view.get("blocks") or []),
        *_view_problems(view),
    ]
    _fail_on(f"view {view.get('callback_id') or view.get('type')!r}", problems)


def check_message(args: Mapping[str, Any]) -> None:
    """Fail with every problem in chat.postMessage / chat.update / chat.postEphemeral args."""
    blocks = _decoded(args.get("blocks")) or []
    problems = _fallback_text_problems(args.get("text"))
    if not isinstance(blocks, list):
        problems.append(f"blocks: expected a list, got {type(blocks).__name__}")
        blocks = []
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        problems.append(f"blocks: {len(blocks)} blocks > {MAX_MESSAGE_BLOCKS}")
    for index, block in enumerate(blocks):
        build = functools.partial(_round_trip_block, block)
        problems += _sdk_problems(build, f"blocks[{index}]")
    problems += _blocks_schema_problems("known_blocks.schema.json", blocks)
    problems += _block_problems(blocks)
    problems += _broadcast_problems({**args, "blocks": blocks})
    _fail_on("message", problems)


def check_method_args(method: str, args: Mapping[str, Any]) -> None:
    """Fail if args do not fit the method's argument schema; a no-op without ../shared/slack.

    Form-encoded values (every value a string) are coerced to the types the schema declares;
    the ``team_id`` Bolt adds is allowed.
    """
    if SHARED_SLACK is None:
        return
    relative = f"method-args/{_pascal(method)}Arguments.json"
    if not shared_path("generated-from-slack-types", relative).is_file():
        raise AssertionError(f"{method}: no argument schema {relative} in ../shared/slack")
    schema = _validator(relative).schema
    coerced = {
        key: _coerced(value, _declared_types(schema, key))
        for key, value in args.items()
        if key != "team_id"
    }
    _fail_on(f"{method} args", _schema_problems(relative, coerced))


# ── slack_sdk round-trip ────────────────────────────────────────────────────────────────────


class _Recorder(logging.Handler):
    """Keeps slack_sdk's warnings, and its debug note that it dropped unknown keys."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.WARNING or "were ignored" in message:
            self.messages.append(message.split("If they should be supported")[0].strip("! "))


def _sdk_problems(build: Callable[[], Problems], where: str = "") -> Problems:
    """Run a slack_sdk build; its exceptions, warnings and warning logs all become problems."""
    recorder = _Recorder()
    logger = logging.getLogger(_SDK_LOGGER)
    previous_level = logger.level
    logger.addHandler(recorder)
    logger.setLevel(logging.DEBUG)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            problems = _call(build)
    finally:
        logger.removeHandler(recorder)
        logger.setLevel(previous_level)
    complaints = [*problems, *recorder.messages, *(str(w.message) for w in caught)]
    return [f"{where or '<view>'}: slack_sdk: {complaint}" for complaint in complaints]


def _call(build: Callable[[], Problems]) -> Problems:
    try:
        return build()
    except Exception as error:  # any failure to model the payload is a contract problem
        return [f"{type(error).__name__}: {error}"]


def _round_trip_view(view: Mapping[str, Any]) -> Problems:
    model = View(**view)
    model.validate_json()
    model.to_dict()
    unknown = sorted(model.additional_attributes)
    return [f"unknown view keys {unknown}"] if unknown else []


def _round_trip_block(block: Any) -> Problems:
    parsed = Block.parse(block)
    if parsed is not None:  # None: slack_sdk has already logged "Unknown block detected"
        parsed.to_dict()
    return []


# ── JSON schemas from ../shared/slack ───────────────────────────────────────────────────────


@functools.cache
def _validator(relative: str, definition: str | None = None) -> Draft7Validator:
    """A shared schema, or one of its definitions (``KnownBlock``) as the root."""
    schema = json.loads(shared_path("generated-from-slack-types", relative).read_text("utf-8"))
    if definition is not None:
        schema = {**schema, "$ref": f"#/definitions/{definition}"}
    return Draft7Validator(schema)


def _schema_problems(
    relative: str, instance: Any, where: str = "", definition: str | None = None
) -> Problems:
    """Structural errors against a shared schema; none when the shared data is absent."""
    if SHARED_SLACK is None:
        return []
    return [
        f"{_path(where, cause)}: schema {relative}: {message}"
        for error in _validator(relative, definition).iter_errors(instance)
        for cause, message in _causes(error)
    ]


def _blocks_schema_problems(relative: str, blocks: Sequence[Any]) -> Problems:
    """Each block against ``KnownBlock``, so an unknown type or key is named, not waved through."""
    return [
        problem
        for index, block in enumerate(blocks)
        for problem in _schema_problems(relative, block, f"blocks[{index}]", "KnownBlock")
    ]


def _without_blocks(view: Mapping[str, Any]) -> Mapping[str, Any]:
    """The view with an empty block list: its blocks are checked one by one."""
    return {**view, "blocks": []} if "blocks" in view else view


def _causes(error: ValidationError) -> list[tuple[ValidationError, str]]:
    """Why an instance failed, following anyOf/oneOf into the variant its ``type`` names."""
    while error.context:
        variants = _variants_tried(error)
        meant = [v for v in variants if not any(_rejects_type(e) for e in v)]
        if len(meant) == 1:
            error = max(meant[0], key=relevance)
            continue
        if not meant:
            kind = error.instance.get("type") if isinstance(error.instance, dict) else None
            return [(error, f"no known variant has type {kind!r}")]
        fitting = [v for v in meant if not any(_rejects_keys(e) for e in v)] or meant
        closest = _shared_errors(fitting) or min(fitting, key=len)
        return [cause for e in closest for cause in _causes(e)]
    return [(error, _shorten(error.message))]


def _variants_tried(error: ValidationError) -> list[list[ValidationError]]:
    """The errors of each anyOf/oneOf branch, nested anyOf/oneOf branches flattened."""
    grouped: dict[Any, list[ValidationError]] = {}
    for sub in error.context or []:
        grouped.setdefault(sub.relative_schema_path[0], []).append(sub)
    variants: list[list[ValidationError]] = []
    for errors in grouped.values():
        only = errors[0]
        nested = len(errors) == 1 and only.validator in ("anyOf", "oneOf") and not only.path
        variants += _variants_tried(only) if nested else [errors]
    return variants


def _rejects_type(error: ValidationError) -> bool:
    return error.validator in ("const", "enum") and list(error.relative_path) == ["type"]


def _rejects_keys(error: ValidationError) -> bool:
    return error.validator == "additionalProperties" and not error.relative_path


def _shared_errors(variants: list[list[ValidationError]]) -> list[ValidationError]:
    """Errors every variant reports (e.g. an unknown argument): those are the real problem."""

    def key(e: ValidationError) -> tuple[str, str]:
        return ("/".join(map(str, e.relative_path)), e.message)

    common = set.intersection(*({key(e) for e in variant} for variant in variants))
    return [e for e in variants[0] if key(e) in common]


def _path(where: str, error: ValidationError) -> str:
    parts = [where, *(str(part) for part in error.absolute_path)]
    return "/".join(part for part in parts if part) or "<root>"


def _declared_types(schema: Mapping[str, Any], key: str) -> set[str]:
    """JSON types the schema allows for top-level property ``key`` in any of its variants."""
    definitions = schema.get("definitions", {})
    types: set[str] = set()
    for variant in _variants(schema, definitions):
        prop = variant.get("properties", {}).get(key)
        if prop is None:
            continue
        for option in _variants(prop, definitions):
            declared = option.get("type", [])
            types.update([declared] if isinstance(declared, str) else declared)
            if "const" in option:
                types.add(_json_type(option["const"]))
    return types


def _variants(node: Mapping[str, Any], definitions: Mapping[str, Any]) -> Iterator[Any]:
    """A schema node and every anyOf/oneOf/allOf branch under it, local $refs resolved."""
    while "$ref" in node:
        node = definitions[node["$ref"].rsplit("/", 1)[-1]]
    yield node
    for keyword in ("anyOf", "oneOf", "allOf"):
        for branch in node.get(keyword, []):
            yield from _variants(branch, definitions)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else "object"


def _coerced(value: Any, types: set[str]) -> Any:
    """A form-encoded string turned into the non-string type the schema wants, if it parses."""
    if not isinstance(value, str) or "string" in types or not types:
        return value
    if "boolean" in types and value.lower() in _BOOLEAN_STRINGS:
        return _BOOLEAN_STRINGS[value.lower()]
    return _decoded(value)


def _decoded(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _pascal(method: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in method.split("."))


# ── hand-written Block Kit limits ───────────────────────────────────────────────────────────


def _view_problems(view: Mapping[str, Any]) -> Problems:
    blocks = view.get("blocks") or []
    problems = [
        problem
        for key in ("title", "submit", "close")
        for problem in _too_long(key, _text_of(view.get(key)), MAX_VIEW_BUTTON_TEXT)
    ]
    if len(blocks) > MAX_VIEW_BLOCKS:
        problems.append(f"blocks: {len(blocks)} blocks > {MAX_VIEW_BLOCKS}")
    problems += _too_long("private_metadata", view.get("private_metadata"), MAX_PRIVATE_METADATA)
    problems += _too_long("callback_id", view.get("callback_id"), MAX_ID)
    problems += _too_long("external_id", view.get("external_id"), MAX_ID)
    has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
    if view.get("type") == "modal" and has_input and not view.get("submit"):
        problems.append("submit: required in a modal with input blocks")
    return problems + _block_problems(blocks)


def _block_problems(blocks: Sequence[Any]) -> Problems:
    block_ids = [b.get("block_id") for b in blocks if isinstance(b, dict)]
    problems = _duplicates("blocks", "block_id", block_ids)
    for index, block in enumerate(blocks):
        where = f"blocks[{index}]"
        if not isinstance(block, dict):
            problems.append(f"{where}: not an object")
            continue
        problems += _too_long(f"{where}.block_id", block.get("block_id"), MAX_ID)
        rules = _BLOCK_RULES.get(str(block.get("type")))
        problems += rules(block, where) if rules else []
    return problems


def _header_problems(block: Mapping[str, Any], where: str) -> Problems:
    return _too_long(f"{where}.text", _text_of(block.get("text")), 150)


def _section_problems(block: Mapping[str, Any], where: str) -> Problems:
    problems = _too_long(f"{where}.text", _text_of(block.get("text")), 3000)
    fields = block.get("fields") or []
    if len(fields) > 10:
        problems.append(f"{where}.fields: {len(fields)} fields > 10")
    for index, field in enumerate(fields):
        problems += _too_long(f"{where}.fields[{index}]", _text_of(field), 2000)
    if isinstance(block.get("accessory"), dict):
        problems += _element_problems(block["accessory"], f"{where}.accessory")
    return problems


def _input_problems(block: Mapping[str, Any], where: str) -> Problems:
    problems = _too_long(f"{where}.label", _text_of(block.get("label")), 2000)
    problems += _too_long(f"{where}.hint", _text_of(block.get("hint")), 2000)
    if isinstance(block.get("element"), dict):
        problems += _element_problems(block["element"], f"{where}.element")
    return problems


def _actions_problems(block: Mapping[str, Any], where: str) -> Problems:
    elements = [e for e in block.get("elements") or [] if isinstance(e, dict)]
    problems = _duplicates(where, "action_id", [e.get("action_id") for e in elements])
    for index, element in enumerate(elements):
        problems += _element_problems(element, f"{where}.elements[{index}]")
    return problems


_BLOCK_RULES: dict[str, Callable[[Mapping[str, Any], str], Problems]] = {
    "header": _header_problems,
    "section": _section_problems,
    "input": _input_problems,
    "actions": _actions_problems,
}


def _element_problems(element: Mapping[str, Any], where: str) -> Problems:
    problems = _too_long(f"{where}.action_id", element.get("action_id"), MAX_ID)
    problems += _too_long(f"{where}.placeholder", _text_of(element.get("placeholder")), 150)
    if element.get("type") == "plain_text_input":
        max_length = element.get("max_length")
        if not isinstance(max_length, int) or not 0 < max_length <= MAX_INPUT_LENGTH:
            problems.append(f"{where}.max_length: {max_length!r}, want 1..{MAX_INPUT_LENGTH}")
    if element.get("type") == "button":
        problems += _too_long(f"{where}.text", _text_of(element.get("text")), 75)
        problems += _too_long(f"{where}.value", element.get("value"), 2000)
    for path, option in _options_of(element, where):
        problems += _too_long(f"{path}.text", _text_of(option.get("text")), 75)
        problems += _too_long(f"{path}.value", option.get("value"), 150)
        problems += _too_long(f"{path}.description", _text_of(option.get("description")), 75)
    return problems


def _options_of(element: Mapping[str, Any], where: str) -> Iterator[tuple[str, Any]]:
    for index, option in enumerate(element.get("options") or []):
        yield f"{where}.options[{index}]", option
    for group_index, group in enumerate(element.get("option_groups") or []):
        for index, option in enumerate(group.get("options") or []):
            yield f"{where}.option_groups[{group_index}].options[{index}]", option
    if isinstance(element.get("initial_option"), dict):
        yield f"{where}.initial_option", element["initial_option"]
    for index, option in enumerate(element.get("initial_options") or []):
        yield f"{where}.initial_options[{index}]", option


# ── message text ────────────────────────────────────────────────────────────────────────────


def _fallback_text_problems(text: Any) -> Problems:
    """Slack shows ``text`` in notifications and reads it to screen readers: it must be there."""
    if not isinstance(text, str) or not text.strip():
        return ["text: missing or empty fallback text"]
    return _too_long("text", text, MAX_MESSAGE_TEXT)


def _broadcast_problems(node: Any, where: str = "") -> Problems:
    """Broadcast mentions in rendered text mean user text reached Slack unescaped."""
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _broadcast_problems(v, f"{where}[{i}]")]
    if not isinstance(node, dict):
        return []
    problems = []
    for key, value in node.items():
        path = f"{where}.{key}" if where else str(key)
        if key in _RENDERED_TEXT_KEYS and isinstance(value, str):
            problems += [f"{path}: unescaped broadcast {m!r}" for m in _BROADCAST.findall(value)]
        else:
            problems += _broadcast_problems(value, path)
    return problems


# ── helpers ─────────────────────────────────────────────────────────────────────────────────


def _text_of(value: Any) -> str | None:
    """The string in a text object (or a bare string), if any."""
    if isinstance(value, dict):
        value = value.get("text")
    return value if isinstance(value, str) else None


def _too_long(where: str, value: Any, limit: int) -> Problems:
    if isinstance(value, str) and len(value) > limit:
        return [f"{where}: {len(value)} chars > {limit}"]
    return []


def _duplicates(where: str, name: str, values: Sequence[Any]) -> Problems:
    counts = Counter(value for value in values if value is not None)
    return [f"{where}: duplicate {name} {value!r}" for value, n in counts.items() if n > 1]


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fail_on(subject: str, problems: Problems) -> None:
    if problems:
        raise AssertionError(f"{subject} breaks Slack's contract:\n  - " + "\n  - ".join(problems))
