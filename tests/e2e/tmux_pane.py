"""`TmuxPane`: run a terminal program in a detached tmux session, type into it, read its screen.

tmux gives the program a real pty (CI has no TTY on stdin), `send-keys` types like a person
and `capture-pane -p` returns the screen as text. Every pane gets its own tmux server socket so
a developer's tmux sessions are never touched and a stuck server dies with `close()`.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

POLL = 0.05
"""Seconds between screen reads while waiting (the only sleep: a bounded poll interval)."""

EXIT_MARK = "drover-e2e-exit:"
"""Printed by the pane's shell after the program ends, followed by its exit status."""


class ScreenTimeout(AssertionError):
    """The expected screen did not appear in time; carries the last screen for the report."""


class TmuxPane:
    """One program in one tmux pane of a fixed size.

    Args:
        argv: the program and its arguments.
        env: the whole environment of the program (nothing is inherited beyond it).
        size: (columns, rows) of the pane.
        cwd: working directory.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        size: tuple[int, int] = (140, 45),
        cwd: Path | None = None,
    ) -> None:
        self.argv = list(argv)
        self.env = dict(env)
        self.size = size
        self.cwd = cwd
        self.socket = f"drover-e2e-{uuid.uuid4().hex[:12]}"
        self.name = "e2e"
        self.started_at = 0.0

    def _tmux(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True, text=True, check=False, env=self.env, timeout=20,
        )  # fmt: skip
        if check and done.returncode != 0:
            raise RuntimeError(f"tmux {args[0]} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self) -> TmuxPane:
        """Start the program; the shell around it prints `EXIT_MARK<status>` when it ends."""
        program = " ".join(shlex.quote(part) for part in self.argv)
        # The pane stays open after the program exits so its last screen and status are kept.
        shell = f'{program}; echo "{EXIT_MARK}$?"; exec sleep 600'
        columns, rows = self.size
        self.started_at = time.perf_counter()
        self._tmux(
            "-f", os.devnull, "new-session", "-d", "-x", str(columns), "-y", str(rows),
            "-s", self.name, *(["-c", str(self.cwd)] if self.cwd else []), "sh", "-c", shell,
        )  # fmt: skip
        return self

    def elapsed(self) -> float:
        """Seconds since `start()`."""
        return time.perf_counter() - self.started_at

    def close(self) -> None:
        """Kill the session and its private server (safe to call twice)."""
        self._tmux("kill-server", check=False)

    def screen(self) -> str:
        """The visible screen as plain text, one line per row."""
        return self._tmux("capture-pane", "-p", "-t", self.name)

    def send(self, *keys: str) -> None:
        """Press keys by tmux name (`Enter`, `Escape`, `C-q`, `?`)."""
        self._tmux("send-keys", "-t", self.name, *keys)

    def type(self, text: str) -> None:
        """Type literal text (no key-name lookup)."""
        self._tmux("send-keys", "-t", self.name, "-l", text)

    def wait_for(
        self, check: Callable[[str], bool] | str, *, timeout: float = 30.0, what: str = ""
    ) -> str:
        """Poll the screen until `check(screen)` holds (or `check` appears in it).

        Args:
            check: a predicate on the screen text, or a substring to look for.
            timeout: seconds before giving up.
            what: a description for the failure message.

        Returns:
            The screen that satisfied the check.

        Raises:
            ScreenTimeout: with the last screen, when the check never held.
        """
        predicate = (lambda s: check in s) if isinstance(check, str) else check
        deadline = time.perf_counter() + timeout
        while True:
            text = self.screen()
            if predicate(text):
                return text
            if EXIT_MARK in text or time.perf_counter() > deadline:
                label = what or (check if isinstance(check, str) else "condition")
                raise ScreenTimeout(f"waited {timeout}s for {label!r}; screen:\n{text}")
            time.sleep(POLL)

    def exit_status(self, timeout: float = 30.0) -> int:
        """Wait for the program to end and return its exit status."""
        text = self.wait_for(EXIT_MARK, timeout=timeout, what="program exit")
        match = re.search(re.escape(EXIT_MARK) + r"(\d+)", text)
        assert match, text
        return int(match.group(1))
