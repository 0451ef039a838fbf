"""The grants of a viewer's role on a shared mirror: read everything, insert actions, nothing
else.

`viewer_grants(role, schema)` is the SQL the README shows and `drover hub grants` prints (the
tests run it against a real server and check what the role can and cannot do). Run it as the
tables' owner (the hub's role) once the hub has created them, and again after an upgrade that
adds tables. Teammates log in as roles that are members of it (`CREATE ROLE ana LOGIN IN ROLE
drover_viewer`), so each action records who took it (`outbox.actor_role` defaults to
`current_user`, a column the viewer may not set).
"""

from __future__ import annotations

import re

__all__ = ["VIEWER_INSERT_COLUMNS", "viewer_grants"]

VIEWER_INSERT_COLUMNS = (
    "session_id", "kind", "payload", "answer_ref", "actor_name", "created_at", "updated_at",
)  # fmt: skip
"""What a viewer may write into an outbox row: never its state, owner, lease or actor role."""

_NAME = re.compile(r"^[a-z_][a-z0-9_$]{0,62}$")


def viewer_grants(role: str = "drover_viewer", schema: str = "drover") -> str:
    """The SQL creating `role` with read access to the mirror in `schema` and the right to
    queue actions.

    Raises:
        ValueError: a name that is not a plain lower-case SQL identifier.
    """
    for name in (role, schema):
        if not _NAME.match(name):
            raise ValueError(f"{name!r} is not a plain lower-case SQL name")
    columns = ", ".join(VIEWER_INSERT_COLUMNS)
    return f"""CREATE ROLE {role} NOLOGIN;
GRANT USAGE ON SCHEMA {schema} TO {role};
GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role};
ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT ON TABLES TO {role};
GRANT INSERT ({columns}) ON {schema}.outbox TO {role};
GRANT USAGE ON SEQUENCE {schema}.outbox_id_seq TO {role};
"""
