"""Fitted bag-of-words baselines as plain arrays, and the cache that keeps them.

Each fitted baseline is stored in the cache folder as plain arrays (its n-gram vocabulary, coefficients,
intercept and idf weights) plus JSON metadata, never pickled, under a key that hashes the training and
dev data, the baseline's settings, the tokenizer's source and the scikit-learn version. A stored
baseline predicts with NumPy and SciPy alone; tokens and predictions are cached the same way, so a rerun
of ``compare --corpus imdb`` takes seconds.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
import numpy as np

from sentiment_rnn.corpora import Corpus, cache_dir
from sentiment_rnn.errors import ModelFileError
from sentiment_rnn.files import loads_bounded, open_npz, write_npz_atomic
from sentiment_rnn.text.tokenizer import mark_negation, tokenize_many

__all__ = ["BASELINE_FORMAT", "LinearBaseline", "baseline_cache_key", "load_or_fit_baseline", "cached_tokens",
           "cached_array", "digest"]

BASELINE_FORMAT = "sentiment-rnn-fitted-baseline"
FORMAT_VERSION = 2
Tokens = Sequence[str]


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
        """From a :class:`~sentiment_rnn.evaluation.baselines.FittedBaseline`; its predictions are these."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        from sentiment_rnn.evaluation.baselines import _linear_coef

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
        metadata = {"format": BASELINE_FORMAT, "format_version": FORMAT_VERSION, "name": self.name,
                    "ngram_range": list(self.ngram_range), "negation": self.negation, **self.metadata}
        arrays = {"metadata": np.array(json.dumps(metadata)), "vocabulary": _lines_array(self.vocabulary),
                  "coef": self.coef, "intercept": np.array(self.intercept)}
        if self.idf is not None:
            arrays["idf"] = self.idf
        return write_npz_atomic(path, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike, key: str | None = None) -> "LinearBaseline":
        """Read a file written by :meth:`save` (no pickle; every array's header checked before it is read, as a
        model file's is); ModelFileError if it is not one, or, given the cache ``key`` it must have been stored
        under, if it holds another (a baseline fitted on other data, copied over this one)."""
        try:
            with open_npz(Path(path), "baseline") as data:
                metadata = loads_bounded(str(data["metadata"]))
                if key is not None and metadata.get("key") != key:
                    raise ValueError("it holds a baseline fitted on other data (its cache key differs)")
                if metadata.pop("format", None) != BASELINE_FORMAT or metadata.pop("format_version") != FORMAT_VERSION:
                    raise ValueError("not a fitted baseline of this format")
                baseline = cls(metadata.pop("name"), _array_lines(data["vocabulary"]), data["coef"].astype(np.float64),
                               float(data["intercept"]), tuple(metadata.pop("ngram_range")), metadata.pop("negation"),
                               data["idf"].astype(np.float64) if "idf" in data else None, metadata)
        except (ModelFileError, OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile, EOFError) as error:
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


def digest(*parts) -> str:
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
    from sentiment_rnn.text import tokenizer

    return hashlib.sha256(Path(tokenizer.__file__).read_bytes()).hexdigest()


def baseline_cache_key(name: str, train: Corpus, dev: Corpus) -> str:
    """The cache key of baseline ``name`` fitted on ``train`` and tuned on ``dev``: a hash of both
    corpora's texts and labels, the baseline's grid, the tokenizer and the scikit-learn version."""
    import sklearn

    from sentiment_rnn.evaluation.baselines import PARAM_GRIDS

    return digest(BASELINE_FORMAT, FORMAT_VERSION, name, PARAM_GRIDS[name][0], PARAM_GRIDS[name][1],
                   sklearn.__version__, _tokenizer_digest(), train.texts, train.labels, dev.texts, dev.labels)


def load_or_fit_baseline(
    name: str, train: Corpus, dev: Corpus, *, refit: bool = False,
    tokens: Callable[[Corpus], list[list[str]]] | None = None,
) -> tuple[LinearBaseline, bool]:
    """Baseline ``name`` fitted on ``train`` (regularisation tuned on ``dev``), from the cache when it
    holds one for this key (unless ``refit``), else fitted now and stored. Returns (baseline, fitted
    now). ``tokens`` gives a corpus's token lists (default: ``corpus.tokens``)."""
    from sentiment_rnn.evaluation.baselines import fit_baseline

    key = baseline_cache_key(name, train, dev)
    path = cache_dir() / "baselines" / f"{name}-{key[:20]}.npz"
    if path.is_file() and not refit:
        try:
            return LinearBaseline.load(path, key=key), False
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
    key = digest("tokens", FORMAT_VERSION, _tokenizer_digest(), list(texts))
    compute = lambda: _lines_array([" ".join(doc) for doc in tokenize_many(list(texts), n_jobs)])  # noqa: E731
    documents = _array_lines(cached_array(cache_dir() / "tokens" / f"{key[:20]}.npz", compute,
                                     lambda lines: lines.tobytes().count(b"\n") == len(texts) - 1))
    return [document.split(" ") if document else [] for document in documents]


def cached_array(path: Path | None, compute: Callable[[], np.ndarray], valid: Callable[[np.ndarray], bool]) -> np.ndarray:
    """The array stored at ``path`` when it is ``valid`` and was stored under this name (the name is a hash of
    what the array is made from), else ``compute()`` stored there (no cache when ``path`` is None; a cache that
    cannot be written, or is damaged, only costs the work next time)."""
    if path is not None and path.is_file():
        try:
            with open_npz(path, "cache") as data:  # headers checked: a member declaring 1 TiB is refused unread
                stored_as, array = str(data["name"]), data["array"]
            if stored_as == path.name and valid(array):  # not an entry copied over from another name
                return array
        except (ModelFileError, OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError):
            pass
    array = np.asarray(compute())
    if path is not None:
        try:
            write_npz_atomic(path, {"array": array, "name": np.array(path.name)})
        except OSError:
            pass
    return array
