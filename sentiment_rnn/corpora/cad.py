"""Counterfactually augmented IMDb reviews (CAD; Kaushik, Hovy and Lipton, ICLR 2020), kept in pairs.

Each pair is an IMDb review and a copy a person edited as little as possible so that its label flips
("Long, boring, blasphemous." -> "Long, fascinating, soulful."). The two members share a pair id, and
every pair has one positive and one negative member. Only a train split (1,707 pairs) and a dev split
(245 pairs) exist here; the dev pairs are for choices (early stopping, settings), never for training.

For example (with the CAD files in the data folder)::

    corpus = load_cad("dev")
    len(corpus), len(np.unique(corpus.pair_ids)), corpus.labels[:2].tolist()
    # (490, 245, [0, 1])

The originals come from IMDb, some of them from its test split: :func:`training_pairs` drops every
pair with a member among texts to keep out of training (IMDB's test and dev reviews), compared by
:func:`match_key`.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from sentiment_rnn.corpora.corpus import BINARY_LABELS, Corpus, read_utf8
from sentiment_rnn.corpora.sources import SOURCES, Progress, locate
from sentiment_rnn.errors import DataError
from sentiment_rnn.text.tokenizer import normalize

__all__ = ["CAD_SPLITS", "CAD_COLUMNS", "load_cad", "read_cad", "match_key", "training_pairs", "concat_corpora"]

CAD_SPLITS = ("train", "dev")
CAD_COLUMNS = ("Sentiment", "Text", "batch_id")
_CAD_LABELS = {"negative": 0, "positive": 1}
_NOT_WORD = re.compile(r"[\W_]+")


def read_cad(path: str | os.PathLike) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(texts, labels (n,) int64, pair ids (n,) int64) of a ``*_paired.tsv`` file, every row checked.

    Texts are normalized as the IMDB loader does (``<br />`` breaks become spaces). A pair id must
    occur exactly twice, once with each label; otherwise DataError names the file and line.
    """
    path = Path(path)
    reader = csv.reader(io.StringIO(read_utf8(path), newline=""), delimiter="\t", strict=True)
    texts, labels, pair_ids = [], [], []
    first_line: dict[int, int] = {}  # pair id -> the line it first occurs on
    try:
        header = next(reader, None)
        if header is None:
            raise DataError("the file is empty, expected a header row", path)
        if [name.strip() for name in header] != list(CAD_COLUMNS):
            raise DataError(f"expected the columns {', '.join(CAD_COLUMNS)}; got {', '.join(header)}", path, 1)
        for row in reader:
            if len(row) != len(CAD_COLUMNS):
                raise DataError(f"row has {len(row)} fields, expected {len(CAD_COLUMNS)}", path, reader.line_num)
            sentiment, text, pair_id = row
            if sentiment.strip().lower() not in _CAD_LABELS or not pair_id.strip().isdigit():
                raise DataError(f"bad row: Sentiment={sentiment!r} batch_id={pair_id!r}", path, reader.line_num)
            first_line.setdefault(int(pair_id), reader.line_num)
            texts.append(normalize(text))
            labels.append(_CAD_LABELS[sentiment.strip().lower()])
            pair_ids.append(int(pair_id))
    except csv.Error as error:
        raise DataError(f"malformed TSV: {error}", path, reader.line_num) from None
    labels, pair_ids = np.asarray(labels, dtype=np.int64), np.asarray(pair_ids, dtype=np.int64)  # (n,), (n,)
    _check_pairs(labels, pair_ids, path, first_line)
    return texts, labels, pair_ids


def _check_pairs(labels: np.ndarray, pair_ids: np.ndarray, path: Path, first_line: dict[int, int]) -> None:
    """Every pair id holds two members with opposite labels."""
    ids, inverse, counts = np.unique(pair_ids, return_inverse=True, return_counts=True)  # (P,), (n,), (P,)
    positives = np.bincount(inverse, weights=labels, minlength=len(ids))  # (P,)
    bad = np.flatnonzero((counts != 2) | (positives != 1))  # (k,)
    if len(bad):
        pair = int(ids[bad[0]])
        raise DataError(f"pair {pair} has {counts[bad[0]]} member(s) and {int(positives[bad[0]])} positive; "
                        "a pair is one positive and one negative review", path, first_line[pair])


def load_cad(split: str = "train", data_dir=None, *, level: str = "sentence", classes: int = 2, seed: int = 0,
             download: bool = True, progress: Progress | None = None) -> Corpus:
    """The ``split`` (train or dev) of CAD as a Corpus whose ``pair_ids`` (n,) pair its members.

    The signature is the other loaders' (``level``, ``classes`` and ``seed`` have one value here).
    """
    if split not in CAD_SPLITS:
        raise DataError(f"cad has no {split} split: its pairs come as train and dev only (use IMDB's test "
                        "reviews for final numbers; the CAD dev pairs are for choices)")
    path = locate("cad", SOURCES["cad"].installed.format(split=split), data_dir, download, progress)
    texts, labels, pair_ids = read_cad(path)
    return Corpus("cad", split, texts, labels, BINARY_LABELS, source=str(path), pair_ids=pair_ids)


def match_key(text: str) -> str:
    """What two copies of a review share: the words of the normalized text, lowercased, without
    punctuation and spacing (copies of IMDb reviews differ in HTML breaks, quotes and spaces).

    >>> match_key("Not good!<br /><br />Rent the  original.") == match_key("not good rent the original")
    True
    """
    return " ".join(_NOT_WORD.sub(" ", normalize(text).lower()).split())


def training_pairs(cad_train: Corpus, exclude: Iterable[str]) -> Corpus:
    """``cad_train`` without the pairs that have a member whose :func:`match_key` is that of a text
    in ``exclude`` (e.g. IMDB's test and dev reviews); whole pairs are kept or dropped.

    >>> train = Corpus("cad", "train", ["Good.", "Bad.", "Fun!", "Dull!"], [1, 0, 1, 0],
    ...                pair_ids=np.array([7, 7, 9, 9]))
    >>> kept = training_pairs(train, exclude=["fun"])
    >>> kept.texts, kept.pair_ids.tolist()
    (['Good.', 'Bad.'], [7, 7])
    """
    if cad_train.pair_ids is None:
        raise ValueError(f"{cad_train!r} has no pair ids")
    excluded = {match_key(text) for text in exclude}
    hit = np.array([match_key(text) in excluded for text in cad_train.texts], dtype=bool)  # (n,)
    keep = ~np.isin(cad_train.pair_ids, cad_train.pair_ids[hit])  # (n,)
    index = np.flatnonzero(keep)  # (m,)
    return Corpus(cad_train.name, cad_train.split, [cad_train.texts[i] for i in index], cad_train.labels[index],
                  cad_train.label_names, source=cad_train.source, pair_ids=cad_train.pair_ids[index])


def concat_corpora(first: Corpus, second: Corpus) -> Corpus:
    """The examples of ``first`` then ``second`` as one Corpus named ``first+second`` (texts, labels;
    the tokens are carried over when both have them computed or pretokenized).

    >>> a = Corpus("imdb", "train", ["Fine."], [1])
    >>> b = Corpus("cad", "train", ["Bad.", "Good."], [0, 1], pair_ids=np.array([3, 3]))
    >>> mixed = concat_corpora(a, b)
    >>> mixed.name, mixed.texts, mixed.labels.tolist()
    ('imdb+cad', ['Fine.', 'Bad.', 'Good.'], [1, 0, 1])
    """
    if first.label_names != second.label_names:
        raise ValueError(f"cannot mix labels {first.label_names} and {second.label_names}")
    tokens = None
    if all("tokens" in corpus.__dict__ or corpus.pretokenized is not None for corpus in (first, second)):
        tokens = list(first.tokens) + list(second.tokens)
    return Corpus(f"{first.name}+{second.name}", first.split, list(first.texts) + list(second.texts),
                  np.concatenate([first.labels, second.labels]), first.label_names, tokens)
