"""Two probes for in-process UI benchmarks: slow event-loop callbacks, and keypress → frame.

`SlowCallbacks` wraps `asyncio.Handle._run` (every callback and every task step the loop runs
goes through it; `TimerHandle` inherits it) and records each one that ran longer than the
threshold, named by its task (name and coroutine) or callback. A sampler thread looks at the
loop thread's stack every few milliseconds while a callback is past the threshold, so each slow
callback also says where its time went (the innermost drover frames seen), not only which task
it belonged to. The cost is one `perf_counter` pair per callback.

`FrameClock` timestamps frames: Textual draws a frame in `Screen._compositor_refresh`, which
renders the dirty regions (`Compositor.render_update`, where widgets' `render_line` runs) and
hands the update to `App._display`. Headless, `_display` returns before turning the update into
terminal bytes, so the clock's wrapper does that conversion itself (`render_segments`, what a
terminal would be sent) and then stamps the frame. A keypress's latency is the time from posting
its `Key` event (as the terminal driver does) to the first frame at which the effect it waits
for holds: the state changed before that frame was rendered, so that frame shows it.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def _callback_name(handle: asyncio.Handle) -> str:
    callback = getattr(handle, "_callback", None)
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        coro = owner.get_coro()
        qualname = getattr(coro, "__qualname__", type(coro).__name__)
        return f"task {owner.get_name()} ({qualname})"
    return getattr(callback, "__qualname__", repr(callback))


def _where(frame: Any) -> str:
    """Where the loop thread is: its innermost frame, and the innermost drover frame below it."""
    stack = traceback.extract_stack(frame)
    ours = [
        f for f in stack if "site-packages" not in f.filename and "/lib/python" not in f.filename
    ]
    ours = [f for f in ours if "benchmarks" not in f.filename]
    picked = [stack[-1]] + ([ours[-1]] if ours and ours[-1] is not stack[-1] else [])
    return " < ".join(f"{f.name} ({f.filename.rsplit('/', 1)[-1]}:{f.lineno})" for f in picked)


@dataclass
class SlowCallback:
    ms: float
    name: str
    where: Counter[str] = field(default_factory=Counter)


class SlowCallbacks:
    """Records every loop callback longer than `threshold_ms` while installed."""

    def __init__(self, threshold_ms: float = 50.0, sample_ms: float = 2.0) -> None:
        self.threshold = threshold_ms / 1000
        self.sample = sample_ms / 1000
        self.slow: list[SlowCallback] = []
        self.callbacks = 0
        self._original: Callable[..., Any] | None = None
        self._current: tuple[float, SlowCallback] | None = None
        self._loop_thread = 0
        self._stop = threading.Event()
        self._sampler: threading.Thread | None = None
        self.gc_pauses: list[tuple[int, float]] = []
        """(generation, ms) of each garbage collection longer than 10 ms."""
        self.gc_total = Counter[int]()
        """Collections by generation (all of them)."""
        self.gc_ms = 0.0
        """Time spent in every collection together."""
        self._gc_started = 0.0

    def install(self) -> None:
        self._loop_thread = threading.get_ident()
        original = asyncio.events.Handle._run
        self._original = original
        watch = self

        def _run(handle: asyncio.Handle) -> None:
            entry = SlowCallback(0.0, "")
            started = time.perf_counter()
            watch._current = (started, entry)
            try:
                original(handle)
            finally:
                watch._current = None
                watch.callbacks += 1
                took = time.perf_counter() - started
                if took > watch.threshold:
                    entry.ms, entry.name = took * 1000, _callback_name(handle)
                    watch.slow.append(entry)

        asyncio.events.Handle._run = _run  # type: ignore[method-assign]
        gc.callbacks.append(self._gc)
        self._sampler = threading.Thread(target=self._sample_loop, daemon=True)
        self._sampler.start()

    def uninstall(self) -> None:
        if self._original is not None:
            asyncio.events.Handle._run = self._original  # type: ignore[method-assign]
        if self._gc in gc.callbacks:
            gc.callbacks.remove(self._gc)
        self._stop.set()
        if self._sampler is not None:
            self._sampler.join()

    def reset(self) -> None:
        self.slow = []
        self.callbacks = 0
        self.gc_pauses = []
        self.gc_total = Counter()
        self.gc_ms = 0.0

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            took = (time.perf_counter() - self._gc_started) * 1000
            self.gc_total[info["generation"]] += 1
            self.gc_ms += took
            if took > 10:
                self.gc_pauses.append((info["generation"], took))

    def _sample_loop(self) -> None:
        while not self._stop.wait(self.sample):
            current = self._current
            if current is None or time.perf_counter() - current[0] < self.threshold:
                continue
            frame = sys._current_frames().get(self._loop_thread)
            if frame is not None:
                current[1].where[_where(frame)] += 1

    def report(self, top: int = 6) -> list[str]:
        """The worst callbacks, with where their time went."""
        lines = [
            f"    GC: {sum(self.gc_total.values())} collections "
            f"(by generation {dict(sorted(self.gc_total.items()))}), {self.gc_ms:.0f} ms in all"
        ]
        if self.gc_pauses:
            worst = max(ms for _, ms in self.gc_pauses)
            gens = Counter(g for g, _ in self.gc_pauses)
            lines.append(
                f"    GC pauses > 10 ms: {len(self.gc_pauses)} (by generation "
                f"{dict(sorted(gens.items()))}), worst {worst:.0f} ms"
            )
        for entry in sorted(self.slow, key=lambda e: -e.ms)[:top]:
            lines.append(f"    {entry.ms:6.0f} ms  {entry.name}")
            for where, hits in entry.where.most_common(3):
                lines.append(f"             {hits}x {where}")
        return lines


class FrameClock:
    """Stamps each frame the app draws; resolves the wait for a keypress's effect."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.frames = 0
        self._effect: Callable[[], bool] | None = None
        self._shown: asyncio.Future[float] | None = None
        original = app._display

        def _display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None:
                return
            render = getattr(renderable, "render_segments", None)
            if render is not None:
                render(app.console)  # the bytes a terminal would be sent
            self.frames += 1
            shown, effect = self._shown, self._effect
            if shown is not None and effect is not None and not shown.done() and effect():
                shown.set_result(time.perf_counter())

        app._display = _display

    async def press(self, key: str, effect: Callable[[], bool], timeout: float = 10.0) -> float:
        """Post `key` as the driver would; the ms until a frame shows `effect()` true."""
        from textual import events

        char = key if len(key) == 1 else None
        self._effect = effect
        self._shown = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        self.app.post_message(events.Key(key, char))
        try:
            shown = await asyncio.wait_for(self._shown, timeout)
        except TimeoutError:
            shown = time.perf_counter()  # counted at the timeout: never dropped
        finally:
            self._effect = self._shown = None
        return (shown - started) * 1000
