"""The import layers hold: no cycle, no private name taken from another module, the contracts kept.

The graph is read from the source with ``ast`` (nothing is imported), including the imports
inside functions: a function-level import hides a cycle from Python's import errors, not from this
test.  ``lint-imports`` then checks the order of the layers (``pyproject.toml``,
``[tool.importlinter]``; ``docs/layout.md`` says what each layer holds).
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("geodata", "layers")


def _modules() -> dict[str, Path]:
    """Every module of the project by dotted name (a package by its own name), and app.py as ``app``."""
    mods = {"app": ROOT / "app.py"}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            mods[".".join(parts)] = path
    return mods


MODULES = _modules()


def _project_module(name: str) -> str | None:
    """The longest project module that ``name`` is or lies in (None: not the project's)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, source: str | None = None) -> list[tuple[str, str | None, int]]:
    """``(target module, imported name or None, line)`` for every import of a project module in ``module``
    (its file, or ``source`` as its text), at the top or inside a function."""
    path = MODULES[module]
    source = path.read_text(encoding="utf-8") if source is None else source
    is_package = path.name == "__init__.py"
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _project_module(alias.name)
                if target:
                    out.append((target, None, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join(package + ([base] if base else []))
            for alias in node.names:
                # `from pkg import sub` imports the submodule; `from mod import name` a name of mod
                full = f"{base}.{alias.name}"
                target = _project_module(full if full in MODULES else base)
                if target:
                    out.append((target, None if full in MODULES else alias.name, node.lineno))
    return out


def import_graph() -> dict[str, set[str]]:
    return {m: {t for t, _, _ in imports_of(m) if t != m} for m in MODULES}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_import_graph_has_no_cycle():
    assert cycles(import_graph()) == []


def test_cycle_finder_finds_a_cycle_through_a_function_level_import():
    # The check itself: a graph with a loop is reported, one without is not.
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    # The store once reached up to the view inside its functions: such an import is an edge, and with
    # the view's own import of the store it closes a cycle.
    source = MODULES["geodata.store.base"].read_text(encoding="utf-8") + (
        "\n\ndef _upward():\n    from ..view.selection import View, _private\n\n    return View, _private\n")
    found = imports_of("geodata.store.base", source)
    assert ("geodata.view.selection", "View", len(source.splitlines()) - 2) in found
    graph = import_graph()
    graph["geodata.store.base"] = {t for t, _, _ in found}
    assert any({"geodata.store.base", "geodata.view.selection"} <= set(c) for c in cycles(graph))


def private_imports(module: str, source: str | None = None) -> list[str]:
    """The private names (``_x``) that ``module`` imports from another module."""
    return [f"{module} line {line} takes {name} from {target}" for target, name, line in imports_of(module, source)
            if name and name.startswith("_") and not name.startswith("__") and target != module]


def test_no_private_name_is_imported_from_another_module():
    assert [taken for m in MODULES for taken in private_imports(m)] == []


def test_a_private_name_taken_inside_a_function_is_found():
    source = "def f():\n    from .boundaries import PRECISION, _decode_ints\n"
    assert private_imports("geodata.geography.regions", source) == [
        "geodata.geography.regions line 2 takes _decode_ints from geodata.geography.boundaries"]


def test_nothing_imports_the_app():
    importers = [m for m in MODULES if m != "app" and any(t == "app" for t, _, _ in imports_of(m))]
    assert importers == []


def test_function_level_imports_of_the_lower_layers_are_all_found():
    # A module that imports the view inside a function is seen importing it.
    graph = import_graph()
    assert "geodata.view.selection" in graph["geodata.view.occupancy"]
    assert "geodata.core.report" in graph["geodata.cli"]  # top level
    assert any(t.startswith("geodata.imports") for t in graph["geodata.cli"])  # inside the commands


def test_import_linter_contracts_are_kept():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(exe).exists():
        pytest.fail("lint-imports is not installed: pip install -e '.[test]' (import-linter)")
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    run = subprocess.run([exe, "--no-cache", "--no-logo"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout
