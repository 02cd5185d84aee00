"""Models against bag-of-words baselines on whole reviews: IMDB test accuracy, CAD pair consistency and
the contrast set, with the fitted baselines cached so a rerun takes seconds.

The baselines of ``baselines.py`` are fitted on the training reviews (IMDB's, optionally with the CAD
training pairs) and tuned on the dev reviews; each fitted baseline is stored in the cache folder as
plain arrays (its n-gram vocabulary, coefficients, intercept and idf weights) plus JSON metadata, never
pickled, under a key that hashes the training and dev data, the baseline's settings, the tokenizer's
source and the scikit-learn version. A stored baseline predicts with NumPy and SciPy alone.

**Pair consistency** is the share of pairs whose two members are both right: on the counterfactual pairs
of CAD a model that only counts words must move its score across the boundary with the few words an
editor changed.

>>> pair_consistency([1, 0, 1, 0], [1, 0, 1, 1], pair_ids=[4, 4, 9, 9])
0.5
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .cad import match_key, with_cad_pairs
from .data import Corpus, TrainingData, _stratified_split, cache_dir, load_corpus, load_file
from .errors import ModelFileError
from .evaluate import ContrastItem, classification_report_dict, format_table, load_contrast_set
from .serialization import write_npz_atomic
from .text import mark_negation, tokenize_many

__all__ = [
    "BASELINE_FORMAT",
    "LinearBaseline",
    "ReviewData",
    "pair_consistency",
    "pair_scores",
    "baseline_cache_key",
    "load_or_fit_baseline",
    "cached_tokens",
    "review_data",
    "review_scores",
    "compare_reviews",
    "format_review_table",
    "sst_test_overlap",
    "without_sst_test",
]

BASELINE_FORMAT = "sentiment-rnn-fitted-baseline"
_FORMAT_VERSION = 2
Tokens = Sequence[str]


# ----------------------------------------------------------------------------------------------
# Pair consistency


def pair_consistency(y_true: Sequence[int], y_pred: Sequence[int], pair_ids: Sequence[int]) -> float:
    """Fraction of pairs (examples sharing a pair id) whose members are all predicted right.

    y_true, y_pred, pair_ids: (n,). Returns nan when there are no pairs.

    >>> pair_consistency([1, 0, 0, 1, 1, 0], [1, 0, 0, 0, 0, 1], [1, 1, 2, 2, 3, 3])   # pair 1 right
    0.3333333333333333
    """
    y_true = np.asarray(y_true, dtype=np.int64).reshape(-1)  # (n,)
    y_pred = np.asarray(y_pred, dtype=np.int64).reshape(-1)  # (n,)
    pair_ids = np.asarray(pair_ids).reshape(-1)  # (n,)
    if not y_true.shape == y_pred.shape == pair_ids.shape:
        raise ValueError(f"shapes differ: y_true {y_true.shape}, y_pred {y_pred.shape}, pair_ids {pair_ids.shape}")
    if not len(pair_ids):
        return float("nan")
    ids, inverse = np.unique(pair_ids, return_inverse=True)  # (P,), (n,)
    wrong = np.bincount(inverse, weights=y_true != y_pred, minlength=len(ids))  # (P,)
    return float(np.mean(wrong == 0))


def pair_scores(y_true: Sequence[int], y_pred: Sequence[int], pair_ids: Sequence[int]) -> dict[str, Any]:
    """Member accuracy beside pair consistency: ``{"n", "accuracy", "pairs", "pair_consistency"}``.

    >>> pair_scores([1, 0, 1, 0], [1, 0, 1, 1], [4, 4, 9, 9])
    {'n': 4, 'accuracy': 0.75, 'pairs': 2, 'pair_consistency': 0.5}
    """
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)  # (n,), (n,)
    return {
        "n": int(y_true.size),
        "accuracy": float(np.mean(y_true == y_pred)) if y_true.size else float("nan"),
        "pairs": int(len(np.unique(pair_ids))),
        "pair_consistency": pair_consistency(y_true, y_pred, pair_ids),
    }


# ----------------------------------------------------------------------------------------------
# A fitted linear baseline as plain arrays


@dataclass(frozen=True, eq=False)
class LinearBaseline:
    """A fitted bag-of-words baseline without scikit-learn: the score of a document is
    ``intercept + x · coef`` where x counts its n-grams (``ngram_range``, after ``mark_negation`` when
    ``negation``), scaled by ``idf`` and l2-normalised when ``idf`` is given (TF-IDF); positive means
    the positive class. For naive Bayes the coefficients are the two classes' log-odds.
    """

    name: str
    vocabulary: list[str]  # F n-grams, their tokens joined by spaces
    coef: np.ndarray  # (F,) float64
    intercept: float
    ngram_range: tuple[int, int]
    negation: bool = False
    idf: np.ndarray | None = None  # (F,) float64
    metadata: dict = field(default_factory=dict)

    @classmethod
    def from_fitted(cls, fitted, **metadata) -> "LinearBaseline":
        """From a :class:`~sentiment_rnn.baselines.FittedBaseline`; its predictions are these."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        from .baselines import _linear_coef

        vectorizer = fitted.pipeline.named_steps["vectorizer"]
        tfidf = isinstance(vectorizer, TfidfVectorizer)
        if tfidf and (vectorizer.norm != "l2" or vectorizer.sublinear_tf or not vectorizer.use_idf):
            raise ValueError(f"baseline {fitted.name!r}: only l2-normalised TF-IDF with idf is supported")
        coef, intercept = _linear_coef(fitted.pipeline.named_steps["classifier"])  # (F,), scalar
        vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
        metadata = {"param": {fitted.param_name: fitted.param},
                    "dev_accuracy": {str(k): v for k, v in fitted.dev_accuracy.items()},
                    "fit_seconds": round(fitted.search_seconds, 2), **metadata}
        return cls(fitted.name, vocabulary, np.asarray(coef, dtype=np.float64).copy(),
                   float(intercept), tuple(vectorizer.ngram_range), vectorizer.preprocessor is mark_negation,
                   np.asarray(vectorizer.idf_, dtype=np.float64).copy() if tfidf else None, metadata)

    def features(self, docs: Sequence[Tokens]):
        """The (N, F) sparse feature matrix of N token lists (counts, or TF-IDF rows of norm 1)."""
        from scipy import sparse

        index = {gram: j for j, gram in enumerate(self.vocabulary)}
        rows, cols = [], []
        for i, doc in enumerate(docs):
            tokens = mark_negation(list(doc)) if self.negation else list(doc)
            found = [index[g] for g in _ngrams(tokens, *self.ngram_range) if g in index]
            cols += found
            rows += [i] * len(found)
        X = sparse.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(docs), len(self.vocabulary)))  # (N, F)
        if self.idf is None:
            return X
        X = X @ sparse.diags(self.idf)  # (N, F)
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())  # (N,)
        return sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ X  # (N, F)

    def decision_function(self, docs: Sequence[Tokens]) -> np.ndarray:
        """Scores (N,): positive means class 1."""
        return np.asarray(self.features(docs) @ self.coef).ravel() + self.intercept  # (N,)

    def predict(self, docs: Sequence[Tokens]) -> np.ndarray:
        """Labels (N,) int64, 0 = negative, 1 = positive."""
        return (self.decision_function(docs) > 0).astype(np.int64)  # (N,)

    def save(self, path: str | os.PathLike) -> Path:
        """One .npz (atomic write): vocabulary (as UTF-8 lines), coef, intercept, idf (when TF-IDF),
        JSON metadata."""
        metadata = {"format": BASELINE_FORMAT, "format_version": _FORMAT_VERSION, "name": self.name,
                    "ngram_range": list(self.ngram_range), "negation": self.negation, **self.metadata}
        arrays = {"metadata": np.array(json.dumps(metadata)), "vocabulary": _lines_array(self.vocabulary),
                  "coef": self.coef, "intercept": np.array(self.intercept)}
        if self.idf is not None:
            arrays["idf"] = self.idf
        return write_npz_atomic(path, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "LinearBaseline":
        """Read a file written by :meth:`save` (no pickle); ModelFileError if it is not one."""
        try:
            with np.load(path, allow_pickle=False) as data:
                metadata = json.loads(str(data["metadata"]))
                if metadata.pop("format", None) != BASELINE_FORMAT or metadata.pop("format_version") != _FORMAT_VERSION:
                    raise ValueError("not a fitted baseline of this format")
                baseline = cls(metadata.pop("name"), _array_lines(data["vocabulary"]), data["coef"].astype(np.float64),
                               float(data["intercept"]), tuple(metadata.pop("ngram_range")), metadata.pop("negation"),
                               data["idf"].astype(np.float64) if "idf" in data else None, metadata)
        except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile, EOFError) as error:
            raise ModelFileError(f"{path}: not a readable fitted baseline ({error})") from None
        if (len(baseline.vocabulary),) != baseline.coef.shape or (
                baseline.idf is not None and baseline.idf.shape != baseline.coef.shape):
            raise ModelFileError(f"{path}: vocabulary, coefficients and idf differ in length")
        return baseline


def _lines_array(strings: Sequence[str]) -> np.ndarray:
    """Strings without line breaks as one uint8 array of UTF-8 lines: a fixed-width string array
    would take the longest string's width for every one of them.

    >>> _array_lines(_lines_array(["not bad", "", "n't"]))
    ['not bad', '', "n't"]
    """
    return np.frombuffer("\n".join(strings).encode("utf-8", "surrogatepass"), dtype=np.uint8)  # (bytes,)


def _array_lines(array: np.ndarray) -> list[str]:
    return array.tobytes().decode("utf-8", "surrogatepass").split("\n")


def _ngrams(tokens: list[str], low: int, high: int) -> list[str]:
    """The n-grams of ``tokens`` for n = low..high, joined by spaces, as scikit-learn's vectorizers
    make them.

    >>> _ngrams(["not", "bad", "at"], 1, 2)
    ['not', 'bad', 'at', 'not bad', 'bad at']
    """
    return [" ".join(tokens[i : i + n]) for n in range(low, high + 1) for i in range(len(tokens) - n + 1)]


# ----------------------------------------------------------------------------------------------
# The cache


def _digest(*parts) -> str:
    """sha256 of strings, numbers and sequences of them (each part and item framed by its length)."""
    sha = hashlib.sha256()
    for part in parts:
        items = part if isinstance(part, (list, tuple, np.ndarray)) else [part]
        sha.update(f"[{len(items)}]".encode())
        for item in items:
            data = str(item).encode("utf-8", "surrogatepass")
            sha.update(f"{len(data)}:".encode() + data)
    return sha.hexdigest()


def _tokenizer_digest() -> str:
    """The tokenizer's source: cached tokens and baselines are stale when it changes."""
    from . import text

    return hashlib.sha256(Path(text.__file__).read_bytes()).hexdigest()


def baseline_cache_key(name: str, train: Corpus, dev: Corpus) -> str:
    """The cache key of baseline ``name`` fitted on ``train`` and tuned on ``dev``: a hash of both
    corpora's texts and labels, the baseline's grid, the tokenizer and the scikit-learn version."""
    import sklearn

    from .baselines import PARAM_GRIDS

    return _digest(BASELINE_FORMAT, _FORMAT_VERSION, name, PARAM_GRIDS[name][0], PARAM_GRIDS[name][1],
                   sklearn.__version__, _tokenizer_digest(), train.texts, train.labels, dev.texts, dev.labels)


def load_or_fit_baseline(
    name: str, train: Corpus, dev: Corpus, *, refit: bool = False,
    tokens: Callable[[Corpus], list[list[str]]] | None = None,
) -> tuple[LinearBaseline, bool]:
    """Baseline ``name`` fitted on ``train`` (regularisation tuned on ``dev``), from the cache when it
    holds one for this key (unless ``refit``), else fitted now and stored. Returns (baseline, fitted
    now). ``tokens`` gives a corpus's token lists (default: ``corpus.tokens``)."""
    from .baselines import fit_baseline

    key = baseline_cache_key(name, train, dev)
    path = cache_dir() / "baselines" / f"{name}-{key[:20]}.npz"
    if path.is_file() and not refit:
        try:
            return LinearBaseline.load(path), False
        except ModelFileError:
            pass  # a damaged entry is fitted again and replaced
    tokens = tokens or (lambda corpus: corpus.tokens)
    fitted = fit_baseline(name, tokens(train), train.labels, tokens(dev), dev.labels)
    baseline = LinearBaseline.from_fitted(fitted, key=key, train=train.name, train_examples=len(train),
                                          dev=dev.name, dev_examples=len(dev))
    try:
        baseline.save(path)
    except OSError:  # a read-only cache only costs the fit next time
        pass
    return baseline, True


def cached_tokens(texts: Sequence[str], n_jobs: int = 1) -> list[list[str]]:
    """``text.tokenize`` of every text, read from the cache when these texts were tokenized before by
    this tokenizer (tokens hold no white space, so a document is stored as one string)."""
    if not len(texts):
        return []
    key = _digest("tokens", _FORMAT_VERSION, _tokenizer_digest(), list(texts))
    compute = lambda: _lines_array([" ".join(doc) for doc in tokenize_many(list(texts), n_jobs)])  # noqa: E731
    documents = _array_lines(_cached(cache_dir() / "tokens" / f"{key[:20]}.npz", compute,
                                     lambda lines: lines.tobytes().count(b"\n") == len(texts) - 1))
    return [document.split(" ") if document else [] for document in documents]


def _cached(path: Path | None, compute: Callable[[], np.ndarray], valid: Callable[[np.ndarray], bool]) -> np.ndarray:
    """The array stored at ``path`` when it is ``valid``, else ``compute()`` stored there (no cache
    when ``path`` is None; a cache that cannot be written only costs the work next time)."""
    if path is not None:
        try:
            with np.load(path, allow_pickle=False) as data:
                array = data["array"]
            if valid(array):
                return array
        except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError):
            pass
    array = np.asarray(compute())
    if path is not None:
        try:
            write_npz_atomic(path, {"array": array})
        except OSError:
            pass
    return array


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
        train, dev, test = (_subset(everything, _stratified_split(everything.labels, split, 0), split)
                            for split in ("train", "dev", "test"))
        description = {"file": str(data_file)}
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
    if data.cad_dev is not None:
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
    return None if key is None else cache_dir() / "predictions" / f"{_digest('scores', key, list(texts))[:20]}.npz"


def _baseline_labels(baseline: LinearBaseline, texts: Sequence[str], n_jobs: int) -> np.ndarray:
    """Labels (n,) of ``texts``, from scores cached under the baseline's key."""
    scores = _cached(_predictions_path(baseline.metadata.get("key"), texts),
                     lambda: baseline.decision_function(cached_tokens(texts, n_jobs)),
                     lambda array: array.shape == (len(texts),))  # (n,)
    return (scores > 0).astype(np.int64)  # (n,)


def _model_labels(model, texts: Sequence[str], key: str | None) -> np.ndarray:
    """Labels (n,) from ``model.predict_proba(texts)`` (n, C) and its ``classes_`` (default 0..C-1);
    the probabilities are cached under ``key`` (e.g. the model file's hash) when one is given."""
    probabilities = _cached(_predictions_path(key, texts), lambda: model.predict_proba(list(texts)),
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
        results[name + suffix] = review_scores(*(_baseline_labels(baseline, texts, n_jobs) for texts in groups), data)
        results[name + suffix]["model"] = {"kind": "baseline", "param": baseline.metadata.get("param"),
                                           "trained_on": data.description, "fitted_now": fitted_now,
                                           "seconds": round(time.perf_counter() - start, 2)}
    for name, model in models.items():
        start = time.perf_counter()
        say(f"scoring {name}")
        key = (model_keys or {}).get(name)
        results[name] = review_scores(*(_model_labels(model, texts, key) for texts in groups), data)
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
    from .text import unescape_ptb

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
