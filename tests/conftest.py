"""Shared fixtures: a migrated database on SQLite and, when configured, PostgreSQL.

PostgreSQL runs when ``TEST_POSTGRES_URL`` names a server (``.ci/run`` starts one). Each test
gets its own schema there, so tests never see each other's rows. In CI (``CI=true``) a missing
``TEST_POSTGRES_URL`` is an error, not a skip: the production store must be tested.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from storage.database import Database

# The feedback loop's usual clock / slack / ctx fixtures (a module's own definition wins).
pytest_plugins = ["tests.loop_fixtures"]

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def postgres_base_url() -> str | None:
    url = os.environ.get("TEST_POSTGRES_URL")
    if url:
        return url
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail("TEST_POSTGRES_URL is not set: CI must test PostgreSQL (see .ci/run)")
    pytest.skip("TEST_POSTGRES_URL is not set (PostgreSQL tests run in CI via .ci/run)")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL whose connections use a fresh, private schema."""
    base = postgres_base_url()
    assert base is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/escalation.db"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database.from_url(database_url)
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_external_call_in_a_write_transaction(monkeypatch: pytest.MonkeyPatch,
                                            request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail any test during which the code called Slack, Jira or Zendesk while holding a
    database transaction (see tests/txguard.py)."""
    from tests.txguard import guard

    if request.node.get_closest_marker("external_call_in_transaction"):
        yield
        return

    with guard(monkeypatch) as seen:
        yield
    if seen:
        lines = sorted({f"{name} at {where}" for name, where in seen})
        pytest.fail("external call inside a database write transaction:\n  "
                    + "\n  ".join(lines), pytrace=False)
