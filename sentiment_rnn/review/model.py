"""The review model's composition: a review's log-odds is a bias plus, for each sentence, non-negative
weights times the sentence's own evidence, so one function answers one sentence and many.

    for each sentence s of a review (flat over all reviews, N sentences, ``review`` (N,) says whose):
      h_s   the sentence network's final state                                   (N, H)
      l_s   the sentence network's own log-odds for the sentence                  (N,)
      g_s   the sentence's own n-gram score (NB-weighted n-grams, negation marked)  (N,)
      a_s   = softplus(h_s @ score.weight + score.bias)                 >= 0, how much its network counts (N,)
      b_s   = softplus(h_s @ ngram_score.weight + ngram_score.bias)     >= 0, how much its n-grams count  (N,)
      t_s   = a_s * l_s + b_s * g_s                                     the sentence's term (N,)
            in a guarded sentence (``guard`` (N,) True) the n-grams may weaken the network's verdict but
            never turn it:  t_s = sign(l_s) * max(sign(l_s) * (a_s * l_s + b_s * g_s), 0)
    z_b = bias + scale * sum over b's sentences of t_s         the review's log-odds (B,), scale > 0

A sentence's share of the verdict is exactly ``scale * t_s``, which depends on the sentence alone: appending a
sentence adds its own term and changes nothing else (no softmax takes weight from the others, no
normalisation over sentences, no switch of model when a text grows a second sentence). Parameters (one
flat dict, gradients under the same keys): ``score.weight (H,)``, ``score.bias (1,)``,
``ngram_score.weight (H,)``, ``ngram_score.bias (1,)``, ``scale (1,)``, ``bias (1,)``. (``scale`` is
redundant with the weights in one fit; training fits it, with the bias, in a second fit on one-sentence
texts, so that the reviews decide how sentences and n-grams weigh against each other and lone sentences
decide the verdict's scale.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sentiment_rnn.nn.batching import PAD_ID, pad_batch, sequential_batches
from sentiment_rnn.nn.functional import sigmoid
from sentiment_rnn.nn.inference import Inference
from sentiment_rnn.nn.model import RNNModel

__all__ = ["EvidenceCache", "EvidenceHead", "SentenceEvidence", "head_param_shapes", "sentence_states", "softplus"]


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x), stable for large |x|.

    >>> softplus(np.array([-1000.0, 0.0, 1000.0])).round(4).tolist()
    [0.0, 0.6931, 1000.0]
    """
    return np.logaddexp(0.0, x)


def head_param_shapes(hidden_size: int) -> dict[str, tuple[int, ...]]:
    """The head's parameters and their shapes for sentence states of width ``hidden_size``."""
    return {"score.weight": (hidden_size,), "score.bias": (1,), "ngram_score.weight": (hidden_size,),
            "ngram_score.bias": (1,), "scale": (1,), "bias": (1,)}


@dataclass(frozen=True)
class SentenceEvidence:
    """What the head reads, flat over the sentences of B reviews in review order."""

    states: np.ndarray  # (N, H) the sentence network's final states
    log_odds: np.ndarray  # (N,) the sentence network's own log-odds l_s
    ngram: np.ndarray  # (N,) each sentence's own n-gram score g_s
    guard: np.ndarray  # (N,) bool: the n-grams may not turn this sentence's verdict
    review: np.ndarray  # (N,) the review (0..B-1) each sentence belongs to
    n_reviews: int

    @staticmethod
    def concatenate(parts: Sequence[SentenceEvidence]) -> SentenceEvidence:
        """The reviews of ``parts`` one after another, renumbered 0..B-1 in that order."""
        offsets = np.cumsum([0] + [part.n_reviews for part in parts])  # (P + 1,)
        starts = offsets[:-1]  # (P,) each part's first review
        review = [part.review + start for part, start in zip(parts, starts, strict=True)]
        return SentenceEvidence(np.concatenate([part.states for part in parts]),
                                np.concatenate([part.log_odds for part in parts]),
                                np.concatenate([part.ngram for part in parts]),
                                np.concatenate([part.guard for part in parts]),
                                np.concatenate(review),
                                int(offsets[-1]))

    def take(self, reviews: np.ndarray) -> SentenceEvidence:
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
    weight: np.ndarray  # (N,) a_s = softplus(score)
    ngram_score: np.ndarray  # (N,) h_s @ ngram_score.weight + ngram_score.bias
    ngram_weight: np.ndarray  # (N,) b_s = softplus(ngram_score)
    combined: np.ndarray  # (N,) a_s * l_s + b_s * g_s
    open_: np.ndarray  # (N,) 1 where t_s follows combined, 0 where the guard holds it at zero
    term: np.ndarray  # (N,) t_s
    summed: np.ndarray  # (B,) each review's sum of t_s


class EvidenceHead:
    """Forward and backward of the composition over the flat sentences of a batch of reviews."""

    def __init__(self, params: dict[str, np.ndarray]):
        self.params = params

    @classmethod
    def initialize(cls, hidden_size: int, dtype=np.float64) -> EvidenceHead:
        """The network's log-odds weighted softplus(0.5413) = 1, the n-grams softplus(-5) = 0.007: the
        untrained head about sums the sentence network's log-odds."""
        params = {name: np.zeros(shape, dtype) for name, shape in head_param_shapes(hidden_size).items()}
        params["score.bias"][:] = np.log(np.expm1(1.0))
        params["ngram_score.bias"][:] = -5.0
        params["scale"][:] = 1.0
        return cls(params)

    def forward(self, evidence: SentenceEvidence) -> tuple[np.ndarray, EvidenceCache]:
        """-> (z (B,) the reviews' log-odds, cache)."""
        p = self.params
        score = evidence.states @ p["score.weight"] + p["score.bias"][0]  # (N,)
        weight = softplus(score)  # (N,) a_s
        ngram_score = evidence.states @ p["ngram_score.weight"] + p["ngram_score.bias"][0]  # (N,)
        ngram_weight = softplus(ngram_score)  # (N,) b_s
        combined = weight * evidence.log_odds + ngram_weight * evidence.ngram  # (N,)
        direction = np.sign(evidence.log_odds)  # (N,)
        open_ = np.where(evidence.guard, direction * combined > 0, True).astype(combined.dtype)  # (N,)
        term = open_ * combined  # (N,) t_s
        summed = np.bincount(evidence.review, weights=term, minlength=evidence.n_reviews)  # (B,)
        z = p["bias"][0] + p["scale"][0] * summed  # (B,)
        return z, EvidenceCache(evidence, score, weight, ngram_score, ngram_weight, combined, open_, term, summed)

    def backward(self, dz: np.ndarray, cache: EvidenceCache, *, inputs: bool = False
                 ) -> tuple[dict[str, np.ndarray], np.ndarray | None, np.ndarray | None]:
        """dz (B,) -> (gradients keyed like the parameters, dstates (N, H), dlog_odds (N,)); the gradients
        of the inputs only with ``inputs`` (else None: the frozen network needs none)."""
        p, evidence = self.params, cache.evidence
        dsummed = dz * p["scale"][0]  # (B,)
        dcombined = dsummed[evidence.review] * cache.open_  # (N,) into t_s, through the guard
        dweight = dcombined * evidence.log_odds  # (N,) into a_s
        dngram_weight = dcombined * evidence.ngram  # (N,) into b_s
        dscore = dweight * sigmoid(cache.score)  # (N,) softplus' = sigmoid
        dngram_score = dngram_weight * sigmoid(cache.ngram_score)  # (N,)
        grads = {
            "score.weight": evidence.states.T @ dscore,  # (H,)
            "score.bias": np.array([dscore.sum()]),
            "ngram_score.weight": evidence.states.T @ dngram_score,  # (H,)
            "ngram_score.bias": np.array([dngram_score.sum()]),
            "scale": np.array([dz @ cache.summed]),
            "bias": np.array([dz.sum()]),
        }
        grads = {name: grads[name].astype(p[name].dtype) for name in p}
        if not inputs:
            return grads, None, None
        dstates = np.outer(dscore, p["score.weight"]) + np.outer(dngram_score, p["ngram_score.weight"])  # (N, H)
        return grads, dstates, dcombined * cache.weight

    def contributions(self, evidence: SentenceEvidence) -> dict[str, np.ndarray]:
        """Each sentence's weights ``weight`` scale * a (N,) and ``ngram_weight`` scale * b (N,), the
        network's part ``network`` (N,) and the n-grams' part ``ngram`` (N,) of its share (each after the
        guard), and its share ``share`` (N,) = network + ngram; z = bias + the shares summed per review."""
        _, cache = self.forward(evidence)
        scale = self.params["scale"][0]
        network = cache.open_ * scale * cache.weight * evidence.log_odds  # (N,)
        ngram = cache.open_ * scale * cache.ngram_weight * evidence.ngram  # (N,)
        return {"weight": scale * cache.weight, "ngram_weight": scale * cache.ngram_weight, "network": network,
                "ngram": ngram, "share": scale * cache.term}


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
