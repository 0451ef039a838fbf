"""Typed config records: dataclasses that check themselves, without a validation library.

Every record of the config (the file's top level, a profile, its hub, budgets, rules, launch
templates, a theme file) is a keyword-only dataclass deriving from :class:`Record`. Building one
— from a parsed TOML table with :meth:`Record.from_data`, or in code with its constructor —
checks every field against its annotation and the limits in its metadata (:func:`limits`), and
raises :class:`SchemaError` listing each problem with its dotted path (`profiles.work.base_url`).

The supported annotations are what the config uses: ``str``, ``int``, ``float``, ``bool``,
``datetime``, ``Literal[...]``, ``X | None``, ``dict[str, X]``, ``list[X]``, ``Any`` and other
records. drover's start reads the config before its first paint, so this module is small on
purpose: importing it and checking a user's file costs about a millisecond (pydantic, which
did this before, cost ~100 ms of every start).
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Self

__all__ = ["Problem", "Record", "SchemaError", "limits"]

Path = tuple[str | int, ...]
"""Where a value sits: keys and list positions from the top of the data."""


@dataclasses.dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the data: where, and a sentence fragment saying what."""

    path: Path
    message: str

    @property
    def where(self) -> str:
        """The dotted path (`profiles.work.rules`), or "(top level)"."""
        return ".".join(map(str, self.path)) or "(top level)"


class SchemaError(ValueError):
    """The data does not fit the record: every problem found, in the data's order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{first.where}: {first.message}{more}")

    @property
    def first(self) -> Problem:
        """The first problem (what a one-line message names)."""
        return self.problems[0]


def limits(
    *,
    gt: float | None = None,
    ge: float | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
    then: Callable[[Any], Any] | None = None,
) -> dict[str, Any]:
    """A field's metadata: bounds for numbers, lengths for text, and `then`, the field's own
    check (takes the typed value, returns it — possibly normalised — or raises ValueError
    saying what is wrong)."""
    found = {"gt": gt, "ge": ge, "min_length": min_length, "max_length": max_length, "then": then}
    return {key: value for key, value in found.items() if value is not None}


class _Invalid(Exception):
    """Internal: the problems under one value (collected, then raised as SchemaError)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems


@dataclasses.dataclass(kw_only=True)
class Record:
    """A checked record (subclass it with ``@dataclass(kw_only=True)``)."""

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        for field in dataclasses.fields(self):
            try:
                value = _field_value(type(self), field, getattr(self, field.name), ())
            except _Invalid as exc:
                problems.extend(exc.problems)
            else:
                object.__setattr__(self, field.name, value)
        if problems:
            raise SchemaError(problems)

    @classmethod
    def from_data(cls, data: object) -> Self:
        """The record a parsed table describes.

        Raises:
            SchemaError: an unknown key, a missing one, or a value of the wrong kind.
        """
        try:
            record: Self = _record(cls, data, ())
        except _Invalid as exc:
            raise SchemaError(exc.problems) from None
        return record

    def to_data(
        self, *, exclude_none: bool = False, exclude_defaults: bool = False, json: bool = False
    ) -> dict[str, Any]:
        """The record as plain dicts, lists and scalars (what TOML or JSON writes).

        Args:
            exclude_none: leave out fields that are None.
            exclude_defaults: leave out fields equal to their default.
            json: datetimes as ISO 8601 text (UTC as `Z`).
        """
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if exclude_none and value is None:
                continue
            if exclude_defaults and value == _default(field):
                continue
            out[field.name] = _plain(value, exclude_none, exclude_defaults, json)
        return out


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return dataclasses.MISSING


def _plain(value: Any, exclude_none: bool, exclude_defaults: bool, json: bool) -> Any:
    if isinstance(value, Record):
        return value.to_data(
            exclude_none=exclude_none, exclude_defaults=exclude_defaults, json=json
        )
    if isinstance(value, dict):
        return {k: _plain(v, exclude_none, exclude_defaults, json) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, exclude_none, exclude_defaults, json) for v in value]
    if json and isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value


_HINTS: dict[type, dict[str, Any]] = {}
"""Each record's resolved annotations (resolved once: the modules use postponed annotations)."""


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def _record(cls: type[Any], data: object, path: Path) -> Any:
    if isinstance(data, cls):
        return data
    if not isinstance(data, Mapping):
        raise _Invalid([Problem(path, "must be a table")])
    fields = {field.name: field for field in dataclasses.fields(cls) if field.init}
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for key, value in data.items():
        field = fields.get(key)
        if field is None:
            problems.append(Problem((*path, key), "unknown key (not a setting drover has)"))
            continue
        try:
            values[key] = _field_value(cls, field, value, path)
        except _Invalid as exc:
            problems.extend(exc.problems)
    for name, field in fields.items():
        if name not in data and _default(field) is dataclasses.MISSING:
            problems.append(Problem((*path, name), "required"))
    if problems:
        raise _Invalid(problems)
    try:
        return cls(**values)
    except SchemaError as exc:  # cannot happen for values checked above; kept for its path
        raise _Invalid([Problem((*path, *p.path), p.message) for p in exc.problems]) from None


def _field_value(cls: type, field: dataclasses.Field[Any], value: Any, path: Path) -> Any:
    where = (*path, field.name)
    value = _typed(_hints(cls)[field.name], value, where)
    rules = field.metadata
    if not rules or value is None:
        return value
    message = _bounds(rules, value)
    if message is None and "then" in rules:
        try:
            value = rules["then"](value)
        except ValueError as exc:
            message = str(exc)
    if message is not None:
        raise _Invalid([Problem(where, message)])
    return value


def _bounds(rules: Mapping[str, Any], value: Any) -> str | None:
    if "gt" in rules and not value > rules["gt"]:
        return f"must be greater than {rules['gt']}"
    if "ge" in rules and not value >= rules["ge"]:
        return f"must be at least {rules['ge']}"
    if "min_length" in rules and len(value) < rules["min_length"]:
        return "must not be empty" if rules["min_length"] == 1 else "is too short"
    if "max_length" in rules and len(value) > rules["max_length"]:
        return f"must be at most {rules['max_length']} characters"
    return None


_KINDS: dict[type, str] = {
    str: "text",
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    datetime: "a date and time",
}


def _typed(hint: Any, value: Any, path: Path) -> Any:
    """`value` as the annotation `hint` says, or _Invalid naming what was expected."""
    origin = typing.get_origin(hint)
    if hint is Any:
        return value
    if origin in (types.UnionType, typing.Union):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        (inner,) = [option for option in options if option is not type(None)]
        return _typed(inner, value, path)
    if origin is typing.Literal:
        choices = typing.get_args(hint)
        if value not in choices:
            raise _Invalid([Problem(path, f"must be one of {', '.join(map(repr, choices))}")])
        return value
    if origin is dict:
        key_type, value_type = typing.get_args(hint)
        if not isinstance(value, Mapping):
            raise _Invalid([Problem(path, "must be a table")])
        return _items(value.items(), key_type, value_type, path)
    if origin is list:
        (item_type,) = typing.get_args(hint)
        if not isinstance(value, list | tuple):
            raise _Invalid([Problem(path, "must be a list")])
        return list(_items(enumerate(value), int, item_type, path).values())
    if isinstance(hint, type) and issubclass(hint, Record):
        return _record(hint, value, path)
    return _scalar(hint, value, path)


def _items(pairs: Any, key_type: Any, value_type: Any, path: Path) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    problems: list[Problem] = []
    for key, item in pairs:
        if key_type is str and not isinstance(key, str):
            problems.append(Problem((*path, str(key)), "must be named by text"))
            continue
        try:
            out[key] = _typed(value_type, item, (*path, key))
        except _Invalid as exc:
            problems.extend(exc.problems)
    if problems:
        raise _Invalid(problems)
    return out


def _scalar(hint: type, value: Any, path: Path) -> Any:
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise _Invalid([Problem(path, "must be a finite number")])
        return float(value)
    if hint is datetime and isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    if hint is int and isinstance(value, bool):
        value = str(value)  # True is an int to Python, never to a config file
    if isinstance(value, hint):
        return value
    raise _Invalid([Problem(path, f"must be {_KINDS.get(hint, hint.__name__)}")])
