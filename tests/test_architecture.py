"""The layout's rules, read from the source with ``ast``.

- The framework (``ai_safety_gridworlds``) never imports ``environments`` or ``experiments``, not
  even inside a function, and no file of it carries an environment's name.
- No import cycle among the project's modules. Only imports that run when a module is imported
  count: those at module level (and in class bodies), not those inside functions (a lazy import
  is how a module reaches one that imports it) nor under ``if TYPE_CHECKING:``. An import of
  ``a.b.c`` is an edge to ``a.b.c`` (not to the packages ``a`` and ``a.b`` it also runs, which
  would make every package that re-exports its modules a cycle).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = ("ai_safety_gridworlds", "environments", "experiments", "tests")
FRAMEWORK = "ai_safety_gridworlds"
NOT_IN_FRAMEWORK = ("environments", "experiments")


def module_files() -> dict[str, str]:
    """Every module of the project: dotted name -> file path."""
    found = {}
    for package in PACKAGES:
        for folder, dirs, files in os.walk(os.path.join(ROOT, package)):
            dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__pycache__")))
            for name in sorted(files):
                if not name.endswith(".py"):
                    continue
                relative = os.path.relpath(os.path.join(folder, name), ROOT)[: -len(".py")]
                parts = relative.split(os.sep)
                if parts[-1] == "__init__":
                    parts.pop()
                found[".".join(parts)] = os.path.join(folder, name)
    return found


MODULES = module_files()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST, at_import_time: bool):
    """The Import/ImportFrom nodes under ``node``; with ``at_import_time``, only those that run
    when the module is imported."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child
        elif at_import_time and isinstance(
            child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
        ):
            continue
        elif at_import_time and isinstance(child, ast.If) and _is_type_checking(child):
            yield from (n for branch in child.orelse for n in _imports_of(branch, True))
        else:
            yield from _imports(child, at_import_time)


def _imports_of(node: ast.AST, at_import_time: bool):
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
    else:
        yield from _imports(node, at_import_time)


def imported_modules(name: str, at_import_time: bool) -> set[str]:
    """The dotted names a module imports (project modules resolved to the module itself)."""
    with open(MODULES[name], encoding="utf-8") as f:
        tree = ast.parse(f.read(), MODULES[name])
    is_package = MODULES[name].endswith("__init__.py")
    targets = set()
    for node in _imports(tree, at_import_time):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = name.split(".")
            anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            targets.add(submodule if submodule in MODULES else base)
    return targets


def _project_module(target: str) -> str | None:
    """The project module an import runs (the longest project prefix of the dotted name)."""
    parts = target.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in MODULES:
            return candidate
    return None


def test_the_layout_is_found():
    assert {"ai_safety_gridworlds.registry", "environments.firemaker_ex_ma.game"} <= set(MODULES)
    assert "ai_safety_gridworlds.core.game" in MODULES


@pytest.mark.parametrize("name", sorted(m for m in MODULES if m.split(".")[0] == FRAMEWORK))
def test_the_framework_never_imports_environments_or_experiments(name):
    bad = sorted(
        target
        for target in imported_modules(name, at_import_time=False)
        if target.split(".")[0] in NOT_IN_FRAMEWORK
    )
    assert bad == [], f"{name} imports {bad}"


def test_no_framework_file_carries_an_environment_name():
    environments = [
        m.split(".")[1] for m in MODULES if m.count(".") == 1 and m.startswith("environments.")
    ]
    games = {name.split("_")[0] for name in environments if name != "catalog"}
    assert {"firemaker", "diamond"} <= games
    framework_files = [
        os.path.relpath(path, ROOT) for m, path in MODULES.items() if m.startswith(FRAMEWORK)
    ]
    named = [path for path in framework_files for game in games if game in path.lower()]
    assert named == []


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for name in MODULES:
        edges = {_project_module(t) for t in imported_modules(name, at_import_time=True)}
        graph[name] = {e for e in edges if e is not None and e != name}
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_find_cycles_finds_a_cycle():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_there_are_no_import_cycles():
    assert find_cycles(import_graph()) == []


def test_a_lazy_import_does_not_count_but_a_module_level_one_does():
    game = "environments.firemaker_ex_ma.game"
    assert "environments.firemaker_ex_ma.batch" in imported_modules(game, at_import_time=False)
    assert "environments.firemaker_ex_ma.batch" not in imported_modules(game, at_import_time=True)
    batch = "environments.firemaker_ex_ma.batch"
    assert game in imported_modules(batch, at_import_time=True)


def test_importing_the_framework_imports_no_environment():
    script = (
        "import sys, gymnasium, ai_safety_gridworlds\n"
        "assert 'ai_safety_gridworlds/FiremakerExMa-v0' in gymnasium.registry\n"
        "print(sorted(m for m in sys.modules if m.startswith(('environments', 'pycolab'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout == "['environments', 'environments.catalog']\n"


def test_the_catalog_imports_nothing_so_it_can_be_imported_first():
    assert imported_modules("environments.catalog", at_import_time=False) == set()
    script = (
        "import environments.catalog, ai_safety_gridworlds.registry as registry\n"
        "print(registry.environment_names())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout == "['firemaker_ex_ma', 'diamond_charger_ma', 'evals']\n"
