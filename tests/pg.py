"""A throwaway PostgreSQL cluster for the tests: `initdb` in a temp dir, a private socket,
removed afterwards. No mocks: the PostgreSQL mirror is tested against the real server.

`start_cluster()` needs the server binaries (`initdb`, `pg_ctl`: Debian's postgresql-15, which
`scripts/system-deps` installs). `initdb` refuses to run as root, so as root the cluster runs as
the `postgres` user. It listens on a Unix socket only, in its own directory (a free port number
names the socket), with durability off (`fsync`, `synchronous_commit`): it lives for one test
session. `Cluster.new_schema()` gives each test an empty schema of its own in one database
(`search_path=<schema>,public`; `unaccent` is installed in `public` once), which is far cheaper
than a database per test.

The fixtures are in `tests/conftest.py`: `pg_cluster` (session) and `pg_url` (per test).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote

__all__ = ["Cluster", "ClusterUnavailable", "start_cluster"]

DATABASE = "drover_tests"
USER = "drover"


class ClusterUnavailable(RuntimeError):
    """PostgreSQL's server binaries (or the `postgres` user, when running as root) are absent."""


def find_binary(name: str) -> str | None:
    """`name` on PATH, else in the newest `/usr/lib/postgresql/N/bin` (Debian keeps it there)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Cluster:
    """A running throwaway cluster.

    Attributes:
        root: its directory (data, log and socket).
        port: the port number naming its socket.
    """

    def __init__(self, root: Path, port: int, run_as: list[str], pg_ctl: str) -> None:
        self.root = root
        self.port = port
        self._run_as = run_as
        self._pg_ctl = pg_ctl
        self._admin: object | None = None

    def url(self, database: str = DATABASE, *, schema: str | None = None) -> str:
        """A libpq URL to `database` over the socket (`schema`: first on the search path)."""
        url = f"postgresql://{USER}@/{database}?host={quote(str(self.root))}&port={self.port}"
        if schema is not None:
            url += "&options=" + quote(f"-csearch_path={schema},public")
        return url

    def execute(self, sql: str, database: str = DATABASE) -> None:
        """Run administrative SQL (autocommit)."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def new_schema(self) -> str:
        """The URL of a new, empty schema (one per test)."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.execute(f"CREATE SCHEMA {name}")
        return self.url(schema=name)

    def stop(self) -> None:
        """Stop the server at once and delete its directory."""
        subprocess.run(
            [*self._run_as, self._pg_ctl, "-D", str(self.root / "data"), "-m", "immediate",
             "stop"],
            check=False, capture_output=True,
        )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> Cluster:
    """Create and start a cluster, with the tests' database in it.

    Raises:
        ClusterUnavailable: no server binaries, or no `postgres` user to run them as root.
    """
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise ClusterUnavailable(
            "PostgreSQL's server is not installed (no initdb/pg_ctl); scripts/system-deps "
            "installs postgresql-15"
        )
    root = Path(tempfile.mkdtemp(prefix="drover-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to `postgres`
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root)
            raise ClusterUnavailable("running as root and there is no postgres user") from None
        shutil.chown(root, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    settings = (
        f"-p {port} -k {root} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=300"
    )
    try:
        subprocess.run(
            [*run_as, initdb, "-D", str(root / "data"), "-U", USER, "--auth=trust", "-E", "UTF8",
             "--locale=C.UTF-8", "--no-sync"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        subprocess.run(
            [*run_as, pg_ctl, "-D", str(root / "data"), "-l", str(root / "log"), "-w", "-o",
             settings, "start"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
    except subprocess.CalledProcessError as exc:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"could not start PostgreSQL: {exc.stderr}{log}") from exc
    cluster = Cluster(root, port, run_as, pg_ctl)
    cluster.execute(f"CREATE DATABASE {DATABASE}", database="postgres")
    cluster.execute("CREATE EXTENSION unaccent")
    return cluster
