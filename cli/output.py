"""What the CLI prints: inert, never a key, and quiet when the reader of a pipe goes away.

* :func:`clean_line` / :func:`clean_block` — for text a server (or any outside party) wrote
  that is printed as a message: error envelopes, tracebacks, outbox failures. Secrets are
  masked (the active key, key shapes, every token format the export redactor knows) and
  escape sequences, bidi overrides and zero-width characters made visible
  (:mod:`drover.text.inert`), the same path agent text takes.
* :func:`scrubbed_output` — while a command runs, everything written to stdout and stderr has
  the keys this process knows masked, whatever printed it.
* :func:`closed_pipe` — after ``BrokenPipeError`` (``drover ls --json | head``): silence the
  interpreter's last flush and exit 141, as a program killed by SIGPIPE does, without a
  traceback.

Only the standard library loads at import time (``drover sim`` imports the CLI package).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from drover.cli.logs import redact, redact_known

__all__ = ["EXIT_PIPE", "clean_block", "clean_line", "closed_pipe", "scrubbed_output"]

EXIT_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `yes | head`


def clean_line(text: str) -> str:
    """Outside text for one line of output: secrets masked, control characters visible."""
    from drover.text.inert import inert_line

    return inert_line(redact(text))


def clean_block(text: str) -> str:
    """Like :func:`clean_line` for multi-line text (a traceback); newlines are kept."""
    from drover.text.inert import inert

    return inert(redact(text)).rstrip("\n")


class _Scrubbed:
    """A text stream that masks the process's known secrets on their way out."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(redact_known(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self.stream.flush()

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding, buffer…
        return getattr(self.stream, name)


@contextlib.contextmanager
def scrubbed_output() -> Iterator[None]:
    """Mask known secrets in whatever is printed to stdout and stderr inside the block."""
    out, err = sys.stdout, sys.stderr
    sys.stdout = _Scrubbed(out)  # type: ignore[assignment]
    sys.stderr = _Scrubbed(err)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


def closed_pipe() -> int:
    """Handle a closed stdout: point it at /dev/null (the final flush then succeeds quietly).

    Returns:
        The exit status, :data:`EXIT_PIPE`.
    """
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return EXIT_PIPE
