"""Which process owns something shared through the mirror, and whether that process still lives.

Several drover processes may open one mirror (the TUI and `drover send`, a script of parallel
sends, a `drover sync` in another terminal). Work one of them has claimed — an outbox row being
sent, the right to follow the fleet — carries the claimant's identity, ``host:pid:token``, and
often a lease it renews while it lives. Another process takes such work over only when the
owner is dead:

* on the same host, a pid that no longer exists is dead at once (a crash is noticed on the next
  look, not after the lease);
* otherwise the lease decides: it lapses only if the owner stopped renewing it (killed on
  another host, frozen). A reused pid on this host merely delays the takeover until then.

The token tells two lives of one pid apart (the pid may be reused after a crash).
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass

__all__ = ["ProcessOwner", "owner_alive", "pid_alive"]


@dataclass(frozen=True, slots=True)
class ProcessOwner:
    """A process's identity as written into the mirror.

    Attributes:
        host: the host name.
        pid: the process id.
        token: random, fixed for the life of the process.
    """

    host: str
    pid: int
    token: str

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.token}"

    @classmethod
    def parse(cls, text: str) -> ProcessOwner | None:
        """Read an identity back (None when it is not one)."""
        parts = text.rsplit(":", 2)
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        host = parts[0]
        return cls(host, int(parts[1]), parts[2])

    @classmethod
    def current(cls) -> ProcessOwner:
        """This process (a fork gets a new identity)."""
        global _CURRENT
        pid = os.getpid()
        if _CURRENT is None or _CURRENT.pid != pid:
            _CURRENT = cls(socket.gethostname(), pid, secrets.token_hex(4))
        return _CURRENT


_CURRENT: ProcessOwner | None = None


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def owner_alive(owner: str | None, lease_until: float | None, *, now: float) -> bool:
    """Whether the process named `owner` may still be working on what it claimed.

    Args:
        owner: its identity (None or '': nobody, e.g. a row written before owners existed).
        lease_until: when its claim lapses unless renewed (epoch seconds); None: no lease.
        now: the current epoch time.
    """
    if not owner:
        return False
    me = ProcessOwner.current()
    if owner == str(me):
        return True
    if lease_until is not None and lease_until <= now:
        return False
    other = ProcessOwner.parse(owner)
    if other is not None and other.host == me.host:
        return pid_alive(other.pid)
    return True
