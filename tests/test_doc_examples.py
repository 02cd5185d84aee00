"""Every command example in README.md and docs/*.md prints what the text says it prints: each ```console
command and each ```pycon statement is run for real and its output compared with the text, character for
character. ``python docs/update_examples.py`` rewrites the outputs after a deliberate change."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("update_examples", ROOT / "docs" / "update_examples.py")
examples = importlib.util.module_from_spec(_spec)
sys.modules["update_examples"] = examples  # dataclasses look their module up there
_spec.loader.exec_module(examples)

BLOCKS = [block for path in examples.documents() for block in examples.blocks(path)]


def test_the_readme_and_the_docs_have_examples():
    names = {block.path.name for block in BLOCKS}
    assert "README.md" in names  # the front door's examples are checked too
    assert sum(len(block.examples) for block in BLOCKS) >= 8


@pytest.mark.parametrize("block", BLOCKS, ids=lambda block: block.examples[0].name)
def test_an_example_prints_what_the_text_shows(block):
    for example, output in zip(block.examples, examples.run_block(block)):
        assert output == example.shown, f"{example.name}: `{example.source}` printed\n{output}"


def test_the_parser_splits_commands_and_outputs(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    page.write_text("text\n```console\n$ echo one\none\n$ printf 'a\\nb\\n'\na\nb\n```\n"
                    "```pycon\n>>> x = 2\n>>> for i in range(x):\n...     print(i)\n0\n1\n```\n", encoding="utf-8")
    monkeypatch.setattr(examples, "ROOT", tmp_path)
    console, pycon = examples.blocks(page)
    assert [(e.source, e.shown, e.line) for e in console.examples] == [
        ("echo one", "one\n", 3), ("printf 'a\\nb\\n'", "a\nb\n", 5)]
    assert [(e.source, e.shown) for e in pycon.examples] == [
        ("x = 2", ""), ("for i in range(x):\n    print(i)", "0\n1\n")]
    assert examples.run_block(console) == ["one\n", "a\nb\n"]
    assert examples.run_block(pycon) == ["", "0\n1\n"]


def test_the_rewrite_replaces_a_stale_output_and_nothing_else(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    page.write_text("before\n```console\n$ echo fresh\nstale\nstale too\n$ echo same\nsame\n```\nafter\n",
                    encoding="utf-8")
    monkeypatch.setattr(examples, "ROOT", tmp_path)
    assert examples.rewrite(page) == 1
    assert page.read_text(encoding="utf-8") == "before\n```console\n$ echo fresh\nfresh\n$ echo same\nsame\n```\nafter\n"
    assert examples.rewrite(page) == 0
