"""The Stanford Sentiment Treebank: its PTB-bracket trees, read strictly, as sentences or phrases."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sentiment_rnn.corpora.corpus import (BINARY_LABELS, SPLITS, SST5_LABELS, Corpus, check_choice,
                                          pretokenized_corpus, read_utf8)
from sentiment_rnn.corpora.sources import Progress, locate
from sentiment_rnn.errors import DataError
from sentiment_rnn.text.tokenizer import unescape_ptb

if TYPE_CHECKING:
    from nltk import Tree

__all__ = ["FINE_GRAINED_LABEL_MAP", "read_sst_trees", "sst_trees", "load_sst"]

# The treebank's five labels (very negative .. very positive) as the binary classes they count towards:
# ``train --fine-grained`` trains on the five and predicts negative (0) or positive (1); neutral counts for neither.
FINE_GRAINED_LABEL_MAP = (0, 0, None, 1, 1)

_SST_PIECES = re.compile(r"[()]|[^ ()]+")  # split on ASCII space only: leaves may hold U+00A0
_SST_LABEL = re.compile(r"[0-4]")


class _TreeSyntaxError(ValueError):
    pass


def read_sst_trees(path: str | os.PathLike) -> list[Tree]:
    """Parse a treebank file, one tree per line, into ``nltk.Tree`` objects whose labels are ints
    0..4 and whose leaves are unescaped words in their original case.

    A malformed line raises DataError naming the file and the line.
    """
    path = Path(path)
    lines = read_utf8(path).split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline
    if not lines:
        raise DataError("the file is empty, expected one tree per line", path)
    trees = []
    for line_no, line in enumerate(lines, 1):
        try:
            trees.append(_parse_sst_tree(line.rstrip("\r")))
        except _TreeSyntaxError as error:
            raise DataError(f"bad tree: {error}", path, line_no) from None
    return trees


def _parse_sst_tree(line: str) -> Tree:
    """One tree from ``(3 (2 word) (3 (2 is) (3 cool)))``; raises _TreeSyntaxError."""
    tree_class = _tree_class()
    pieces = iter(_SST_PIECES.findall(line))
    stack: list[tuple[int, list]] = []  # open nodes: (label, children so far)
    root = None
    for piece in pieces:
        if piece == ")" and not stack:
            raise _TreeSyntaxError("unbalanced brackets: ')' without '('")
        if root is not None:
            raise _TreeSyntaxError(f"text after the end of the tree: {piece!r}")
        if piece == "(":
            label = next(pieces, ")")
            if not _SST_LABEL.fullmatch(label):
                raise _TreeSyntaxError(f"node label {label!r} is not an integer from 0 to 4")
            stack.append((int(label), []))
        elif piece == ")":
            label, children = stack.pop()
            _check_sst_children(label, children)
            node = tree_class(label, children)
            if stack:
                stack[-1][1].append(node)
            else:
                root = node
        elif not stack:
            raise _TreeSyntaxError(f"word {piece!r} outside brackets")
        else:
            stack[-1][1].append(unescape_ptb(piece))
    if stack:
        raise _TreeSyntaxError(f"unbalanced brackets: {len(stack)} '(' not closed")
    if root is None:
        raise _TreeSyntaxError("empty line, expected a tree")
    return root


def _check_sst_children(label: int, children: list) -> None:
    """A node holds one word (a leaf) or two subtrees; anything else is a syntax error."""
    words = sum(type(child) is str for child in children)
    if (words, len(children)) not in ((1, 1), (0, 2)):
        raise _TreeSyntaxError(
            f"a node labelled {label} has {words} word(s) and {len(children) - words} subtree(s); "
            "a node holds one word or two subtrees"
        )


@functools.cache
def _tree_class():
    """nltk.Tree, imported on first use (importing nltk takes a second or two)."""
    from nltk import Tree

    return Tree


def sst_trees(split: str = "train", data_dir=None, download: bool = True, progress: Progress | None = None) -> list[Tree]:
    """The treebank's trees of ``split`` (train, dev or test), downloading the treebank if needed."""
    check_choice("split", split, SPLITS)
    return read_sst_trees(locate("sst", f"sst/{split}.txt", data_dir, download, progress))


def _sst_phrases(tree: Tree) -> list[tuple[list[str], int]]:
    """(leaves, label) of every node, root first (pre-order), leaf nodes included."""
    leaves = tree.leaves()
    phrases: list = []

    def visit(node, start: int) -> int:
        slot = len(phrases)
        phrases.append(None)
        end = start + 1 if isinstance(node[0], str) else visit(node[1], visit(node[0], start))
        phrases[slot] = (leaves[start:end], node.label())
        return end

    visit(tree, 0)
    return phrases


def load_sst(split: str, data_dir, *, level: str, classes: int, seed: int, download: bool,
             progress: Progress | None = None) -> Corpus:
    path = locate("sst", f"sst/{split}.txt", data_dir, download, progress)
    trees = read_sst_trees(path)
    if level == "sentence":
        examples = [(tree.leaves(), tree.label()) for tree in trees]
    else:
        examples = [phrase for tree in trees for phrase in _sst_phrases(tree)]
    if classes == 2:
        examples = [(leaves, int(label > 2)) for leaves, label in examples if label != 2]
    label_names = BINARY_LABELS if classes == 2 else SST5_LABELS
    return pretokenized_corpus(
        "sst", split, [e[0] for e in examples], [e[1] for e in examples], label_names, str(path)
    )


