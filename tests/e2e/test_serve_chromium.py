"""End to end: `drover serve` in a real browser (Debian's headless Chromium, over CDP).

The page loads from the loopback server with nothing fetched from elsewhere, connects its
terminal, and shows the fleet; a typed `/` filter narrows it. The text is read from the
browser's own terminal (xterm.js's buffer, found with the DevTools protocol's heap query), so
it is what the page shows, decoded by the browser. A screenshot is kept in the test's tmp dir.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from chromium import Chromium, executable
from transcript_fixtures import NEWS, NEWS_EVENTS, TOOL_EVENTS, TOOLS, session

from drover.store.mirror import Mirror

# The terminal's rows as the browser holds them: the page's terminal object is the one with a
# `terminal` (xterm.js) and a `socket`; `queryObjects` finds it on the heap.
SCREEN = """function () {
  const page = this.find(o => { try { return o && o.terminal && o.terminal.buffer
    && 'socket' in o; } catch (e) { return false; } });
  if (!page) return '';
  const buffer = page.terminal.buffer.active, rows = [];
  for (let i = 0; i < page.terminal.rows; i++) {
    const line = buffer.getLine(buffer.viewportY + i);
    rows.push(line ? line.translateToString(true) : '');
  }
  return rows.join('\\n');
}"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _mirror(data: Path) -> None:
    mirror = Mirror.open(data / "default" / "mirror.db")
    try:
        sessions = [session(TOOLS, "fix the rounding test"), session(NEWS, "nightly release")]
        mirror.writer.submit("upsert_sessions", sessions).result()
        mirror.writer.submit("ingest", TOOLS, TOOL_EVENTS).result()
        mirror.writer.submit("ingest", NEWS, NEWS_EVENTS).result()
    finally:
        mirror.close()


async def _screen(browser: Chromium) -> str:
    proto = await browser.send("Runtime.evaluate", expression="Object.prototype")
    heap = await browser.send("Runtime.queryObjects", prototypeObjectId=proto["result"]["objectId"])
    result = await browser.send(
        "Runtime.callFunctionOn", objectId=heap["objects"]["objectId"],
        functionDeclaration=SCREEN, returnByValue=True,
    )  # fmt: skip
    return str(result["result"].get("value") or "")


async def _until(browser: Chromium, check, what: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        text = await _screen(browser)
        if check(text):
            return text
        assert time.monotonic() < deadline, f"waited {timeout}s for {what}; screen:\n{text}"
        await asyncio.sleep(0.1)


def test_serve_shows_the_fleet_in_chromium_and_takes_keys(tmp_path: Path) -> None:
    if executable() is None:  # CI must run it: scripts/system-deps installs chromium there
        missing = "chromium is not installed (scripts/system-deps installs it)"
        pytest.fail(missing) if os.environ.get("CI") else pytest.skip(missing)
    started = time.monotonic()
    _mirror(tmp_path / "data")
    port = _free_port()
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    env.pop("ANTHROPIC_API_KEY", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "drover.cli.main", "serve", "--port", str(port),
         "--data-dir", str(tmp_path / "data"), "--config", str(tmp_path / "config.toml")],
        env=env, stdout=subprocess.DEVNULL, stderr=(tmp_path / "serve.log").open("w"),
        start_new_session=True,  # its own process group: the app it spawns dies with it
    )  # fmt: skip
    try:
        asyncio.run(_browse(port, tmp_path))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
    elapsed = time.monotonic() - started
    print(f"\ndrover serve in Chromium: {elapsed:.1f} s from start to filtered fleet")
    log = (tmp_path / "serve.log").read_text()
    assert f"http://127.0.0.1:{port}/" in log and "WARNING: listening" not in log


async def _browse(port: int, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 20
    async with httpx.AsyncClient() as http:
        while True:
            try:
                page = await http.get(url)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "drover serve did not answer"
                await asyncio.sleep(0.1)
    assert page.status_code == 200 and "googleapis" not in page.text  # nothing from elsewhere
    browser = await Chromium((1280, 720)).start()
    try:
        await browser.send("Page.navigate", url=url)
        # The rows are drawn first, from the mirror; the header's counts follow a frame later.
        screen = await _until(
            browser,
            lambda s: "fix the rounding" in s and "nightly release" in s and "2/2 sessions" in s,
            "the fleet and its header",
        )
        assert "STATUS" in screen
        await browser.evaluate("document.querySelector('.xterm-helper-textarea').focus()")
        await browser.type("/")
        await _until(browser, lambda s: s.count("\n") and "/" in s.splitlines()[-1], "the / line")
        await browser.type("nightly")
        await browser.key("Enter", "Enter", 13)
        screen = await _until(
            browser, lambda s: "1/2 sessions" in s and "fix the rounding" not in s, "the filter"
        )
        assert "nightly release" in screen
        await browser.screenshot(tmp_path / "serve.png")
    finally:
        await browser.close()
