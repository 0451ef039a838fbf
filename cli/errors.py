"""The CLI's exit codes and :class:`CliError`, the expected failure with a complete message.

Kept apart from :mod:`drover.cli.common` so the helpers it uses (:mod:`drover.cli.disk`) can
raise them without importing it back.
"""

from __future__ import annotations

__all__ = ["EXIT_FAIL", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "CliError"]

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """An expected failure with a complete user-facing message.

    Args:
        message: what went wrong (printed after ``drover: ``).
        hint: what to do about it (printed on the next line), if anything.
        code: the exit code (1 operational failure, 2 usage).
    """

    def __init__(self, message: str, *, hint: str | None = None, code: int = EXIT_FAIL) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code
