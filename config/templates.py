"""Launch templates: what `drover launch` starts once per item, saved by name in the config.

In ``config.toml``::

    [templates.pr-review]
    agent = "agent_011…"                  # an agent's id or name
    environment = "env_011…"              # an environment's id or name
    title = "PR {item}"                   # {placeholders}: see drover.sync.launch_plan
    message = "Review {item}. Post your findings as one comment."
    budget_usd = 2.5                      # each session's server-enforced spend ceiling
    vault_ids = ["vlt_011…"]
    [templates.pr-review.metadata]
    team = "web"
    [[templates.pr-review.resources]]
    type = "github_repository"
    url = "https://github.com/acme/monorepo"
    authorization_token_env = "GITHUB_TOKEN"   # the token is read from the environment

A template never holds a secret: a repository's token is named by the environment variable
that holds it (``authorization_token_env``), read when the sessions are created; a literal
``authorization_token`` is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from drover.config.schema import Record, limits

__all__ = ["TEMPLATE_NAME", "LaunchTemplate"]

TEMPLATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
"""What a template may be called (a word: it is a TOML key and a command-line argument)."""


def _no_tokens(value: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for index, resource in enumerate(value):
        if not isinstance(resource, dict) or not isinstance(resource.get("type"), str):
            raise ValueError(f"resources[{index}] needs a type")
        if "authorization_token" in resource:
            raise ValueError(
                f"resources[{index}]: no token in the config; name the environment "
                "variable holding it with authorization_token_env"
            )
    return value


def _something_to_say(value: str) -> str | None:
    return value if value.strip() else None


@dataclass(kw_only=True)
class LaunchTemplate(Record):
    """One launch template: the session every item of a launch gets, with `{placeholders}`."""

    agent: str = field(metadata=limits(min_length=1))
    """The agent, by id or name (its latest version unless `agent_version` is set)."""
    agent_version: int | None = field(default=None, metadata=limits(ge=1))
    """Pin this version of the agent."""
    environment: str = field(metadata=limits(min_length=1))
    """The environment, by id or name."""
    title: str | None = None
    """The title pattern (None: the server's default)."""
    message: str | None = field(default=None, metadata=limits(then=_something_to_say))
    """The first message's pattern (None: the sessions start idle)."""
    metadata: dict[str, str] = field(default_factory=dict)
    """Metadata on every session (values may hold placeholders); drover adds its launch tags."""
    vault_ids: list[str] = field(default_factory=list)
    """Vaults whose credentials the sessions may use."""
    resources: list[dict[str, Any]] = field(default_factory=list, metadata=limits(then=_no_tokens))
    """Resources to mount (string values may hold placeholders), as the API takes them."""
    budget_usd: float | None = field(default=None, metadata=limits(gt=0))
    """Each session's spend ceiling in US dollars (list cost), enforced by the server."""
