"""Custom tool results: the text a `user.custom_tool_result` carries, typed or read from a file.

An `agent.custom_tool_use` leaves its session idle (`requires_action`) until the client runs the
tool and sends the result (protocol §6.3); drover's user runs it and hands over the output, as
text (the TUI's result dialog, `drover respond --result`) or a file (`--result-file`, the
dialog's file field). Both go into the outbox as a `custom_tool_result` action (see
`drover.sync.outbox.build_events`), delivered exactly once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["MAX_RESULT_BYTES", "ResultFileError", "custom_result_payload", "read_result_file"]

MAX_RESULT_BYTES = 4 * 1024 * 1024
"""Largest result file sent (a bigger one is almost surely not the intended output)."""


class ResultFileError(ValueError):
    """A result file that cannot be sent; the message says why in one sentence."""


def read_result_file(path: str | Path) -> str:
    """The UTF-8 text of a result file.

    Raises:
        ResultFileError: missing, unreadable, larger than `MAX_RESULT_BYTES`, or not text.
    """
    file = Path(path).expanduser()
    try:
        size = file.stat().st_size
        if not file.is_file():
            raise ResultFileError(f"{file} is not a file")
        if size > MAX_RESULT_BYTES:
            raise ResultFileError(
                f"{file} is {size:,} bytes; results are capped at {MAX_RESULT_BYTES:,}"
            )
        return file.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ResultFileError(f"no such file: {file}") from None
    except UnicodeDecodeError:
        raise ResultFileError(f"{file} is not UTF-8 text") from None
    except OSError as exc:
        raise ResultFileError(f"cannot read {file}: {exc.strerror or exc}") from None


def custom_result_payload(tool_use_id: str, text: str, *, is_error: bool) -> dict[str, Any]:
    """The outbox payload answering custom tool use `tool_use_id` with `text`."""
    return {"custom_tool_use_id": tool_use_id, "content": text, "is_error": is_error}
