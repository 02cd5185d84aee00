"""The review model's linear part: NB-weighted n-gram indicators (NBSVM, Wang & Manning 2012, as the
linear member of Mesnil et al. 2014's ensemble), read in the review model beside the RNN.

    score(sentence) = sum over the sentence's distinct n-grams g of weight[g]      a log-odds, scalar

The n-grams (1 to ``order`` words) are taken within sentences, never across a sentence boundary. With
``negation``, the words between a negator and the next clause punctuation are marked first
(:func:`sentiment_rnn.text.mark_negation`: "not bad at all" gives "bad_NEG", never "bad"), so a negated
word has a weight of its own. Training reads each review's distinct n-grams (binary indicators); the
review model scores every sentence on its own n-grams (:meth:`NgramWeights.sentence_scores`). An n-gram is stored by a 64-bit BLAKE2b hash of its UTF-8 words (sorted ``uint64`` array,
looked up with ``np.searchsorted``) and its weight, which is the logistic regression's weight times
the NB log-count ratio. Prediction needs only the standard library and NumPy; training uses SciPy and
scikit-learn, imported inside :func:`fit_ngram_weights`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sentiment_rnn.text.tokenizer import mark_negation

__all__ = [
    "NgramWeights",
    "fit_ngram_hashes",
    "fit_ngram_weights",
    "ngram_hash",
    "sentence_hashes",
    "sentence_ngrams",
]


def sentence_ngrams(tokens: Sequence[str], order: int) -> list[str]:
    """Every n-gram of 1..``order`` tokens of one sentence, words joined by a space.

    >>> sentence_ngrams(["not", "bad", "."], 2)
    ['not', 'bad', '.', 'not bad', 'bad .']
    """
    return [" ".join(tokens[i : i + n]) for n in range(1, order + 1) for i in range(len(tokens) - n + 1)]


def ngram_hash(ngram: str) -> int:
    """A stable 64-bit hash of an n-gram (the same in every process and on every machine)."""
    return int.from_bytes(hashlib.blake2b(ngram.encode("utf-8"), digest_size=8).digest(), "little")


def sentence_hashes(sentence: Sequence[str], order: int, negation: bool = False) -> np.ndarray:
    """The distinct n-gram hashes (K,) uint64 of one sentence (negation marked first if ``negation``).

    >>> [len(sentence_hashes(["not", "bad", ".", "bad"], 2, negation)) for negation in (False, True)]
    [6, 7]
    """
    tokens = mark_negation(list(sentence)) if negation else sentence
    hashes = {ngram_hash(ngram) for ngram in sentence_ngrams(tokens, order)}
    return np.fromiter(hashes, dtype=np.uint64, count=len(hashes))


@dataclass(frozen=True)
class NgramWeights:
    """Hashed n-gram weights: ``hashes`` (F,) sorted uint64, ``weights`` (F,), ``order``, ``negation``
    (n-grams read with negation marked)."""

    hashes: np.ndarray
    weights: np.ndarray
    order: int
    negation: bool = False

    def _lookup(self, hashes: np.ndarray) -> np.ndarray:
        """Weight (K,) of each hash, 0 for an n-gram never learned."""
        if not len(self.hashes) or not len(hashes):
            return np.zeros(len(hashes))
        position = np.minimum(np.searchsorted(self.hashes, hashes), len(self.hashes) - 1)  # (K,)
        return np.where(self.hashes[position] == hashes, self.weights[position].astype(np.float64), 0.0)

    def hashed_scores(self, hashes: Sequence[np.ndarray]) -> np.ndarray:
        """The score (n,) of each array of distinct hashes (see :func:`sentence_hashes`)."""
        return np.array([self._lookup(h).sum() for h in hashes], dtype=np.float64)

    def sentence_scores(self, sentences: Sequence[Sequence[str]]) -> np.ndarray:
        """Each sentence's own score (S,): the weights of its distinct n-grams."""
        return self.hashed_scores([sentence_hashes(s, self.order, self.negation) for s in sentences])

    def top_ngrams(self, sentence: Sequence[str], k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` n-grams of one sentence with the largest |weight|, with their weights."""
        tokens = mark_negation(list(sentence)) if self.negation else sentence
        ngrams = list(dict.fromkeys(sentence_ngrams(tokens, self.order)))
        weights = self._lookup(np.array([ngram_hash(g) for g in ngrams], dtype=np.uint64))
        order = np.argsort(-np.abs(weights), kind="stable")[:k]
        return [(ngrams[i], float(weights[i])) for i in order if weights[i] != 0]


def fit_ngram_weights(reviews: Sequence[Sequence[Sequence[str]]], labels, *, order: int = 3, min_df: int = 3,
                      C: float = 1.0, alpha: float = 1.0, sample_weight=None, negation: bool = False
                      ) -> tuple[NgramWeights, float]:
    """Train NBSVM's logistic-regression form on binary n-gram indicators scaled by the NB log-count
    ratio r = log((p / |p|_1) / (q / |q|_1)), p and q the smoothed (``alpha``) counts of each n-gram in
    positive and negative reviews. N-grams in fewer than ``min_df`` training reviews are dropped.
    Returns (weights, intercept)."""
    per_review = [np.unique(np.concatenate([sentence_hashes(s, order, negation) for s in review] + [[]]).astype(np.uint64))
                  for review in reviews]
    return fit_ngram_hashes(per_review, labels, order=order, min_df=min_df, C=C, alpha=alpha,
                            sample_weight=sample_weight, negation=negation)


def fit_ngram_hashes(per_review: Sequence[np.ndarray], labels, *, order: int, min_df: int = 3, C: float = 1.0,
                     alpha: float = 1.0, sample_weight=None, negation: bool = False) -> tuple[NgramWeights, float]:
    """:func:`fit_ngram_weights` on each review's distinct n-gram hashes (hashed once by the caller)."""
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    labels = np.asarray(labels)
    df = Counter(h for hashes in per_review for h in hashes.tolist())
    kept = np.array(sorted(h for h, n in df.items() if n >= min_df), dtype=np.uint64)  # (F,) sorted
    rows, columns = [], []
    for i, hashes in enumerate(per_review):
        position = np.searchsorted(kept, hashes)  # (K,)
        position = position[(position < len(kept)) & (kept[np.minimum(position, len(kept) - 1)] == hashes)]
        rows.append(np.full(len(position), i))
        columns.append(position)
    X = sparse.csr_matrix((np.ones(sum(map(len, columns))), (np.concatenate(rows), np.concatenate(columns))),
                          shape=(len(per_review), len(kept)))  # (n, F) binary
    p = alpha + np.asarray(X[labels == 1].sum(axis=0)).ravel()  # (F,)
    q = alpha + np.asarray(X[labels == 0].sum(axis=0)).ravel()  # (F,)
    r = np.log(p / p.sum()) - np.log(q / q.sum())  # (F,)
    classifier = LogisticRegression(C=C, solver="liblinear", max_iter=1000)
    classifier.fit(X @ sparse.diags(r), labels, sample_weight=sample_weight)
    weights = (classifier.coef_.ravel() * r).astype(np.float32)  # (F,)
    nonzero = weights != 0
    return NgramWeights(kept[nonzero], weights[nonzero], order, negation), float(classifier.intercept_[0])
