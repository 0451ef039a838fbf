"""The mirror, drover.log and exports are readable by their owner only, like the config."""

from __future__ import annotations

import logging
import os
import stat

from cli_support import create_session, status, wait_for

from drover.cli.logs import LOG_NAME, setup_logging, teardown_logging
from drover.config import mirror_path


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_mirror_log_and_exports_are_0600(on_sim, cli_env, drover, tmp_path):
    previous = os.umask(0o022)  # a common default: files would be 0644 without care
    try:
        sid = create_session(on_sim, "general", title="modes")
        wait_for(lambda: status(on_sim, sid) == "idle")
        assert drover("sync", "--until-idle", "--timeout", "30").code == 0
        mirror = mirror_path("default", cli_env["data"])
        files = [mirror, cli_env["data"] / LOG_NAME]
        files += [p for p in mirror.parent.iterdir() if p.name.startswith("mirror.db-")]
        for fmt in ("md", "html", "jsonl"):
            target = tmp_path / f"out.{fmt}"
            assert drover("export", sid, "-o", str(target)).code == 0
            files.append(target)
        target = tmp_path / "out.md"
        assert drover("export", sid, "-o", str(target), "--force").code == 0  # a replacement
    finally:
        os.umask(previous)
    assert {str(p): oct(_mode(p)) for p in files} == {str(p): "0o600" for p in files}
    assert _mode(mirror.parent) == 0o700 and _mode(cli_env["data"]) == 0o700


def test_files_made_by_an_older_drover_are_tightened(on_sim, cli_env, drover):
    mirror = mirror_path("default", cli_env["data"], create=True)
    mirror.touch(mode=0o644)
    mirror.chmod(0o644)
    log_file = cli_env["data"] / LOG_NAME
    log_file.touch()
    log_file.chmod(0o644)
    assert drover("ls").code == 0
    handler = setup_logging(cli_env["data"])
    logging.getLogger("drover.test").warning("written")
    teardown_logging(handler)
    assert _mode(mirror) == 0o600 and _mode(log_file) == 0o600
