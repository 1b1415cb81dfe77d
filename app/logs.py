"""Log lines as text (uvicorn's default) or JSON (LOG_FORMAT=json): one object per line, with the
run, session and user ids bound in `db.log_context` where they apply.

What is logged at INFO never holds question text or secrets: the agents log that a run started
and how it ended, not what was asked; access lines drop the query string (a search query is
as private as a question) and no header is ever logged.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from uvicorn.config import LOGGING_CONFIG

from core.settings import Settings
from db import log_context


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            **_message(record),
            **log_context.current(),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


def _message(record: logging.LogRecord) -> dict[str, Any]:
    """uvicorn's access line as fields, without the query string; any other record's message."""
    args = record.args
    if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
        client, method, path, _, status = args
        path = str(path).split("?", 1)[0]
        return {
            "message": f"{method} {path} {status}",
            "method": method,
            "path": path,
            "status": status,
            "client": client,
        }
    return {"message": record.getMessage()}


def logging_config(settings: Settings) -> dict[str, Any]:
    """A `logging.config.dictConfig` for the whole process (uvicorn's loggers included)."""
    if settings.log_format == "text":
        return LOGGING_CONFIG
    level = settings.log_level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            name: {"level": level, "handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
