"""Building blocks of generated events: ids, timestamps, token accounting and tool calls."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from mirror_content import (
    BASH_COMMON,
    BASH_DEPLOY,
    BASH_RISKY,
    EDITS,
    FETCHES,
    GLOB_OUTPUT,
    GLOBS,
    GREP_OUTPUT,
    GREPS,
    MCP_CALLS,
    READ_OUTPUTS,
    READ_PATHS,
    SEARCHES,
    WRITES,
)
from mirror_profiles import Profile

_ALPHABET = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_TO_BASE62 = bytes(_ALPHABET[i % 62] for i in range(256))
_PRICES = {"opus": (5.0, 25.0), "sonnet": (3.0, 15.0), "haiku": (1.0, 5.0)}  # USD / M tokens
RUNTIME_USD_PER_HOUR = 0.08
_BASH_POOLS = {"bash": BASH_COMMON, "deploy": BASH_DEPLOY, "risky": BASH_RISKY}


def new_id(rng: random.Random, prefix: str) -> str:
    """An id shaped like the server's (`sevt_011C` + 20 base62 characters)."""
    return prefix + "011C" + rng.randbytes(20).translate(_TO_BASE62).decode()


def stamp(ms: int) -> str:
    """RFC 3339 UTC with milliseconds, the server's `processed_at` shape."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


class Tokens:
    """Cumulative usage of a session (what `session.usage` reports)."""

    def __init__(self, model: str) -> None:
        self.price = next((p for k, p in _PRICES.items() if k in model), _PRICES["sonnet"])
        self.input = self.output = self.cache_read = self.cache_write = 0
        self.active_ms = 0
        self.web_searches = 0

    def add(self, usage: dict[str, int]) -> None:
        """Count one model request's `model_usage`."""
        self.input += usage["input_tokens"]
        self.output += usage["output_tokens"]
        self.cache_read += usage["cache_read_input_tokens"]
        self.cache_write += usage["cache_creation_input_tokens"]

    def cents(self) -> int:
        """List cost so far in cents: tokens at list price plus runtime at $0.08/h."""
        p_in, p_out = self.price
        micro = (
            self.input * p_in
            + self.output * p_out
            + self.cache_read * p_in * 0.1
            + self.cache_write * p_in * 1.25
        )
        return round((micro / 1e6 + self.active_ms / 3_600_000 * RUNTIME_USD_PER_HOUR) * 100)

    def usage(self) -> dict[str, Any]:
        """The `usage` object of a `session.usage` event (and of the Session)."""
        return {
            "input_tokens": self.input,
            "output_tokens": self.output,
            "cache_read_input_tokens": self.cache_read,
            "cache_creation": {
                "ephemeral_5m_input_tokens": self.cache_write,
                "ephemeral_1h_input_tokens": 0,
            },
            "list_cost": {"amount": str(self.cents()), "currency": "USD"},
            "active_seconds": round(self.active_ms / 1000, 3),
            "server_tool_use": {"web_search_requests": self.web_searches, "web_fetch_requests": 0},
        }


class ToolCall(NamedTuple):
    """One tool call and its outcome.

    Attributes:
        tool: tool name (`bash`, `read`, …, or the MCP tool's name).
        input: the tool input object.
        output: the result text.
        is_error: the result is an error.
        asks: the policy is `always_ask` (a confirmation round trip precedes the result).
        mcp_server: the MCP server name for MCP calls, else None.
    """

    tool: str
    input: dict[str, Any]
    output: str
    is_error: bool
    asks: bool
    mcp_server: str | None = None

    def use_event(self) -> tuple[str, dict[str, Any]]:
        """(type, fields) of the tool-use event."""
        fields: dict[str, Any] = {"name": self.tool, "input": self.input}
        if self.mcp_server is not None:
            fields = {"mcp_server_name": self.mcp_server, **fields}
        fields["evaluated_permission"] = "ask" if self.asks else "allow"
        fields["evaluation"] = {"type": "always_ask" if self.asks else "always_allow"}
        kind = "agent.mcp_tool_use" if self.mcp_server else "agent.tool_use"
        return kind, fields

    def result_event(self, use_id: str, denial: str | None) -> tuple[str, dict[str, Any]]:
        """(type, fields) of the result; a denied call reports the denial as an error."""
        output, failed = self.output, self.is_error
        if denial is not None:
            output, failed = f"Tool call denied by user: {denial}", True
        body = {"content": [{"type": "text", "text": output}], "is_error": failed}
        if self.mcp_server is not None:
            return "agent.mcp_tool_result", {"mcp_tool_use_id": use_id, **body}
        return "agent.tool_result", {"tool_use_id": use_id, **body}


def draw_call(
    rng: random.Random, profile: Profile, fill: Callable[[str], str], *, asks_ok: bool
) -> ToolCall:
    """One tool call of the kinds `profile` uses.

    Args:
        rng: the session's random source.
        profile: the agent profile (its tools and which of them ask).
        fill: fills a template with the session's variables.
        asks_ok: whether a call that needs confirmation fits (else a `read` is drawn instead).
    """
    kind = rng.choice(profile.tools)
    asks = kind == "mcp" or kind in profile.ask
    if asks and not asks_ok:
        kind, asks = "read", False
    if kind in _BASH_POOLS:
        command, output, failed = rng.choice(_BASH_POOLS[kind])
        return ToolCall("bash", {"command": fill(command)}, fill(output), failed, asks)
    if kind == "mcp":
        mine = [c for c in MCP_CALLS if c[0] in profile.mcp_servers] or MCP_CALLS
        server, name, args, output = rng.choice(mine)
        filled = {k: fill(v) for k, v in args.items()}
        return ToolCall(name, filled, fill(output), False, True, server)
    if kind == "read":
        path, text = fill(rng.choice(READ_PATHS)), fill(rng.choice(READ_OUTPUTS))
        return ToolCall("read", {"file_path": path}, text, False, False)
    if kind == "edit":
        old, new = rng.choice(EDITS)
        args = {"file_path": fill(READ_PATHS[0]), "old_string": old, "new_string": new}
        return ToolCall("edit", args, "The file has been updated.", False, False)
    if kind == "write":
        path, content = rng.choice(WRITES)
        args = {"file_path": fill(path), "content": fill(content)}
        return ToolCall("write", args, f"Wrote {args['file_path']}", False, False)
    if kind == "grep":
        pattern, path = rng.choice(GREPS)
        args = {"pattern": pattern, "path": fill(path)}
        return ToolCall("grep", args, fill(GREP_OUTPUT), False, False)
    if kind == "glob":
        return ToolCall(
            "glob", {"pattern": fill(rng.choice(GLOBS))}, fill(GLOB_OUTPUT), False, False
        )
    if kind == "web_fetch":
        url, output = rng.choice(FETCHES)
        return ToolCall("web_fetch", {"url": fill(url)}, fill(output), False, False)
    query, output = rng.choice(SEARCHES)
    return ToolCall("web_search", {"query": fill(query)}, fill(output), False, False)
