"""Imports run one way: every module of the package imports only from its own layer or below.

Read with ``ast`` (imports inside functions count; a lazy import is still a dependency), so a
cycle or an upward reach fails here before it becomes a circular-import error at run time.
Imports under ``if TYPE_CHECKING:`` are exempt: they are annotations only and never executed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mer_datasets"

#: Layers from the bottom up; a module (or a package, meaning all of its modules) may import
#: modules of its own layer or of a lower one. The most specific prefix decides.
LAYERS: list[tuple[str, ...]] = [
    ("errors", "config", "resources", "paths", "lazy"),
    ("catalog",),
    ("tables",),
    (
        "download",
        "assets",
        "loaders",
        "validate",
        "cache",
        "labels",
        "agreement",
        "personal",
        "stats",
        "export",
        "describe",
    ),
    ("pipeline",),
    ("dataset",),
    ("datasheet", "cached_agreement"),
    # the command line and the package root (which re-exports the facade)
    ("cli", "__main__", "labels.cli", "agreement.cli", "datasheet.cli", "personal.cli", ""),
]


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def layer_of(module: str) -> int:
    """The layer of the longest LAYERS prefix matching ``module`` ('' is the package root)."""
    best, depth = None, -1
    for index, names in enumerate(LAYERS):
        for name in names:
            matches = module == name or (name and module.startswith(name + "."))
            if matches and len(name) > depth:
                best, depth = index, len(name)
    if best is None:
        raise AssertionError(f"module mer_datasets.{module} is in no layer of LAYERS")
    return best


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the import nodes under ``if TYPE_CHECKING:``."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                skipped.update(id(n) for n in ast.walk(inner))
    return skipped


def imports_of(module: str, path: Path) -> set[str]:
    """Package modules (relative names) that ``module`` imports anywhere, lazily or not."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_nodes(tree)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    package = [p for p in package if p]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and (node.module + ".").startswith("mer_datasets."):
                target = node.module.removeprefix("mer_datasets").lstrip(".")
            else:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}".lstrip(".")
                found.add(sub if sub in MODULES else target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if (alias.name + ".").startswith("mer_datasets."):
                    found.add(alias.name.removeprefix("mer_datasets").lstrip("."))
        elif isinstance(node, ast.Call) and ast.unparse(node.func).endswith("import_module"):
            # importlib.import_module(f"mer_datasets.loaders.{name}"): a loader, by name
            text = ast.unparse(node.args[0]) if node.args else ""
            if "mer_datasets.loaders." in text:
                found.add("loaders")
    found.discard(module)
    return {m for m in found if m in MODULES}


GRAPH = {module: imports_of(module, path) for module, path in MODULES.items()}


def test_every_module_is_in_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_upward_import(module: str) -> None:
    own = layer_of(module)
    upward = sorted(m for m in GRAPH[module] if layer_of(m) > own)
    assert not upward, (
        f"mer_datasets.{module} (layer {own}) imports from a higher layer: "
        + ", ".join(f"mer_datasets.{m} (layer {layer_of(m)})" for m in upward)
    )


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def _group(module: str) -> str:
    """A module's unit: the subpackage it belongs to, or the top-level module itself."""
    return module.split(".")[0]


def test_no_import_cycle_between_modules() -> None:
    # importing a module imports its parent packages first: that edge is not a dependency
    graph = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in GRAPH.items()}
    cycle = _find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(f"mer_datasets.{m}" for m in cycle)


def test_no_import_cycle_between_packages() -> None:
    """Subpackages and top-level modules form a DAG too (cache -> loaders and back would fail)."""
    graph: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        if module == "":
            continue
        own = _group(module)
        # the CLI modules inside a subpackage sit on top of everything, like mer_datasets.cli
        if layer_of(module) == len(LAYERS) - 1:
            own = module
        graph.setdefault(own, set()).update(
            _group(t) for t in targets if t and _group(t) != own and layer_of(t) < len(LAYERS) - 1
        )
    cycle = _find_cycle(graph)
    assert cycle is None, "package import cycle: " + " -> ".join(cycle)


def test_the_checker_sees_lazy_and_relative_imports() -> None:
    """The reader finds an import inside a function, relative or absolute, and skips TYPE_CHECKING."""
    assert "loaders.base" in GRAPH["pipeline"]  # inside load_tables
    assert "tables" in GRAPH["cache"]
    assert "dataset" not in GRAPH["stats"]  # only under TYPE_CHECKING
    assert layer_of("labels.cli") > layer_of("dataset") > layer_of("pipeline") > layer_of("labels")
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
