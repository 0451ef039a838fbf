"""The official TypeScript SDK (@anthropic-ai/sdk, pinned in tests/ts/package.json) against the
sim, as part of ``make test``:

* a TypeScript user's script (tests/ts/src/drive.ts, compiled with ``tsc --strict``) drives the
  sim end to end over HTTP: streams with the SDK's helpers, answers ``requires_action``,
  follows up, interrupts, pages both ways, lists with filters, takes the 400/401/404/409 paths,
  uses every newer resource family, and lets the SDK's session tool runner answer a custom tool;
* every distinct object shape the sim emits (a fleet run, every scenario played to its end, plus
  everything the script received) is written as a typed literal and compiled with
  ``tsc --strict`` against the SDK's declarations, and parsed strictly with the Python SDK too.

Skipped only when Node is not installed; with Node but without the pinned package
(``scripts/bootstrap`` runs ``npm ci`` in tests/ts), the tests fail.
"""

from __future__ import annotations

import json
import os
import random
import runpy
import subprocess
from pathlib import Path

import pydantic
import pytest
from sdk_check import assert_error_shape, assert_wire_shape
from ts_sdk import (
    GENERATED,
    SDK_VERSION,
    TS_DIR,
    Harvest,
    failing_shapes,
    installed_sdk_version,
    node_problem,
    tsc,
    write_module,
)

from drover.sim.domain.facade import SimDomain
from drover.sim.fleet.bodies import ensure_agents, ensure_environments, session_body
from drover.sim.fleet.populate import populate
from drover.sim.wire.ids import ManualClock, parse_rfc3339

_play = runpy.run_path(str(Path(__file__).with_name("test_scenarios_play.py")))
NAMES, play = _play["NAMES"], _play["play"]


@pytest.fixture(scope="module")
def ts_ready() -> None:
    problem = node_problem()
    if problem:
        pytest.skip(problem)
    version = installed_sdk_version()
    if version != SDK_VERSION:
        pytest.fail(
            f"@anthropic-ai/sdk {SDK_VERSION} is not installed in tests/ts (found {version}); "
            "run scripts/bootstrap, which runs npm ci there"
        )


def _python_strict(obj: dict, seen_as: str) -> str | None:
    """The Python SDK's verdict on one object: ``None`` when it parses strictly."""
    try:
        if obj.get("type") == "error" and "error" in obj:
            assert_error_shape(obj)
        else:
            assert_wire_shape(obj)
    except (AssertionError, pydantic.ValidationError) as exc:
        return f"{obj.get('type')}: {str(exc)[:300]}"
    return None


def _session_objects(domain: SimDomain, session_id: str) -> list[tuple[str, dict]]:
    record = domain.state.sessions[session_id]
    out = [("event", e) for e in record.log.events()]
    for thread in domain.list_threads(session_id):
        out.append(("object", thread))
        if thread["parent_thread_id"] is not None:
            out += [("event", e) for e in domain.list_events(session_id, thread["id"])]
    out.append(("object", domain.get_session(session_id)))
    out += [("object", r) for r in domain.list_resources(session_id)]
    return out


async def _outcome_session(name: str) -> list[tuple[str, dict]]:
    """A session of ``name`` working on a ``user.define_outcome`` to its evaluation."""
    domain = SimDomain(seed=5, pace="instant")
    await domain.start()
    agents: dict[str, str] = {}
    environments: dict[str, str] = {}
    ensure_agents(domain, agents)
    ensure_environments(domain, environments)
    scenario = domain.scenarios[name]
    rng = random.Random(5)
    body = session_body(agents, environments, scenario, scenario.choose_vars(rng), rng)
    session_id = domain.create_session(body)["id"]
    sub = domain.subscribe(session_id)
    rubric = {"type": "text", "content": "Every public module is documented."}
    outcome = {"type": "user.define_outcome", "description": "Docs", "rubric": rubric}
    domain.send_events(session_id, {"events": [outcome]})
    await domain.settle(session_id, 30)
    frames = [("frame", sub.queue.get_nowait()) for _ in range(sub.queue.qsize())]
    objects = _session_objects(domain, session_id) + frames
    await domain.stop()
    return objects


async def _harvest() -> tuple[Harvest, dict[str, list[tuple[str, dict]]]]:
    """Every object of a fleet run and of every scenario played to its end, by scenario."""
    by_scenario: dict[str, list[tuple[str, dict]]] = {name: [] for name in NAMES}
    for name in NAMES:
        for verdict in ("allow", "deny"):
            played = await play(name, verdict)
            objects = _session_objects(played.domain, played.session_id)
            objects += [("frame", f) for f in played.frames]
            by_scenario[name] += objects
        if played.domain.scenarios[name].outcome is not None:
            by_scenario[name] += await _outcome_session(name)
    start = parse_rfc3339("2026-11-20T09:00:00Z")
    fleet_domain = SimDomain(seed=1, pace="instant", clock=ManualClock(start))
    await fleet_domain.start()
    fleet = await populate(fleet_domain, 40, seed=1, finished_events=1500)
    for session_id in fleet.sessions:
        agent = fleet_domain.state.sessions[session_id].resource["agent"]
        name = fleet_domain.scenario_for_agent(agent).name
        by_scenario[name] += _session_objects(fleet_domain, session_id)
    platform = [fleet_domain.get_agent(a) for a in fleet_domain.state.agents]
    platform += [fleet_domain.get_environment(e) for e in fleet_domain.state.environments]
    platform += fleet_domain.list_vaults() + fleet_domain.list_memory_stores()
    platform += fleet_domain.list_credentials(fleet.platform["vault"])
    platform += fleet_domain.list_memories(fleet.platform["store"])
    platform += fleet_domain.list_memory_versions(fleet.platform["store"])
    platform += fleet_domain.list_deployments() + fleet_domain.list_deployment_runs()
    platform += fleet_domain.list_files() + fleet_domain.list_skills()
    by_scenario["(fleet platform)"] = [("object", obj) for obj in platform]
    await fleet_domain.stop()
    harvest = Harvest()
    for name, objects in by_scenario.items():
        for seen_as, obj in objects:
            harvest.add(obj, seen_as, name)
    return harvest, by_scenario


def _check(harvest: Harvest, module: str) -> tuple[dict[int, list[str]], list]:
    path, shapes = write_module(harvest, module)
    return failing_shapes(tsc(path), path, shapes), shapes


async def test_every_shape_the_sim_emits_type_checks_with_both_sdks(ts_ready) -> None:
    harvest, by_scenario = await _harvest()
    failures, shapes = _check(harvest, "fleet_shapes")
    ts_bad = {source for i in failures if i >= 0 for source in shapes[i].sources}
    report = {}
    for name, objects in by_scenario.items():
        python = [p for seen, obj in objects if (p := _python_strict(obj, seen))]
        report[name] = {
            "objects": len(objects),
            "python": "strict pass" if not python else python[:3],
            "typescript": "tsc --strict pass" if name not in ts_bad else "FAIL",
        }
    GENERATED.mkdir(exist_ok=True)
    summary = {"distinct_shapes": len(shapes), "objects": harvest.objects, "scenarios": report}
    (GENERATED / "fleet_report.json").write_text(json.dumps(summary, indent=2))
    print(f"\n{len(shapes)} distinct shapes from {harvest.objects} objects")
    for name, row in report.items():
        print(f"  {name:20} {row['objects']:6} objects", row["python"], row["typescript"])
    details = {i: (shapes[i].ts_type if i >= 0 else "?", msgs) for i, msgs in failures.items()}
    assert not failures, f"tsc --strict rejects these shapes: {json.dumps(details)[:4000]}"
    assert all(row["python"] == "strict pass" for row in report.values()), report
    assert set(NAMES) <= {n for n, row in report.items() if row["objects"]}
    emitted = {s.example["type"] for s in shapes if "type" in s.example}
    for kind in ("workflow_run.created", "workflow_run.status_ended", "workflow_run.error",
                 "session.thread_status_terminated", "session.thread_status_rescheduled",
                 "agent.thread_context_compacted", "user.define_outcome", "vault_credential",
                 "memory_version", "deployment_run"):  # fmt: skip
        assert kind in emitted, f"the sim never emits {kind}"


def test_a_typescript_user_drives_the_sim_end_to_end(ts_ready, sim_factory, tmp_path) -> None:
    errors = tsc(project=TS_DIR / "tsconfig.json")  # compiles src/drive.ts strictly to build/
    assert not errors, "\n".join(errors)
    sim = sim_factory(pace="20x")
    out = tmp_path / "received.json"
    env = dict(
        os.environ, ANTHROPIC_BASE_URL=sim.base_url, ANTHROPIC_API_KEY=sim.api_key, OUT=str(out)
    )
    done = subprocess.run(
        ["node", str(TS_DIR / "build" / "drive.js")],
        env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()
    summary = json.loads(lines[-1]) if lines else {"ok": False, "error": done.stderr[-2000:]}
    assert summary["ok"] and done.returncode == 0, summary.get("error")
    harvest = Harvest()
    python = []
    for seen_as, obj in json.loads(out.read_text()):
        if isinstance(obj, dict):
            harvest.add(obj, seen_as, "typescript driver")
            if problem := _python_strict(obj, seen_as):
                python.append(problem)
    failures, shapes = _check(harvest, "driver_shapes")
    print(f"\n{summary['checks']} checks, {len(shapes)} distinct shapes received")
    details = {i: (shapes[i].ts_type if i >= 0 else "?", msgs) for i, msgs in failures.items()}
    assert not failures, f"tsc --strict rejects what the sim sent: {json.dumps(details)[:4000]}"
    assert not python, python[:5]
    assert summary["checks"] >= 60


def test_the_type_check_is_not_vacuous(ts_ready) -> None:
    """A required-nullable key left out, an undeclared key and a wrong enum value all fail
    tsc: the shape check above would catch the sim doing any of them."""
    harvest = Harvest()
    outcome = {
        "type": "user.define_outcome",
        "id": "sevt_1",
        "description": "d",
        "rubric": {"type": "text", "content": "c"},
        "outcome_id": "outc_1",
        "processed_at": "2026-11-20T09:00:00.000Z",
    }  # fmt: skip (no max_iterations)
    harvest.add(outcome, "event", "missing")
    harvest.add({**outcome, "max_iterations": None, "colour": "red"}, "event", "extra")
    harvest.add({"type": "vault", "id": "vlt_1", "display_name": "v", "metadata": {},
                 "created_at": "x", "updated_at": "x", "archived_at": None,
                 "status": "sealed"}, "object", "undeclared")  # fmt: skip
    harvest.add({"type": "work_queue_stats", "depth": 0, "pending": 0,
                 "oldest_queued_at": None}, "object", "missing2")  # fmt: skip
    failures, shapes = _check(harvest, "negative_control")
    assert sorted(source for i in failures for source in shapes[i].sources) == [
        "extra", "missing", "missing2", "undeclared"
    ]  # fmt: skip


def test_the_benchmark_mirror_type_checks_too(ts_ready) -> None:
    """The benchmarks' generated mirror (tests/test_mirror_gen.py checks it with Python) also
    passes the TypeScript declarations."""
    from mirror_sessions import Fleet, iter_sessions

    harvest = Harvest()
    fleet = Fleet(7)
    harvest.add_all([*fleet.agents.values(), *fleet.environments], "object", "mirror")
    for generated in iter_sessions(sessions=60, events=8000, big_session=1000, seed=3):
        harvest.add_all([generated.session, *generated.threads], "object", "mirror")
        harvest.add_all((e for _lane, e in generated.timeline), "event", "mirror")
    failures, shapes = _check(harvest, "mirror_shapes")
    assert len(shapes) > 30 and not failures, failures
