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

from sentiment_rnn.corpora.corpus import BINARY_LABELS, SPLITS, SST5_LABELS, Corpus
from sentiment_rnn.corpora.registry import CORPORA, load_corpus
from sentiment_rnn.corpora.sources import SOURCES, Source, cache_dir, download_corpus, download_file, mirror_url, resolve_data_dir
from sentiment_rnn.corpora.splits import (TrainingData, load_training_data, unlabeled_sentences, unlabeled_texts,
                                          with_cad_pairs)
from sentiment_rnn.corpora.sst import FINE_GRAINED_LABEL_MAP, read_sst_trees, sst_trees
from sentiment_rnn.corpora.user_files import load_file

__all__ = ["BINARY_LABELS", "CORPORA", "FINE_GRAINED_LABEL_MAP", "SOURCES", "SPLITS", "SST5_LABELS", "Corpus",
           "Source", "TrainingData", "cache_dir", "download_corpus", "download_file", "load_corpus", "load_file",
           "load_training_data", "mirror_url", "read_sst_trees", "resolve_data_dir", "sst_trees",
           "unlabeled_sentences", "unlabeled_texts", "with_cad_pairs"]
