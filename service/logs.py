"""Structured logging: one JSON object per line (or plain text for local reading)."""

import json
import logging
import sys
from datetime import UTC, datetime

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Render a record and any `extra=` fields as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        """Format one record as JSON."""
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure(fmt: str = "json", level: str = "INFO") -> None:
    """Send the hearth loggers to stderr in the chosen format (idempotent)."""
    logger = logging.getLogger("hearth")
    logger.setLevel(level)
    for handler in list(logger.handlers):
        if getattr(handler, "_hearth", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._hearth = True
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    logger.addHandler(handler)
    logger.propagate = False
