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

from dataclasses import dataclass, replace

import numpy as np

from sentiment_rnn.nn.batching import pad_batch, sequential_batches
from sentiment_rnn.nn.inference import Inference
from sentiment_rnn.nn.init import xavier_uniform
from sentiment_rnn.nn.model import RNNModel
from sentiment_rnn.nn.batching import PAD_ID

__all__ = ["ReviewHead", "HeadCache", "ReviewNetwork", "ReviewCache", "sentence_states", "scatter_states",
           "head_param_shapes", "head_training_bytes", "state_network"]


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


def head_training_bytes(hidden_size: int, attention_size: int, batch_sentences: int, itemsize: int = 4) -> int:
    """About the memory of training the head: its parameters four times (weights, gradients, Adam's moments)
    and, for each of ``batch_sentences`` sentences of a batch, its state, attention units and their gradients.

    >>> head_training_bytes(128, 64, 1000) // 2**20
    1
    """
    params = sum(int(np.prod(shape, dtype=np.float64)) for shape in head_param_shapes(hidden_size, attention_size).values())
    return itemsize * (4 * params + batch_sentences * 2 * (hidden_size + attention_size))


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


def state_network(encoder: RNNModel, recurrent: dict[str, np.ndarray] | None = None, dropout: float = 0.0) -> RNNModel:
    """A network whose "logits" are ``encoder``'s sentence states: the encoder's word vectors and
    recurrent weights (``recurrent``, when given, replaces the ``rnn.*`` arrays; arrays are shared, not
    copied) with an identity linear layer, so ``forward`` returns the states (B, H·dirs) and
    ``backward`` takes dLoss/dstates. ``dropout`` drops state units in training."""
    width = encoder.config.hidden_size * encoder.config.directions
    config = replace(encoder.config, num_classes=width, dropout=dropout, embedding_dropout=0.0, word_dropout=0.0)
    params = {name: value for name, value in encoder.params.items() if not name.startswith("fc.")}
    params.update(recurrent or {})
    params["fc.weight"] = np.eye(width, dtype=encoder.dtype)  # (H, H)
    params["fc.bias"] = np.zeros(width, dtype=encoder.dtype)  # (H,)
    return RNNModel(config, params)


@dataclass(frozen=True)
class ReviewCache:
    chunks: tuple  # (rows (b,), ForwardCache) per chunk of similar-length sentences
    counts: np.ndarray  # (B,) sentences per review
    mask: np.ndarray  # (B, S)
    head: HeadCache


class ReviewNetwork:
    """Sentence encoder and review head trained end to end on review labels.

    ``params`` is one flat dict: the encoder's recurrent weights under their own names (``rnn.*``) and
    the head's (``attention.*``, ``fc.*``), starting from a copy of ``encoder``'s recurrent weights; the
    word vectors (V, E) are read, never trained, so they stay shared with the sentence network.
    Gradients use the same keys.
    """

    def __init__(self, encoder: RNNModel, head: ReviewHead, *, state_dropout: float = 0.0, chunk_size: int = 64):
        recurrent = {k: v.copy() for k, v in encoder.params.items() if k.startswith("rnn.")}  # its own copy
        self.states_net = state_network(encoder, recurrent, state_dropout)
        self.head = head
        self.chunk_size = chunk_size
        self.params = {**recurrent, **head.params}
        self.recurrent_names = tuple(recurrent)

    @property
    def dtype(self):
        return self.head.dtype

    def forward(self, sentences: list[np.ndarray], counts: np.ndarray, *, train: bool = False,
                rng: np.random.Generator | None = None) -> tuple[np.ndarray, ReviewCache]:
        """sentences: the N word-id arrays of B reviews in review order, counts (B,) sentences per
        review -> (logits (B, C), cache). The sentences are read in chunks of similar length."""
        lengths = np.array([len(s) for s in sentences])  # (N,)
        order = np.argsort(lengths, kind="stable")  # (N,)
        states = np.empty((len(sentences), self.states_net.config.num_classes), dtype=self.dtype)  # (N, H)
        chunks = []
        for start in range(0, len(order), self.chunk_size):
            rows = order[start : start + self.chunk_size]  # (b,)
            ids, chunk_lengths = pad_batch([sentences[i] for i in rows])  # (b, T), (b,)
            states[rows], cache = self.states_net.forward(ids, chunk_lengths, train=train, rng=rng)  # (b, H)
            chunks.append((rows, cache))
        X, mask = scatter_states(states, counts)  # (B, S, H), (B, S)
        logits, head_cache = self.head.forward(X, mask)  # (B, C)
        return logits, ReviewCache(tuple(chunks), np.asarray(counts), mask, head_cache)

    def backward(self, dlogits: np.ndarray, cache: ReviewCache) -> dict[str, np.ndarray]:
        """dlogits (B, C) -> gradients of every parameter (same keys as ``params``)."""
        grads, dX = self.head.backward(dlogits, cache.head)  # dX (B, S, H)
        dstates = dX[cache.mask > 0]  # (N, H) back to review order: the inverse of scatter_states
        for name in self.recurrent_names:
            grads[name] = np.zeros_like(self.params[name])
        for rows, chunk_cache in cache.chunks:  # into the encoder, chunk by chunk
            chunk_grads = self.states_net.backward(dstates[rows], chunk_cache, sparse_embedding=True)
            for name in self.recurrent_names:
                grads[name] += chunk_grads[name]
        return {name: grads[name] for name in self.params}
