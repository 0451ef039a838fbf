"""The writer's operations for the platform, outcomes and rules (`SteerWrites`, mixed into
`drover.store.writer.MirrorWriter`): what sync stores from a platform refresh, a rule's
automatic answer, and the rules' pause switch.

`STEER_OPS` follows `drover.store.writer`'s table: name → (function run on the write
connection, result → public result, notices extractor → `{session_id: high_water_seq}`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from drover.store import platform, rule_audit
from drover.store.dialect import Conn
from drover.store.models import JSONObject
from drover.store.rule_audit import RuleAnswer
from drover.store.writer_calls import WriterCalls

__all__ = ["STEER_OPS", "SteerWrites"]


def _high_water(conn: Conn, session_ids: Sequence[str]) -> dict[str, int]:
    out = {}
    for sid in session_ids:
        row = conn.execute("SELECT high_water_seq FROM sessions WHERE id = ?", (sid,)).fetchone()
        out[sid] = row[0] if row else 0
    return out


def _answer(conn: Conn, answer: RuleAnswer) -> tuple[int | None, str]:
    return rule_audit.answer_by_rule(conn, answer), answer.session_id


STEER_OPS: dict[
    str, tuple[Callable[..., Any], Callable[[Any], Any], Callable[..., dict[str, int]]]
] = {
    "upsert_platform": (platform.upsert_platform, lambda r: r, _high_water),
    "answer_by_rule": (
        _answer,
        lambda r: r[0],
        lambda c, r: _high_water(c, [r[1]]) if r[0] is not None else {},
    ),
    "set_rules_paused": (rule_audit.set_paused, lambda r: r, lambda c, r: {}),
}


class SteerWrites(WriterCalls):
    """Mixin for `MirrorWriter` (which supplies `submit`)."""

    async def upsert_platform(
        self,
        *,
        deployments: list[JSONObject] | None = None,
        runs: list[JSONObject] | None = None,
        vaults: list[JSONObject] | None = None,
        credentials: list[JSONObject] | None = None,
        validations: list[JSONObject] | None = None,
        memory_stores: list[JSONObject] | None = None,
    ) -> list[str]:
        """Store a platform refresh (see `drover.store.platform.upsert_platform`); returns the
        sessions whose needs-you reason changed with a credential's health."""
        result: list[str] = await self._call(
            "upsert_platform",
            deployments=deployments,
            runs=runs or [],
            vaults=vaults,
            credentials=credentials,
            validations=validations or [],
            memory_stores=memory_stores,
        )
        return result

    async def answer_by_rule(self, answer: RuleAnswer) -> int | None:
        """Queue and audit a rule's answer (see `drover.store.rule_audit.answer_by_rule`)."""
        result: int | None = await self._call("answer_by_rule", answer)
        return result

    async def set_rules_paused(self, paused: bool, by: str | None = None) -> str | None:
        """Pause or resume every rule of the profile; returns when they were paused (or None)."""
        result: str | None = await self._call("set_rules_paused", paused, by)
        return result
