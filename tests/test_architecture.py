"""The layout holds: every module has a layer, imports only run downward or sideways, no import cycle,
no module over 500 lines. The layers are the table of docs/design.md, bottom first."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sentiment_rnn"
MAX_LINES = 500

# Bottom first; a module may import modules of its own layer or of a lower one, never a higher one. Every layer
# above the network is a subpackage, or one of the few modules left at the package's top.
LAYERS = [
    ["errors", "version", "memory"],
    ["nn.*"],
    ["files", "hyperparameters"],
    ["text.*"],
    ["corpora.*"],
    ["training.*"],
    ["estimators.*"],
    ["review.*"],
    ["io.*"],
    ["evaluation.*"],
    ["behaviour.*"],
    ["recipes.*"],
    ["cli.*", "serve.*", "distributed.*"],
    ["__init__", "__main__"],
]
FIT_LOOP = "training.loop"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> int | None:
    for level, patterns in enumerate(LAYERS):
        for pattern in patterns:
            if module == pattern or (pattern.endswith(".*") and (module + ".").startswith(pattern[:-1])):
                return level
    return None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path) -> set[str]:
    """Modules of the package that ``path`` imports anywhere (lazy imports inside functions included),
    except under ``if TYPE_CHECKING:``, which never runs."""
    found: set[str] = set()

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                if child.module == "sentiment_rnn" or child.module.startswith("sentiment_rnn."):
                    found.update(_imported_modules(child.module, [alias.name for alias in child.names]))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.startswith("sentiment_rnn."):
                        found.add(alias.name.removeprefix("sentiment_rnn."))
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def _imported_modules(module: str, names: list[str]) -> set[str]:
    """What ``from <module> import <names>`` imports: a submodule for each name that is one, else the
    module itself (the package's ``__init__`` for ``from sentiment_rnn import ...``)."""
    folder = PACKAGE.joinpath(*module.split(".")[1:])
    prefix = module.removeprefix("sentiment_rnn").lstrip(".")
    own = prefix or "__init__"
    found = set()
    for name in names:
        if (folder / f"{name}.py").exists() or (folder / name / "__init__.py").exists():
            found.add(f"{prefix}.{name}" if prefix else name)
        else:
            found.add(own)
    return found


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {name: {m for m in imports_of(path) if m != name} for name, path in MODULES.items()}


def test_the_walk_sees_the_imports_it_must():
    # guards the walker itself: known edges, a lazy import, and a TYPE_CHECKING import left out
    assert "nn.model" in GRAPH["estimators.rnn"]
    assert FIT_LOOP in GRAPH["estimators.rnn"]  # imported inside fit()
    assert "nn.inference" in GRAPH["nn.model"]
    assert "nn.model" not in GRAPH["nn.inference"]  # only under TYPE_CHECKING
    assert "io.serialization" in GRAPH["cli.options"]  # imported inside load()
    assert "io.serialization" in GRAPH["__init__"]  # ``from sentiment_rnn.io import serialization``


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_has_a_layer(module):
    assert layer_of(module) is not None, f"sentiment_rnn.{module} has no layer: add it to LAYERS and docs/design.md"


def test_no_import_runs_upward():
    upward = [
        f"{module} (layer {layer_of(module)}) imports {target} (layer {layer_of(target)})"
        for module, targets in GRAPH.items() for target in targets
        if target in MODULES and layer_of(module) is not None and layer_of(target) is not None
        and layer_of(target) > layer_of(module)
    ]
    assert not upward, "\n".join(upward)


def test_no_import_cycles():
    state: dict[str, str] = {}
    cycles = []

    def visit(module, stack):
        state[module] = "open"
        for target in sorted(GRAPH.get(module, ())):
            if target not in MODULES:
                continue
            if state.get(target) == "open":
                cycles.append([*stack[stack.index(target):], target])
            elif target not in state:
                visit(target, [*stack, target])
        state[module] = "done"

    for module in sorted(MODULES):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_over_500_lines(module):
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"sentiment_rnn.{module} has {lines} lines"


def test_the_network_knows_nothing_of_text_or_files():
    outside = {target for module, targets in GRAPH.items() if module.startswith("nn.") for target in targets
               if not target.startswith("nn.") and target not in ("errors", "nn")}
    assert not outside, f"nn/ imports {sorted(outside)}"


def test_nothing_below_the_classifier_imports_the_training_loop_except_its_users():
    users = {module for module, targets in GRAPH.items() if FIT_LOOP in targets}
    assert all(layer_of(module) >= layer_of("estimators.rnn") for module in users), sorted(users)


def test_every_subpackage_is_installed():
    import tomllib

    pyproject = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(pyproject["tool"]["setuptools"]["packages"])
    subpackages = {"sentiment_rnn." + ".".join(init.parent.relative_to(PACKAGE).parts)
                   for init in PACKAGE.rglob("__init__.py") if init.parent != PACKAGE}
    assert subpackages <= listed, f"missing from pyproject.toml's packages: {sorted(subpackages - listed)}"
