"""Structured logs for the hub: one JSON object per line on stderr (journald, `docker logs`).

Each line has `ts` (UTC, ISO 8601), `level`, `logger` and `msg`; what a caller passes as
`extra={"fields": {...}}` is merged in (`event`, `session_id`, `reason`, counts…). Never a key
or a secret: the hub logs ids, counts and reasons only, and the CLI's redaction filter
(`drover.cli.logs`) masks the profile's key anyway.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

__all__ = ["JsonFormatter", "setup_json_logging"]


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def setup_json_logging(level: int = logging.INFO, stream: TextIO | None = None) -> logging.Handler:
    """Send drover's and uvicorn's logs to `stream` (stderr) as JSON lines; returns the handler
    (remove it with `logging.getLogger().removeHandler`)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(level)
    root = logging.getLogger()
    root.addHandler(handler)
    for name in ("drover", "uvicorn", "uvicorn.error"):
        logging.getLogger(name).setLevel(level)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    return handler
