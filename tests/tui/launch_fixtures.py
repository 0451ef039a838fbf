"""Launch records in a fixture mirror (imported as ``launch_fixtures``): one done with a refused
item, one interrupted halfway (its process died), with fixed times for snapshots."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from tui_support import APPROVAL

from drover.config.templates import LaunchTemplate
from drover.store.mirror import Mirror
from drover.sync.launch_plan import plan_launch

DONE = "lch_0000000000000000done"
HALF = "lch_00000000000000000half"
PRS = [f"https://github.com/acme/web/pull/{n}" for n in (101, 102, 103, 104, 105)]
FLEET = ["sesn_fleet_001", "sesn_fleet_002", APPROVAL, "sesn_fleet_004"]
"""Showcase sessions the done launch's items became (one of them waits for approval)."""


def add_launches(mirror_path: Path) -> None:
    """Record the two launches in the mirror at `mirror_path` (the app not running yet)."""
    template = LaunchTemplate(
        agent="agent_pr-reviewer",
        environment="env_1",
        title="PR {n}",
        message="Review {item}",
    )
    done = plan_launch(
        template,
        [{"item": url} for url in PRS],
        agent_id="agent_pr-reviewer",
        environment_id="env_1",
        name="pr-review",
        source="prs.txt",
        launch_id=DONE,
    )
    half = plan_launch(
        dataclasses.replace(template, title="nightly {n}", message="Document module {n}"),
        [{} for _ in range(6)],
        agent_id="agent_pr-reviewer",
        environment_id="env_1",
        source="count 6",
        launch_id=HALF,
    )
    mirror = Mirror.open(mirror_path)
    try:
        w = mirror.writer
        for plan in (done, half):
            w.submit("create_launch", plan.launch).result()
        for idx, sid in enumerate(FLEET):
            w.submit("launch_item_creating", DONE, idx).result()
            w.submit("launch_item_created", DONE, idx, sid).result()
        w.submit(
            "launch_item_failed", DONE, 4, "agent agent_pr-reviewer is archived (400)"
        ).result()
        w.submit("set_launch_state", DONE, "done").result()
        for idx in range(2):
            w.submit("launch_item_creating", HALF, idx).result()
            w.submit("launch_item_created", HALF, idx, f"sesn_fleet_01{idx}").result()
        w.submit("launch_item_creating", HALF, 2).result()  # in doubt: its process died
    finally:
        mirror.close()
    with sqlite3.connect(mirror_path) as conn:  # fixed times: ages are shown
        conn.execute("UPDATE launches SET created_at = '2026-05-12T10:00:00.000000Z' "
                     f"WHERE id = '{DONE}'")  # fmt: skip
        conn.execute("UPDATE launches SET created_at = '2026-05-12T11:30:00.000000Z' "
                     f"WHERE id = '{HALF}'")  # fmt: skip
