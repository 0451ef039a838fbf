"""Helpers for the hub tests (imported as ``hub_support``): a real `drover hub` process on a
PostgreSQL mirror, signed webhook deliveries, and reading the mirror from the test."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from cli_support import DROVER, wait_for

from drover.api.webhooks import decode_secret, sign_webhook

SECRET = "whsec_ZHJvdmVyLWh1Yi10ZXN0LXNpZ25pbmcta2V5LTAxMjM0NQ=="


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class HubProcess:
    """`drover hub --store URL --listen 127.0.0.1:PORT` in a subprocess, stderr to a file."""

    def __init__(self, store: str, env: dict[str, str], log: Path, *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._err = log.open("ab")
        argv = [str(DROVER), "hub", "--store", store, "--listen", f"127.0.0.1:{self.port}"]
        self.proc = subprocess.Popen(
            [*argv, *args], env=env, stdout=subprocess.DEVNULL, stderr=self._err
        )

    def wait_healthy(self, timeout: float = 30.0) -> dict[str, Any]:
        def healthy() -> dict[str, Any] | None:
            if self.proc.poll() is not None:
                raise AssertionError(f"the hub exited {self.proc.returncode}: {self.read_log()}")
            try:
                reply = httpx.get(f"{self.url}/healthz", timeout=2)
            except httpx.HTTPError:
                return None
            return reply.json() if reply.status_code == 200 else None

        result: dict[str, Any] = wait_for(healthy, timeout=timeout, what="the hub's health")
        return result

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        self._err.close()
        return code

    def read_log(self) -> str:
        return self.log.read_text(errors="replace")

    def log_lines(self) -> list[dict[str, Any]]:
        """The JSON lines of its log (every line must be one)."""
        return [json.loads(line) for line in self.read_log().splitlines() if line.strip()]


def hub_env(sim: Any, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "ANTHROPIC_API_KEY": sim.api_key,
        "ANTHROPIC_BASE_URL": sim.base_url,
        "DROVER_WEBHOOK_SECRET": SECRET,
        **extra,
    }


def webhook(
    event_type: str,
    object_id: str,
    *,
    message_id: str | None = None,
    at: float | None = None,
    secret: str = SECRET,
) -> tuple[bytes, dict[str, str]]:
    """A signed delivery (body, headers), as the platform sends one."""
    body = json.dumps(
        {"type": "event", "id": f"wevt_{uuid.uuid4().hex[:12]}",
         "created_at": "2026-05-12T10:00:00Z",
         "data": {"type": event_type, "id": object_id, "organization_id": "org_sim",
                  "workspace_id": "wrkspc_sim"}}
    ).encode()  # fmt: skip
    message = message_id or f"msg_{uuid.uuid4().hex}"
    stamp = int(time.time() if at is None else at)
    headers = {
        "content-type": "application/json",
        "webhook-id": message,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign_webhook(decode_secret(secret), message, stamp, body),
    }
    return body, headers


def post(hub: HubProcess, delivery: tuple[bytes, dict[str, str]]) -> int:
    body, headers = delivery
    return httpx.post(f"{hub.url}/webhooks", content=body, headers=headers, timeout=10).status_code


def mirrored(store: str, session_id: str) -> bool:
    from drover.store.mirror import Mirror

    with Mirror.open(store) as mirror:
        return mirror.reader.session(session_id) is not None
