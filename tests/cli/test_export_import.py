"""`drover export` and `drover import` end to end: a multi-agent run synced from the real sim,
exported, imported into another data dir, compared row by row; files, flags and errors."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest
from cli_support import api, create_session, events, status, wait_for

from drover.config import mirror_path
from drover.store.reader import MirrorReader

COLUMNS = "id, session_id, thread_id, on_primary, type, processed_at, ref_id, raw"


def _run_to_end(sim, scenario: str, **kw) -> str:
    """Start a session and approve every call it asks about until its turn ends."""
    sid = create_session(sim, scenario, **kw)
    answered: set[str] = set()
    for _ in range(30):
        wait_for(lambda: status(sim, sid) == "idle", timeout=30, what=f"{sid} idle")
        reason = events(sim, sid, "session.status_idle")[-1]["stop_reason"]
        pending = [i for i in reason.get("event_ids", []) if i not in answered]
        if reason["type"] != "requires_action":
            return sid
        if not pending:  # the idle we saw is the one we already answered: wait for the next
            continue
        answered.update(pending)
        api(sim, "POST", f"/v1/sessions/{sid}/events", json={"events": [
            {"type": "user.tool_confirmation", "tool_use_id": i, "result": "allow"}
            for i in pending
        ]})  # fmt: skip
    raise AssertionError(f"{sid} never finished")


def _rows(path: Path, sid: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            f"SELECT {COLUMNS} FROM events WHERE session_id = ? ORDER BY seq", (sid,)
        ).fetchall()


def _session(path: Path, sid: str) -> tuple[dict, list]:
    reader = MirrorReader(path)
    try:
        row = dataclasses.asdict(reader.session(sid))
        threads = reader.threads(sid)
    finally:
        reader.close()
    local = ("high_water_seq", "origin", "attention_rev")  # this mirror's own bookkeeping
    return {k: v for k, v in row.items() if k not in local}, threads


@pytest.fixture
def coordinator(on_sim, cli_env, drover) -> str:
    """A finished multi-agent run (child threads) mirrored by `drover sync`."""
    sid = _run_to_end(on_sim, "coordinator")
    synced = drover("sync", "--until-idle", "--session", sid, "--timeout", "30")
    assert synced.code == 0, synced.err
    return sid


def test_multi_agent_round_trip_through_the_cli(coordinator, cli_env, drover, tmp_path):
    sid = coordinator
    source = mirror_path("default", cli_env["data"])
    rows = _rows(source, sid)
    assert {(r[2] is not None, bool(r[3])) for r in rows} == {
        (False, True), (True, True), (True, False)
    }  # fmt: skip  # primary-only, cross-posted and child-thread-only events are all there

    out = tmp_path / "run.jsonl"
    exported = drover("export", sid, "--format", "jsonl", "--no-redact", "-o", str(out))
    assert exported.code == 0, exported.err
    assert "NOT redacted" in exported.err

    elsewhere = tmp_path / "elsewhere"
    imported = drover("import", str(out), "--data-dir", str(elsewhere))
    assert imported.code == 0, imported.err
    assert f"imported {sid}: {len(rows):,} events" in imported.out
    target = mirror_path("default", elsewhere)
    assert _rows(target, sid) == rows
    assert _session(target, sid) == _session(source, sid)

    again = drover("import", str(out), "--data-dir", str(elsewhere), "--json")
    assert again.code == 0, again.err
    summary = json.loads(again.out)
    assert (summary["changed"], summary["new_events"], summary["origin"]) == (False, 0, "import")
    assert _rows(target, sid) == rows

    # An imported session is printed from the mirror; sync never touches it (no cursor).
    tail = drover("tail", sid, "--data-dir", str(elsewhere), "--no-follow")
    assert tail.code == 0, tail.err
    assert "Test Writer" in tail.out
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM sync_cursors").fetchone()[0] == 0
    assert _rows(target, sid) == rows


def test_export_writes_a_file_in_the_current_folder_and_never_overwrites(
    coordinator, drover, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    first = drover("export", coordinator)
    assert first.code == 0, first.err
    path = tmp_path / f"drover-{coordinator}.md"
    text = path.read_text()
    assert text.startswith("# ") and "- **Redaction:** on" in text
    assert f"to {path.name}; redacted: " in first.err

    path.write_text("keep me")
    refused = drover("export", coordinator)
    assert refused.code == 1 and "already exists" in refused.err and "--force" in refused.err
    assert path.read_text() == "keep me"

    forced = drover("export", coordinator, "--force", "--json")
    assert forced.code == 0, forced.err
    summary = json.loads(forced.out)
    assert summary["path"] == path.name and summary["format"] == "md"
    assert summary["redacted"] is True and summary["events"] > 20
    assert path.read_text() != "keep me"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_export_to_stdout_and_by_extension(coordinator, drover, tmp_path):
    html = drover("export", coordinator, "--format", "html", "-o", "-")
    assert html.code == 0, html.err
    assert html.out.startswith("<!DOCTYPE html>") and "to stdout" in html.err
    out = tmp_path / "page.html"
    by_ext = drover("export", coordinator, "-o", str(out))
    assert by_ext.code == 0 and out.read_text().startswith("<!DOCTYPE html>")
    both = drover("export", coordinator, "-o", "-", "--json")
    assert both.code == 2 and "--json needs -o PATH" in both.err


def test_export_range_and_its_errors(coordinator, cli_env, drover, tmp_path):
    ids = [r[0] for r in _rows(mirror_path("default", cli_env["data"]), coordinator)]
    out = tmp_path / "part.jsonl"
    part = drover("export", coordinator, "-o", str(out), "--from", ids[2], "--to", ids[9])
    assert part.code == 0, part.err
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines[1:-1]] == ids[2:10]

    backwards = drover("export", coordinator, "--from", ids[9], "--to", ids[2], "-o", "-")
    assert backwards.code == 2 and "comes after" in backwards.err
    unknown = drover("export", coordinator, "--from", "sevt_nope", "-o", "-")
    assert unknown.code == 2 and "sevt_nope: no such event" in unknown.err
    nobody = drover("export", "sesn_nope", "-o", "-")
    assert nobody.code == 1 and "no session sesn_nope in the mirror" in nobody.err


def test_export_says_where_the_secrets_went(on_sim, cli_env, drover, tmp_path):
    token = "gh" + "p_" + "Zq9" * 12
    sid = create_session(on_sim, "escape-artist", kickoff=f"deploy with {token} please")
    wait_for(lambda: status(on_sim, sid) == "idle")
    assert drover("sync", "--until-idle", "--session", sid).code == 0
    for fmt in ("md", "html", "jsonl"):
        out = tmp_path / f"x.{fmt}"
        result = drover("export", sid, "-o", str(out))
        assert result.code == 0, result.err
        assert token not in out.read_text()
        assert "redacted: 1 replacement (github-token 1)" in result.err
    plain = tmp_path / "plain.jsonl"
    assert drover("export", sid, "-o", str(plain), "--no-redact").code == 0
    assert token in plain.read_text()


def test_import_refuses_a_damaged_file_and_imports_nothing(coordinator, drover, tmp_path):
    out = tmp_path / "run.jsonl"
    assert drover("export", coordinator, "-o", str(out)).code == 0
    lines = out.read_text().splitlines(keepends=True)
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text("".join(lines[:5]) + "{not json\n" + "".join(lines[6:]))
    elsewhere = tmp_path / "elsewhere"
    result = drover("import", str(damaged), "--data-dir", str(elsewhere))
    assert result.code == 1
    assert f"{damaged}:6: not JSON" in result.err and "nothing was imported" in result.err
    reader = MirrorReader(mirror_path("default", elsewhere))
    try:
        assert reader.sessions(include_deleted=True, include_archived=True) == []
    finally:
        reader.close()
    missing = drover("import", str(tmp_path / "nope.jsonl"))
    assert missing.code == 1 and "no file" in missing.err
