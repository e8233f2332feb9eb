"""Errors the command line reports as one clear line with exit code 2."""

from __future__ import annotations


class UserError(Exception):
    """Something the operator can fix: reported without a traceback, exit code 2."""


class SettingsError(UserError):
    pass


class ConfigError(UserError):
    pass


def one_line(exc: BaseException) -> str:
    """The first line of the root cause: what an operator needs, without driver noise."""
    cause: BaseException = getattr(exc, "orig", None) or exc
    text = str(cause).strip().splitlines()
    return text[0] if text else type(cause).__name__
