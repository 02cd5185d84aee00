"""The files and Python names the README and the docs pages mention in `code` exist: a path such as
`sentiment_rnn/nn/inference.py` or `bench/bench.py` is a file of the repository, and a dotted name such as
`sentiment_rnn.nn.model` or `evaluation.metrics.pair_consistency` (inside the package) imports. After a
module moves, this names every page that still points at its old place."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CODE_SPAN = re.compile(r"`([^`\n]+)`")
PATH = re.compile(r"(?<![\w/.~-])((?:sentiment_rnn|tests|bench|data|models|docs)/[\w./-]*\w)")
DOTTED = re.compile(r"^(?:sentiment_rnn\.)?((?:nn|corpora|evaluation|cli|serve|distributed|text)\.[\w.]+)$"
                    r"|^(sentiment_rnn\.[\w.]+)$")


def _mentions(kind: str) -> list[tuple[str, str]]:
    found = []
    for document in DOCUMENTS:
        text = re.sub(r"^```.*?^```", "", document.read_text(encoding="utf-8"), flags=re.DOTALL | re.MULTILINE)
        for span in CODE_SPAN.findall(text):
            if kind == "path":
                found += [(document.name, path) for path in PATH.findall(span) if "*" not in path]
            elif (match := DOTTED.match(span.strip())):
                name = match.group(2) or "sentiment_rnn." + match.group(1)
                found.append((document.name, name))
    return sorted(set(found))


def test_the_pages_mention_files_and_names():
    assert len(_mentions("path")) > 10 and len(_mentions("name")) >= 3  # guards the patterns themselves


@pytest.mark.parametrize(("page", "path"), _mentions("path"), ids=lambda value: str(value))
def test_a_mentioned_file_exists(page, path):
    assert (ROOT / path).exists(), f"{page} mentions {path}, which does not exist"


@pytest.mark.parametrize(("page", "name"), _mentions("name"), ids=lambda value: str(value))
def test_a_mentioned_python_name_imports(page, name):
    parts = name.split(".")
    for split in range(len(parts), 0, -1):  # the longest importable module, then attributes
        try:
            found = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[split:]:
            assert hasattr(found, attribute), f"{page} mentions {name}: {found.__name__} has no {attribute}"
            found = getattr(found, attribute)
        return
    pytest.fail(f"{page} mentions {name}, which does not import")


def test_the_readme_links_to_files_that_exist():
    # the docs pages' links are checked by `mkdocs build --strict`; the README is not one of its pages
    links = re.findall(r"\]\(([^)#\s]+)", (ROOT / "README.md").read_text(encoding="utf-8"))
    local = [link for link in links if "://" not in link]
    assert len(local) >= 10
    assert [link for link in local if not (ROOT / link).is_file()] == []
