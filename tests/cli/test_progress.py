"""Sync progress renderings, fed from a real mirror filled by `drover sync`."""

from __future__ import annotations

import io

import pytest
from cli_support import create_session, status, wait_for

from drover.cli.progress import SyncProgress
from drover.config import mirror_path
from drover.store.reader import MirrorReader


@pytest.fixture
def mirrored(on_sim, cli_env, drover):
    sid = create_session(on_sim, "escape-artist", title="\x1b]0;owned\x07 title")
    wait_for(lambda: status(on_sim, sid) == "idle")
    assert drover("sync", "--until-idle").code == 0
    reader = MirrorReader(mirror_path("default", cli_env["data"]))
    yield sid, reader
    reader.close()


@pytest.mark.parametrize("mode", ["tty", "plain"])
def test_progress_counts_events_and_renders_titles_inertly(mirrored, mode):
    sid, reader = mirrored
    out = io.StringIO()
    progress = SyncProgress(mode, interval=0, out=out)
    progress.baseline = {}  # count everything in the mirror as mirrored by this run
    progress.tick(reader)
    progress.finish("done")
    text = out.getvalue()
    count = reader.session(sid).event_count
    assert count > 0 and sid in text and f"+{count}" in text
    assert f"done: {count} events mirrored" in text
    assert "\x1b]" not in text and "\x07" not in text
    if mode == "tty":
        assert "␛]0;owned␇ title" in text
