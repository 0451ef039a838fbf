"""The writer's calls for launches (`LaunchWrites`, mixed into
`drover.store.writer.MirrorWriter`); the operations themselves are `drover.store.launches`'s
`LAUNCH_OPS`, in the writer's table (`drover.store.operations`)."""

from __future__ import annotations

from drover.store.launches import NewLaunch
from drover.store.writer_calls import WriterCalls

__all__ = ["LaunchWrites"]


class LaunchWrites(WriterCalls):
    """Mixin for `MirrorWriter` (which supplies `submit`)."""

    async def create_launch(self, launch: NewLaunch) -> str:
        """Record a launch and its items, all queued (see `drover.store.launches`)."""
        result: str = await self._call("create_launch", launch)
        return result

    async def set_launch_state(self, launch_id: str, state: str, error: str | None = None) -> None:
        """A launch → `running`, `paused`, `cancelled` or `done` (with why it stopped early)."""
        await self._call("set_launch_state", launch_id, state, error)

    async def launch_item_creating(self, launch_id: str, idx: int) -> bool:
        """An item queued → creating, committed before its create request goes out."""
        result: bool = await self._call("launch_item_creating", launch_id, idx)
        return result

    async def launch_item_created(self, launch_id: str, idx: int, session_id: str) -> None:
        """An item → created, with its session."""
        await self._call("launch_item_created", launch_id, idx, session_id)

    async def launch_item_failed(self, launch_id: str, idx: int, error: str) -> None:
        """An item → failed, with the reason."""
        await self._call("launch_item_failed", launch_id, idx, error)

    async def launch_items_requeue(
        self,
        launch_id: str,
        idxs: list[int],
        *,
        states: tuple[str, ...] = ("creating",),
        note: str | None = None,
    ) -> int:
        """Items in `states` → queued again; returns how many."""
        result: int = await self._call(
            "launch_items_requeue", launch_id, idxs, states=states, note=note
        )
        return result
