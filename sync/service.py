"""A long-running loop owned by one object: started once, cancelled on stop."""

from __future__ import annotations

import asyncio
import contextlib

__all__ = ["BackgroundLoop"]


class BackgroundLoop:
    """Runs :meth:`_run` in a task between :meth:`start` and :meth:`stop`.

    Subclasses set ``task_name`` and implement ``_run``; nothing else about the task
    lifecycle is theirs to repeat.
    """

    task_name = "background-loop"
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the loop (a no-op when it is already running)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.task_name)

    async def stop(self) -> None:
        """Cancel the loop and wait for it to finish."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        raise NotImplementedError
