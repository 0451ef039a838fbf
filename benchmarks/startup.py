"""Start as the user sees it: the whole process, exec to a marker on its terminal (a pty).

`time_to_marker(argv, marker)` forks `argv` on a pseudo-terminal of the given size (as a user's
terminal emulator would run it), reads everything the process writes, and returns the wall
time from just before `exec` to the moment the marker text is on the terminal (escape
sequences removed; Textual may split a line into styled runs, so the marker should be text
drawn in one style, like a session title). The process is then killed. Nothing is warmed:
every run is a fresh interpreter, its imports included (the OS page cache is warm after the
first run, as it is for a user who starts drover twice; the first run is dropped).

Also a command line::

    .venv/bin/python benchmarks/startup.py "sessions" -- .venv/bin/drover tui

which prints the median of a few runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import statistics
import struct
import sys
import termios
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

_ESCAPES = re.compile(
    rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]"  # CSI
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    rb"|\x1bP[^\x1b]*\x1b\\"  # DCS
    rb"|\x1b[()][0-9A-Za-z]|\x1b[=>78cDEHM]"
)
MINIMAL_APP = Path(__file__).with_name("minimal_app.py")
"""A Textual app with one line of text: the floor a Textual app cannot start under."""


def visible_text(output: bytes) -> str:
    """What a terminal would show of `output`, roughly: escape sequences dropped."""
    return _ESCAPES.sub(b"", output).decode("utf-8", "replace")


def time_to_marker(
    argv: Sequence[str],
    marker: str,
    *,
    env: Mapping[str, str] | None = None,
    size: tuple[int, int] = (140, 40),
    timeout: float = 60.0,
    cwd: str | Path | None = None,
) -> float:
    """Seconds from exec to `marker` on the terminal (see the module docstring).

    Raises:
        TimeoutError: the marker never showed (the tail of the output is in the message).
    """
    columns, rows = size
    started = time.perf_counter()
    pid, fd = os.forkpty()
    if pid == 0:  # the child: a fresh process on the pty, like a terminal emulator's
        try:
            if cwd is not None:
                os.chdir(cwd)
            os.execvpe(argv[0], list(argv), {**(env or os.environ), "TERM": "xterm-256color"})
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    output = bytearray()
    wanted = marker.encode()
    try:
        deadline = started + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                tail = visible_text(bytes(output[-2000:]))
                raise TimeoutError(f"{marker!r} never showed; the terminal ends with {tail!r}")
            ready, _, _ = select.select([fd], [], [], min(remaining, 0.5))
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child exited
                chunk = b""
            if not chunk:
                tail = visible_text(bytes(output[-2000:]))
                raise TimeoutError(f"the process ended before {marker!r}: {tail!r}")
            output += chunk
            if wanted in chunk or wanted in _ESCAPES.sub(b"", bytes(output[-65536:])):
                return time.perf_counter() - started
    finally:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(pid, 0)
        os.close(fd)


def time_to_exit(
    argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: str | Path | None = None
) -> float:
    """Seconds from exec to exit of a command that writes to a pipe (not a terminal)."""
    import subprocess

    started = time.perf_counter()
    done = subprocess.run(
        list(argv), env=dict(env or os.environ), cwd=cwd, capture_output=True, check=False
    )
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{argv} exited {done.returncode}: {done.stderr[-500:]!r}")
    return took


def runs(measure: object, count: int) -> list[float]:
    """`count` measurements after one dropped warm-up run (`measure` is a no-arg callable)."""
    assert callable(measure)
    measure()
    return [measure() for _ in range(count)]


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") != 1:
        print(__doc__, file=sys.stderr)
        return 2
    marker, command = argv[0], argv[2:]
    samples = runs(lambda: time_to_marker(command, marker), 5)
    print(
        f"{statistics.median(samples) * 1000:.0f} ms median "
        f"({min(samples) * 1000:.0f}–{max(samples) * 1000:.0f} ms, n={len(samples)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
