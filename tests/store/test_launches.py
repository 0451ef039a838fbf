"""A launch's record in the mirror, on both backends: items move queued → creating → created or
failed, in-doubt ones go back to queued, the record reads back with its sessions' outcomes, and
the fleet narrows to a launch's sessions by the record or by their tag."""

from __future__ import annotations

from drover.store.fleet import FleetQuery
from drover.store.launches import NewLaunch


def _launch(launch_id: str, count: int) -> NewLaunch:
    items = [({"n": n + 1}, {"title": f"job {n + 1}"}) for n in range(count)]
    return NewLaunch(launch_id, "nightly", {"agent": "agent_1"}, f"--count {count}", items)


def _session(session_id: str, **fields: object) -> dict[str, object]:
    return {"id": session_id, "type": "session", "status": "idle", "title": session_id,
            "created_at": "2026-05-12T10:00:00Z", **fields}  # fmt: skip


def test_items_move_through_their_states_and_the_record_reads_back(mirror) -> None:
    w, r = mirror.writer, mirror.reader
    w.submit("create_launch", _launch("lch_one", 4)).result()
    assert w.submit("launch_item_creating", "lch_one", 0).result() is True
    assert w.submit("launch_item_creating", "lch_one", 0).result() is False  # not queued now
    for idx in (1, 2):
        w.submit("launch_item_creating", "lch_one", idx).result()
    w.submit("upsert_sessions", [
        _session("sesn_a"),
        _session("sesn_b", status="running"),
    ]).result()  # fmt: skip
    w.submit("launch_item_created", "lch_one", 0, "sesn_a").result()
    w.submit("launch_item_created", "lch_one", 1, "sesn_b").result()
    w.submit("launch_item_failed", "lch_one", 3, "400: no such agent").result()
    # item 2 is in doubt: the server showed it was never made, so it is queued again
    assert w.submit("launch_items_requeue", "lch_one", [2, 3]).result() == 1
    w.submit("set_launch_state", "lch_one", "paused", "interrupted").result()

    launch = r.launch("lch_one")
    assert launch is not None and (launch.state, launch.error) == ("paused", "interrupted")
    assert launch.counts == {"created": 2, "queued": 1, "failed": 1} and launch.settled == 3
    assert launch.outcomes == {"done": 1, "running": 1}
    items = r.launch_items("lch_one")
    assert [(i.state, i.session_id, i.attempts) for i in items] == [
        ("created", "sesn_a", 1), ("created", "sesn_b", 1), ("queued", None, 1),
        ("failed", None, 0),
    ]  # fmt: skip
    assert items[3].error == "400: no such agent" and items[0].item == {"n": 1}
    assert [i.idx for i in r.launch_items("lch_one", states=("queued", "failed"))] == [2, 3]
    assert r.launch("lch_none") is None


def test_launches_are_listed_newest_first_and_found_by_prefix(mirror) -> None:
    w, r = mirror.writer, mirror.reader
    w.submit("create_launch", _launch("lch_a1", 1)).result()
    w.submit("create_launch", _launch("lch_a2", 2)).result()
    w.submit("create_launch", _launch("lch_b1", 1)).result()
    assert {x.id for x in r.launches()} == {"lch_a1", "lch_a2", "lch_b1"}
    assert r.launch_ids_with_prefix("lch_a") == ["lch_a1", "lch_a2"]
    assert r.launch_ids_with_prefix("lch_%") == []  # a LIKE wildcard is taken literally


def test_the_fleet_shows_one_launch_by_its_record_or_its_tag(mirror) -> None:
    w, r = mirror.writer, mirror.reader
    w.submit("create_launch", _launch("lch_mine", 2)).result()
    tag = {"drover_launch": "lch_mine", "drover_item": "1"}
    w.submit("upsert_sessions", [
        _session("sesn_recorded"),
        _session("sesn_tagged", metadata=tag),  # a launch resumed from another machine
        _session("sesn_other", metadata={"drover_launch": "lch_else"}),
        _session("sesn_old", metadata=tag, archived_at="2026-05-12T11:00:00Z"),
    ]).result()  # fmt: skip
    w.submit("launch_item_created", "lch_mine", 0, "sesn_recorded").result()
    shown = r.fleet_ids(FleetQuery(launch_id="lch_mine"))
    assert sorted(shown) == ["sesn_recorded", "sesn_tagged"]
    with_archived = r.fleet_ids(FleetQuery(launch_id="lch_mine", archived=True))
    assert sorted(with_archived) == ["sesn_old", "sesn_recorded", "sesn_tagged"]
    assert len(r.fleet_ids(FleetQuery())) == 3
