"""The import structure as numbers: rooms, floors and arrows of the package, today or at any commit.

A *room* is a module at the package's top (``errors``, ``files``, ...), a subpackage (``nn/``, ``cli/``,
...) or the ``bench/`` folder, each drawn as one box; an *arrow* A -> B says that some file of room A imports
some module of room B (every import the code spells out: lazy ones inside functions and ``TYPE_CHECKING``
ones too); a room's *floor* is 1 when it imports no other room, else one above the highest room it imports,
so the floors are the layers the folder list shows. Only ``ast`` is used: nothing of the package is run.

    python bench/import_structure.py                    # the work tree
    python bench/import_structure.py be33993^ HEAD      # commits, read through ``git archive``

Measured for docs/design.md: 29 rooms on 12 floors with 109 arrows before the first regrouping (be33993^),
19 rooms, 12 floors, 79 arrows after it (be33993).
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "sentiment_rnn"


def module_name(path: Path, root: Path) -> str:
    """``sentiment_rnn/nn/model.py`` -> ``sentiment_rnn.nn.model``; a package is named by its folder."""
    parts = path.relative_to(root).with_suffix("").parts
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def room_of(module: str, root: Path) -> str:
    """The box a module is drawn in: ``nn/`` for ``sentiment_rnn.nn.model``, ``files`` for ``sentiment_rnn.files``."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return parts[0] + "/"
    if len(parts) == 1:
        return "__init__"
    return parts[1] + "/" if (root / PACKAGE / parts[1]).is_dir() else parts[1]


def imported_names(path: Path) -> list[str]:
    """Every ``sentiment_rnn...`` name that ``path`` imports, as ``module.name`` for ``from module import name``."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.split(".")[0] == PACKAGE:
            names += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names if alias.name.split(".")[0] == PACKAGE]
    return names


def measure(root: Path) -> dict:
    """Rooms, floors, arrows, and the modules at the package's top, of the tree at ``root``."""
    files = sorted((root / PACKAGE).rglob("*.py")) + sorted((root / "bench").glob("*.py"))
    modules = {module_name(path, root): path for path in files}
    arrows: set[tuple[str, str]] = set()
    for module, path in modules.items():
        for name in imported_names(path):
            while name and name not in modules:  # ``package.module.function`` -> ``package.module``
                name = name.rpartition(".")[0]
            if name and room_of(name, root) != room_of(module, root):
                arrows.add((room_of(module, root), room_of(name, root)))
    rooms = sorted({room_of(module, root) for module in modules})
    floors: dict[str, int] = {}

    def floor(room: str, seen: tuple[str, ...] = ()) -> int:
        if room in seen:
            raise ValueError("the rooms import each other in a circle: " + " -> ".join((*seen, room)))
        if room not in floors:
            floors[room] = 1 + max((floor(b, (*seen, room)) for a, b in arrows if a == room), default=0)
        return floors[room]

    return {"rooms": len(rooms), "floors": max(floor(room) for room in rooms), "arrows": len(arrows),
            "top_modules": sum(1 for room in rooms if not room.endswith("/")),
            "subpackages": sum(1 for room in rooms if room.endswith("/") and room != "bench/")}


def checkout(revision: str, into: Path) -> Path:
    """The files of ``revision`` (``git archive``) unpacked under ``into``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, PACKAGE, "bench"],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("revisions", nargs="*", help="git revisions to measure (default: the work tree)")
    args = parser.parse_args(argv)
    print("| tree | rooms | floors | arrows | modules at the top | subpackages |\n|---|---|---|---|---|---|")
    for revision in args.revisions or [None]:
        with tempfile.TemporaryDirectory() as folder:
            root = ROOT if revision is None else checkout(revision, Path(folder))
            found = measure(root)
        print(f"| {revision or 'work tree'} | {found['rooms']} | {found['floors']} | {found['arrows']} | "
              f"{found['top_modules']} | {found['subpackages']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
