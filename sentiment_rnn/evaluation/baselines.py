"""Bag-of-words baselines: scikit-learn pipelines over the same token lists the RNN reads.

Every pipeline takes documents that are already tokenized (lists of lowercase tokens from
``text.tokenize`` or the treebank loader), so the baselines and the RNN see identical tokens; the
vectorizers only count (n-grams of) them. Each baseline has one regularisation parameter, chosen on
the dev split by :func:`fit_baseline`.

>>> train = [["good", "fun"], ["bad", "dull"], ["not", "good"], ["very", "good"], ["so", "bad"]]
>>> fitted = fit_baseline("bow-logreg", train, [1, 0, 0, 1, 0], [["good"], ["bad"]], [1, 0])
>>> fitted.predict([["fun"], ["dull"]]).tolist()
[1, 0]
>>> fitted.param_name, fitted.param in PARAM_GRIDS["bow-logreg"][1]
('classifier__C', True)
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from collections.abc import Callable, Sequence

from typing import TYPE_CHECKING, Any

import numpy as np

from sentiment_rnn.text.tokenizer import mark_negation

if TYPE_CHECKING:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

__all__ = [
    "BASELINES",
    "PARAM_GRIDS",
    "FittedBaseline",
    "make_baseline",
    "fit_baseline",
    "word_weights",
]

Tokens = Sequence[str]


def identity(tokens: Tokens) -> Tokens:
    """The vectorizers' tokenizer and preprocessor: documents arrive already tokenized."""
    return tokens


def _vectorizer(ngram_range: tuple[int, int], preprocessor: Callable = identity, tfidf: bool = False):
    """A vectorizer over token lists: no lowercasing, no regex, only n-gram counting."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer  # scikit-learn loads on first use

    cls = TfidfVectorizer if tfidf else CountVectorizer
    return cls(
        preprocessor=preprocessor,
        tokenizer=identity,
        token_pattern=None,
        lowercase=False,
        ngram_range=ngram_range,
    )


def _logreg() -> LogisticRegression:
    from sklearn.linear_model import LogisticRegression

    # liblinear shuffles its coordinates: a fixed seed makes fits (and dev ties) repeatable.
    return LogisticRegression(C=1.0, solver="liblinear", max_iter=1000, random_state=0)


def _pipeline(vectorizer, classifier) -> Pipeline:
    from sklearn.pipeline import Pipeline

    return Pipeline([("vectorizer", vectorizer), ("classifier", classifier)])


def bow_logreg() -> Pipeline:
    """Unigram counts + logistic regression."""
    return _pipeline(_vectorizer((1, 1)), _logreg())


def bow_bigram_logreg() -> Pipeline:
    """Unigram and bigram counts + logistic regression."""
    return _pipeline(_vectorizer((1, 2)), _logreg())


def tfidf_svm() -> Pipeline:
    """TF-IDF of unigrams and bigrams (l2-normalised rows) + linear SVM."""
    from sklearn.svm import LinearSVC

    classifier = LinearSVC(C=1.0, max_iter=10_000, random_state=0)
    return _pipeline(_vectorizer((1, 2), tfidf=True), classifier)


def nb() -> Pipeline:
    """Unigram counts + multinomial naive Bayes."""
    from sklearn.naive_bayes import MultinomialNB

    return _pipeline(_vectorizer((1, 1)), MultinomialNB(alpha=1.0))


def negation_logreg() -> Pipeline:
    """``text.mark_negation`` (tokens after a negator get ``_NEG`` up to the next clause
    punctuation), then unigram and bigram counts + logistic regression."""
    return _pipeline(_vectorizer((1, 2), preprocessor=mark_negation), _logreg())


BASELINES: dict[str, Callable[[], Pipeline]] = {
    "bow-logreg": bow_logreg,
    "bow-bigram-logreg": bow_bigram_logreg,
    "tfidf-svm": tfidf_svm,
    "nb": nb,
    "negation-logreg": negation_logreg,
}

# The one regularisation parameter of each baseline and the grid it is tuned over on dev.
# Values are ordered from strongest to weakest regularisation; ties on dev go to the first.
_C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
PARAM_GRIDS: dict[str, tuple[str, tuple[float, ...]]] = {
    "bow-logreg": ("classifier__C", _C_GRID),
    "bow-bigram-logreg": ("classifier__C", _C_GRID),
    "tfidf-svm": ("classifier__C", (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)),
    "nb": ("classifier__alpha", (3.0, 1.0, 0.3, 0.1, 0.03)),
    "negation-logreg": ("classifier__C", _C_GRID),
}


def make_baseline(name: str) -> Pipeline:
    """A fresh, unfitted pipeline of the baseline called ``name`` (a key of ``BASELINES``)."""
    try:
        return BASELINES[name]()
    except KeyError:
        raise ValueError(f"unknown baseline {name!r}; choose one of {', '.join(BASELINES)}") from None


@dataclass(frozen=True)
class FittedBaseline:
    """A baseline fitted on train with its parameter chosen on dev.

    ``pipeline`` is the fitted scikit-learn pipeline (vectorizer -> classifier); ``param`` the chosen
    value of ``param_name``; ``dev_accuracy`` maps every grid value to its dev accuracy;
    ``fit_seconds`` is the time to fit the vectorizer and the chosen classifier once, and
    ``search_seconds`` the time of the whole search (vectorizer once, one classifier per grid value).
    """

    name: str
    pipeline: Pipeline
    param_name: str
    param: float
    dev_accuracy: dict[float, float] = field(default_factory=dict)
    fit_seconds: float = 0.0
    search_seconds: float = 0.0

    def predict(self, docs: Sequence[Tokens]) -> np.ndarray:
        """Labels (N,) int64, 0 = negative, 1 = positive, for N token lists."""
        return np.asarray(self.pipeline.predict(list(docs)), dtype=np.int64)  # (N,)

    def decision_function(self, docs: Sequence[Tokens]) -> np.ndarray:
        """Scores (N,): positive means class 1. For naive Bayes, the log-odds
        log P(1, x) - log P(0, x)."""
        X = self.pipeline.named_steps["vectorizer"].transform(list(docs))  # (N, F) sparse
        coef, intercept = _linear_coef(self.pipeline.named_steps["classifier"])  # (F,), scalar
        return np.asarray(X @ coef).ravel() + intercept  # (N,)

    def score(self, docs: Sequence[Tokens], y: Sequence[int]) -> float:
        """Accuracy on (docs, y)."""
        return float(np.mean(self.predict(docs) == np.asarray(y)))


def fit_baseline(
    name: str,
    train_tokens: Sequence[Tokens],
    y_train: Sequence[int],
    dev_tokens: Sequence[Tokens],
    y_dev: Sequence[int],
) -> FittedBaseline:
    """Fit baseline ``name`` on train, choosing its regularisation on dev.

    The vectorizer is fitted on train once; for each value in ``PARAM_GRIDS[name]`` a classifier is
    fitted on train and scored on dev; the most accurate is kept (ties go to the stronger
    regularisation, which comes first in the grid). The classifier is not refitted on train + dev,
    so dev stays a clean measure of the choice.

    train_tokens: N token lists, y_train: (N,) labels in {0, 1}; dev likewise with M rows.
    """
    from sklearn.base import clone

    pipeline = make_baseline(name)
    param_name, grid = PARAM_GRIDS[name]
    y_train = np.asarray(y_train, dtype=np.int64)  # (N,)
    y_dev = np.asarray(y_dev, dtype=np.int64)  # (M,)
    vectorizer, classifier = pipeline.named_steps["vectorizer"], pipeline.named_steps["classifier"]
    key = param_name.split("__", 1)[1]

    start = time.perf_counter()
    X_train = vectorizer.fit_transform(list(train_tokens))  # (N, F) sparse
    vectorize_seconds = time.perf_counter() - start
    X_dev = vectorizer.transform(list(dev_tokens))  # (M, F) sparse

    best: tuple[float, Any] | None = None
    best_accuracy, best_seconds = -1.0, 0.0
    dev_accuracy: dict[float, float] = {}
    for value in grid:
        candidate = clone(classifier).set_params(**{key: value})
        tick = time.perf_counter()
        candidate.fit(X_train, y_train)
        seconds = time.perf_counter() - tick
        accuracy = float(np.mean(candidate.predict(X_dev) == y_dev))
        dev_accuracy[value] = accuracy
        if accuracy > best_accuracy:
            best, best_accuracy, best_seconds = (value, candidate), accuracy, seconds
    search_seconds = time.perf_counter() - start

    if best is None:
        raise ValueError(f"the parameter grid of {name} is empty")
    value, fitted_classifier = best
    fitted = _pipeline(vectorizer, fitted_classifier)
    return FittedBaseline(
        name=name,
        pipeline=fitted,
        param_name=param_name,
        param=value,
        dev_accuracy=dev_accuracy,
        fit_seconds=vectorize_seconds + best_seconds,
        search_seconds=search_seconds,
    )


def _linear_coef(classifier) -> tuple[np.ndarray, float]:
    """(coef (F,), intercept) such that the positive-class score is X @ coef + intercept.

    Logistic regression and the linear SVM expose them directly; for multinomial naive Bayes
    they are the log-odds of the two classes: log θ_1f - log θ_0f and log π_1 - log π_0.
    """
    if hasattr(classifier, "feature_log_prob_"):
        log_prob = classifier.feature_log_prob_  # (2, F)
        log_prior = classifier.class_log_prior_  # (2,)
        return log_prob[1] - log_prob[0], float(log_prior[1] - log_prior[0])
    return classifier.coef_.ravel(), float(np.ravel(classifier.intercept_)[0])


def word_weights(fitted: FittedBaseline | Pipeline, tokens: Tokens) -> list[tuple[str, float]]:
    """Each token's contribution to the decision score of one document.

    Returns one ``(token, weight)`` per input token, in order; the token is spelled as the features
    see it (``good_NEG`` for negation-logreg). A feature's contribution ``x_f * coef_f`` is shared
    equally among its occurrences in the document, and an n-gram's share equally among its n
    tokens, so ``sum(weights) + intercept`` equals the decision function (the log-odds for naive
    Bayes). Tokens outside the vocabulary weigh 0.

    >>> train = [["good"], ["bad"], ["good", "fun"], ["bad", "dull"]]
    >>> fitted = fit_baseline("nb", train, [1, 0, 1, 0], train, [1, 0, 1, 0])
    >>> [(t, w > 0) for t, w in word_weights(fitted, ["good", "unknown", "dull"])]
    [('good', True), ('unknown', False), ('dull', False)]
    """
    pipeline = fitted.pipeline if isinstance(fitted, FittedBaseline) else fitted
    vectorizer = pipeline.named_steps["vectorizer"]
    coef, _ = _linear_coef(pipeline.named_steps["classifier"])  # (F,)
    seen = list(vectorizer.build_tokenizer()(vectorizer.build_preprocessor()(list(tokens))))
    x = vectorizer.transform([list(tokens)]).toarray().ravel()  # (F,)
    vocabulary = vectorizer.vocabulary_

    low, high = vectorizer.ngram_range
    occurrences: list[tuple[int, int, int]] = []  # (feature, start, n)
    for n in range(low, high + 1):
        for start in range(len(seen) - n + 1):
            feature = vocabulary.get(" ".join(seen[start : start + n]))
            if feature is not None:
                occurrences.append((feature, start, n))
    counts = Counter(feature for feature, _, _ in occurrences)

    weights = np.zeros(len(seen))  # (T,)
    for feature, start, n in occurrences:
        weights[start : start + n] += x[feature] * coef[feature] / (counts[feature] * n)
    return [(token, float(w)) for token, w in zip(seen, weights, strict=True)]
