"""The loader registry: one name per corpus, one ``load_corpus`` for all.

A new corpus is a module with a loader ``load_x(split, data_dir, *, level, classes, seed, download,
progress) -> Corpus`` (and a :class:`~sentiment_rnn.corpora.sources.Source` if it can be downloaded)
plus one entry in ``LOADERS`` (the loader's module and name: a loader's module is imported when a corpus
is loaded, so that reading the names — the command line's choices come from here — costs no import of
the readers and the download code; `predict` starts without them).
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING

from sentiment_rnn.corpora.corpus import SPLITS, Corpus, check_choice, where
from sentiment_rnn.errors import DataError

if TYPE_CHECKING:
    from sentiment_rnn.corpora.sources import Progress

__all__ = ["CORPORA", "LOADERS", "load_corpus", "loader"]


LOADERS = {  # corpus name -> (module, loader function)
    "sst": ("sentiment_rnn.corpora.sst", "load_sst"),
    "sentence-polarity": ("sentiment_rnn.corpora.nltk_corpora", "load_sentence_polarity"),
    "movie-reviews": ("sentiment_rnn.corpora.nltk_corpora", "load_movie_reviews"),
    "imdb": ("sentiment_rnn.corpora.imdb", "load_imdb"),
    "cad": ("sentiment_rnn.corpora.cad", "load_cad"),
}
CORPORA = tuple(LOADERS)


def loader(name: str):
    """The loader function of corpus ``name``.

    >>> loader("imdb").__name__
    'load_imdb'
    """
    module, function = LOADERS[name]
    return getattr(importlib.import_module(module), function)


def load_corpus(
    name: str,
    split: str = "train",
    data_dir: str | os.PathLike | None = None,
    *,
    level: str = "sentence",
    classes: int = 2,
    seed: int = 0,
    download: bool = True,
    progress: Progress | None = None,
) -> Corpus:
    """Load ``split`` (train, dev or test; imdb also full-train; cad only train and dev) of corpus ``name``.

    ``level="phrase"`` (sst only) makes every labelled node of every tree an example;
    ``classes=5`` (sst only) keeps the five labels, ``classes=2`` drops neutral.
    ``seed`` fixes the 80/10/10 split of corpora without an official split (sentence-polarity,
    movie-reviews). A missing corpus is downloaded into the cache unless ``download=False``, reporting to ``progress``
    (see :mod:`sentiment_rnn.corpora.sources`).
    """
    check_choice("corpus", name, CORPORA)
    check_choice("split", split, (*SPLITS, "full-train") if name == "imdb" else SPLITS)
    check_choice("level", level, ("sentence", "phrase") if name == "sst" else ("sentence",))
    check_choice("classes", classes, (2, 5) if name == "sst" else (2,))
    corpus = loader(name)(split, data_dir, level=level, classes=classes, seed=seed, download=download,
                                 progress=progress)
    if not len(corpus):
        dropped = " (2 classes drop the neutral ones)" if name == "sst" and classes == 2 else ""
        raise DataError(f"the {split} split of {name} has no examples{dropped}", where(corpus))
    return corpus
