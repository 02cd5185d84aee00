"""The corpora: one :class:`Corpus` type, one ``load_corpus`` for every corpus, checked downloads.

    corpus.py        the Corpus type, label names, splits, shared checks
    sources.py       data and cache folders, official sources, checked downloads
    sst.py           the Stanford Sentiment Treebank (trees, sentences, phrases)
    nltk_corpora.py  NLTK's sentence_polarity and movie_reviews
    imdb.py          the IMDB 50k reviews
    cad.py           counterfactually augmented IMDb review pairs (pair ids kept)
    registry.py      corpus name -> loader; ``load_corpus``
    user_files.py    the user's own CSV / TSV / JSONL files
    splits.py        the train / dev / test a training run reads; unlabeled text

Every loader returns a :class:`Corpus`: texts, int64 labels (n,), label names and lowercased tokens.
Corpora are looked up in the data folder (``--data-dir`` / ``SENTIMENT_RNN_DATA``), then in the cache
folder (``SENTIMENT_RNN_CACHE``, default ``~/.cache/sentiment-rnn``); a missing corpus is downloaded
from its official source into the cache, checksummed, and only then moved into place.

For example (with the treebank in the data folder)::

    corpus = load_corpus("sst", "dev")
    len(corpus), corpus.label_names, corpus.tokens[0][:4]
    # (872, ('negative', 'positive'), ['it', "'s", 'a', 'lovely'])
"""

from __future__ import annotations

import importlib

# Every name below is imported from its module on first use (PEP 562), so that importing one module of
# the package — the command line reads corpora.registry's names — does not load the readers and the
# download code.
_NAMES = {
    "sentiment_rnn.corpora.corpus": ("BINARY_LABELS", "SPLITS", "SST5_LABELS", "Corpus"),
    "sentiment_rnn.corpora.registry": ("CORPORA", "load_corpus"),
    "sentiment_rnn.corpora.sources": ("SOURCES", "Source", "cache_dir", "download_corpus", "download_file",
                                      "mirror_url", "resolve_data_dir"),
    "sentiment_rnn.corpora.splits": ("TrainingData", "load_training_data", "unlabeled_sentences", "unlabeled_texts",
                                     "with_cad_pairs"),
    "sentiment_rnn.corpora.sst": ("FINE_GRAINED_LABEL_MAP", "read_sst_trees", "sst_trees"),
    "sentiment_rnn.corpora.user_files": ("load_file",),
}
_MODULE_OF = {name: module for module, names in _NAMES.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    if name in _MODULE_OF:
        return getattr(importlib.import_module(_MODULE_OF[name]), name)
    try:  # a submodule (corpora.sources, ...) not imported yet
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError:
        raise AttributeError(f"module 'sentiment_rnn.corpora' has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULE_OF])
