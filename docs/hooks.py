"""MkDocs hook: a page line ``<!-- include FILE -->`` is replaced by FILE (a path from the repository's top
folder) with its headings one level down, so BENCHMARKS.md, which ``bench/bench.py --out`` rewrites,
stays one file and the site shows it whole."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INCLUDE = re.compile(r"^<!-- include (\S+) -->$", re.MULTILINE)


def _included(match: re.Match) -> str:
    text = (ROOT / match.group(1)).read_text(encoding="utf-8")
    text = re.sub(r"^# .*\n", "", text, count=1)  # the page has its own title
    return re.sub(r"^(#{2,5}) ", r"\1# ", text, flags=re.MULTILINE).replace("](docs/", "](")


def on_page_markdown(markdown: str, **kwargs) -> str:
    return INCLUDE.sub(_included, markdown)
