"""Noticing what another process writes into the mirror.

The writer's ``on_change`` reports this process's commits only. When another process follows
the mirror (see :mod:`drover.sync.follow_lock`), this one would never hear of new events; so an
observing engine polls the mirror for events stored after the last one it saw and reports each
changed session the way the writer would (``on_change(session_id, high_water_seq)``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from drover.sync.service import BackgroundLoop

if TYPE_CHECKING:
    from drover.store.api import MirrorReads
    from drover.store.writer import ChangeCallback

__all__ = ["MirrorWatch"]

log = logging.getLogger("drover.sync.mirror_watch")


class MirrorWatch(BackgroundLoop):
    """Polls a mirror for events other processes stored.

    Args:
        reader: the mirror's reader.
        on_change: called with ``(session_id, high_water_seq)`` for each changed session.
        interval: seconds between looks.
    """

    task_name = "mirror-watch"

    def __init__(
        self, reader: MirrorReads, on_change: ChangeCallback, *, interval: float = 0.5
    ) -> None:
        self._reader = reader
        self._on_change = on_change
        self._interval = interval

    async def _run(self) -> None:
        seen = self._reader.newest_seq()
        while True:
            await asyncio.sleep(self._interval)
            try:
                changed = self._reader.sessions_changed_after(seen)
            except Exception:  # a locked or closing mirror: look again next time
                log.debug("mirror watch: read failed", exc_info=True)
                continue
            for session_id, high in changed.items():
                seen = max(seen, high)
                try:
                    self._on_change(session_id, high)
                except Exception:
                    log.exception("mirror watch: on_change failed")
