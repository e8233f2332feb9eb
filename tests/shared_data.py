"""Where the team's shared Slack contract data lives (``../shared/slack``), if it is present.

The data is never copied into this repository. Checks that need it are skipped on a clone
without ``../shared`` beside it, so a fresh clone still passes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_REPO = Path(__file__).resolve().parent.parent


def _find_shared_slack() -> Path | None:
    override = os.environ.get("ESCALATION_SHARED_SLACK")
    candidates = [Path(override)] if override else []
    candidates.append(_REPO.parent / "shared" / "slack")
    for candidate in candidates:
        if (candidate / "README.md").is_file():
            return candidate
    return None


SHARED_SLACK: Path | None = _find_shared_slack()

requires_shared = pytest.mark.skipif(
    SHARED_SLACK is None, reason="../shared/slack contract data is not beside this clone"
)


def shared_path(*parts: str) -> Path:
    """A path inside ../shared/slack; call only from tests marked ``requires_shared``."""
    assert SHARED_SLACK is not None, "../shared/slack is absent"
    return SHARED_SLACK.joinpath(*parts)
