"""Atlassian's contract data: the Jira Cloud v3 OpenAPI definition and the ADF JSON Schema.

Read from ``../shared/jira`` beside the clone (``ESCALATION_SHARED_JIRA`` overrides); never
copied into the repository. Without it :data:`SHARED_JIRA` is None and the checks are skipped.
"""

from __future__ import annotations

import json
import os
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

_REPO = Path(__file__).resolve().parents[2]
OPENAPI_FILE = "jira-cloud-platform-v3.openapi.json"
ADF_FILE = "adf-full.schema.json"
_DOC_URI = "urn:jira-openapi"


def _find() -> Path | None:
    override = os.environ.get("ESCALATION_SHARED_JIRA")
    for candidate in ([Path(override)] if override else []) + [_REPO.parent / "shared" / "jira"]:
        if (candidate / OPENAPI_FILE).is_file() and (candidate / ADF_FILE).is_file():
            return candidate
    return None


SHARED_JIRA: Path | None = _find()
requires_jira_contract = pytest.mark.skipif(
    SHARED_JIRA is None, reason="../shared/jira contract data is not beside this clone")
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _openapi() -> tuple[dict[str, Any], Registry[Any], list[tuple[re.Pattern[str], str]]]:
    assert SHARED_JIRA is not None
    document = json.loads((SHARED_JIRA / OPENAPI_FILE).read_text())
    registry: Registry[Any] = Registry().with_resource(
        _DOC_URI, Resource(contents=document, specification=DRAFT4))
    routes = []
    # Literal segments first, so /issue/createmeta wins over /issue/{issueIdOrKey}.
    for template in sorted(document["paths"], key=lambda p: (p.count("{"), -len(p))):
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        routes.append((re.compile(f"^{pattern}$"), template))
    return document, registry, routes


@lru_cache(maxsize=1)
def adf_validator() -> Draft4Validator:
    assert SHARED_JIRA is not None
    return Draft4Validator(json.loads((SHARED_JIRA / ADF_FILE).read_text()))


def adf_errors(document: Any) -> list[str]:
    """Why ``document`` is not a valid ADF document (empty when it is)."""
    with _lock:
        validator = adf_validator()
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
                for e in validator.iter_errors(document)][:5]


def operation(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    document, _registry, routes = _openapi()
    for pattern, template in routes:
        if pattern.match(path):
            op = document["paths"][template].get(method.lower())
            if op is not None:
                return template, op
    return None


def _schema_errors(schema: dict[str, Any], value: Any) -> list[str]:
    _document, registry, _routes = _openapi()
    if "$ref" in schema:
        schema = {"$ref": _DOC_URI + schema["$ref"]}
    validator = Draft4Validator(schema, registry=registry)
    with _lock:
        return [f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message[:300]}"
                for e in validator.iter_errors(value)][:5]


def request_errors(method: str, path: str, query: dict[str, str], body: Any) -> list[str]:
    found = operation(method, path)
    if found is None:
        return [f"{method} {path}: not an operation of the Jira v3 API"]
    template, op = found
    problems = []
    known = {p["name"] for p in op.get("parameters", []) if p.get("in") == "query"}
    problems += [f"{method} {template}: unknown query parameter {name!r}"
                 for name in query if name not in known]
    content = op.get("requestBody", {}).get("content", {})
    if body is not None:
        schema = (content.get("application/json") or {}).get("schema")
        if schema is None:
            problems.append(f"{method} {template}: takes no JSON body")
        else:
            problems += [f"{method} {template} request {e}" for e in _schema_errors(schema, body)]
    elif op.get("requestBody", {}).get("required"):
        problems.append(f"{method} {template}: the request body is required")
    return problems


def response_errors(method: str, path: str, status: int, body: Any) -> list[str]:
    found = operation(method, path)
    if found is None:
        return []
    template, op = found
    responses = op.get("responses", {})
    spec = responses.get(str(status)) or responses.get("default")
    if spec is None:
        return [f"{method} {template}: status {status} is not documented"]
    schema = (spec.get("content", {}).get("application/json") or {}).get("schema")
    if schema is None or body is None:
        return []
    return [f"{method} {template} {status} response {e}" for e in _schema_errors(schema, body)]
