"""Request bodies the launch-and-steer tests create on the sim with (agents, environments, a
first message), shared by the store, sync, CLI and TUI tests whatever client they post with."""

from __future__ import annotations

import time
from typing import Any


def agent_body(scenario: str, *, ask_bash: bool = False, **extra: Any) -> dict[str, Any]:
    """An agent playing the sim's `scenario`; `ask_bash`: its bash calls wait for approval."""
    bash = "always_ask" if ask_bash else "always_allow"
    toolset = {
        "type": "agent_toolset_20260401",
        "default_config": {"enabled": True, "permission_policy": {"type": "always_allow"}},
        "configs": [{"type": "bash", "name": "bash", "enabled": True,
                     "permission_policy": {"type": bash}}],
    }  # fmt: skip
    return {"name": extra.pop("name", f"{scenario} agent"),
            "model": extra.pop("model", "claude-sonnet-4-6"), "metadata": {"scenario": scenario},
            "tools": [toolset, *extra.pop("tools", [])], **extra}  # fmt: skip


def env_body() -> dict[str, Any]:
    """A cloud environment with a name of its own."""
    return {"name": f"env-{time.monotonic_ns()}", "config": {"type": "cloud"}}


def say(text: str) -> list[dict[str, Any]]:
    """A first user message."""
    return [{"type": "user.message", "content": [{"type": "text", "text": text}]}]
