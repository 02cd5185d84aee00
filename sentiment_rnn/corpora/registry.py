"""The loader registry: one name per corpus, one ``load_corpus`` for all.

A new corpus is a module with a loader ``load_x(split, data_dir, *, level, classes, seed, download,
progress) -> Corpus`` (and a :class:`~sentiment_rnn.corpora.sources.Source` if it can be downloaded)
plus one entry in ``LOADERS``; the command line's choices are read from here.
"""

from __future__ import annotations

import os

from sentiment_rnn.corpora.cad import load_cad
from sentiment_rnn.corpora.corpus import SPLITS, Corpus, check_choice, where
from sentiment_rnn.corpora.imdb import load_imdb
from sentiment_rnn.corpora.nltk_corpora import load_movie_reviews, load_sentence_polarity
from sentiment_rnn.corpora.sources import Progress
from sentiment_rnn.corpora.sst import load_sst
from sentiment_rnn.errors import DataError

__all__ = ["LOADERS", "CORPORA", "load_corpus"]


LOADERS = {
    "sst": load_sst,
    "sentence-polarity": load_sentence_polarity,
    "movie-reviews": load_movie_reviews,
    "imdb": load_imdb,
    "cad": load_cad,
}
CORPORA = tuple(LOADERS)


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
    corpus = LOADERS[name](split, data_dir, level=level, classes=classes, seed=seed, download=download,
                                 progress=progress)
    if not len(corpus):
        dropped = " (2 classes drop the neutral ones)" if name == "sst" and classes == 2 else ""
        raise DataError(f"the {split} split of {name} has no examples{dropped}", where(corpus))
    return corpus
