"""Log lines: text (UTC times) or one JSON object per line with what the line is about.

Kept apart from :mod:`bot.observe` (Bolt middleware) so the command line configures logging
without importing Slack's libraries (``escalation-bot report`` starts fast).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from commands import logctx


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(logctx.current())
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        formatter.converter = time.gmtime  # log times in UTC
        handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.Formatter.converter = time.gmtime
    for noisy in ("alembic.runtime.plugins", "alembic.runtime.migration", "apscheduler",
                  "httpx", "matplotlib"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
