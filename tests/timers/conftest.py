"""No real time passes in these tests: the per-channel pacing of reminders is switched off."""

from __future__ import annotations

import pytest

from commands import timers


@pytest.fixture(autouse=True)
def _no_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timers, "CHANNEL_PACE_S", 0.0)
