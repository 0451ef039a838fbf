"""`ExportDialog`, `open_export` and the `ExportAction` mixin: `e` exports a session to a file.

The dialog asks for the format (Markdown, HTML, JSONL), the path (prefilled with
`drover-<session>.<ext>` in the current folder, its extension following the format until
the user edits it) and whether to redact secrets (on by default). Enter or `ctrl+s` exports,
escape cancels. A path that cannot take the file (it exists, no such folder, not writable) is
said at once, inline; "Replace" allows overwriting.

The export runs in a thread worker with its own reader (never on the UI loop, and
independent of the app's read pool, so a long export neither blocks reads nor is cut off by a
profile switch), showing progress; it is written through a temporary file
(`drover.export.files`), so cancelling leaves nothing behind. When it is done the dialog closes
and a notification gives the path and what redaction did.

Reuse: `open_export(screen_or_app, session_id, from_seq, to_seq)` opens the dialog for any
session or seq range (replay exports the range it shows); the `ExportAction` mixin gives a
screen the `e` binding over its `target_row()`. Exporting only reads, so read-only mode allows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, Select, Static, Switch
from textual.worker import get_current_worker

from drover.store.backends import open_reader
from drover.text.inert import inert_line

if TYPE_CHECKING:  # drover.export loads when a dialog opens, not with the fleet (start time)
    from drover.export.core import ExportSummary

if TYPE_CHECKING:
    from drover.tui.app import DroverApp

FORMAT_CHOICES = [
    ("Markdown transcript (.md)", "md"),
    ("HTML page, self-contained (.html)", "html"),
    ("JSONL raw events, re-importable (.jsonl)", "jsonl"),
]
_EXTENSIONS = {f".{fmt}" for _, fmt in FORMAT_CHOICES}


class _Cancelled(Exception):
    """Raised from the progress callback when the user cancelled the export."""


@dataclass(frozen=True)
class ExportDone:
    """What the dialog returns after a successful export.

    Attributes:
        path: the file written.
        summary: what was written (events, redactions).
    """

    path: Path
    summary: ExportSummary


def done_message(result: ExportDone) -> str:
    """The notification after an export: where, how many events, what redaction did."""
    summary = result.summary
    if not summary.redacted:
        redaction = "NOT redacted: it may contain secrets"
    elif summary.redactions:
        plural = "" if summary.redactions == 1 else "s"
        redaction = f"{summary.redactions} secret{plural} redacted"
    else:
        redaction = "redacted (no secrets found)"
    return f"Exported {summary.events:,} events to {result.path} · {redaction}"


class ExportDialog(ModalScreen[ExportDone | None]):
    """Export one session (or a seq range of it) to a file.

    Args:
        session_id: the session.
        mirror_location: the mirror to read, a file or a database URL (the export opens
            its own reader).
        from_seq: first seq of the range (None: the start).
        to_seq: last seq of the range (None: the end).
        title: the session's title, for the heading (agent data: shown inertly).
        folder: where the default path points (default: the current folder).
    """

    CSS_PATH = "export_dialog.tcss"

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
        Binding("ctrl+s", "export", "Export", id="export.confirm"),
    ]

    def __init__(
        self,
        session_id: str,
        mirror_location: str | Path,
        from_seq: int | None = None,
        to_seq: int | None = None,
        *,
        title: str | None = None,
        folder: Path | None = None,
    ) -> None:
        super().__init__()
        self.session_id = session_id
        self.mirror_location = mirror_location
        self.from_seq = from_seq
        self.to_seq = to_seq
        self.title_text = title
        self.folder = folder if folder is not None else Path.cwd()
        self.running = False
        """An export is being written."""
        from drover.export.core import default_filename

        self._default_path = str(self.folder / default_filename(session_id, "md"))

    def compose(self) -> ComposeResult:
        name = inert_line(self.title_text or "") or self.session_id
        if self.from_seq is None and self.to_seq is None:
            scope = "the whole session"
        else:
            scope = f"events {self.from_seq or 'start'}…{self.to_seq or 'end'} (by mirror order)"
        with Vertical():
            yield Static(Content(f"Export {name}"), id="heading")
            yield Static(Content(f"{self.session_id} · {scope}"), id="scope")
            yield Label("Format")
            yield Select(FORMAT_CHOICES, value="md", allow_blank=False, id="format")
            yield Label("File (enter or ctrl+s exports)")
            yield Input(self._default_path, id="path")
            with Horizontal(classes="switches"):
                yield Switch(True, id="redact")
                yield Label("Redact secrets (API keys, tokens, passwords)", classes="switch-label")
            with Horizontal(classes="switches"):
                yield Switch(False, id="overwrite")
                yield Label("Replace the file if it exists", classes="switch-label")
            yield Static("", id="error", classes="error")
            yield ProgressBar(show_eta=False, id="progress")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Export", id="export", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def _show_error(self, message: str) -> None:
        error = self.query_one("#error", Static)
        error.update(Content(message))
        error.set_class(bool(message), "-shown")

    @on(Select.Changed, "#format")
    def _format_changed(self, event: Select.Changed) -> None:
        """Keep the path's extension in step with the format (unless the user chose another)."""
        field = self.query_one("#path", Input)
        path = Path(field.value)
        if path.suffix in _EXTENSIONS:
            field.value = str(path.with_suffix(f".{event.value}"))

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#export")
    def action_export(self) -> None:
        """Check the path, then start writing the export in a thread."""
        if self.running:
            return
        raw = self.query_one("#path", Input).value.strip()
        if not raw:
            self._show_error("Give a file path.")
            return
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = self.folder / path
        overwrite = self.query_one("#overwrite", Switch).value
        from drover.export.files import check_target

        problem = check_target(path, overwrite=overwrite)
        if problem is not None:
            hint = " — switch on “Replace” or change the path" if "exists" in problem else ""
            self._show_error(f"{problem}{hint}")
            return
        self._show_error("")
        self.running = True
        self.set_class(True, "-running")
        fmt = str(self.query_one("#format", Select).value)
        self._write(fmt, path, self.query_one("#redact", Switch).value, overwrite)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _write(self, fmt: Any, path: Path, redact: bool, overwrite: bool) -> None:
        from drover.export.core import ExportError
        from drover.export.files import export_to_path

        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            if worker.is_cancelled:
                raise _Cancelled
            self.app.call_from_thread(self._progress, done, total)

        reader = open_reader(self.mirror_location)
        if reader is None:  # the mirror went away under the dialog
            self.app.call_from_thread(self._failed, "The mirror is gone: nothing to export.")
            return
        try:
            summary = export_to_path(
                reader, self.session_id, fmt, path, overwrite=overwrite,
                from_seq=self.from_seq, to_seq=self.to_seq, redact=redact, progress=progress,
            )  # fmt: skip
        except _Cancelled:
            return
        except (OSError, ExportError) as exc:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._failed, _reason(exc, path))
            return
        finally:
            reader.close()
        if not worker.is_cancelled:
            self.app.call_from_thread(self.dismiss, ExportDone(path, summary))

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#progress", ProgressBar).update(total=max(total, 1), progress=done)

    def _failed(self, message: str) -> None:
        self.running = False
        self.set_class(False, "-running")
        self._show_error(message)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without exporting (a running export stops and leaves no file)."""
        self.workers.cancel_group(self, "export")
        self.dismiss(None)


def _reason(exc: BaseException, path: Path) -> str:
    if isinstance(exc, FileExistsError):
        return f"{path} already exists — switch on “Replace” or change the path"
    if isinstance(exc, OSError):
        return f"Cannot write {path}: {exc.strerror or exc}"
    return str(exc)


def open_export(
    target: Any,
    session_id: str,
    from_seq: int | None = None,
    to_seq: int | None = None,
    *,
    title: str | None = None,
) -> None:
    """Open the export dialog for a session (or a seq range), from any screen or the app.

    Args:
        target: a screen (or the app) of a running `DroverApp`.
        session_id: the session.
        from_seq: first seq of the range (None: the start).
        to_seq: last seq of the range (None: the end).
        title: the session's title for the heading.
    """
    app = cast("DroverApp", target if isinstance(target, App) else target.app)
    reader = app.reader
    if reader is None:
        app.notify("No mirror is open: nothing to export.", severity="warning")
        return

    def finished(result: ExportDone | None) -> None:
        if result is not None:
            severity = "information" if result.summary.redacted else "warning"
            app.notify(done_message(result), title="Export", severity=severity, timeout=10)

    dialog = ExportDialog(session_id, reader.location, from_seq, to_seq, title=title)
    app.push_screen(dialog, finished)


class ExportAction:
    """Mixin for a screen with `target_row()`: `e` exports that session."""

    EXPORT_BINDINGS: ClassVar[list[Binding]] = [Binding("e", "export", "Export", id="act.export")]

    def export_target(self) -> tuple[str, int | None, int | None, str | None] | None:
        """(session id, from_seq, to_seq, title) to export; replay may narrow it to a range."""
        row = self.target_row()  # type: ignore[attr-defined]
        if row is not None:
            return row.id, None, None, row.title
        session_id = getattr(self, "session_id", None)
        return (session_id, None, None, None) if session_id else None

    def action_export(self) -> None:
        """Open the export dialog for the target session."""
        target = self.export_target()
        if target is None:
            self.notify("No session selected to export.")  # type: ignore[attr-defined]
            return
        session_id, first, last, title = target
        open_export(self, session_id, first, last, title=title)
