"""Run the sync engine in its own process (the crash tests SIGKILL it).

Usage: ``python crash_worker.py BASE_URL DATA_DIR [--until-idle]`` with the key in
``ANTHROPIC_API_KEY`` (never argv); the mirror is the `default` profile's under DATA_DIR.
Prints ``started`` once following, or a JSON report after ``--until-idle`` (the headless
``drover sync --until-idle`` path).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from drover.sync.profiles import ProfileEngines


async def main(base_url: str, data_dir: str, until_idle: bool) -> int:
    engines = ProfileEngines.endpoint(
        base_url,
        os.environ["ANTHROPIC_API_KEY"],
        Path(data_dir),
        create_per_minute=6000,
        read_per_minute=60000,
    )
    engine = await engines.open_engine(
        poll_min=0.2,
        poll_max=0.5,
        stall_timeout=2.0,
    )
    try:
        if until_idle:
            report = await engine.run_until_idle(timeout=90)
            print(
                json.dumps(
                    {
                        "sessions": report.sessions,
                        "rounds": report.rounds,
                        "seconds": report.seconds,
                    }
                ),
                flush=True,
            )
            return 0
        await engine.start()
        print("started", flush=True)
        await asyncio.Event().wait()
        return 0
    finally:
        await engine.stop()


if __name__ == "__main__":
    if os.environ.get("DROVER_SYNC_DEBUG"):
        import logging

        logging.basicConfig(level=logging.INFO)
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2], "--until-idle" in sys.argv[3:])))
