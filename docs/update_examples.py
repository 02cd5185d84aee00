"""The command examples of README.md and docs/*.md, run for real.

Two kinds of fenced block are examples:

* ```console blocks: lines starting with "$ " are shell commands, run with bash from the repository's top
  folder; the lines after a command, up to the next "$ " line or the end of the block, are what it prints
  (stdout and stderr together, as a terminal shows them);
* ```pycon blocks: ">>> " and "... " lines are Python, run in one namespace per block; the lines after a
  statement are what it prints (an expression's repr, as the interpreter shows it).

tests/test_doc_examples.py runs every example and compares its output with the text, character for
character (numbers too, exactly as printed). When the shipped model or an output changes on purpose,

    python docs/update_examples.py          # rewrite every example's output from a real run
    python docs/update_examples.py --check  # only compare; exit 1 and show the differences

Examples should be few, fast (a second or two each) and deterministic.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```(console|pycon)\s*$")
COMMAND_TIMEOUT = 120  # seconds; an example should take one or two


def documents() -> list[Path]:
    """README.md and every page of the docs site, in a fixed order."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@dataclass
class Example:
    """One command (or Python statement) of a block and the output the text shows for it."""

    path: Path
    line: int  # 1-based line of the command in the file
    kind: str  # "console" or "pycon"
    source: str  # the shell command, or the Python statement without its prompts
    shown: str  # the output lines as the text shows them, each ending in "\n"
    span: tuple[int, int]  # 0-based [first, last) lines of the output in the file

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


@dataclass
class Block:
    path: Path
    kind: str
    examples: list[Example]


def blocks(path: Path) -> list[Block]:
    """Every console and pycon block of a Markdown file, split into its examples."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    found, index = [], 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        found.append(Block(path, opening.group(1), _split(path, opening.group(1), lines, index + 1, end)))
        index = end + 1
    return found


def _split(path: Path, kind: str, lines: list[str], start: int, end: int) -> list[Example]:
    prompt, more = ("$ ", None) if kind == "console" else (">>> ", "... ")
    examples, index = [], start
    while index < end:
        if not lines[index].startswith(prompt):
            raise ValueError(f"{path.relative_to(ROOT)}:{index + 1}: output before any command in a {kind} block")
        first = index
        source = [lines[index][len(prompt):]]
        index += 1
        while more and index < end and lines[index].startswith(more):
            source.append(lines[index][len(more):])
            index += 1
        output_start = index
        while index < end and not lines[index].startswith(prompt):
            index += 1
        examples.append(Example(path, first + 1, kind, "".join(source).rstrip("\n"),
                                "".join(lines[output_start:index]), (output_start, index)))
    return examples


def example_environment() -> dict[str, str]:
    """The environment the commands run in: this Python's scripts first on PATH, one BLAS thread, UTF-8,
    unbuffered (so stdout and stderr interleave as in a terminal)."""
    scripts = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": scripts + os.pathsep + os.environ.get("PATH", ""), "OPENBLAS_NUM_THREADS": "1",
            "PYTHONIOENCODING": "utf-8", "PYTHONUNBUFFERED": "1", "COLUMNS": "100"}


def run_command(command: str) -> str:
    """What a shell command prints (stdout and stderr together), run from the repository's top folder."""
    result = subprocess.run(["bash", "-c", command], cwd=ROOT, env=example_environment(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, timeout=COMMAND_TIMEOUT)
    return _lines(result.stdout.decode("utf-8"))


def run_python(statement: str, namespace: dict) -> str:
    """What a statement prints at the interactive prompt (an expression's repr included)."""
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        exec(compile(statement + "\n", "<example>", "single"), namespace)
    return _lines(captured.getvalue())


def _lines(text: str) -> str:
    """Output as the text shows it: every line ends in a newline, trailing blanks and blank lines dropped
    (Markdown keeps neither reliably)."""
    kept = [line.rstrip() for line in text.splitlines()]
    while kept and not kept[-1]:
        kept.pop()
    return "".join(line + "\n" for line in kept)


def run_block(block: Block) -> list[str]:
    """The real output of each example of a block, in order."""
    if block.kind == "console":
        return [run_command(example.source) for example in block.examples]
    namespace: dict = {"__name__": "__example__"}
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return [run_python(example.source, namespace) for example in block.examples]
    finally:
        os.chdir(cwd)


def rewrite(path: Path) -> int:
    """Replace every example's shown output in a file with its real output; how many changed."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    replacements = []
    for block in blocks(path):
        for example, output in zip(block.examples, run_block(block)):
            if output != example.shown:
                replacements.append((example.span, output.splitlines(keepends=True)))
    for (start, end), new in sorted(replacements, reverse=True):  # from the bottom, so spans stay valid
        lines[start:end] = new
    if replacements:
        path.write_text("".join(lines), encoding="utf-8")
    return len(replacements)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when an output differs")
    args = parser.parse_args(argv)
    differing = 0
    for path in documents():
        if args.check:
            for block in blocks(path):
                for example, output in zip(block.examples, run_block(block)):
                    if output != example.shown:
                        differing += 1
                        sys.stdout.writelines(difflib.unified_diff(
                            example.shown.splitlines(keepends=True), output.splitlines(keepends=True),
                            f"{example.name} (shown)", f"{example.name} (run)"))
        else:
            changed = rewrite(path)
            if changed:
                print(f"{path.relative_to(ROOT)}: {changed} example output(s) rewritten")
    if args.check:
        print(f"{differing} example output(s) differ" if differing else "every example output matches")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
