"""A viewer process for the double-answer race (`test_hub_race`): a teammate's drover on the
shared mirror, built as every entry point builds it (`ProfileEngines.open_engine`, no key).

It reads `SESSION TOOL_USE_ID` lines on stdin, answers each call at once (allow, or deny with
`--deny`) and prints one JSON line per answer: `{"ref", "queued": id}` or `{"ref", "taken":
"already allowed by … 0s ago"}`. It prints `ready` once its engine is up.
"""

from __future__ import annotations

import asyncio
import json
import sys

from drover.config import load_config
from drover.config.paths import data_dir
from drover.store.outbox import ActionTakenError
from drover.sync.profiles import ProfileEngines
from drover.sync.viewer import ViewerEngine


async def main(allow: bool) -> None:
    engine = await ProfileEngines(load_config(), data_dir()).open_engine()
    assert isinstance(engine, ViewerEngine), "a viewer must need no key and no API"
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    try:
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            session_id, ref = line.split()
            answer: dict[str, object] = {"ref": ref}
            try:
                answer["queued"] = await engine.submit_action(
                    session_id, "tool_confirmation", tool_use_id=ref, allow=allow
                )
            except ActionTakenError as exc:
                answer["taken"] = str(exc)
            print(json.dumps(answer), flush=True)
    finally:
        await engine.stop()


if __name__ == "__main__":
    asyncio.run(main(allow="--deny" not in sys.argv))
