"""The kinds of agent in the generated benchmark mirror (what each says and which tools it uses).

Texts are `str.format` templates over the session variables of `mirror_content.VARS`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """One kind of agent in the generated fleet.

    Attributes:
        key: short name (also `metadata.scenario` of its agent).
        name: the agent's display name.
        model: model id.
        weight: relative share of sessions.
        tools: tool names to draw from (repeats weight them); `mcp` means an MCP call.
        ask: tools whose policy is `always_ask` (MCP calls always ask).
        titles / prompts / messages: session titles, kickoff prompts, progress messages.
        delegates: coordinator that hands work to child threads.
        budgeted: share of its sessions created with a budget (some end `budget_reached`).
    """

    key: str
    name: str
    model: str
    weight: int
    tools: tuple[str, ...]
    ask: frozenset[str] = frozenset()
    titles: tuple[str, ...] = ()
    prompts: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()
    delegates: bool = False
    budgeted: float = 0.0
    mcp_servers: tuple[str, ...] = ()


PROFILES = (
    Profile(
        "pr-reviewer", "PR Reviewer", "claude-sonnet-4-6", 4,
        ("bash", "bash", "read", "read", "read", "grep", "glob", "mcp"),
        titles=("Review PR #{pr} in {owner}/{project}", "PR #{pr}: {module} retries"),
        prompts=("Review pull request #{pr} in {owner}/{project}. Focus on correctness and "
                 "test coverage of the {module} changes.",),
        messages=("The diff touches `{file}.py` and its tests; reading both.",
                  "Posting the review: one blocking issue in the retry loop."),
        mcp_servers=("github",),
    ),
    Profile(
        "doc-writer", "Doc Writer", "claude-haiku-4-5", 2,
        ("read", "read", "write", "edit", "glob", "web_fetch", "web_search"),
        titles=("Docs for {module}", "Getting-started guide for {project}"),
        prompts=("Write a getting-started page and an API reference for the {module} "
                 "package of {project}.",),
        messages=("Drafting the reference page from the docstrings in `{file}.py`.",),
    ),
    Profile(
        "test-writer", "Test Writer", "claude-sonnet-4-6", 3,
        ("bash", "bash", "read", "write", "edit", "grep"), ask=frozenset({"bash"}),
        titles=("Tests for {module}/{file}", "Raise coverage of {project}"),
        prompts=("Add tests for src/app/{module}/{file}.py until every branch is covered; "
                 "run pytest after each file.",),
        messages=("Coverage of `{file}.py` is {n}%; the error branches are untested.",),
        budgeted=0.3,
    ),
    Profile(
        "migrator", "Migration Bot", "claude-sonnet-4-6", 2,
        ("read", "edit", "edit", "bash", "grep", "glob"),
        titles=("SQLAlchemy 2.0 migration ({project})", "Migrate {module} off session.query()"),
        prompts=("Migrate every module in {owner}/{project} from `session.query()` to 2.0 "
                 "`select()`; keep the tests green.",),
        messages=("`{file}.py` still uses `Query.get()`; rewriting it with `session.get()`.",),
        budgeted=0.2,
    ),
    Profile(
        "triage-bot", "Incident Triage", "claude-haiku-4-5", 2,
        ("bash", "web_search", "web_fetch", "mcp", "read"),
        titles=("Triage: 503s from {project} in {env}", "Incident PAY-{n}"),
        prompts=("{project} returns 503 in {env} since the last deploy. Find the cause and "
                 "propose a fix.",),
        messages=("Sentry shows ConnectionResetError spikes after each deployment.",),
        mcp_servers=("sentry", "linear"),
    ),
    Profile(
        "db-ops", "DB Ops", "claude-sonnet-4-6", 1,
        ("bash", "bash", "risky", "read", "grep"), ask=frozenset({"bash", "risky"}),
        titles=("Clean up legacy {module} tables", "Retention job for {module}"),
        prompts=("Drop the legacy {module} tables in {env} once nothing reads them, and "
                 "prune finished jobs older than 90 days.",),
        messages=("Nothing has read legacy_{module}_events in 30 days; it is safe to drop.",),
        budgeted=0.1,
    ),
    Profile(
        "release-coordinator", "Release Coordinator", "claude-opus-4-6", 2,
        ("bash", "deploy", "deploy", "read", "grep", "mcp"), ask=frozenset({"deploy"}),
        titles=("Release {project} {pr}", "Deploy {project} to {env}"),
        prompts=("Ship {project} to {env}: get the open PRs reviewed, make sure the tests "
                 "pass, then deploy and watch the rollout.",),
        messages=("Handing the review to the reviewer thread while I prepare the deployment.",
                  "The rollout is stuck; rolling back before the error budget is gone."),
        delegates=True, mcp_servers=("github",),
    ),
)  # fmt: skip

CHILD_AGENTS = ("PR Reviewer", "Test Writer")
"""Agents a delegating profile hands work to (their threads are the child lanes)."""
