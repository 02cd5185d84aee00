"""The corpus type every loader returns, its label names and splits, and the small checks loaders share."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sentiment_rnn.errors import DataError
from sentiment_rnn.text.tokenizer import tokenize

__all__ = ["BINARY_LABELS", "SST5_LABELS", "SPLITS", "SPLIT_FRACTIONS", "Corpus", "pretokenized_corpus",
           "check_choice", "where", "read_utf8", "column_index", "check_unique_columns",
           "stratified_split"]

BINARY_LABELS = ("negative", "positive")
SST5_LABELS = ("very negative", "negative", "neutral", "positive", "very positive")
SPLITS = ("train", "dev", "test")
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)  # train, dev, test for corpora without an official split


@dataclass(frozen=True, eq=False)
class Corpus:
    """A labelled split of a corpus.

    ``pretokenized`` holds the corpus's own tokens (lowercased) for tokenized corpora; when it is
    None, :attr:`tokens` tokenizes ``texts`` on first use and keeps the result. ``source`` is the file
    the examples were read from, when there is one (error messages name it). ``pair_ids`` (n,) int64,
    for corpora of pairs (cad), gives the two members of a pair the same id.
    """

    name: str
    split: str
    texts: list[str] = field(repr=False)
    labels: np.ndarray = field(repr=False)  # (n,) int64
    label_names: tuple[str, ...] = BINARY_LABELS
    pretokenized: list[list[str]] | None = field(default=None, repr=False)
    source: str | None = field(default=None, repr=False)
    pair_ids: np.ndarray | None = field(default=None, repr=False)  # (n,) int64

    def __post_init__(self):
        labels = np.asarray(self.labels, dtype=np.int64).reshape(-1)  # (n,)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "label_names", tuple(self.label_names))
        if len(labels) != len(self.texts):
            raise ValueError(f"{len(self.texts)} texts but {len(labels)} labels")
        if len(labels) and (labels.min() < 0 or labels.max() >= len(self.label_names)):
            raise ValueError(f"labels must lie in 0..{len(self.label_names) - 1}")
        if self.pretokenized is not None and len(self.pretokenized) != len(self.texts):
            raise ValueError(f"{len(self.texts)} texts but {len(self.pretokenized)} token lists")
        if self.pair_ids is not None:
            object.__setattr__(self, "pair_ids", np.asarray(self.pair_ids, dtype=np.int64).reshape(-1))
            if len(self.pair_ids) != len(labels):
                raise ValueError(f"{len(labels)} labels but {len(self.pair_ids)} pair ids")

    @functools.cached_property
    def tokens(self) -> list[list[str]]:
        """Lowercased tokens of every text (computed once, on first use)."""
        if self.pretokenized is not None:
            return self.pretokenized
        return [tokenize(text) for text in self.texts]

    def tokenize(self, progress=None, chunk_size: int = 500) -> list[list[str]]:
        """:attr:`tokens`, computed (the first time) ``chunk_size`` texts at a time with
        ``progress(done, total)`` after each chunk: tokenizing 25,000 reviews takes a minute or two."""
        if self.pretokenized is None and "tokens" not in self.__dict__:
            tokens: list[list[str]] = []
            for start in range(0, len(self.texts), chunk_size):
                tokens.extend(tokenize(text) for text in self.texts[start : start + chunk_size])
                if progress is not None:
                    progress(len(tokens), len(self.texts))
            self.__dict__["tokens"] = tokens  # where cached_property keeps it
        return self.tokens

    def __len__(self) -> int:
        return len(self.texts)

    def __repr__(self) -> str:
        return f"Corpus(name={self.name!r}, split={self.split!r}, n={len(self)}, label_names={self.label_names})"


def pretokenized_corpus(name: str, split: str, token_lists: list[list[str]], labels, label_names,
                         source: str | None = None) -> Corpus:
    """A Corpus whose texts are the corpus tokens joined by spaces and whose tokens are lowercased."""
    texts = [" ".join(tokens) for tokens in token_lists]
    lowered = [[token.lower() for token in tokens] for tokens in token_lists]
    return Corpus(name, split, texts, np.asarray(labels, dtype=np.int64), label_names, lowered, source)

def where(corpus: Corpus) -> str:
    """What an error message about ``corpus`` names: its file, else the corpus and split."""
    return corpus.source or f"{corpus.name} ({corpus.split} split)"


def check_choice(what: str, value, choices: tuple) -> None:
    if value not in choices:
        raise ValueError(f"{what} must be one of {', '.join(map(str, choices))}; got {value!r}")


def read_utf8(path: Path) -> str:
    """The file's text, decoded strictly as UTF-8 (a leading BOM is dropped)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError("no such file", path) from None
    except OSError as error:
        raise DataError(f"cannot read ({error.strerror or error})", path) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise DataError(
            f"not valid UTF-8 (byte 0x{data[error.start]:02x}); save the file as UTF-8", path, line
        ) from None


def column_index(header: list[str], column: str, path: Path, line: int) -> int:
    names = [name.strip() for name in header]
    check_unique_columns(names, path, line)
    if column not in names:
        raise DataError(f"no column {column!r}; the columns are: {', '.join(names)}", path, line)
    return names.index(column)


def check_unique_columns(names: list[str], path, line: int) -> None:
    """DataError when two columns of a header have the same name: one of them would be lost.

    >>> check_unique_columns(["id", "text", "label", "text"], "in.csv", 1)
    Traceback (most recent call last):
    sentiment_rnn.errors.DataError: in.csv:1: column 'text' appears twice in the header (columns 2 and 4); rename one
    """
    first: dict[str, int] = {}
    for number, name in enumerate(names, start=1):
        if name in first:
            raise DataError(f"column {name!r} appears twice in the header (columns {first[name]} and {number}); "
                            "rename one", path, line)
        first[name] = number


def stratified_split(labels: np.ndarray, split: str, seed: int) -> np.ndarray:
    """Indices of ``split`` in a deterministic 80/10/10 split stratified by label, in shuffled order.

    labels: (n,) int64. Returns: (n_split,) int64.
    """
    rng = np.random.default_rng(seed)
    parts: dict[str, list[np.ndarray]] = {s: [] for s in SPLITS}
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))  # (n_label,)
        n_train = round(SPLIT_FRACTIONS[0] * len(members))
        n_dev = round(SPLIT_FRACTIONS[1] * len(members))
        parts["train"].append(members[:n_train])
        parts["dev"].append(members[n_train : n_train + n_dev])
        parts["test"].append(members[n_train + n_dev :])
    chosen = np.concatenate(parts[split])  # (n_split,)
    return rng.permutation(chosen)  # (n_split,)
