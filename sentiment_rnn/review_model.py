"""The review head: attention over the sentence states of a review, read by a sentence encoder.

    sentences of each review -> sentence encoder (the sentence RNN, frozen)   (N_sent, H)
      -> scattered into X (B, S, H), mask M (B, S)      B reviews of at most S sentences
      -> u = tanh(X @ attention.weight.T + attention.bias)                    (B, S, A)
      -> e = u @ attention.context + attention.position · [first, last]        (B, S)
      -> alpha = softmax of e over each review's sentences                     (B, S)
      -> pooled = sum_s alpha_s X_s                                            (B, H)
      -> logits = pooled @ fc.weight.T + fc.bias                               (B, C)

The logits are a sum over sentences, ``alpha_s (fc.weight @ X_s) + fc.bias``, so every sentence's share
of the verdict is exact (``sentence_contributions``); ``explain`` shows it. Parameters live in one flat
dict (``attention.weight (A, H)``, ``attention.bias (A,)``, ``attention.context (A,)``,
``attention.position (2,)``, ``fc.weight (C, H)``, ``fc.bias (C,)``) and gradients use the same keys.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sentiment_rnn.batching import pad_batch, sequential_batches
from sentiment_rnn.inference import Inference
from sentiment_rnn.init import xavier_uniform
from sentiment_rnn.model import RNNModel
from sentiment_rnn.vocab import PAD_ID

__all__ = ["ReviewHead", "HeadCache", "sentence_states", "scatter_states", "head_param_shapes"]


def head_param_shapes(hidden_size: int, attention_size: int, num_classes: int = 2) -> dict[str, tuple[int, ...]]:
    H, A, C = hidden_size, attention_size, num_classes
    return {
        "attention.weight": (A, H),
        "attention.bias": (A,),
        "attention.context": (A,),
        "attention.position": (2,),
        "fc.weight": (C, H),
        "fc.bias": (C,),
    }


@dataclass(frozen=True)
class HeadCache:
    X: np.ndarray  # (B, S, H) sentence states (after dropout)
    mask: np.ndarray  # (B, S) 1 for a real sentence
    U: np.ndarray  # (B, S, A) tanh of the attention projection
    alpha: np.ndarray  # (B, S) attention weights, 0 past each review's end
    pooled: np.ndarray  # (B, H)
    dropout_mask: np.ndarray | None  # (B, S, H)


def _position_features(mask: np.ndarray) -> np.ndarray:
    """mask (B, S) -> (B, S, 2): is the sentence its review's first, is it its review's last."""
    counts = mask.sum(axis=1).astype(np.intp)  # (B,)
    S = mask.shape[1]
    positions = np.zeros((*mask.shape, 2), dtype=mask.dtype)  # (B, S, 2)
    positions[:, 0, 0] = 1.0
    positions[np.arange(len(counts)), np.maximum(counts - 1, 0) % max(S, 1), 1] = 1.0
    return positions


class ReviewHead:
    """Attention pooling of sentence states and a linear layer; forward/backward over a padded batch."""

    def __init__(self, params: dict[str, np.ndarray]):
        self.params = params

    @classmethod
    def initialize(cls, hidden_size: int, attention_size: int, rng: np.random.Generator, num_classes: int = 2,
                   fc: tuple[np.ndarray, np.ndarray] | None = None, dtype=np.float32) -> "ReviewHead":
        """Xavier attention projection, small context vector; ``fc`` (weight (C, H), bias (C,)) starts the
        output layer from the sentence network's, so the untrained head averages sentence verdicts."""
        shapes = head_param_shapes(hidden_size, attention_size, num_classes)
        params = {
            "attention.weight": xavier_uniform(rng, shapes["attention.weight"], dtype),
            "attention.bias": np.zeros(shapes["attention.bias"], dtype),
            "attention.context": (0.01 * rng.standard_normal(shapes["attention.context"])).astype(dtype),
            "attention.position": np.zeros(2, dtype),
            "fc.weight": xavier_uniform(rng, shapes["fc.weight"], dtype) if fc is None else fc[0].astype(dtype),
            "fc.bias": np.zeros(num_classes, dtype) if fc is None else fc[1].astype(dtype),
        }
        return cls(params)

    @property
    def dtype(self):
        return self.params["fc.weight"].dtype

    def forward(self, X: np.ndarray, mask: np.ndarray, *, dropout: float = 0.0,
                rng: np.random.Generator | None = None) -> tuple[np.ndarray, HeadCache]:
        """X (B, S, H) sentence states, mask (B, S) -> (logits (B, C), cache); dropout on X when > 0."""
        p = self.params
        mask = np.asarray(mask, dtype=X.dtype)  # (B, S)
        dropout_mask = None
        if dropout > 0:
            dropout_mask = ((rng.random(X.shape) >= dropout) / (1.0 - dropout)).astype(X.dtype)  # (B, S, H)
            X = X * dropout_mask  # (B, S, H)
        U = np.tanh(X @ p["attention.weight"].T + p["attention.bias"])  # (B, S, A)
        e = U @ p["attention.context"] + _position_features(mask) @ p["attention.position"]  # (B, S)
        e = np.where(mask > 0, e, -np.inf)  # (B, S) no weight past the end
        e = e - e.max(axis=1, keepdims=True)  # (B, S) stable softmax
        alpha = np.exp(e)  # (B, S)
        alpha /= alpha.sum(axis=1, keepdims=True)  # (B, S)
        pooled = np.einsum("bs,bsh->bh", alpha, X)  # (B, H)
        logits = pooled @ p["fc.weight"].T + p["fc.bias"]  # (B, C)
        return logits, HeadCache(X, mask, U, alpha, pooled, dropout_mask)

    def backward(self, dlogits: np.ndarray, cache: HeadCache) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """dlogits (B, C) -> (gradients keyed like the parameters, dX (B, S, H) into the sentence states)."""
        p = self.params
        X, alpha, U = cache.X, cache.alpha, cache.U
        grads: dict[str, np.ndarray] = {}
        # into the linear layer: logits = pooled @ W.T + b
        grads["fc.weight"] = dlogits.T @ cache.pooled  # (C, H)
        grads["fc.bias"] = dlogits.sum(axis=0)  # (C,)
        dpooled = dlogits @ p["fc.weight"]  # (B, H)
        # into the pooling: pooled = sum_s alpha_s X_s
        dalpha = np.einsum("bh,bsh->bs", dpooled, X)  # (B, S)
        dX = alpha[:, :, None] * dpooled[:, None, :]  # (B, S, H)
        # through the softmax over sentences (alpha = 0 past the end, so padding gets no gradient)
        de = alpha * (dalpha - (alpha * dalpha).sum(axis=1, keepdims=True))  # (B, S)
        # into the scores: e = U @ context + positions @ position
        grads["attention.position"] = np.einsum("bsk,bs->k", _position_features(cache.mask), de)  # (2,)
        grads["attention.context"] = np.einsum("bsa,bs->a", U, de)  # (A,)
        dU = de[:, :, None] * p["attention.context"]  # (B, S, A)
        # through tanh, into the attention projection: U = tanh(X @ W.T + b)
        da = dU * (1.0 - U * U)  # (B, S, A)
        A, H = p["attention.weight"].shape
        grads["attention.weight"] = da.reshape(-1, A).T @ X.reshape(-1, H)  # (A, H)
        grads["attention.bias"] = da.sum(axis=(0, 1))  # (A,)
        dX += da @ p["attention.weight"]  # (B, S, H)
        if cache.dropout_mask is not None:
            dX = dX * cache.dropout_mask  # through dropout
        return {name: grads[name] for name in self.params}, dX

    def sentence_contributions(self, X: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(alpha (B, S), contributions (B, S, C)) with logits = contributions.sum(axis=1) + fc.bias."""
        _, cache = self.forward(X, mask)
        contributions = cache.alpha[:, :, None] * (X @ self.params["fc.weight"].T)  # (B, S, C)
        return cache.alpha, contributions


def sentence_states(encoder: RNNModel, sentences: list[np.ndarray], batch_size: int = 256) -> np.ndarray:
    """The encoder's final state (N, H·dirs) of every sentence (id arrays), by the prediction pass."""
    dtype = encoder.dtype
    width = encoder.config.hidden_size * encoder.config.directions
    states = np.empty((len(sentences), width), dtype=dtype)  # (N, H)
    if not sentences:
        return states
    lengths = np.array([len(s) for s in sentences])  # (N,)
    words = np.unique(np.concatenate([np.asarray(s, dtype=np.int64) for s in sentences] + [[PAD_ID]]))  # (U,)
    inference = Inference(encoder, words)
    for index in sequential_batches(lengths, batch_size):
        ids, batch_lengths = pad_batch([sentences[i] for i in index])
        states[index] = inference.features(ids, batch_lengths)
    return states


def scatter_states(states: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sentence states (N, H) in review order and sentences per review counts (B,) ->
    (X (B, S, H) zero-padded, mask (B, S)) with S = counts.max()."""
    counts = np.asarray(counts, dtype=np.intp)  # (B,)
    B, S = len(counts), int(counts.max()) if len(counts) else 0
    mask = np.arange(S)[None, :] < counts[:, None]  # (B, S)
    X = np.zeros((B, S, states.shape[1]), dtype=states.dtype)  # (B, S, H)
    X[mask] = states  # row-major fill: review by review, sentence by sentence
    return X, mask.astype(states.dtype)
