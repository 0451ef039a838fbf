"""`drover cost`: the ledger of a mirror synced from a real sim, against figures computed by
hand from the scenario file and from the events the server reported.

Three sessions play `scenarios/ledger-midnight.toml` one after another on a manual sim clock
started at 21:50 UTC, so the fleet's requests and usage reports fall on two UTC days:

* s1 (agent X, environment A): one turn (requests A+B), over before midnight.
* s2 (agent X, environment A): the same turn before midnight, then a follow-up (request F)
  that ends after it: its tokens, cost and runtime are split across the two days.
* s3 (agent Y, environment B): one turn, after midnight.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from cli_support import api, events, scenario_dir, wait_for

START = datetime(2026, 5, 11, 21, 50, tzinfo=UTC)
DAY1, DAY2 = "2026-05-11", "2026-05-12"
# Per request of the scenario file: (input, output, cache read, cache write).
REQ_A = (100_000, 20_000, 300_000, 40_000)
REQ_B = (50_000, 10_000, 500_000, 0)
REQ_F = (200_000, 30_000, 0, 100_000)
# claude-sonnet-4-6 list prices, USD per million tokens, in the same order.
RATES = (Decimal(3), Decimal(15), Decimal("0.3"), Decimal("3.75"))
KINDS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")
SPAN_KEYS = (
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
)


def _add(*requests: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sum(column) for column in zip(*requests, strict=True))


@pytest.fixture
def ledger_sim(sim_factory, tmp_path, cli_env, monkeypatch) -> Any:
    from drover.sim.domain.facade import SimDomain
    from drover.sim.wire.ids import ManualClock

    domain = SimDomain(
        seed=1, pace="fast", clock=ManualClock(START), scenarios_dir=scenario_dir(tmp_path)
    )
    sim = sim_factory(domain=domain, heartbeat_seconds=0.5)
    monkeypatch.setenv("ANTHROPIC_API_KEY", sim.api_key)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", sim.base_url)
    return sim


def _idles(sim, sid: str) -> int:
    return len(events(sim, sid, "session.status_idle"))


def _play(sim, agent: str, env: str, title: str, *followups: str) -> str:
    """Create a session, wait for its first turn, then for each follow-up's turn in turn."""
    body = {
        "agent": agent,
        "environment_id": env,
        "title": title,
        "initial_events": [{"type": "user.message", "content": [{"type": "text", "text": "go"}]}],
    }
    sid = api(sim, "POST", "/v1/sessions", json=body)["id"]
    wait_for(lambda: _idles(sim, sid) == 1, what=f"{title} idle")
    for n, text in enumerate(followups, start=2):
        message = {"type": "user.message", "content": [{"type": "text", "text": text}]}
        api(sim, "POST", f"/v1/sessions/{sid}/events", json={"events": [message]})
        wait_for(lambda n=n: _idles(sim, sid) == n, what=f"{title} turn {n}")
    return sid


def _fleet(sim) -> dict[str, Any]:
    toolset = {
        "type": "agent_toolset_20260401",
        "default_config": {"enabled": True, "permission_policy": {"type": "always_allow"}},
    }

    def agent(name: str) -> str:
        return api(sim, "POST", "/v1/agents", json={
            "name": name, "model": "claude-sonnet-4-6",
            "metadata": {"scenario": "ledger-midnight"}, "tools": [toolset],
        })["id"]  # fmt: skip

    def env(name: str) -> str:
        return api(sim, "POST", "/v1/environments", json={
            "name": name, "config": {"type": "cloud"}})["id"]  # fmt: skip

    ids = {"X": agent("ledger X"), "Y": agent("ledger Y"), "A": env("env-a"), "B": env("env-b")}
    ids["s1"] = _play(sim, ids["X"], ids["A"], "first")
    ids["s2"] = _play(sim, ids["X"], ids["A"], "second", "more please")
    ids["s3"] = _play(sim, ids["Y"], ids["B"], "third")
    return ids


def _cents(usd: Decimal) -> int:
    return int((usd * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _by_hand(sim, sid: str) -> dict[str, Any]:
    """A session's figures computed from the events the server reported."""
    log = events(sim, sid)
    spans = [e for e in log if e["type"] == "span.model_request_end"]
    reports = [e for e in log if e["type"] == "session.usage"]
    tokens = tuple(sum(s["model_usage"][k] for s in spans) for k in SPAN_KEYS)
    days: dict[str, dict[str, Any]] = {}
    for span in spans:
        day = days.setdefault(span["processed_at"][:10], {"tokens": (0, 0, 0, 0), "requests": 0})
        day["tokens"] = _add(day["tokens"], tuple(span["model_usage"][k] for k in SPAN_KEYS))
        day["requests"] += 1
    cumulative = {}  # day -> cost at the day's last report (reports arrive in order)
    for report in reports:
        usage = report["usage"]
        cumulative[report["processed_at"][:10]] = int(usage["list_cost"]["amount"])
    spent, before = {}, 0
    for day in sorted(cumulative):
        spent[day], before = cumulative[day] - before, cumulative[day]
    last = reports[-1]["usage"]
    token_usd = sum(
        (Decimal(n) * rate for n, rate in zip(tokens, RATES, strict=True)), Decimal(0)
    ) / Decimal(1_000_000)
    runtime_usd = Decimal(repr(last["active_seconds"])) / 3600 * Decimal("0.08")
    return {
        "tokens": tokens,
        "requests": len(spans),
        "cents": int(last["list_cost"]["amount"]),
        "priced": _cents(token_usd + runtime_usd),  # list cost = tokens at list price + runtime
        "active": last["active_seconds"],
        "days": days,
        "spent": spent,
    }


def _tokens(row: dict[str, Any]) -> tuple[int, ...]:
    return tuple(row[k] for k in KINDS)


def _cost(drover, *args: str) -> dict[str, Any]:
    result = drover("cost", "--json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_ledger_matches_hand_computed_figures(ledger_sim, drover):
    ids = _fleet(ledger_sim)
    synced = drover("sync", "--until-idle", "--timeout", "30")
    assert synced.code == 0, synced.err
    hand = {s: _by_hand(ledger_sim, ids[s]) for s in ("s1", "s2", "s3")}
    # What the server reported is what the scenario file scripts, and its list cost is the
    # tokens at list price plus runtime at $0.08/h.
    assert hand["s1"]["tokens"] == hand["s3"]["tokens"] == _add(REQ_A, REQ_B)
    assert hand["s2"]["tokens"] == _add(REQ_A, REQ_B, REQ_F)
    assert [hand[s]["requests"] for s in ("s1", "s2", "s3")] == [2, 3, 2]
    for figures in hand.values():
        assert figures["cents"] == figures["priced"]
        assert figures["active"] > 3600  # the one-hour turn: runtime is a visible part
    # The clock crossed midnight inside s2's follow-up turn.
    assert set(hand["s1"]["days"]) == {DAY1} and set(hand["s3"]["days"]) == {DAY2}
    assert set(hand["s2"]["days"]) == set(hand["s2"]["spent"]) == {DAY1, DAY2}

    by_session = _cost(drover, "--by", "session")
    rows = {row["key"]: row for row in by_session["rows"]}
    assert list(rows) == sorted(rows, key=lambda sid: -rows[sid]["list_cost_cents"])
    for name in ("s1", "s2", "s3"):
        row, figures = rows[ids[name]], hand[name]
        assert _tokens(row) == figures["tokens"]
        assert row["requests"] == figures["requests"]
        assert row["list_cost_cents"] == figures["cents"]
        assert row["active_seconds"] == pytest.approx(figures["active"], abs=1e-3)
        assert row["runtime_cost_cents"] == _cents(
            Decimal(repr(figures["active"])) / 3600 * Decimal("0.08")
        )
    totals = by_session["totals"]
    assert totals["sessions"] == 3
    assert totals["list_cost_cents"] == sum(f["cents"] for f in hand.values())
    assert _tokens(totals) == _add(*(f["tokens"] for f in hand.values()))
    assert totals["requests"] == 7

    agents = {row["key"]: row for row in _cost(drover, "--by", "agent")["rows"]}
    assert agents[ids["X"]]["label"] == "ledger X" and agents[ids["X"]]["sessions"] == 2
    assert agents[ids["X"]]["list_cost_cents"] == hand["s1"]["cents"] + hand["s2"]["cents"]
    assert _tokens(agents[ids["Y"]]) == hand["s3"]["tokens"]
    envs = {row["key"]: row for row in _cost(drover, "--by", "environment")["rows"]}
    assert envs[ids["A"]]["label"] == "env-a"
    assert _tokens(envs[ids["A"]]) == _add(hand["s1"]["tokens"], hand["s2"]["tokens"])
    assert envs[ids["B"]]["list_cost_cents"] == hand["s3"]["cents"]
    (model,) = _cost(drover, "--by", "model")["rows"]
    assert (model["key"], model["list_cost_cents"]) == (
        "claude-sonnet-4-6",
        totals["list_cost_cents"],
    )

    days = {row["key"]: row for row in _cost(drover, "--by", "day")["rows"]}
    assert list(days) == [DAY1, DAY2]
    for day in (DAY1, DAY2):
        parts = [f["days"][day] for f in hand.values() if day in f["days"]]
        assert _tokens(days[day]) == _add(*(p["tokens"] for p in parts))
        assert days[day]["requests"] == sum(p["requests"] for p in parts)
        assert days[day]["list_cost_cents"] == sum(f["spent"].get(day, 0) for f in hand.values())
    assert sum(d["list_cost_cents"] for d in days.values()) == totals["list_cost_cents"]

    # A window counts only what happened within it: s2's follow-up and s3.
    late = _cost(drover, "--by", "session", "--since", DAY2)
    late_rows = {row["key"]: row for row in late["rows"]}
    assert set(late_rows) == {ids["s2"], ids["s3"]}
    assert _tokens(late_rows[ids["s2"]]) == REQ_F
    assert late_rows[ids["s2"]]["list_cost_cents"] == hand["s2"]["spent"][DAY2]
    assert late["totals"]["list_cost_cents"] == days[DAY2]["list_cost_cents"]

    # Syncing again (history listed again from each cursor: events delivered twice) changes
    # no figure.
    again = drover("sync", "--until-idle", "--timeout", "30")
    assert again.code == 0, again.err
    assert _cost(drover, "--by", "session") == by_session
    assert {r["key"]: r for r in _cost(drover, "--by", "day")["rows"]} == days

    table = drover("cost", "--by", "agent")
    assert table.code == 0, table.err
    lines = table.out.splitlines()
    assert lines[0] == "cost by agent · all time"
    assert lines[1].split()[:3] == ["AGENT", "NAME", "SESSIONS"]
    total_line = next(line for line in lines if line.startswith("TOTAL"))
    assert f"${totals['list_cost_cents'] / 100:,.2f}" in total_line
    assert "legend:" in lines and any(line.strip().startswith("cache write") for line in lines)


def _today_mirror(cli_env) -> str:
    """A mirror with one session that spent $8.50 today (of a $10 server budget)."""
    from drover.config import mirror_path
    from drover.store.mirror import Mirror

    today = datetime.now(UTC).date().isoformat()
    usage = {
        "type": "session.usage",
        "id": "sevt_today",
        "usage": {"list_cost": {"amount": "850", "currency": "USD"}, "active_seconds": 900.0},
        "budget": {"type": "limit", "max_list_cost": {"amount": "1000", "currency": "USD"}},
        "processed_at": f"{today}T00:00:01Z",
    }
    with Mirror.open(mirror_path("default", cli_env["data"], create=True)) as mirror:
        mirror.writer.submit("ingest", "sesn_today", [usage]).result()
    return today


def test_budgets_warn_in_text_and_json(cli_env, drover):
    _today_mirror(cli_env)
    cli_env["config"].parent.mkdir(parents=True, exist_ok=True)
    cli_env["config"].write_text(
        "[budgets]\ndaily_usd = 10\nmonthly_usd = 8.5\n\n[budgets.agents.nobody]\ndaily_usd = 1\n"
    )
    result = drover("cost")
    assert result.code == 0, result.err
    budgets = [" ".join(line.split()) for line in result.out.split("budgets:")[1].splitlines()]
    assert budgets[1:5] == [
        "! daily budget: $8.50 of $10.00 (85%) — warning (>= 80%)",
        "!! monthly budget: $8.50 of $8.50 (100%) — REACHED",
        "daily budget for nobody: $0.00 of $1.00 (0%) — ok",
        "! session sesn_today budget: $8.50 of $10.00 (85%) — warning (>= 80%)",
    ]
    report = json.loads(drover("cost", "--json").out)
    levels = [(b["scope"], b["key"], b["spent_cents"], b["cap_cents"], b["level"])
              for b in report["budgets"]]  # fmt: skip
    assert levels == [
        ("daily", None, 850, 1000, "warning"),
        ("monthly", None, 850, 850, "reached"),
        ("daily", "nobody", 0, 100, "ok"),
        ("session", "sesn_today", 850, 1000, "warning"),
    ]
    (row,) = report["rows"]
    assert isinstance(row["list_cost_cents"], int) and isinstance(row["input_tokens"], int)
    assert (row["runtime_cost_cents"], row["runtime_hours"]) == (2, 0.25)
    assert set(report["legend"]) >= {"list cost", "input", "cache read", "cache write", "output"}


def test_usage_errors_and_an_empty_profile(cli_env, drover):
    from drover.cli import cmd_cost
    from drover.store.ledger import DIMENSIONS

    assert cmd_cost._DIMENSIONS == DIMENSIONS  # spelled out in the CLI to keep --help fast
    for args, message in (
        (("--since", "2026-13-01"), "--since wants a day as YYYY-MM-DD"),
        (("--until", "yesterday"), "--until wants a day as YYYY-MM-DD"),
        (("--since", "2026-05-12", "--until", "2026-05-11"), "is after --until"),
        (("--limit", "0"), "--limit must be at least 1"),
    ):
        result = drover("cost", *args)
        assert (result.code, result.out) == (2, ""), args
        assert message in result.err and "Traceback" not in result.err
    empty = drover("cost", "--json")
    assert empty.code == 0 and "nothing mirrored yet" in empty.err
    report = json.loads(empty.out)
    assert (report["rows"], report["totals"]["list_cost_cents"]) == ([], 0)


def test_a_bad_budget_table_is_a_clear_error(cli_env, drover):
    _today_mirror(cli_env)
    cli_env["config"].parent.mkdir(parents=True, exist_ok=True)
    cli_env["config"].write_text("[budgets]\ndaily_usd = 10\nweekly_usd = 3\n")
    result = drover("cost")
    assert result.code == 1 and "Traceback" not in result.err
    assert "line 3: budgets.weekly_usd: unknown key (not a setting drover has)" in result.err
