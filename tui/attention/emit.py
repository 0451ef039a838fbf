"""How an attention transition reaches the user: bell, OSC 9/777, `notify-send`, window title.

No Textual here: `TerminalEmitter` is handed a `write(str)` that puts bytes on the terminal
(the App's driver; see `drover.tui.attention_monitor.terminal_writer`) and a `bell()`, so the
byte sequences are testable on their own. Agent text reaching an escape sequence or a command
line is cleaned first: control characters are dropped (an ESC or BEL inside an OSC payload
would end it early and let the rest be interpreted), and `;` in an OSC 777 title (its field
separator) becomes `,`. `notify-send` runs on a daemon thread with a timeout, never on the UI
loop, with an environment stripped of anything that looks like a credential.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Mapping
from typing import Protocol

from drover.tui.attention.tracker import Transition

BEL = "\x07"
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SECRET_NAMES = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH", re.IGNORECASE)
_HEADINGS = {"needs_you": "needs you", "error": "error", "done": "done", "budget": "budget"}
NOTIFY_TIMEOUT = 10.0
"""Seconds a `notify-send` may take before it is abandoned."""

Runner = Callable[[list[str]], None]
"""`runner(argv)`: start a notifier without waiting for it."""


def clean(text: str, limit: int = 160) -> str:
    """Agent text made safe for an escape sequence or argv: no controls, one line, bounded."""
    line = " ".join(_CONTROLS.sub(" ", text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def bell() -> str:
    """The terminal bell."""
    return BEL


def osc9(body: str) -> str:
    """OSC 9 desktop notification (iTerm2, WezTerm, Windows Terminal, kitty, ghostty)."""
    return f"\x1b]9;{clean(body)}{BEL}"


def osc777(title: str, body: str) -> str:
    """OSC 777 `notify` desktop notification (foot, rxvt-unicode, WezTerm, VTE terminals)."""
    return f"\x1b]777;notify;{clean(title, 80).replace(';', ',')};{clean(body)}{BEL}"


def osc_title(title: str) -> str:
    """OSC 2: set the terminal window title."""
    return f"\x1b]2;{clean(title, 120)}{BEL}"


def headline(transition: Transition) -> tuple[str, str]:
    """`(title, body)` of a notification; both start with `drover` (never a digit or `-`)."""
    title = f"drover: {clean(transition.title, 60)} — {_HEADINGS[transition.category]}"
    body = f"drover · {clean(transition.title, 60)}: {clean(transition.reason, 100)}"
    return title, body


def safe_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a notifier: everything but variables named like credentials."""
    source = os.environ if env is None else env
    return {k: v for k, v in source.items() if not _SECRET_NAMES.search(k)}


def spawn_detached(argv: list[str]) -> None:
    """Run `argv` on a daemon thread (bounded by `NOTIFY_TIMEOUT`); failures are ignored."""

    def run() -> None:
        # A missing or hung notifier must never reach the UI.
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(
                argv,
                env=safe_env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=NOTIFY_TIMEOUT,
                check=False,
            )

    threading.Thread(target=run, name="drover-notify", daemon=True).start()


class Emitter(Protocol):
    """Where attention goes (the App's terminal, or a recorder in tests)."""

    def alert(self, transition: Transition) -> None:
        """Announce one transition."""
        ...

    def set_title(self, title: str) -> None:
        """Show the window title (with its "N need you" counter)."""
        ...


class TerminalEmitter:
    """Announces on the terminal (bell, OSC 9, OSC 777) and through `notify-send`.

    Args:
        write: puts a string on the terminal; None when there is no terminal (headless).
        ring: rings the bell (the App's `bell`); default writes BEL through `write`.
        desktop: send desktop notifications (OSC 9/777 and `notify-send`); the bell and the
            title counter stay on either way.
        runner: starts `notify-send` without waiting (default: `spawn_detached`).
        which: finds a program on PATH (default: `shutil.which`).
    """

    def __init__(
        self,
        write: Callable[[str], None] | None,
        *,
        ring: Callable[[], None] | None = None,
        desktop: bool = True,
        runner: Runner | None = None,
        which: Callable[[str], str | None] = shutil.which,
    ) -> None:
        self._write = write
        self._ring = ring
        self.desktop = desktop
        self._runner = runner or spawn_detached
        # Looked up once: PATH does not change under a running TUI, and `which` stats files.
        self._notify_send = which("notify-send") if desktop else None

    def alert(self, transition: Transition) -> None:
        """Bell, then (desktop on) OSC 9 + OSC 777 and `notify-send` when it is on PATH."""
        if self._ring is not None:
            self._ring()
        elif self._write is not None:
            self._write(bell())
        if not self.desktop:
            return
        title, body = headline(transition)
        if self._write is not None:
            self._write(osc9(body) + osc777(title, body))
        if self._notify_send:
            self._runner([self._notify_send, "--app-name=drover", "--", title, body])

    def set_title(self, title: str) -> None:
        """Set the terminal's window title."""
        if self._write is not None:
            self._write(osc_title(title))
