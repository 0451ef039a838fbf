"""`LaunchControl`: the App runs launches (they outlive any screen that shows them).

A launch is a long-lived job: it belongs to the App, like sync, not to the dialog that
started it nor to the progress view that shows it. Each runs in an App worker through the
engine's `Launcher` (never HTTP here); every new `LaunchProgress` is kept in `launch_progress`
and announced on the `launches_changed` Signal, which the progress view, `:launches` and a
launch's record subscribe to. Closing the profile (or drover) stops them: each is left
`paused` in the mirror, and resumes from `:launches` (`r`) or `drover launch --resume`.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from textual import work

from drover.tui.signals import Signal

if TYPE_CHECKING:  # the first paint loads none of it: a launch imports what it runs
    from pathlib import Path

    from textual.worker import Worker

    from drover.config.settings import Config
    from drover.config.templates import LaunchTemplate
    from drover.store.mirror import Mirror
    from drover.sync.engines import Engine, LaunchRunner
    from drover.sync.launch_plan import LaunchPlan
    from drover.sync.launch_state import LaunchProgress


class LaunchControl:
    """Mixin for `DroverApp`: start, resume, cancel and watch launches."""

    if TYPE_CHECKING:
        engine: Engine | None
        readonly: bool

        def notify(self, message: str, **kwargs: Any) -> None: ...

        def refuse_readonly(self, what: str) -> None: ...

        settings: Config
        config_path: Path | None
        mirror: Mirror | None
        profile: str
        data_dir: Path | None

        def call_from_thread(self, callback: Any, *args: Any, **kwargs: Any) -> Any: ...

    launch_progress: dict[str, LaunchProgress]
    """The latest progress of every launch run (or ended) in this session of drover."""
    launches_changed: Signal[str]
    """Publishes a launch id whenever its progress changed."""

    def _init_launches(self) -> None:
        self.launch_progress = {}
        self.launches_changed = Signal(self, "launches-changed")  # type: ignore[arg-type]
        self._launchers: dict[str, LaunchRunner] = {}
        self._launch_workers: dict[str, Worker[None]] = {}

    def launch_running(self, launch_id: str) -> bool:
        """Whether this drover is running the launch now."""
        return launch_id in self._launchers

    def running_launches(self) -> set[str]:
        """The launches this drover is running now."""
        return set(self._launchers)

    def launch_folder(self) -> Path:
        """Where the profile's launch locks are, as its engine puts them: beside the mirror's
        file, or in the profile's folder for a shared mirror."""
        from drover.config.paths import mirror_path

        folder = self.mirror.folder if self.mirror is not None else None
        return folder or mirror_path(self.profile, self.data_dir).parent

    def start_launch(self, plan: LaunchPlan) -> None:
        """Record a planned launch and run it (refused read-only)."""
        if self.readonly:
            self.refuse_readonly("launch")
            return
        self._launch_workers[plan.id] = self._run_launch(plan.id, plan)

    def resume_launch(self, launch_id: str, *, retry_failed: bool = False) -> None:
        """Carry on with a recorded launch (its in-doubt items are read back first)."""
        if self.readonly:
            self.refuse_readonly("resume launch")
            return
        if launch_id in self._launchers:
            self.notify(f"Launch {launch_id} is already running.")
            return
        self._launch_workers[launch_id] = self._run_launch(launch_id, None, retry_failed)

    def cancel_launch(self, launch_id: str) -> None:
        """Stop a launch after the creates in flight (it can be resumed later)."""
        launcher = self._launchers.get(launch_id)
        if launcher is None:
            self.notify(f"Launch {launch_id} is not running here.", severity="warning")
            return
        launcher.cancel()
        self.notify(f"Cancelling launch {launch_id} after the creates in flight…")

    async def stop_launches(self) -> None:
        """Stop every running launch (the profile closes): each is left paused."""
        workers = list(self._launch_workers.values())
        for worker in workers:
            worker.cancel()
        for worker in workers:
            with contextlib.suppress(Exception):  # WorkerCancelled: what was asked for
                await worker.wait()
        self._launch_workers.clear()

    def save_template(self, name: str, template: LaunchTemplate) -> None:
        """Save a launch template under `name` in the config file (comments kept)."""
        self.settings.templates[name] = template
        self._save_template(name, template)

    @work(thread=True, group="config", exit_on_error=False, description="Saving a template")
    def _save_template(self, name: str, template: LaunchTemplate) -> None:
        from drover.config.editor import update_config

        saved = template.to_data(exclude_none=True, exclude_defaults=True)
        try:
            update_config({("templates", name): saved}, self.config_path)
        except Exception as exc:  # a bad config file must not stop the launch
            self.call_from_thread(self.notify, f"Template not saved: {exc}", severity="warning")
            return
        self.call_from_thread(self.notify, f"Template {name!r} saved.")

    def _progress(self, progress: LaunchProgress) -> None:
        self.launch_progress[progress.launch_id] = progress
        self.launches_changed.publish(progress.launch_id)

    @work(group="launches", exit_on_error=False, description="Running a launch")
    async def _run_launch(
        self, launch_id: str, plan: LaunchPlan | None, retry_failed: bool = False
    ) -> None:
        from drover.api.errors import DroverApiError
        from drover.sync.engines import NotConnectedError
        from drover.sync.launch_plan import PlanError
        from drover.sync.launch_state import LaunchBusyError, LaunchNotFound

        engine = self.engine
        if engine is None:
            self.notify("No mirror is open: nothing was launched.", severity="error")
            return
        try:
            launcher = await engine.launcher(follow=False)
            if plan is not None:
                await launcher.record(plan)
            self._launchers[launch_id] = launcher
            final = await launcher.run(
                launch_id,
                on_progress=self._progress,
                retry_failed=retry_failed,
                read_back=plan is None,
            )
        except (PlanError, LaunchBusyError, LaunchNotFound, NotConnectedError) as exc:
            self.notify(f"Launch not started: {exc}", severity="error", timeout=10)
            return
        except DroverApiError as exc:
            self.notify(f"Launch {launch_id} stopped: {exc}", severity="error", timeout=10)
            return
        finally:
            self._launchers.pop(launch_id, None)
            self._launch_workers.pop(launch_id, None)
        self._progress(final)
        if final.state == "done":
            failed = f", {final.failed} failed" if final.failed else ""
            self.notify(f"Launch {launch_id}: {final.created} sessions created{failed}.")
        elif final.error:
            self.notify(f"Launch {launch_id} {final.state}: {final.error}", severity="warning",
                        timeout=10)  # fmt: skip
