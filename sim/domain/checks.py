"""Small request-body checks shared by the validators; each failure is a 400 naming the field."""

from __future__ import annotations

from typing import Any

from drover.sim.wire.errors import invalid

_KINDS = {
    str: "a string",
    int: "an integer",
    bool: "a boolean",
    list: "an array",
    dict: "an object",
}

#: Metadata limits (§4): pairs, key length, value length.
METADATA_MAX_PAIRS = 16
METADATA_MAX_KEY = 64
METADATA_MAX_VALUE = 512


def body_object(body: Any, where: str = "body") -> dict:
    """``body`` itself must be a JSON object."""
    if not isinstance(body, dict):
        raise invalid(f"{where}: expected an object")
    return body


def no_unknown(obj: dict, allowed: tuple[str, ...] | frozenset[str], where: str) -> None:
    """Reject keys the protocol does not define (``Extra inputs are not permitted``)."""
    for key in obj:
        if key not in allowed:
            raise invalid(f"{where}.{key}: Extra inputs are not permitted")


def field(
    obj: dict,
    key: str,
    kind: type | tuple,
    where: str,
    *,
    required: bool = False,
    nullable: bool = False,
    default: Any = None,
) -> Any:
    """Read ``obj[key]`` checking its JSON type.

    Args:
        obj: The object being validated.
        key: The field.
        kind: Allowed Python type(s); ``bool`` is never accepted as ``int``.
        where: Path of ``obj`` for the error message.
        required: Missing → 400.
        nullable: ``null`` is allowed (returned as ``None``).
        default: Value when missing.
    """
    if key not in obj:
        if required:
            raise invalid(f"{where}.{key}: Field required")
        return default
    value = obj[key]
    if value is None:
        if nullable:
            return None
        raise invalid(f"{where}.{key}: must not be null")
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise invalid(f"{where}.{key}: expected {_name(kinds)}")
    if not isinstance(value, kinds):
        raise invalid(f"{where}.{key}: expected {_name(kinds)}")
    return value


def _name(kinds: tuple) -> str:
    return " or ".join(_KINDS.get(k, k.__name__) for k in kinds)


def text(
    obj: dict,
    key: str,
    where: str,
    *,
    required: bool = False,
    nullable: bool = False,
    min_len: int = 0,
    max_len: int | None = None,
) -> str | None:
    """A string field with length limits."""
    value = field(obj, key, str, where, required=required, nullable=nullable)
    if value is None:
        return None
    if len(value) < min_len:
        raise invalid(f"{where}.{key}: must be at least {min_len} characters")
    if max_len is not None and len(value) > max_len:
        raise invalid(f"{where}.{key}: must be at most {max_len} characters")
    return value


def enum(
    obj: dict,
    key: str,
    options: tuple[str, ...],
    where: str,
    *,
    required: bool = False,
    default: str | None = None,
) -> str | None:
    """A string field restricted to ``options``."""
    value = field(obj, key, str, where, required=required, default=default)
    if value is not None and value not in options:
        raise invalid(f"{where}.{key}: must be one of {', '.join(repr(o) for o in options)}")
    return value


def typed(obj: Any, options: tuple[str, ...], where: str) -> str:
    """An object with a ``type`` discriminator in ``options``; returns the type."""
    if not isinstance(obj, dict):
        raise invalid(f"{where}: expected an object")
    return enum(obj, "type", options, where, required=True)


def metadata(value: Any, where: str, *, patch: bool = False) -> dict:
    """Check a metadata map (≤16 pairs, key ≤64, value ≤512); in a patch ``null`` deletes.

    Limit violations carry the SDK's ``invalid_metadata`` code; a wrong JSON type does not.
    """
    if not isinstance(value, dict):
        raise invalid(f"{where}: expected an object")
    if len(value) > METADATA_MAX_PAIRS:
        raise invalid(f"{where}: at most {METADATA_MAX_PAIRS} pairs", "invalid_metadata")
    for key, item in value.items():
        if not key or len(key) > METADATA_MAX_KEY:
            raise invalid(
                f"{where}: keys must be 1-{METADATA_MAX_KEY} characters", "invalid_metadata"
            )
        if item is None and patch:
            continue
        if not isinstance(item, str):
            raise invalid(f"{where}.{key}: expected a string")
        if len(item) > METADATA_MAX_VALUE:
            raise invalid(
                f"{where}.{key}: at most {METADATA_MAX_VALUE} characters", "invalid_metadata"
            )
    return value


def apply_metadata_patch(current: dict, patch: dict, where: str) -> dict:
    """Upsert strings, delete ``null``/empty values; the result must still fit the limits."""
    merged = dict(current)
    for key, item in patch.items():
        if item is None or item == "":
            merged.pop(key, None)
        else:
            merged[key] = item
    if len(merged) > METADATA_MAX_PAIRS:
        raise invalid(f"{where}: at most {METADATA_MAX_PAIRS} pairs", "invalid_metadata")
    return merged


def str_list(obj: dict, key: str, where: str, *, max_items: int | None = None) -> list[str] | None:
    """An optional array of strings."""
    value = field(obj, key, list, where, nullable=True)
    if value is None:
        return None
    if max_items is not None and len(value) > max_items:
        raise invalid(f"{where}.{key}: at most {max_items} items")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise invalid(f"{where}.{key}[{i}]: expected a string")
    return value
