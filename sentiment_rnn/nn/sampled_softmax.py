"""A language model's output layer over a large vocabulary: the sampled softmax for training, the full
softmax for evaluation (perplexity) and for small vocabularies.

    h (N, H) the top layer's outputs, y (N,) the next words, decoder W (V, H), b (V,)

    full:     z = h W^T + b                                   (N, V)    loss = mean_n -log softmax(z_n)[y_n]
    sampled:  S words s_1 ... s_S drawn once for the whole batch from a proposal Q, then for each row
              the candidates are its own next word and the S samples, each logit corrected by log-Q
              (Jean et al. 2015; TensorFlow's ``sampled_softmax_loss``):
              z_n = [h_n·W[y_n] + b[y_n] - log(S Q(y_n)),  h_n·W[s_j] + b[s_j] - log(S Q(s_j))]   (N, 1 + S)
              a sample equal to the row's own next word is an accidental hit, its logit -inf
              loss = mean_n -log softmax(z_n)[0]

Why sampled and not adaptive: its cost, O(N (1 + S) H), does not grow with V, it needs no clusters fitted
to word frequencies, and with the samples fixed it is an ordinary differentiable function, checked by finite
differences like every other layer. Subtracting log(S Q) makes the expected gradient that of the full softmax
as S grows. Q is log-uniform (Zipfian) over the word ids, which ``Vocab.build`` orders by frequency:
Q(id) = log((r + 2) / (r + 1)) / log(V' + 1) with rank r = id - 1 over the V' = V - 1 ids from 1 on
(padding, id 0, is never a next word and never drawn).

The decoder's gradient touches only the rows of the batch's next words and samples: it is returned
row-sparse (an ``EmbeddingGrad``), so Adam updates those rows alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sentiment_rnn.nn.embedding import EmbeddingGrad, embedding_grad
from sentiment_rnn.nn.functional import log_softmax

__all__ = [
    "Samples",
    "draw_samples",
    "full_softmax_loss",
    "full_softmax_nll",
    "log_expected_count",
    "sampled_softmax_loss",
]

EVAL_ROWS = 512  # rows of a (rows, V) logit block at a time: memory bounded whatever N


@dataclass(frozen=True)
class Samples:
    """The words drawn for one batch and the log of their expected counts, log(S Q(s))."""

    ids: np.ndarray  # (S,) word ids, repeats possible (drawn with replacement)
    log_count: np.ndarray  # (S,)


def log_expected_count(ids: np.ndarray, vocab_size: int, num_samples: int) -> np.ndarray:
    """log(S Q(id)) under the log-uniform proposal over ids 1 ... V - 1: (n,) -> (n,) float64.

    >>> q = np.exp(log_expected_count(np.arange(1, 6), 6, 1))
    >>> round(float(q.sum()), 12), bool(np.all(np.diff(q) < 0))
    (1.0, True)
    """
    rank = np.asarray(ids, dtype=np.float64) - 1.0  # (n,)
    q = np.log((rank + 2.0) / (rank + 1.0)) / np.log(vocab_size)  # (n,) log(V' + 1) = log(V)
    return np.log(num_samples * q)


def draw_samples(rng: np.random.Generator, vocab_size: int, num_samples: int) -> Samples:
    """S ids from the log-uniform proposal (with replacement): rank = floor(exp(u log(V' + 1))) - 1."""
    u = rng.random(num_samples)  # (S,)
    rank = np.floor(np.exp(u * np.log(vocab_size))).astype(np.int64) - 1  # (S,) in 0 ... V' - 1
    ids = np.clip(rank, 0, vocab_size - 2) + 1  # (S,) ids 1 ... V - 1
    return Samples(ids, log_expected_count(ids, vocab_size, num_samples))


def sampled_softmax_loss(h: np.ndarray, y: np.ndarray, W: np.ndarray, b: np.ndarray, samples: Samples):
    """Mean sampled-softmax loss of rows h (N, H) with next words y (N,), decoder W (V, H), b (V,).

    Returns (loss, dh (N, H), dW as an EmbeddingGrad over V rows, db (V,)).
    """
    N = len(y)
    V = W.shape[0]
    dtype = h.dtype
    s = samples.ids  # (S,)
    log_count_y = log_expected_count(y, V, len(s)).astype(dtype)  # (N,)
    W_y, W_s = W[y], W[s]  # (N, H), (S, H)
    # z = [h·W[y] + b[y] - log(S Q(y)),  h W[s]^T + b[s] - log(S Q(s))]
    z_true = np.einsum("nh,nh->n", h, W_y) + b[y] - log_count_y  # (N,)
    z_samples = h @ W_s.T + (b[s] - samples.log_count.astype(dtype))  # (N, S)
    z_samples[s[None, :] == y[:, None]] = -np.inf  # accidental hits
    z = np.concatenate([z_true[:, None], z_samples], axis=1)  # (N, 1 + S)
    logp = log_softmax(z)  # (N, 1 + S)
    loss = -float(logp[:, 0].mean())
    # loss = mean -logp[:, 0]
    dz = np.exp(logp)  # (N, 1 + S) softmax; 0 at the accidental hits
    dz[:, 0] -= 1.0
    dz /= N
    dz_true, dz_samples = dz[:, 0], dz[:, 1:]  # (N,), (N, S)
    # z_samples = h W[s]^T + b[s] - ...
    dh = dz_samples @ W_s  # (N, H) into h, through the samples ...
    dW_s = dz_samples.T @ h  # (S, H) into the sampled rows
    # z_true = h·W[y] + b[y] - ...
    dh += dz_true[:, None] * W_y  # ... and through the next word
    dW_y = dz_true[:, None] * h  # (N, H) into the next words' rows
    dW = embedding_grad(np.concatenate([y, s]), np.concatenate([dW_y, dW_s]), V)  # rows summed per word
    db = np.bincount(np.concatenate([y, s]), np.concatenate([dz_true, dz_samples.sum(axis=0)]), V)  # (V,)
    return loss, dh, dW, db.astype(dtype)


def full_softmax_loss(h: np.ndarray, y: np.ndarray, W: np.ndarray, b: np.ndarray):
    """Mean full-softmax cross-entropy of rows h (N, H) against next words y (N,) (small V: tests, tiny models).

    Returns (loss, dh (N, H), dW (V, H) as an EmbeddingGrad of every row, db (V,)).
    """
    N = len(y)
    z = h @ W.T + b  # (N, V)
    logp = log_softmax(z)  # (N, V)
    loss = -float(logp[np.arange(N), y].mean())
    dz = np.exp(logp)  # (N, V)
    dz[np.arange(N), y] -= 1.0
    dz /= N
    dh = dz @ W  # (N, H) into h
    dW = dz.T @ h  # (V, H) into the decoder
    return loss, dh, EmbeddingGrad(np.arange(W.shape[0]), dW, W.shape[0]), dz.sum(axis=0)


def full_softmax_nll(h: np.ndarray, y: np.ndarray, W: np.ndarray, b: np.ndarray) -> float:
    """Sum over rows of -log softmax(h W^T + b)[y], in float64, EVAL_ROWS rows at a time (no gradient)."""
    total = 0.0
    for start in range(0, len(y), EVAL_ROWS):
        rows = slice(start, start + EVAL_ROWS)
        z = (h[rows] @ W.T + b).astype(np.float64)  # (n, V)
        logp = log_softmax(z)  # (n, V)
        total -= float(logp[np.arange(len(z)), y[rows]].sum())
    return total
