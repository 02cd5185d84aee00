"""Models against bag-of-words baselines on whole reviews: IMDB test accuracy, CAD pair consistency and
the contrast set, with the fitted baselines cached so a rerun takes seconds.

The baselines of ``baselines.py`` are fitted on the training reviews (IMDB's, optionally with the CAD
training pairs) and tuned on the dev reviews, and kept in the cache (:mod:`stored_baselines`); every
model is scored on the test reviews, the CAD dev pairs (pair consistency: both members right,
:func:`~sentiment_rnn.evaluation.metrics.pair_consistency`) and the contrast set.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sentiment_rnn.corpora import Corpus, TrainingData, cache_dir, load_corpus, load_file, with_cad_pairs
from sentiment_rnn.corpora.cad import match_key
from sentiment_rnn.corpora.corpus import stratified_split
from sentiment_rnn.evaluation.comparison import format_table
from sentiment_rnn.evaluation.metrics import classification_report_dict, pair_scores
from sentiment_rnn.evaluation.negation import ContrastItem, load_contrast_set
from sentiment_rnn.evaluation.stored_baselines import (LinearBaseline, cached_array, cached_tokens, digest,
                                                       load_or_fit_baseline)

__all__ = ["ReviewData", "review_data", "review_scores", "compare_reviews", "format_review_table",
           "sst_test_overlap", "without_sst_test"]

Tokens = Sequence[str]


# ----------------------------------------------------------------------------------------------
# The data of a review-level comparison


@dataclass(frozen=True)
class ReviewData:
    """Train and dev reviews for the baselines, and what every model is scored on: the test reviews,
    the CAD dev pairs and the contrast set."""

    train: Corpus
    dev: Corpus
    test: Corpus
    cad_dev: Corpus | None
    contrast_items: Sequence[ContrastItem]
    description: dict


def review_data(
    corpus: str = "imdb", *, data_file=None, text_column: str = "text", label_column: str = "label",
    mix: str | None = None, train_size: int | None = None, test_size: int | None = None, data_dir=None,
    contrast_path=None,
) -> ReviewData:
    """IMDB's train (ids not ending in 0), dev (ids ending in 0) and test reviews, or a labelled file
    split 80/10/10 by label (seed 0). ``mix="cad"`` adds the CAD training pairs to train, less the pairs
    with a member among the dev or test texts. ``train_size`` keeps the first N training reviews
    and the first N // 9 dev reviews, ``test_size`` the first N test reviews (for quick runs)."""
    if data_file is not None:
        everything = load_file(data_file, text_column=text_column, label_column=label_column)
        train, dev, test = (_subset(everything, stratified_split(everything.labels, split, 0), split)
                            for split in ("train", "dev", "test"))
        description: dict[str, Any] = {"file": str(data_file)}
    elif corpus == "imdb":
        train, dev, test = (load_corpus("imdb", split, data_dir) for split in ("train", "dev", "test"))
        description = {"corpus": "imdb"}
    else:
        raise ValueError(f"review-level comparison reads imdb or a file, not {corpus!r}")
    if train_size is not None:
        train, dev = _subset(train, np.arange(min(train_size, len(train)))), _subset(
            dev, np.arange(min(max(train_size // 9, 1), len(dev))))
    if test_size is not None:
        test = _subset(test, np.arange(min(test_size, len(test))))
    cad_dev = load_corpus("cad", "dev", data_dir)
    if mix == "cad":
        mixed = with_cad_pairs(TrainingData(train, dev, test, description), data_dir)
        train, description = mixed.train, mixed.description
    elif mix is not None:
        raise ValueError(f"only cad can be mixed in, not {mix!r}")
    description.update(train=len(train), dev=len(dev), test=len(test))
    return ReviewData(train, dev, test, cad_dev, load_contrast_set(contrast_path), description)


def _subset(corpus: Corpus, index: np.ndarray, split: str | None = None) -> Corpus:
    """The examples ``index`` (k,) of ``corpus`` (pair ids kept)."""
    pair_ids = None if corpus.pair_ids is None else corpus.pair_ids[index]
    return Corpus(corpus.name, split or corpus.split, [corpus.texts[i] for i in index], corpus.labels[index],
                  corpus.label_names, source=corpus.source, pair_ids=pair_ids)


# ----------------------------------------------------------------------------------------------
# Scoring


def review_scores(
    test_pred: np.ndarray, cad_pred: np.ndarray | None, contrast_pred: np.ndarray, data: ReviewData
) -> dict[str, dict[str, Any]]:
    """The rows' numbers from predicted labels of the test reviews (N,), the CAD dev reviews (M,) and
    the contrast set (K,): ``test`` (accuracy, macro-F1, confusion), ``cad_dev`` (member accuracy,
    pair consistency) and the contrast set's slices (accuracy, pair consistency)."""
    results: dict[str, dict[str, Any]] = {"test": classification_report_dict(data.test.labels, test_pred)}
    if data.cad_dev is not None and cad_pred is not None:
        results["cad_dev"] = pair_scores(data.cad_dev.labels, cad_pred, data.cad_dev.pair_ids)
    items = data.contrast_items
    labels = np.array([item.label for item in items], dtype=np.int64)  # (K,)
    pair_ids = np.array([item.pair_id for item in items])  # (K,)
    section = np.array([item.section for item in items])  # (K,)
    negated_label = {item.pair_id: item.label for item in items if item.kind == "negated"}
    to_label = np.array([negated_label.get(item.pair_id, -1) for item in items])  # (K,)
    slices = {
        "contrast": np.ones(len(items), dtype=bool),
        "contrast_minimal": section == "minimal",
        "contrast_minimal_negated_negative": (section == "minimal") & (to_label == 0),  # "good" / "not good"
        "contrast_minimal_negated_positive": (section == "minimal") & (to_label == 1),  # "boring" / "never boring"
        "contrast_hard": section == "hard",
    }
    for name, keep in slices.items():
        results[name] = pair_scores(labels[keep], contrast_pred[keep], pair_ids[keep])
    return results


def _predictions_path(key: str | None, texts: Sequence[str]) -> Path | None:
    """Where the predictions of the model or baseline ``key`` on ``texts`` are cached (None: nowhere)."""
    return None if key is None else cache_dir() / "predictions" / f"{digest('scores', key, list(texts))[:20]}.npz"


def _baseline_labels(baseline: LinearBaseline, texts: Sequence[str], n_jobs: int) -> np.ndarray:
    """Labels (n,) of ``texts``, from scores cached under the baseline's key."""
    scores = cached_array(_predictions_path(baseline.metadata.get("key"), texts),
                     lambda: baseline.decision_function(cached_tokens(texts, n_jobs)),
                     lambda array: array.shape == (len(texts),))  # (n,)
    return (scores > 0).astype(np.int64)  # (n,)


def _model_labels(model, texts: Sequence[str], key: str | None) -> np.ndarray:
    """Labels (n,) from ``model.predict_proba(texts)`` (n, C) and its ``classes_`` (default 0..C-1);
    the probabilities are cached under ``key`` (e.g. the model file's hash) when one is given."""
    probabilities = cached_array(_predictions_path(key, texts), lambda: model.predict_proba(list(texts)),
                            lambda array: len(array) == len(texts))  # (n, C)
    classes = np.asarray(getattr(model, "classes_", np.arange(probabilities.shape[1])))  # (C,)
    return classes[probabilities.argmax(axis=1)].astype(np.int64)  # (n,)


def compare_reviews(
    models: Mapping[str, Any],
    baseline_names: Sequence[str],
    data: ReviewData,
    *,
    model_keys: Mapping[str, str] | None = None,
    refit: bool = False,
    n_jobs: int = 1,
    progress: Callable[[str], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """``{row name: review_scores(...)}`` for every baseline (fitted on ``data.train`` or read from
    the cache) and every model (anything with ``predict_proba(list of texts) -> (n, C)``); each row
    also says under ``"model"`` what it is, whether it was fitted now and how long it took."""
    say = progress or (lambda message: None)
    results: dict[str, dict[str, Any]] = {}
    suffix = " +cad" if data.description.get("mix") == "cad" else ""
    groups = (data.test.texts, data.cad_dev.texts if data.cad_dev is not None else [],
              [item.text for item in data.contrast_items])
    for name in baseline_names:
        start = time.perf_counter()
        baseline, fitted_now = load_or_fit_baseline(name, data.train, data.dev, refit=refit,
                                                    tokens=lambda corpus: cached_tokens(corpus.texts, n_jobs))
        seconds = time.perf_counter() - start
        say(f"{name}: {'fitted' if fitted_now else 'read from the cache'} in {seconds:.1f} s")
        test_pred, cad_pred, contrast_pred = (_baseline_labels(baseline, texts, n_jobs) for texts in groups)
        results[name + suffix] = review_scores(test_pred, cad_pred, contrast_pred, data)
        results[name + suffix]["model"] = {"kind": "baseline", "param": baseline.metadata.get("param"),
                                           "trained_on": data.description, "fitted_now": fitted_now,
                                           "seconds": round(time.perf_counter() - start, 2)}
    for name, model in models.items():
        start = time.perf_counter()
        say(f"scoring {name}")
        key = (model_keys or {}).get(name)
        test_pred, cad_pred, contrast_pred = (_model_labels(model, texts, key) for texts in groups)
        results[name] = review_scores(test_pred, cad_pred, contrast_pred, data)
        results[name]["model"] = {"kind": "model", "seconds": round(time.perf_counter() - start, 2)}
    return results


# (slice, metric, the metric's count, column title)
REVIEW_COLUMNS = (
    ("test", "accuracy", "n", "test"),
    ("cad_dev", "accuracy", "n", "CAD dev"),
    ("cad_dev", "pair_consistency", "pairs", "CAD dev pairs"),
    ("contrast_minimal", "accuracy", "n", "minimal"),
    ("contrast_minimal", "pair_consistency", "pairs", "minimal pairs"),
    ("contrast_minimal_negated_negative", "pair_consistency", "pairs", "to-neg pairs"),
    ("contrast_minimal_negated_positive", "pair_consistency", "pairs", "to-pos pairs"),
    ("contrast_hard", "accuracy", "n", "hard"),
    ("contrast_hard", "pair_consistency", "pairs", "hard pairs"),
)


def format_review_table(results: Mapping[str, Mapping[str, Any]], markdown: bool = False,
                        test_title: str = "IMDB test") -> str:
    """One row per model, one column per slice (see ``REVIEW_COLUMNS``), the counts first."""
    columns = tuple((s, m, c, test_title if s == "test" else title) for s, m, c, title in REVIEW_COLUMNS)
    return format_table(results, markdown=markdown, columns=columns)


# ----------------------------------------------------------------------------------------------
# sentence-polarity and SST-2 test


def _sentence_key(tokens: Sequence[str]) -> str:
    """Letters and digits of a tokenized sentence, lowercased: the same sentence tokenized by the
    treebank or by sentence_polarity ("is n't" / "isn't", "-lrb-" / "(") gives the same key.

    >>> _sentence_key(["It", "is", "n't", "-LRB-", "bad", "-RRB-", "."]) == _sentence_key("it isn't ( bad ) .".split())
    True
    """
    from sentiment_rnn.text.tokenizer import unescape_ptb

    return match_key("".join(unescape_ptb(token) for token in tokens)).replace(" ", "")


def sst_test_overlap(token_lists: Sequence[Tokens], data_dir=None) -> np.ndarray:
    """(n,) bool: which sentences are (letters and digits compared) sentences of SST-2 test. The
    treebank was built from the same Rotten Tomatoes snippets as sentence_polarity."""
    test = {_sentence_key(tokens) for tokens in load_corpus("sst", "test", data_dir).tokens}
    return np.array([_sentence_key(tokens) in test for tokens in token_lists], dtype=bool)


def without_sst_test(corpus: Corpus, data_dir=None) -> Corpus:
    """``corpus`` without its sentences that are in SST-2 test: what every number across
    sentence-polarity and the treebank must use."""
    return _subset(corpus, np.flatnonzero(~sst_test_overlap(corpus.tokens, data_dir)))
