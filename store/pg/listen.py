"""Change notices between processes: `NOTIFY drover_changes` from every PostgreSQL writer,
heard by a `ChangeListener` in every process that shows the mirror.

A payload is lines of `session_id:high_water_seq` (the same pair `on_change` takes), at most
`MAX_PAYLOAD` bytes each, sent inside the writing transaction, so a notice is delivered only
if its rows committed, and after them. The listener runs one thread with its own connection and
calls `on_change` with each pair, except for the notices of this process's own writer (which
called `on_change` itself after its commit). With `ChangeFeed` as `on_change`, a viewer's
screens refresh on what the hub writes exactly as on what their own process writes.

A lost connection is re-opened (with a growing pause). Notices sent while it was down are not
replayed (`NOTIFY` keeps none): a screen catches up with a session at its next change.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator

import psycopg

from drover.store.location import MirrorUnavailableError
from drover.store.pg.conn import PgConn, connect
from drover.store.writer import ChangeCallback

__all__ = ["CHANNEL", "ChangeListener", "decode_notices", "encode_notices"]

log = logging.getLogger(__name__)

CHANNEL = "drover_changes"
MAX_PAYLOAD = 7_000
"""Bytes per notice (PostgreSQL refuses payloads of 8,000 bytes or more)."""
POLL_SECONDS = 0.1
"""How long the listener waits for notices before checking whether it should stop."""


def encode_notices(notices: dict[str, int]) -> Iterator[str]:
    """Payloads carrying every `(session_id, high_water_seq)` pair, none over `MAX_PAYLOAD`."""
    lines: list[str] = []
    size = 0
    for session_id, seq in notices.items():
        line = f"{session_id}:{seq}"
        length = len(line.encode()) + 1  # with its newline
        if lines and size + length > MAX_PAYLOAD:
            yield "\n".join(lines)
            lines, size = [], 0
        lines.append(line)
        size += length
    if lines:
        yield "\n".join(lines)


def decode_notices(payload: str) -> Iterator[tuple[str, int]]:
    """The pairs in a payload (malformed lines are skipped: a notice is a hint, not data)."""
    for line in payload.splitlines():
        session_id, _, seq = line.rpartition(":")
        if session_id and seq.isdigit():
            yield session_id, int(seq)


class ChangeListener:
    """Hears the mirror's change notices on its own connection and thread.

    Args:
        url: the database.
        on_change: called on the listener's thread with each `(session_id, high_water_seq)`.
        ignore_pid: the server process whose notices to skip (this process's writer; asked
            at each notice, since the writer's process changes when it reconnects).
    """

    def __init__(
        self, url: str, on_change: ChangeCallback, *, ignore_pid: Callable[[], int] = lambda: 0
    ) -> None:
        self._url = url
        self._on_change = on_change
        self._ignore_pid = ignore_pid
        self._stop = threading.Event()
        self._conn: PgConn | None = self._listen()  # fails here, in the caller, if it cannot
        self._thread = threading.Thread(target=self._run, name="drover-mirror-listen", daemon=True)
        self._thread.start()

    def _listen(self) -> PgConn:
        conn = connect(self._url)
        conn.execute(f"LISTEN {CHANNEL}")
        return conn

    def close(self, timeout: float | None = 5.0) -> None:
        """Stop listening and close the connection (within `POLL_SECONDS` or so)."""
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        pause = 0.1
        try:
            while not self._stop.is_set():
                try:
                    if self._conn is None:
                        self._conn = self._listen()
                        pause = 0.1
                    self._deliver(self._conn)
                except (psycopg.OperationalError, MirrorUnavailableError) as exc:
                    log.warning("mirror change listener lost its connection (%s); retrying", exc)
                    self._drop()
                    self._stop.wait(pause)
                    pause = min(pause * 2, 10.0)
        finally:
            self._drop()

    def _deliver(self, conn: PgConn) -> None:
        for notice in conn.raw.notifies(timeout=POLL_SECONDS):
            if notice.pid == self._ignore_pid():
                continue
            for session_id, seq in decode_notices(notice.payload):
                try:
                    self._on_change(session_id, seq)
                except Exception:  # a UI bug must not stop the notices
                    log.exception("mirror on_change callback failed")

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                conn.close()
