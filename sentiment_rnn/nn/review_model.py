"""The review model's composition: a review's log-odds is a bias plus a non-negative weight times each
sentence's own evidence, so one function answers one sentence and many.

    for each sentence s of a review (flat over all reviews, N sentences, ``review`` (N,) says whose):
      h_s   the sentence network's final state                                  (N, H)
      l_s   the sentence network's own log-odds for the sentence                 (N,)
      g_s   the sentence's own n-gram score (NB-weighted n-grams, negation marked) (N,)
      e_s   = l_s + ngram.weight * g_s                     the sentence's evidence (N,)
            in a guarded sentence (``guard`` (N,) True) the n-grams may weaken the network's
            verdict but never turn it:  e_s = sign(l_s) * max(sign(l_s) * (l_s + ngram.weight * g_s), 0)
      w_s   = softplus(h_s @ score.weight + score.bias)      >= 0, not normalised (N,)
    z_b = bias + sum over b's sentences of w_s * e_s          the review's log-odds (B,)

A sentence's share of the verdict is exactly ``w_s * e_s``: appending a sentence whose evidence is
negative can only lower z (no softmax takes weight from the others, no switch of model when a text grows
a second sentence). Parameters (one flat dict, gradients under the same keys): ``score.weight (H,)``,
``score.bias (1,)``, ``ngram.weight (1,)``, ``bias (1,)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sentiment_rnn.nn.batching import PAD_ID, pad_batch, sequential_batches
from sentiment_rnn.nn.functional import sigmoid
from sentiment_rnn.nn.inference import Inference
from sentiment_rnn.nn.model import RNNModel

__all__ = ["EvidenceHead", "EvidenceCache", "SentenceEvidence", "softplus", "sentence_states", "head_param_shapes"]


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x), stable for large |x|.

    >>> softplus(np.array([-1000.0, 0.0, 1000.0])).round(4).tolist()
    [0.0, 0.6931, 1000.0]
    """
    return np.logaddexp(0.0, x)


def head_param_shapes(hidden_size: int) -> dict[str, tuple[int, ...]]:
    return {"score.weight": (hidden_size,), "score.bias": (1,), "ngram.weight": (1,), "bias": (1,)}


@dataclass(frozen=True)
class SentenceEvidence:
    """What the head reads, flat over the sentences of B reviews in review order."""

    states: np.ndarray  # (N, H) the sentence network's final states
    log_odds: np.ndarray  # (N,) the sentence network's own log-odds l_s
    ngram: np.ndarray  # (N,) each sentence's own n-gram score g_s
    guard: np.ndarray  # (N,) bool: the n-grams may not turn this sentence's verdict
    review: np.ndarray  # (N,) the review (0..B-1) each sentence belongs to
    n_reviews: int

    def take(self, reviews: np.ndarray) -> "SentenceEvidence":
        """The evidence of the reviews ``reviews`` (indices, in that order), renumbered 0..len-1."""
        rank = np.full(self.n_reviews, -1, dtype=np.intp)
        rank[reviews] = np.arange(len(reviews))
        rows = np.flatnonzero(rank[self.review] >= 0)
        rows = rows[np.argsort(rank[self.review[rows]], kind="stable")]
        return SentenceEvidence(self.states[rows], self.log_odds[rows], self.ngram[rows], self.guard[rows],
                                rank[self.review[rows]], len(reviews))


@dataclass(frozen=True)
class EvidenceCache:
    evidence: SentenceEvidence
    score: np.ndarray  # (N,) h_s @ score.weight + score.bias
    weight: np.ndarray  # (N,) w_s = softplus(score)
    combined: np.ndarray  # (N,) l_s + ngram.weight * g_s
    open_: np.ndarray  # (N,) 1 where e_s follows combined, 0 where the guard holds it at zero
    sentence_evidence: np.ndarray  # (N,) e_s


class EvidenceHead:
    """Forward and backward of the composition over the flat sentences of a batch of reviews."""

    def __init__(self, params: dict[str, np.ndarray]):
        self.params = params

    @classmethod
    def initialize(cls, hidden_size: int, dtype=np.float64) -> "EvidenceHead":
        """Every sentence weighted softplus(0.5413) = 1 and no n-grams: the untrained head sums the
        sentence network's log-odds."""
        shapes = head_param_shapes(hidden_size)
        params = {name: np.zeros(shape, dtype) for name, shape in shapes.items()}
        params["score.bias"][:] = np.log(np.expm1(1.0))
        return cls(params)

    def forward(self, evidence: SentenceEvidence) -> tuple[np.ndarray, EvidenceCache]:
        """-> (z (B,) the reviews' log-odds, cache)."""
        p = self.params
        score = evidence.states @ p["score.weight"] + p["score.bias"][0]  # (N,)
        weight = softplus(score)  # (N,)
        combined = evidence.log_odds + p["ngram.weight"][0] * evidence.ngram  # (N,)
        direction = np.sign(evidence.log_odds)  # (N,)
        open_ = np.where(evidence.guard, direction * combined > 0, True).astype(combined.dtype)  # (N,)
        sentence_evidence = open_ * combined  # (N,) e_s
        z = p["bias"][0] + np.bincount(evidence.review, weights=weight * sentence_evidence,
                                       minlength=evidence.n_reviews)  # (B,)
        return z, EvidenceCache(evidence, score, weight, combined, open_, sentence_evidence)

    def backward(self, dz: np.ndarray, cache: EvidenceCache, *, inputs: bool = False
                 ) -> tuple[dict[str, np.ndarray], np.ndarray | None, np.ndarray | None]:
        """dz (B,) -> (gradients keyed like the parameters, dstates (N, H), dlog_odds (N,)); the gradients
        of the inputs only with ``inputs`` (else None: the frozen network needs none)."""
        p, evidence = self.params, cache.evidence
        dcontribution = dz[evidence.review]  # (N,) d z / d (w_s e_s) = 1 for the sentence's own review
        dweight = dcontribution * cache.sentence_evidence  # (N,)
        dscore = dweight * sigmoid(cache.score)  # (N,) softplus' = sigmoid
        dcombined = dcontribution * cache.weight * cache.open_  # (N,)
        grads = {
            "score.weight": evidence.states.T @ dscore,  # (H,)
            "score.bias": np.array([dscore.sum()]),
            "ngram.weight": np.array([dcombined @ evidence.ngram]),
            "bias": np.array([dz.sum()]),
        }
        grads = {name: grads[name].astype(p[name].dtype) for name in p}
        if not inputs:
            return grads, None, None
        dstates = np.outer(dscore, p["score.weight"])  # (N, H)
        return grads, dstates, dcombined

    def contributions(self, evidence: SentenceEvidence) -> dict[str, np.ndarray]:
        """Each sentence's weight ``w`` (N,), evidence ``e`` (N,), its n-gram part inside the evidence
        ``ngram`` (N,) and its share ``w * e`` (N,); z = bias + the shares summed per review."""
        _, cache = self.forward(evidence)
        ngram = cache.open_ * self.params["ngram.weight"][0] * evidence.ngram  # (N,)
        return {"weight": cache.weight, "evidence": cache.sentence_evidence, "ngram": ngram,
                "share": cache.weight * cache.sentence_evidence}


def sentence_states(encoder: RNNModel, sentences: list[np.ndarray], batch_size: int = 256,
                    max_tokens: int | None = None) -> np.ndarray:
    """The encoder's final state (N, H·dirs) of every sentence (id arrays), by the prediction pass."""
    dtype = encoder.dtype
    width = encoder.config.hidden_size * encoder.config.directions
    states = np.empty((len(sentences), width), dtype=dtype)  # (N, H)
    if not sentences:
        return states
    lengths = np.array([len(s) for s in sentences])  # (N,)
    words = np.unique(np.concatenate([np.asarray(s, dtype=np.int64) for s in sentences] + [[PAD_ID]]))  # (U,)
    inference = Inference(encoder, words)
    for index in sequential_batches(lengths, batch_size, max_tokens):
        ids, batch_lengths = pad_batch([sentences[i] for i in index])
        states[index] = inference.features(ids, batch_lengths)
    return states
