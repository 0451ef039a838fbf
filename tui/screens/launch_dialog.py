"""`LaunchDialog`: the dialog behind `L` and `:launch` — a template over items, checked first.

Pick a saved template (it fills the form, and brings its metadata, vaults and resources) or
fill the form in: agent, environment, title and first message with `{placeholders}`, the items
(a file: one per line, JSON Lines or CSV; or a count) and each session's budget. The preview
line renders the first item as you type and names any placeholder an item lacks, so a launch
never starts on a template that cannot fill in. `ctrl+s` launches; the App runs it
(`LaunchControl`) and shows its progress.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static, TextArea

from drover.config.schema import SchemaError
from drover.config.templates import TEMPLATE_NAME, LaunchTemplate
from drover.sync.launch_plan import (
    LaunchPlan,
    PlanError,
    counted_items,
    plan_launch,
    read_items,
)
from drover.text.inert import inert_line

W = TypeVar("W", Input, TextArea)


@dataclass(frozen=True, slots=True)
class LaunchRequest:
    """What the dialog hands back.

    Attributes:
        plan: the launch, planned (not recorded yet).
        template: the template it came from (what `save_as` saves).
        save_as: a name to save the template under, or None.
    """

    plan: LaunchPlan
    template: LaunchTemplate
    save_as: str | None = None


def _option_for(options: Sequence[tuple[str, str]], wanted: str) -> str | None:
    """The option id matching a template's agent/environment (its id, or the name before ·)."""
    for label, value in options:
        if value == wanted or label.split(" · ")[0] == wanted:
            return value
    return None


class LaunchDialog(ModalScreen[LaunchRequest | None]):
    """Ask for a launch's template and items; dismiss with a `LaunchRequest` or None.

    Args:
        agents: `(label, id)` options (`drover.tui.screens.new_session.choices`).
        environments: `(label, id)` options.
        templates: the saved templates by name.
    """

    CSS_PATH = "launch_dialog.tcss"

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "cancel", "Cancel", id="launch_dialog.cancel"),
        Binding("ctrl+s", "launch", "Launch", id="launch_dialog.launch"),
    ]

    def __init__(
        self,
        agents: Sequence[tuple[str, str]],
        environments: Sequence[tuple[str, str]],
        templates: Mapping[str, LaunchTemplate] | None = None,
    ) -> None:
        super().__init__()
        self.agents = list(agents)
        self.environments = list(environments)
        self.templates = dict(templates or {})
        self._items_cache: tuple[str, Any] | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(can_focus=False):
            yield Static(
                "Launch a fleet: one session per item · placeholders: {item}, {n}, "
                "a JSON Lines or CSV item's fields",
                id="heading",
                markup=False,
            )
            if self.templates:
                names = [(f"template {name}", name) for name in sorted(self.templates)]
                yield Select(names, prompt="template: none, fill in below", id="template")
            with Horizontal(classes="pair"):
                yield Select(self.agents, prompt="agent", id="agent")
                yield Select(self.environments, prompt="environment", id="environment")
            yield _titled(Input(placeholder="optional, e.g. PR {item}", id="title"), "title")
            yield _titled(
                TextArea(id="message", soft_wrap=True, show_line_numbers=False,
                         placeholder="e.g. Review {item}. Post one comment."),
                "first message",
            )  # fmt: skip
            with Horizontal(classes="pair"):
                yield _titled(Input(placeholder="lines, .jsonl or .csv", id="items"),
                              "items file")  # fmt: skip
                yield _titled(Input(placeholder="N sessions", id="count", type="integer"),
                              "or a count")  # fmt: skip
            with Horizontal(classes="pair"):
                yield _titled(Input(placeholder="optional", id="budget", type="number"),
                              "budget per session, USD")  # fmt: skip
                yield _titled(Input(placeholder="optional", id="save"), "save as template")
            yield Static("", id="extras", markup=False)
            yield Static("", id="preview", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Launch", id="launch", variant="primary")

    def on_mount(self) -> None:
        for selector, options in (("#agent", self.agents), ("#environment", self.environments)):
            if len(options) == 1:
                self.query_one(selector, Select).value = options[0][1]
        first = "#template" if self.templates else "#agent"
        self.query_one(first, Select).focus()
        self._preview()

    # -- the form ---------------------------------------------------------------------------------

    @on(Select.Changed, "#template")
    def _template_chosen(self, event: Select.Changed) -> None:
        template = self.templates.get(str(event.value)) if event.value is not Select.NULL else None
        if template is None:
            self._preview()
            return
        for selector, options, wanted in (
            ("#agent", self.agents, template.agent),
            ("#environment", self.environments, template.environment),
        ):
            value = _option_for(options, wanted)
            if value is not None:
                self.query_one(selector, Select).value = value
        self.query_one("#title", Input).value = template.title or ""
        self.query_one("#message", TextArea).text = template.message or ""
        budget = template.budget_usd
        self.query_one("#budget", Input).value = "" if budget is None else f"{budget:g}"
        self._preview()

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed, "#agent, #environment")
    def _changed(self) -> None:
        self._preview()

    def _chosen_template(self) -> tuple[str | None, LaunchTemplate | None]:
        if not self.templates:
            return None, None
        value = self.query_one("#template", Select).value
        name = None if value is Select.NULL else str(value)
        return name, self.templates.get(name) if name else None

    def _template(self) -> LaunchTemplate:
        """The template the form describes (raises PlanError when it cannot be one)."""
        _name, base = self._chosen_template()
        fields: dict[str, Any] = base.to_data(exclude_none=True) if base else {}
        agent = self.query_one("#agent", Select).value
        environment = self.query_one("#environment", Select).value
        if agent is Select.NULL or environment is Select.NULL:
            raise PlanError("choose an agent and an environment")
        fields.update(agent=str(agent), environment=str(environment))
        fields["title"] = self.query_one("#title", Input).value.strip() or None
        fields["message"] = self.query_one("#message", TextArea).text.strip() or None
        budget = self.query_one("#budget", Input).value.strip()
        fields["budget_usd"] = float(budget) if budget else None
        if fields["title"] is None and fields["message"] is None:
            raise PlanError("give a title or a first message: they are what varies per item")
        try:
            return LaunchTemplate.from_data(fields)
        except SchemaError as exc:
            raise PlanError(str(exc)) from None

    def _items(self) -> tuple[list[dict[str, str]], str]:
        path = self.query_one("#items", Input).value.strip()
        count = self.query_one("#count", Input).value.strip()
        if path and count:
            raise PlanError("an items file or a count, not both")
        if count:
            return counted_items(int(count)), f"count {count}"
        if not path:
            raise PlanError("say what to launch over: an items file, or a count")
        if self._items_cache is None or self._items_cache[0] != path:
            try:
                self._items_cache = (path, read_items(path))
            except PlanError as exc:
                self._items_cache = (path, exc)
        items = self._items_cache[1]
        if isinstance(items, PlanError):
            raise items
        return items, path

    def _plan(self) -> tuple[LaunchPlan, LaunchTemplate]:
        template = self._template()
        items, source = self._items()
        name, _base = self._chosen_template()
        save = self.query_one("#save", Input).value.strip() or None
        if save and not TEMPLATE_NAME.fullmatch(save):
            raise PlanError(f"template name {save!r}: letters, digits, '.', '_' and '-' only")
        plan = plan_launch(
            template,
            items,
            agent_id=template.agent,
            environment_id=template.environment,
            name=save or name,
            source=source,
        )
        return plan, template

    def _preview(self) -> None:
        """Render the first item, or say what is missing (the Launch button waits on it)."""
        preview = self.query_one("#preview", Static)
        extras = self.query_one("#extras", Static)
        _name, base = self._chosen_template()
        extras.update(Content(_extras(base)))
        try:
            plan, _template = self._plan()
        except (PlanError, ValueError) as exc:
            preview.update(Content(inert_line(str(exc))))
            preview.set_class(True, "-problem")
            self.query_one("#launch", Button).disabled = True
            return
        first = plan.requests[0]
        said = " — ".join(inert_line(t) for t in (first.title, first.first_message) if t)
        shown = f"{len(plan.requests)} sessions · first: {said}"
        preview.update(Content(shown if len(shown) <= 84 else shown[:83] + "…"))
        preview.set_class(False, "-problem")
        self.query_one("#launch", Button).disabled = False

    # -- closing ----------------------------------------------------------------------------------

    @on(Button.Pressed, "#launch")
    def action_launch(self) -> None:
        """Close with the planned launch (nothing when the form cannot make one)."""
        try:
            plan, template = self._plan()
        except (PlanError, ValueError):
            self._preview()
            return
        save = self.query_one("#save", Input).value.strip() or None
        self.dismiss(LaunchRequest(plan, template, save))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without launching."""
        self.dismiss(None)


def _titled(widget: W, title: str) -> W:
    """`widget` with `title` in its top border (the form's labels take no lines of their own)."""
    widget.border_title = title
    return widget


def _extras(template: LaunchTemplate | None) -> str:
    """What a saved template adds beyond the form."""
    if template is None:
        return ""
    parts = []
    if template.metadata:
        parts.append("metadata " + ", ".join(sorted(template.metadata)))
    if template.vault_ids:
        parts.append(f"{len(template.vault_ids)} vault(s)")
    if template.resources:
        parts.append(f"{len(template.resources)} resource(s)")
    if template.agent_version:
        parts.append(f"agent version {template.agent_version}")
    return ("the template adds: " + " · ".join(parts)) if parts else ""
