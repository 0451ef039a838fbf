"""Which account a mirror belongs to: one API endpoint and workspace, recorded at first sync.

Session ids are only unique within an account, and the cost ledger, the inbox and every action
assume one account per file, so a mirror refuses to be synced from any other. The binding is
the normalised base URL plus the workspace id (None: the key's default workspace); keys are
never stored, and a new key for the same account is the same account.
"""

from __future__ import annotations

from dataclasses import dataclass

from drover.store.dialect import Conn

__all__ = ["ACCOUNT_V5", "AccountBinding", "MirrorAccountError", "bind_account", "read_account"]

ACCOUNT_V5 = """
CREATE TABLE mirror_account (
    id INTEGER PRIMARY KEY CHECK (id = 1),   -- one row: a mirror has one account
    base_url TEXT NOT NULL,
    workspace_id TEXT,
    bound_at TEXT NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class AccountBinding:
    """The account a mirror holds.

    Attributes:
        base_url: the API root, normalised (lower-case scheme and host, no trailing slash).
        workspace_id: the workspace, or None for the key's default one.
    """

    base_url: str
    workspace_id: str | None

    @classmethod
    def of(cls, base_url: str, workspace_id: str | None) -> AccountBinding:
        """Normalise an endpoint so `HTTPS://Host/` and `https://host` are one account."""
        from urllib.parse import urlsplit

        parts = urlsplit(base_url.strip())
        path = parts.path.rstrip("/")
        url = f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}"
        return cls(url, workspace_id or None)

    def describe(self) -> str:
        """`https://host` or `https://host (workspace wrkspc_…)`."""
        if self.workspace_id is None:
            return self.base_url
        return f"{self.base_url} (workspace {self.workspace_id})"


class MirrorAccountError(RuntimeError):
    """A mirror was opened for sync by an account other than the one it holds.

    Attributes:
        held: the account the mirror holds.
        wanted: the account that tried to sync into it.
    """

    def __init__(self, held: AccountBinding, wanted: AccountBinding) -> None:
        self.held = held
        self.wanted = wanted
        super().__init__(
            f"this mirror holds the sessions of {held.describe()}, not {wanted.describe()}; "
            "drover never mixes two accounts in one mirror"
        )


def read_account(conn: Conn) -> AccountBinding | None:
    """The account a mirror holds (None until its first sync)."""
    row = conn.execute("SELECT base_url, workspace_id FROM mirror_account").fetchone()
    return AccountBinding(row[0], row[1]) if row else None


def bind_account(conn: Conn, wanted: AccountBinding) -> AccountBinding:
    """Record `wanted` as the mirror's account, or check that it already is.

    Returns:
        The binding now in force.

    Raises:
        MirrorAccountError: the mirror holds another account.
    """
    held = read_account(conn)
    if held is None:
        from drover.store.extract import now_key  # hashlib and the extractors: writers only

        conn.execute(
            "INSERT INTO mirror_account(id, base_url, workspace_id, bound_at) VALUES (1, ?, ?, ?)",
            (wanted.base_url, wanted.workspace_id, now_key()),
        )
        return wanted
    if held != wanted:
        raise MirrorAccountError(held, wanted)
    return held
