"""Broken disks get a sentence, not a flood: a full disk, a read-only data dir, a damaged
mirror and a mirror from a newer drover, on real file systems (a small tmpfs; remounted
read-only), against the sim. Each run says one clear thing and loses nothing.

The mounts need root (the test sandbox has it); elsewhere these tests are skipped.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import DROVER, api, create_session, events, status, wait_for

from drover.config import mirror_path
from drover.store.migrations import SCHEMA_VERSION

FLOOD = ("Traceback", "Logging error", "Exception ignored", "sqlite3.")


@pytest.fixture
def mount(tmp_path: Path) -> Iterator:
    """``mount(name, size)``: a fresh tmpfs of ``size`` at tmp_path/name (unmounted after)."""
    mounted: list[Path] = []

    def make(name: str, size: str) -> Path:
        point = tmp_path / name
        point.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(point)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(point)
        return point

    yield make
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], check=False)


def _env(sim, data: Path, config: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DROVER_DATA_DIR": str(data),
        "DROVER_CONFIG": str(config),
        "ANTHROPIC_API_KEY": sim.api_key,
        "ANTHROPIC_BASE_URL": sim.base_url,
    }


def _no_flood(err: str) -> None:
    assert not [word for word in FLOOD if word in err], err


def _drover_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("drover: ")]


def _finished_sessions(sim, n: int) -> list[str]:
    ids = [create_session(sim, "general", title=f"run {i}", kickoff="write a long report")
           for i in range(n)]  # fmt: skip
    for sid in ids:
        wait_for(lambda sid=sid: status(sim, sid) == "idle", what=f"{sid} idle")
    return ids


def _mirrored_ids(data: Path, sid: str) -> set[str]:
    with sqlite3.connect(mirror_path("default", data)) as conn:
        rows = conn.execute("SELECT id FROM events WHERE session_id = ?", (sid,)).fetchall()
    return {row[0] for row in rows}


def _fill(folder: Path, leave: int = 0) -> Path:
    """Write a filler file until the file system is full, then free ``leave`` bytes of it."""
    filler = folder / "filler"
    # Unbuffered: a buffered file keeps the tail of a short write and fails again at close.
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 65536)
        except OSError:
            pass
    if leave:
        os.truncate(filler, max(0, filler.stat().st_size - leave))
    return filler


def test_a_full_disk_pauses_sync_says_so_once_and_resumes_losing_nothing(csim, cli_env, mount):
    data = mount("disk", "6m")
    env = _env(csim, data, cli_env["config"])
    # The mirror exists (schema, account) before the disk fills up.
    first = subprocess.run([str(DROVER), "sync", "--until-idle"], env=env, capture_output=True,
                           text=True, timeout=60, check=False)  # fmt: skip
    assert first.returncode == 0, first.stderr
    ids = _finished_sessions(csim, 4)
    filler = _fill(data, leave=128 * 1024)  # room to open the mirror, not for 4 sessions
    err_path = data.parent / "sync.err"
    with err_path.open("w") as err:
        proc = subprocess.Popen([str(DROVER), "sync", "--until-idle", "--timeout", "120"],
                                env=env, stdout=subprocess.PIPE, stderr=err, text=True)  # fmt: skip
        wait_for(lambda: "sync paused" in err_path.read_text() or proc.poll() is not None,
                 timeout=60, what="the pause")  # fmt: skip
        served = api(csim, "GET", "/_sim/stats")["requests_served"]
        time.sleep(3)  # paused: nothing is downloaded again meanwhile
        assert api(csim, "GET", "/_sim/stats")["requests_served"] - served <= 2  # the two reads
        filler.unlink()  # space returns
        out, _ = proc.communicate(timeout=120)
    text = err_path.read_text()
    assert proc.returncode == 0, (out, text)
    assert _drover_lines(text) == [
        f"drover: the disk holding {data / 'default'} is full — sync paused; it resumes once "
        "space is freed (nothing is lost)",
        "drover: disk space is back — sync resumed",
    ]
    _no_flood(text)
    assert "caught up: 4 sessions" in out
    for sid in ids:  # nothing lost: every event the server has is in the mirror
        assert _mirrored_ids(data, sid) == {e["id"] for e in events(csim, sid)}


def test_a_full_disk_past_the_timeout_is_one_sentence(csim, cli_env, mount):
    data = mount("disk", "6m")
    env = _env(csim, data, cli_env["config"])
    assert subprocess.run([str(DROVER), "sync", "--until-idle"], env=env, capture_output=True,
                          timeout=60, check=False).returncode == 0  # fmt: skip
    _finished_sessions(csim, 4)
    filler = _fill(data, leave=128 * 1024)
    done = subprocess.run([str(DROVER), "sync", "--until-idle", "--timeout", "5"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 1
    _no_flood(done.stderr)
    assert _drover_lines(done.stderr) == [
        f"drover: the disk holding {data / 'default'} is full — sync paused; it resumes once "
        "space is freed (nothing is lost)",
        "drover: sync was still paused for disk space when --timeout passed; everything "
        "mirrored so far is kept",
    ]
    assert "not idle before --timeout" not in done.stderr
    filler.unlink()


def test_a_disk_full_before_sync_starts_is_one_sentence(csim, cli_env, mount):
    """No room even to open the mirror for writing: one sentence, and the way out."""
    data = mount("disk", "6m")
    env = _env(csim, data, cli_env["config"])
    assert subprocess.run([str(DROVER), "sync", "--until-idle"], env=env, capture_output=True,
                          timeout=60, check=False).returncode == 0  # fmt: skip
    _fill(data)
    done = subprocess.run([str(DROVER), "sync", "--until-idle"], env=env, capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 1
    _no_flood(done.stderr)
    assert done.stderr.splitlines() == [
        f"drover: the disk holding {data / 'default'} is full: nothing more can be mirrored",
        "  hint: free some space and run it again; everything mirrored so far is kept",
    ]


def test_a_read_only_data_dir_is_said_once_and_still_read(csim, cli_env, mount, tmp_path):
    data = mount("ro", "16m")
    env = _env(csim, data, cli_env["config"])
    ids = _finished_sessions(csim, 1)
    synced = subprocess.run([str(DROVER), "sync", "--until-idle"], env=env, capture_output=True,
                            text=True, timeout=60, check=False)  # fmt: skip
    assert synced.returncode == 0, synced.stderr
    subprocess.run(["mount", "-o", "remount,ro", str(data)], check=True)

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(DROVER), *argv], env=env, capture_output=True, text=True,
                              timeout=60, check=False)  # fmt: skip

    for argv in (["sync", "--until-idle"], ["ls"], ["send", ids[0], "hi"]):
        done = run(*argv)
        assert done.returncode == 1, (argv, done.stderr)
        _no_flood(done.stderr)
        assert _drover_lines(done.stderr) == [
            f"drover: the data directory {data} is read-only: drover cannot write its mirror"
        ], argv
    offline = run("ls", "--offline", "--json")
    assert offline.returncode == 0, offline.stderr
    assert ids[0] in offline.stdout
    assert run("tail", ids[0], "--offline").returncode == 0
    exported = run("export", ids[0], "-o", str(tmp_path / "out.md"))
    assert exported.returncode == 0, exported.stderr


def _corrupt(path: Path, how: str) -> None:
    size = path.stat().st_size
    with path.open("r+b") as f:
        if how == "truncated":
            f.truncate(size // 3)
        elif how == "bad header":
            f.write(b"not an sqlite file")
        else:  # overwritten pages: every page after the first
            page = 4096
            rng = __import__("random").Random(7)
            for offset in range(page, size, page):
                f.seek(offset)
                f.write(bytes(rng.randrange(256) for _ in range(page)))


@pytest.mark.parametrize("how", ["truncated", "bad header", "overwritten pages"])
def test_a_damaged_mirror_is_one_sentence_and_never_written(on_sim, cli_env, drover, how):
    sid = _finished_sessions(on_sim, 1)[0]
    assert drover("sync", "--until-idle", "--timeout", "30").code == 0
    path = mirror_path("default", cli_env["data"])
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    _corrupt(path, how)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    for argv in (
        ["ls", "--offline"],
        ["search", "report"],
        ["export", sid, "-o", "-"],
        ["sync", "--until-idle", "--timeout", "20"],
        ["tail", sid, "--no-follow"],
    ):
        result = drover(*argv)  # fmt: skip
        assert result.code == 1, (argv, result.out, result.err)
        _no_flood(result.err)
        lines = result.err.splitlines()
        assert len(lines) == 2 and lines[0].startswith(f"drover: the mirror {path} is damaged ("), (
            argv, result.err)  # fmt: skip
        assert lines[1] == ("  hint: `drover doctor --repair` moves it aside and rebuilds it "
                            "from the server")  # fmt: skip
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # sync wrote nothing into it


def test_a_mirror_from_a_newer_drover_is_one_sentence_everywhere(on_sim, cli_env, drover):
    path = mirror_path("default", cli_env["data"], create=True)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    for argv in (
        ["sync", "--until-idle"],
        ["ls"],
        ["ls", "--offline"],
        ["tail", "sesn_x"],
        ["search", "x"],
    ):
        result = drover(*argv)  # fmt: skip
        assert result.code == 1, argv
        _no_flood(result.err)
        assert _drover_lines(result.err) == [
            f"drover: mirror schema version 99 is newer than this drover ({SCHEMA_VERSION}); "
            "upgrade drover or point it at another data directory"
        ], argv


def test_a_dead_log_disk_does_not_flood(cli_env, mount, csim):
    """drover.log on a full disk: the command runs, and stderr stays clean."""
    data = mount("disk", "1m")
    env = _env(csim, data, cli_env["config"])
    assert subprocess.run([str(DROVER), "sync", "--until-idle"], env=env, capture_output=True,
                          timeout=60, check=False).returncode == 0  # fmt: skip
    _fill(data)
    done = subprocess.run([str(DROVER), "ls", "--offline", "--debug"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0 and done.stderr == "", done.stderr
