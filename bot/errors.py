"""Errors the command line reports as one clear line with exit code 2."""

from __future__ import annotations


class UserError(Exception):
    """Something the operator can fix: reported without a traceback, exit code 2."""


class SettingsError(UserError):
    pass


class ConfigError(UserError):
    pass
