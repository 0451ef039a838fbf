"""The CLI's diagnostics log: ``<data dir>/drover.log``, small, rotating, owner-only, never
holding a key, and never in the way.

Every record reaching the file passes :class:`RedactSecrets`: the API keys the process knows
about (registered with :func:`remember_secret` as soon as a key is resolved — also URL-encoded
or wrapped across lines), anything shaped like an Anthropic key or an ``x-api-key`` /
``Authorization`` header value, and every token format the export redactor knows are masked;
control characters (a server's escape sequences) are made visible. Redaction works on the
formatted message and on the traceback text, so a key smuggled in through ``%r`` of some object
or an exception chain is caught too (invariant 5).

The file is created 0600. A log that cannot be written (the disk is full, the folder is
read-only) is skipped silently: diagnostics must not flood the terminal with
``--- Logging error ---`` reports, and the command says what is wrong itself.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import os
import re
from pathlib import Path
from typing import Any, cast

__all__ = [
    "LOG_NAME",
    "RedactSecrets",
    "redact",
    "redact_known",
    "remember_secret",
    "setup_logging",
    "teardown_logging",
]

LOG_NAME = "drover.log"
_MAX_BYTES = 512 * 1024
_BACKUPS = 2
_MASK = "[REDACTED:key]"  # the export redactor's form, which it then leaves alone

# Known key values of this process (the redaction must not depend on the key's shape: a
# proxy or a future key format may look nothing like ``sk-ant-``), each with a pattern that
# also finds it URL-encoded or broken over lines.
_secrets: dict[str, re.Pattern[str]] = {}
_KEY_SHAPES = re.compile(
    r"sk-ant-[A-Za-z0-9_\-]+"
    r"|(?i:(?<=x-api-key: )|(?<=x-api-key=)|(?<=authorization: bearer ))[^\s'\",]+"
)
_WRAP = r"(?:[ \t]*\\?\r?\n[ \t>#*]*)?"

# Nothing logged by drover is meant for the terminal: without a file handler (no data dir yet,
# or none writable) records go nowhere instead of to logging's last-resort stderr handler,
# which printed every error twice (`ls failed: …` above `drover: …`).
logging.getLogger("drover").addHandler(logging.NullHandler())


def _variants(secret: str) -> re.Pattern[str]:
    """The secret as typed, URL-encoded (any character as ``%XX``) or broken over lines."""

    def char(c: str) -> str:
        if c.isascii() and c.isalnum():
            return re.escape(c)
        encoded = "".join(f"%{byte:02X}" for byte in c.encode())  # as a URL may carry it
        return f"(?:{re.escape(c)}|{re.escape(encoded)}|{re.escape(encoded.lower())})"

    return re.compile(_WRAP.join(char(c) for c in secret))


def remember_secret(value: str | None) -> None:
    """Register a secret so no log record and no output line can ever contain it."""
    if value and len(value.strip()) >= 8:  # a tiny "secret" would mask ordinary words
        secret = value.strip()
        if secret not in _secrets:
            _secrets[secret] = _variants(secret)


def redact_known(text: str) -> str:
    """``text`` with every registered secret masked (also URL-encoded or wrapped)."""
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text or "%" in text or "\n" in text:
            text = _secrets[secret].sub(_MASK, text)
    return text


def redact(text: str) -> str:
    """Return ``text`` with every known secret and key-shaped token masked."""
    from drover.export.redact import Redactor  # its patterns compile on first use only

    return Redactor().text(_KEY_SHAPES.sub(_MASK, redact_known(text)))


class RedactSecrets(logging.Filter):
    """Rewrites each record in place so handlers only ever format redacted, inert text."""

    def filter(self, record: logging.LogRecord) -> bool:
        from drover.text.inert import inert

        record.msg = inert(redact(record.getMessage()))
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = inert(redact(record.exc_text))
        # The formatter would re-render exc_info if exc_text were empty; it is not now.
        if record.stack_info:
            record.stack_info = inert(redact(record.stack_info))
        return True


@functools.cache
def _private_log() -> type[logging.Handler]:
    """The file handler's class, made on first use (`logging.handlers` is not needed before)."""
    import logging.handlers

    class _PrivateLog(logging.handlers.RotatingFileHandler):
        """A rotating log created 0600 that gives up quietly on a write error."""

        def _open(self) -> io.TextIOWrapper:
            fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with contextlib.suppress(OSError):
                if os.stat(fd).st_mode & 0o077:
                    os.fchmod(fd, 0o600)  # a log made by an older drover
            stream = open(fd, self.mode, encoding=self.encoding, errors=self.errors)  # noqa: SIM115
            return cast(io.TextIOWrapper, stream)  # a text mode: `open` gives a TextIOWrapper

        def handleError(self, record: logging.LogRecord) -> None:
            """Drop the record: the disk is full or the file unwritable, and the command says
            so."""
            self.failed = True

    return _PrivateLog


class _LazyLog(logging.Handler):
    """Opens the rotating log (`_private_log`) when the first record reaches it, so a
    command that logs nothing (`drover ls`) never loads the file handler nor opens the file."""

    def __init__(self, path: Path, **options: Any) -> None:
        super().__init__()
        self._path, self._options = path, options
        self._handler: logging.Handler | None = None
        self.failed = False

    def emit(self, record: logging.LogRecord) -> None:
        if self._handler is None:
            try:
                self._handler = _private_log()(str(self._path), **self._options)
            except OSError:
                self.failed = True
                return
            self._handler.setFormatter(self.formatter)
        self._handler.emit(record)
        self.failed = self.failed or bool(getattr(self._handler, "failed", False))

    def close(self) -> None:
        if self._handler is not None:
            self._handler.close()
        super().close()


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
    except OSError:
        return None
    if not os.access(data_dir, os.W_OK):
        return None
    handler = _LazyLog(
        data_dir / LOG_NAME, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8"
    )
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
        with contextlib.suppress(OSError):  # the last flush may meet a full disk
            handler.close()
