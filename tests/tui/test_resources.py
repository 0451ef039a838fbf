"""`:agents` and `:envs`: lists and detail screens built from the mirrored raw JSON."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Static
from tui_support import settle

from drover.tui.screens.resource_detail import ResourceDetailScreen
from drover.tui.screens.resources import ResourceScreen
from drover.tui.viewmodel.resource_details import agent_sections, environment_sections, tool_rows

AGENT: dict[str, Any] = {
    "type": "agent", "id": "agent_ops", "version": 3, "name": "Infra Operator",
    "description": "Terraform changes", "system": "You are careful.\n\x1b[31mNever\x1b[0m [b]x[/b]",
    "model": {"id": "claude-opus-4-8", "effort": {"type": "high"}, "speed": "fast"},
    "tools": [
        {"type": "agent_toolset_20260401",
         "default_config": {"enabled": True, "permission_policy": {"type": "always_allow"}},
         "configs": [{"type": "bash", "name": "bash", "enabled": True,
                      "permission_policy": {"type": "always_ask"}},
                     {"type": "web_fetch", "name": "web_fetch", "enabled": False,
                      "permission_policy": {"type": "auto"}, "allowed_domains": ["docs.aws"]}]},
        {"type": "mcp_toolset", "mcp_server_name": "github", "default_config": {"enabled": True},
         "configs": [{"name": "create_issue", "enabled": True,
                      "permission_policy": {"type": "always_allow"}}]},
        {"type": "custom", "name": "lookup_ticket", "description": "Fetch a ticket",
         "input_schema": {"type": "object"}},
    ],
    "mcp_servers": [{"type": "url", "name": "github", "url": "https://api.githubcopilot.com/mcp/"}],
    "skills": [{"type": "anthropic", "skill_id": "xlsx", "version": "1"}],
    "created_at": "2026-05-01T08:00:00Z", "updated_at": "2026-05-10T08:00:00Z",
}  # fmt: skip
ENV: dict[str, Any] = {
    "type": "environment", "id": "env_py", "name": "python-sandbox", "scope": "organization",
    "config": {"type": "cloud",
               "networking": {"type": "limited", "allowed_hosts": ["example.test", "github.com"],
                              "allow_mcp_servers": True, "allow_package_managers": False},
               "packages": {"type": "packages", "apt": ["jq"], "pip": ["pytest", "ruff"],
                            "npm": []}},
    "created_at": "2026-05-01T08:00:00Z",
}  # fmt: skip
OPEN_ENV = {"id": "env_open", "name": "open", "config": {"type": "cloud",
            "networking": {"type": "unrestricted"}}}  # fmt: skip


def test_tools_show_effective_policies_per_tool() -> None:
    rows = dict(tool_rows(AGENT))
    assert rows["  bash"] == "always_ask"
    assert rows["  read"] == "always_allow (toolset default)"
    assert rows["  web_fetch"] == "auto (disabled); allowed_domains: docs.aws"
    headings = [value for label, value in tool_rows(AGENT) if label == "▸"]
    assert headings == [
        "agent toolset: default always_allow",
        "MCP toolset github: default always_ask (MCP default)",
    ]
    assert rows["  create_issue"] == "always_allow"
    assert rows["custom lookup_ticket"] == "client-executed · Fetch a ticket"


def test_agent_and_environment_sections() -> None:
    sections = {s.title: s for s in agent_sections(AGENT)}
    overview = dict(sections["Agent"].rows)
    assert (overview["model"], overview["effort"], overview["speed"]) == (
        "claude-opus-4-8", "high", "fast",
    )  # fmt: skip
    assert "\x1b" not in sections["System prompt"].text
    assert "␛[31mNever" in sections["System prompt"].text
    assert dict(sections["MCP servers"].rows) == {
        "github": "https://api.githubcopilot.com/mcp/ (url)"
    }
    assert dict(sections["Skills"].rows) == {"xlsx": "anthropic · version 1"}
    assert sections["Versions"].rows[0][0] == "v3"
    env = {s.title: s for s in environment_sections(ENV)}
    assert env["Networking"].rows == [
        ("type", "limited (2 hosts)"), ("allowed host", "example.test"),
        ("allowed host", "github.com"), ("allow mcp servers", "True"),
        ("allow package managers", "False"),
    ]  # fmt: skip
    packages = dict(env["Packages"].rows)
    assert packages["pip"] == "pytest, ruff" and packages["apt"] == "jq"
    assert packages["npm"] == "-"
    assert dict(environment_sections(OPEN_ENV)[1].rows) == {"type": "unrestricted"}


def _text(screen: Any) -> str:
    return "\n".join(str(w.render()) for w in screen.query(Static))


async def test_agents_list_and_detail_render_tools_and_policies(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await app.mirror.writer.upsert_agents([AGENT, {"id": "agent_min", "name": "Minimal"}])
        await pilot.press("colon", *"agents", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ResourceScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 2
        first = [str(c) for c in table.get_row_at(0)]
        assert first[:5] == ["Infra Operator", "claude-opus-4-8", "3", "3", "2"]
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, ResourceDetailScreen) and detail.kind == "agents"
        shown = _text(detail)
        for needle in (
            "agent · Infra Operator",
            "Tools and permission policies",
            "MCP toolset github: default always_ask (MCP default)",
            "bash",
            "always_ask",
            "custom lookup_ticket",
            "You are careful.",
        ):
            assert needle in shown, needle  # fmt: skip
        assert "\x1b" not in shown
        await pilot.press("escape")
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ResourceDetailScreen)  # a bare object still renders
        assert "Minimal" in _text(app.screen)


async def test_envs_list_and_detail_render_networking_and_packages(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await app.mirror.writer.upsert_environments([ENV, OPEN_ENV])
        await pilot.press("colon", *"envs", "enter")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [r[:3] for r in rows] == [["open", "unrestricted", "0"],
                                         ["python-sandbox", "limited (2 hosts)", "3"]]  # fmt: skip
        await pilot.press("down", "enter")
        await settle(pilot)
        shown = _text(app.screen)
        assert "Networking" in shown and "example.test" in shown and "pytest, ruff" in shown
