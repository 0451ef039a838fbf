"""Export → import round trips (identical rows), idempotence, and files that must be refused."""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path

import pytest
from export_support import (
    NEEDLES,
    event_rows,
    export_text,
    session_fields,
    session_object,
    thread_rows,
)

from drover.export import ImportConflictError, ImportFileError, check_file, import_file
from drover.store.migrations import connect
from drover.store.mirror import Mirror


@pytest.fixture
def other(tmp_path: Path):
    """A second, empty mirror (another machine's)."""
    m = Mirror.open(tmp_path / "other.db")
    yield m
    m.close()


def _export_file(mirror, sid, tmp_path, **options) -> Path:
    text, _ = export_text(mirror, sid, "jsonl", **options)
    path = tmp_path / f"{sid}.jsonl"
    path.write_text(text)
    return path


def _all_rows(path: Path) -> dict[str, list[tuple]]:
    with closing(connect(path).conn) as conn:  # events_fts reads its text via drover_event_text
        return {
            table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in (
                "sessions",
                "events",
                "threads",
                "daily_cost",
                "events_fts",
                "sync_cursors",
            )
        }


def test_round_trip_reproduces_every_row(mirror, examples, planted, other, tmp_path):
    for sid in [*examples, planted]:
        summary = import_file(other.writer, _export_file(mirror, sid, tmp_path, redact=False))
        assert summary.created and summary.origin == "import"
        assert summary.new_events == summary.events == len(event_rows(mirror.writer.path, sid))
        assert event_rows(other.writer.path, sid) == event_rows(mirror.writer.path, sid)
        assert session_fields(other, sid) == session_fields(mirror, sid)
        assert thread_rows(other, sid) == thread_rows(mirror, sid)
        assert other.reader.session(sid).origin == "import"
        assert mirror.reader.session(sid).origin is None


def test_multi_agent_child_thread_events_keep_their_routing(mirror, examples, other, tmp_path):
    sid = "sesn_multiagent_delegation"
    import_file(other.writer, _export_file(mirror, sid, tmp_path, redact=False))
    rows = event_rows(other.writer.path, sid)
    routing = {(r[2] is not None, bool(r[3])) for r in rows}  # (has thread, on primary)
    assert routing == {(False, True), (True, True), (True, False)}


@pytest.mark.parametrize("sid", ["sesn_requires_action_confirmation", "sesn_secrets"])
def test_importing_twice_changes_nothing(mirror, examples, planted, other, tmp_path, sid):
    path = _export_file(mirror, sid, tmp_path, redact=False)
    import_file(other.writer, path)
    before = _all_rows(other.writer.path)
    again = import_file(other.writer, path)
    assert not again.changed and again.new_events == 0 and not again.created
    assert _all_rows(other.writer.path) == before


def test_a_redacted_export_imports_without_its_secrets(mirror, planted, other, tmp_path):
    import_file(other.writer, _export_file(mirror, planted, tmp_path))
    with closing(connect(other.writer.path).conn) as conn:  # the FTS content needs its function
        dump = "\n".join(conn.iterdump())
    assert [n for n in NEEDLES if n in dump] == []
    assert len(event_rows(other.writer.path, planted)) == len(
        event_rows(mirror.writer.path, planted)
    )


def test_a_range_imports_as_part_of_the_session(mirror, examples, other, tmp_path):
    sid = "sesn_basic_tool_call"
    rows = list(mirror.reader.iter_events(sid))
    path = _export_file(mirror, sid, tmp_path, from_seq=rows[2].seq, to_seq=rows[6].seq)
    summary = import_file(other.writer, path)
    assert summary.partial and summary.events == 5
    assert [r[0] for r in event_rows(other.writer.path, sid)] == [r.id for r in rows[2:7]]


def test_import_merges_into_a_session_the_mirror_already_synced(mirror, examples, other, tmp_path):
    sid = "sesn_basic_tool_call"
    rows = list(mirror.reader.iter_events(sid))
    # The other mirror synced the first half itself (routing as a live stream would).
    other.writer.submit("ingest", sid, [r.event for r in rows[:5]]).result()
    summary = import_file(other.writer, _export_file(mirror, sid, tmp_path, redact=False))
    assert not summary.created and summary.new_events == len(rows) - 5
    assert summary.origin is None  # still the synced session: sync keeps following it
    assert event_rows(other.writer.path, sid) == event_rows(mirror.writer.path, sid)


def test_an_event_of_another_session_is_a_conflict(mirror, examples, other, tmp_path):
    sid = "sesn_basic_tool_call"
    first = next(mirror.reader.iter_events(sid))
    other.writer.submit("ingest", "sesn_elsewhere", [first.event]).result()
    with pytest.raises(ImportConflictError, match="already stored under session sesn_elsewhere"):
        import_file(other.writer, _export_file(mirror, sid, tmp_path, redact=False))
    assert other.reader.session(sid) is None
    assert event_rows(other.writer.path, sid) == []


def _lines(mirror, tmp_path) -> list[str]:
    path = _export_file(mirror, "sesn_basic_tool_call", tmp_path, redact=False)
    return path.read_text().splitlines(keepends=True)


def _damaged(lines: list[str], how: str) -> str:
    header = json.loads(lines[0])
    if how == "not JSON":
        return "this is not json\n" + "".join(lines[1:])
    if how == "no header":
        return "".join(lines[1:])
    if how == "wrong version":
        return json.dumps({**header, "drover_export": 99}) + "\n" + "".join(lines[1:])
    if how == "truncated line":
        return "".join(lines[:-2]) + lines[-2][: len(lines[-2]) // 2]
    if how == "no trailer":
        return "".join(lines[:-1])
    if how == "event without type":
        bad = json.loads(lines[2])
        del bad["event"]["type"]
        return "".join(lines[:2]) + json.dumps(bad) + "\n" + "".join(lines[3:])
    if how == "duplicate id":
        return "".join(lines[:3]) + lines[2] + "".join(lines[3:])
    if how == "text after trailer":
        return "".join(lines) + lines[1]
    if how == "empty":
        return ""
    raise AssertionError(how)


@pytest.mark.parametrize(
    ("how", "line", "message"),
    [
        ("not JSON", 1, "not JSON"),
        ("no header", 1, 'no "drover_export" header'),
        ("wrong version", 1, "version 99 is not supported"),
        ("truncated line", -2, "not JSON: .*cut short"),
        ("no trailer", -2, "ends without its closing"),
        ("event without type", 3, 'needs an "event" object with a "type"'),
        ("duplicate id", 4, "appears twice"),
        ("text after trailer", 0, "text after the closing line"),
        ("empty", None, "the file is empty"),
    ],
)
def test_bad_files_are_refused_with_the_line_and_nothing_imported(
    mirror, examples, other, tmp_path, how, line, message
):
    lines = _lines(mirror, tmp_path)
    path = tmp_path / "bad.jsonl"
    path.write_text(_damaged(lines, how))
    expected = None if line is None else (line if line > 0 else len(lines) + line + 1)
    if line == 0:
        expected = len(lines) + 1
    with pytest.raises(ImportFileError, match=message) as caught:
        import_file(other.writer, path)
    assert caught.value.line == expected
    assert str(caught.value).startswith(f"{path}:{expected}:" if expected else f"{path}:")
    assert other.reader.sessions(include_deleted=True) == []
    assert event_rows(other.writer.path, "sesn_basic_tool_call") == []


def test_check_file_reads_the_header(mirror, examples, tmp_path):
    info = check_file(_export_file(mirror, "sesn_multiagent_delegation", tmp_path))
    assert info.session_id == "sesn_multiagent_delegation"
    assert info.redacted and not info.partial
    assert info.events == len(list(mirror.reader.iter_events("sesn_multiagent_delegation")))


def test_an_older_export_never_replaces_newer_server_objects(mirror, planted, other, tmp_path):
    path = _export_file(mirror, planted, tmp_path)  # redacted: its Session title differs too
    newer = session_object(planted, "renamed since") | {"updated_at": "2026-05-13T00:00:00.000Z"}
    other.writer.submit("upsert_sessions", [newer]).result()
    summary = import_file(other.writer, path)
    assert summary.new_events == summary.events and not summary.created
    row = other.reader.session(planted)
    assert row.raw == newer and row.title == "renamed since" and row.origin is None
