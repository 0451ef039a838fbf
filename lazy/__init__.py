"""Names a package re-exports, imported when first used (PEP 562).

`drover.api`, `drover.config` and `drover.sync` re-export their public names, but importing one
light module of them (`drover.api.timestamps`, `drover.config.paths`, `drover.sync.connection`)
runs the package's `__init__` first: were the names imported there, `drover ls` and the TUI's
first paint would load the HTTP stack and the config models they never use. Below every layer,
importing nothing of drover's.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, tuple[str, ...]]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package` that imports a name's module (`exports`: each
    module and the names it defines) on first use and keeps the value in the package, so the
    next lookup is plain.

    Raises (from the returned function):
        AttributeError: `name` is not one of `exports`.
    """
    module_of = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(importlib.import_module(package), name, value)
        return value

    return __getattr__
