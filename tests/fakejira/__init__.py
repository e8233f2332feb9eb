"""A fake Jira Cloud (REST API v3) for tests; see ``server.py`` for usage."""

from .contract import SHARED_JIRA, adf_errors, requires_jira_contract
from .server import FakeJira

__all__ = ["SHARED_JIRA", "FakeJira", "adf_errors", "requires_jira_contract"]
