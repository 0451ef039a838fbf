"""The CLI's diagnostics log: ``<data dir>/drover.log``, small and rotating, never holding a key.

Every record reaching the file passes :class:`RedactSecrets`, which replaces the API keys the
process knows about (registered with :func:`remember_secret` as soon as a key is resolved) and
anything shaped like an Anthropic key (``sk-ant-…``) or an ``x-api-key`` / ``Authorization``
header value. Redaction works on the formatted message and on the traceback text, so a key
smuggled in through ``%r`` of some object or an exception chain is caught too (invariant 5).
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

__all__ = [
    "LOG_NAME",
    "RedactSecrets",
    "redact",
    "remember_secret",
    "setup_logging",
    "teardown_logging",
]

LOG_NAME = "drover.log"
_MAX_BYTES = 512 * 1024
_BACKUPS = 2
_MASK = "[redacted]"

# Known key values of this process (the redaction must not depend on the key's shape: a
# proxy or a future key format may look nothing like ``sk-ant-``).
_secrets: set[str] = set()
_KEY_SHAPES = re.compile(
    r"sk-ant-[A-Za-z0-9_\-]+"
    r"|(?i:(?<=x-api-key: )|(?<=x-api-key=)|(?<=authorization: bearer ))[^\s'\",]+"
)


def remember_secret(value: str | None) -> None:
    """Register a secret so no log record can ever contain it."""
    if value and len(value.strip()) >= 8:  # a tiny "secret" would mask ordinary words
        _secrets.add(value.strip())


def redact(text: str) -> str:
    """Return ``text`` with every known secret and key-shaped token masked."""
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, _MASK)
    return _KEY_SHAPES.sub(_MASK, text)


class RedactSecrets(logging.Filter):
    """Rewrites each record in place so handlers only ever format redacted text."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        # The formatter would re-render exc_info if exc_text were empty; it is not now.
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def setup_logging(data_dir: Path, *, debug: bool = False) -> logging.Handler | None:
    """Attach the rotating file log under ``data_dir`` to the ``drover`` logger.

    A data dir that cannot be created or written is not fatal: the command runs without a
    log file. Pair every call with :func:`teardown_logging` (one CLI invocation = one handler;
    tests run many invocations with different data dirs in one process).

    Args:
        data_dir: the data directory (created with mode 0700 if missing).
        debug: record DEBUG detail instead of INFO.

    Returns:
        The installed handler, or None when the log file could not be opened.
    """
    logger = logging.getLogger("drover")
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        handler = logging.handlers.RotatingFileHandler(
            data_dir / LOG_NAME, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8"
        )
    except OSError:
        return None
    handler.addFilter(RedactSecrets())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._drover_previous_level = logger.level  # type: ignore[attr-defined]
    logger.setLevel(logging.DEBUG if debug else logging.INFO)
    logger.addHandler(handler)
    return handler


def teardown_logging(handler: logging.Handler | None) -> None:
    """Detach and close a handler installed by :func:`setup_logging`."""
    if handler is not None:
        logger = logging.getLogger("drover")
        logger.removeHandler(handler)
        logger.setLevel(getattr(handler, "_drover_previous_level", logging.NOTSET))
        handler.close()
