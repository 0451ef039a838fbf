"""Stopping a long-running command cleanly on SIGTERM or SIGINT.

Without a handler SIGTERM kills the process where it stands: queued mirror writes are lost and
a send may be cut off on the wire. :class:`StopSignals` turns either signal into a cancellation
of the running task, so every ``finally`` runs (the engine stops: sends on the wire finish, the
writer commits what is queued), and the command then sees :class:`StopSignals.Stopped` and
picks its exit code. A second signal during that clean-up is ignored; SIGKILL remains the way
to stop at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from types import TracebackType

__all__ = ["StopSignals"]

_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StopSignals:
    """``async with StopSignals() as signals:`` — SIGTERM/SIGINT cancel the current task; the
    cancellation surfaces as ``signals.Stopped`` (with the signal's name) at the ``async with``."""

    class Stopped(Exception):
        """The task was stopped by a signal."""

        def __init__(self, name: str) -> None:
            super().__init__(name)
            self.name = name

    def __init__(self) -> None:
        self.caught: signal.Signals | None = None
        self._task: asyncio.Task[object] | None = None

    def _on_signal(self, signum: signal.Signals) -> None:
        if self.caught is not None or self._task is None:
            return
        self.caught = signum
        self._task.cancel()

    async def __aenter__(self) -> StopSignals:
        self._task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for signum in _SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, self._on_signal, signum)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        loop = asyncio.get_running_loop()
        for signum in _SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signum)
        if self.caught is not None and exc_type is asyncio.CancelledError:
            if self._task is not None:
                self._task.uncancel()
            raise self.Stopped(self.caught.name) from None
