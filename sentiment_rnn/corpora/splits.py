"""What a training run reads: its train, dev and test splits, and unlabeled review text."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

import numpy as np

from sentiment_rnn.corpora.cad import concat_corpora, load_cad, training_pairs
from sentiment_rnn.corpora.corpus import SPLITS, Corpus, where
from sentiment_rnn.corpora.registry import load_corpus
from sentiment_rnn.corpora.sources import Progress
from sentiment_rnn.corpora.user_files import load_file
from sentiment_rnn.errors import DataError
from sentiment_rnn.text.tokenizer import tokenize_many

__all__ = ["TrainingData", "load_training_data", "with_cad_pairs", "unlabeled_sentences", "unlabeled_texts"]


@dataclass(frozen=True)
class TrainingData:
    """The splits a training run uses: train, dev (early stopping) and test (reported), if any."""

    train: Corpus
    dev: Corpus | None
    test: Corpus | None
    description: dict


def load_training_data(
    corpus: str = "sst",
    level: str = "phrase",
    train_file: str | os.PathLike | None = None,
    dev_file: str | os.PathLike | None = None,
    text_column: str = "text",
    label_column: str = "label",
    data_dir: str | os.PathLike | None = None,
    train_classes: int = 2,
    progress: Progress | None = None,
) -> TrainingData:
    """Train/dev/test of a corpus (``level`` applies to the treebank's train split only; dev and
    test are always binary sentences), or a user's train file with an optional dev file.
    ``train_classes=5`` gives the treebank's train split with its five labels, neutral included."""
    if train_file is not None:
        columns = {"text_column": text_column, "label_column": label_column}
        train = load_file(train_file, **columns)
        dev = load_file(dev_file, **columns) if dev_file is not None else None
        description = {"train_file": str(train_file), "dev_file": None if dev_file is None else str(dev_file)}
        _check_two_classes(train)
        return TrainingData(train, dev, None, description)
    sst = corpus == "sst"
    train = load_corpus(corpus, "train", data_dir, level=level if sst else "sentence", classes=train_classes,
                        progress=progress)
    _check_two_classes(train)
    dev = load_corpus(corpus, "dev", data_dir)
    test = load_corpus(corpus, "test", data_dir)
    description = {"corpus": corpus, "level": level if sst else "sentence", "train_classes": train_classes}
    return TrainingData(train, dev, test, description)


def _check_two_classes(train: Corpus) -> None:
    present = np.unique(train.labels)  # (k,)
    if len(present) < 2:
        only = ", ".join(repr(train.label_names[i]) for i in present)
        raise DataError(f"training needs at least two classes, but every example is {only}", where(train))


def unlabeled_sentences(
    corpus: str = "imdb", size: int | None = None, *, seed: int = 0, min_tokens: int = 3, max_tokens: int = 60,
    data_dir=None, n_jobs: int = 1,
) -> list[list[str]]:
    """Tokenized sentences of ``unlabeled_texts((corpus,))`` (for imdb its *training* reviews only)
    with ``min_tokens`` to ``max_tokens`` tokens, e.g. for a teacher to label in knowledge
    distillation; ``size`` of them drawn at random with ``seed`` (all when None or fewer exist)."""

    documents = unlabeled_texts((corpus,), data_dir)
    split = tokenize_many([doc for doc in documents if isinstance(doc, str)], n_jobs, sentences=True)
    split += [[list(doc)] for doc in documents if not isinstance(doc, str)]  # pretokenized: one "sentence"
    sentences = [s for doc in split for s in doc if min_tokens <= len(s) <= max_tokens]
    if size is not None and size < len(sentences):
        chosen = np.sort(np.random.default_rng(seed).choice(len(sentences), size, replace=False))
        sentences = [sentences[i] for i in chosen]
    return sentences


def unlabeled_texts(corpora=("imdb", "movie-reviews"), data_dir=None, progress: Progress | None = None
                    ) -> list[str | list[str]]:
    """Review documents for pretraining word vectors, as raw texts (imdb) or token lists (the
    tokenized movie-reviews); labels are not returned.

    imdb gives its 25,000 official *training* reviews only, movie-reviews all 2,000 documents: no
    text from an evaluation split of IMDB, and none from the treebank or sentence_polarity (whose
    sentences come from the same Rotten Tomatoes snippets as the treebank's test set).
    """
    documents: list[str | list[str]] = []
    for name in corpora:
        splits = ("full-train",) if name == "imdb" else SPLITS
        if name not in ("imdb", "movie-reviews"):
            raise ValueError(f"unlabeled text comes from imdb or movie-reviews, not {name!r}")
        for split in splits:
            corpus = load_corpus(name, split, data_dir, progress=progress)
            documents.extend(corpus.texts if corpus.pretokenized is None else corpus.tokens)
    return documents


def with_cad_pairs(data: TrainingData, data_dir=None) -> TrainingData:
    """``data`` with the CAD training pairs added to its train split, less the pairs that have a
    member among its dev or test texts (which would otherwise be trained on)."""
    held_out = [text for split in (data.dev, data.test) if split is not None for text in split.texts]
    pairs = training_pairs(load_cad("train", data_dir), exclude=held_out)
    assert pairs.pair_ids is not None  # CAD's pairs keep their ids
    description = {**data.description, "mix": "cad", "cad_train_pairs": len(np.unique(pairs.pair_ids))}
    return dataclasses.replace(data, train=concat_corpora(data.train, pairs), description=description)
