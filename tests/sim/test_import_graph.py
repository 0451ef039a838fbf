"""The sim's import graph, read from the source: no cycle among ``drover.sim.*`` modules, each
layer imports only the layers below it (the order in ``drover.sim``'s docstring), and nothing
of drover outside the sim (it stands in for somebody else's server).

Imports are read from every module's AST, so those inside functions and under
``TYPE_CHECKING`` count too: a cycle hidden behind either is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parents[2] / "sim"

#: Top to bottom; a module may import its own layer's modules and any layer below. Keep in step
#: with the layer table in sim/__init__.py.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("drover.sim.server",),
    ("drover.sim.http",),
    ("drover.sim.fleet",),
    ("drover.sim.domain",),
    ("drover.sim.engine",),
    ("drover.sim.scenarios",),
    ("drover.sim.wire", "drover.sim.settings"),
)
#: Besides the rest of drover: the UI toolkit, and the SDK the tests check the wire shapes with.
FOREIGN = ("textual", "anthropic")


def sim_modules(root: Path = SIM) -> dict[str, Path]:
    """Every module of the sim package by dotted name (a package by its ``__init__``)."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(("drover", "sim", *parts))] = path
    return modules


def imported_names(name: str, path: Path) -> set[str]:
    """Dotted names ``path`` imports, ``from a import b`` as both ``a`` and ``a.b``."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module → the sim modules it imports (``from pkg import mod`` resolves to ``pkg.mod``)."""
    graph = {}
    for name, path in modules.items():
        found = {n for n in imported_names(name, path) if n in modules}
        # `from drover.sim.http.routes import agents` names both the package and the module:
        # the module is the dependency (the package's __init__ is importable either way).
        graph[name] = {n for n in found if not any(m.startswith(n + ".") for m in found)} - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as ``[a, b, …, a]``, or ``None`` if the graph has none."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path, on_path = [start], {start}
        stack = [iter(sorted(graph[start]))]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                done.add(path[-1])
                on_path.discard(path.pop())
            elif nxt in on_path:
                return [*path[path.index(nxt) :], nxt]
            elif nxt not in done and nxt in graph:
                path.append(nxt)
                on_path.add(nxt)
                stack.append(iter(sorted(graph[nxt])))
    return None


def within(module: str, package: str) -> bool:
    """Whether ``module`` is ``package`` or inside it."""
    return module == package or module.startswith(package + ".")


def layer_of(module: str) -> int | None:
    """The rank of ``module``'s layer in :data:`LAYERS` (0 = top), or ``None``."""
    for rank, prefixes in enumerate(LAYERS):
        if any(within(module, p) for p in prefixes):
            return rank
    return None


def test_the_cycle_finder_finds_cycles_and_only_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"x": {"y"}, "y": {"y2"}, "y2": {"y"}}) == ["y", "y2", "y"]


def test_the_reader_sees_lazy_and_type_checking_imports(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from drover.sim.b import B\n"
        "def f():\n    from . import c\n"
    )
    (tmp_path / "b.py").write_text("import drover.sim.a\n")
    (tmp_path / "c.py").write_text("")
    graph = import_graph(sim_modules(tmp_path))
    assert graph["drover.sim.a"] == {"drover.sim.b", "drover.sim.c"}
    assert find_cycle(graph) == ["drover.sim.a", "drover.sim.b", "drover.sim.a"]


def test_no_import_cycle_among_sim_modules() -> None:
    graph = import_graph(sim_modules())
    assert len(graph) > 40  # the walk found the package
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or ())


def test_every_sim_module_has_a_layer() -> None:
    unplaced = [m for m in sim_modules() if m != "drover.sim" and layer_of(m) is None]
    assert not unplaced, f"add to LAYERS (and to drover.sim's docstring): {unplaced}"


def test_layers_import_only_downwards() -> None:
    upward = []
    for module, deps in import_graph(sim_modules()).items():
        for dep in sorted(deps):
            rank, dep_rank = layer_of(module), layer_of(dep)
            if rank is not None and dep_rank is not None and dep_rank < rank:
                upward.append(f"{module} -> {dep}")
    assert not upward, "imports against the layer order:\n" + "\n".join(upward)


def test_the_sim_imports_nothing_of_drover_outside_it() -> None:
    found = [
        f"{name} imports {imported}"
        for name, path in sim_modules().items()
        for imported in sorted(imported_names(name, path))
        if (within(imported, "drover") and not within(imported, "drover.sim"))
        or imported.split(".")[0] in FOREIGN
    ]
    assert not found, "\n".join(found)
