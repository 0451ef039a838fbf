"""Names for what crosses the wire, shared by the client's modules and by sync.

Raw server JSON is untyped on purpose: unknown event types and fields are kept, never
dropped (ARCHITECTURE invariant 6), so a wire object is a ``dict`` whose values are read with
``.get`` and checked where they are used. :mod:`drover.api.models` offers typed views.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, TypeAlias

__all__ = ["JSONObject", "QueryScalar", "QueryValue"]

JSONObject: TypeAlias = dict[str, Any]
"""A decoded JSON object from (or for) the API: an event, a session, a page body."""

QueryScalar: TypeAlias = str | int | float | bool | datetime | None
QueryValue: TypeAlias = QueryScalar | Collection[QueryScalar]
"""A query parameter as :func:`drover.api.core.encode_params` takes it (None: left out;
a list, tuple or set: a bracketed repeated key)."""
