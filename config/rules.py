"""Rules: answer the same harmless tool call the same way, automatically, per profile.

In ``config.toml`` each rule is a table named after the rule, under its profile (a profile never
uses another's rules)::

    [profiles.default.rules.pytest]       # "allowed by rule pytest"
    tool = "bash"                         # the tool (an MCP tool: "server/tool")
    agent = "Test Writer"                 # the agent's name or id; leave out for any agent
    input = 'pytest( -q)?( tests/\\S*)*'  # a regex the call's whole input must match
    action = "allow"                      # or "deny" (with `deny_message`)
    until = 2026-05-12T18:30:00Z          # optional: the rule lapses then

A rule answers a call only when every part matches exactly: the tool's name, the agent (when
given), and the pattern against the *whole* input text (``re.fullmatch``; a bash call's input
text is its command, a call with one text field is that text, any other input is its JSON with
sorted keys). There is no "any input" default: write ``input = ".*"`` to mean it. Matching is
in :mod:`drover.sync.rules`; what was answered is audited in the mirror.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from drover.config.schema import Record, limits

__all__ = ["Rule"]


def _pattern(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"input is not a regular expression: {exc}") from None
    return value


def _zoned(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@dataclass(kw_only=True)
class Rule(Record):
    """One rule (its name is its key in the profile's `rules` table)."""

    tool: str = field(metadata=limits(min_length=1))
    """The tool's name exactly (`bash`, `read`; an MCP tool as `server/tool`)."""
    input: str = field(metadata=limits(then=_pattern))
    """A regular expression the call's whole input text must match (`.*` for any)."""
    agent: str | None = None
    """The agent's name or id exactly; None: any agent of the profile."""
    action: Literal["allow", "deny"] = "allow"
    """What the rule answers."""
    until: datetime | None = field(default=None, metadata=limits(then=_zoned))
    """When the rule lapses (a time with a zone, or UTC); None: it holds until removed."""
    deny_message: str | None = None
    """Told to the agent when the rule denies (default: which rule denied)."""

    def active(self, now: datetime) -> bool:
        """Whether the rule holds at `now` (not lapsed)."""
        return self.until is None or now < self.until
