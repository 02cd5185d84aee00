"""The embedding's gradient: row-sparse, only the rows of the words a batch read.

    X = embedding.weight[ids]       (T, B, E)   one-hot times a matrix is a row gather, so
    dembedding.weight[w] = Σ dX at the positions of word w, and zero for the words not read

``RNNModel.backward`` returns an ``EmbeddingGrad`` (or its dense form) and the optimizers update only
its rows (``sentiment_rnn.nn.optim``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["EmbeddingGrad", "distinct_words", "embedding_grad"]


@dataclass(frozen=True)
class EmbeddingGrad:
    """Row-sparse gradient of the embedding matrix: only the rows of words seen in the batch."""

    rows: np.ndarray  # (U,) distinct word ids, sorted
    values: np.ndarray  # (U, E)
    num_rows: int  # V

    def to_dense(self) -> np.ndarray:
        dense = np.zeros((self.num_rows, self.values.shape[1]), dtype=self.values.dtype)  # (V, E)
        dense[self.rows] = self.values
        return dense


def distinct_words(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ids (T, B) -> the distinct words (U,), sorted, and each position's index into them (T, B)."""
    words, positions = np.unique(ids, return_inverse=True)  # (U,), (T·B,)
    return words, positions.reshape(ids.shape)


def embedding_grad(ids: np.ndarray, dX: np.ndarray, vocab_size: int) -> EmbeddingGrad:
    """Sum the gradient rows of repeated words: ids (N,), dX (N, E) -> rows (U,), values (U, E).

    Sorting groups each word's positions together, so one ``np.add.reduceat`` sums every group
    (an order of magnitude faster than ``np.add.at``, which adds one row at a time).

    >>> grad = embedding_grad(np.array([7, 3, 7]), np.array([[1.0], [2.0], [4.0]]), 10)
    >>> grad.rows.tolist(), grad.values.tolist()
    ([3, 7], [[2.0], [5.0]])
    """
    order = np.argsort(ids, kind="stable")  # (N,) positions grouped by word, in text order within a word
    sorted_ids = ids[order]  # (N,)
    starts = np.flatnonzero(np.concatenate(([True], sorted_ids[1:] != sorted_ids[:-1])))  # (U,) group starts
    values = np.add.reduceat(dX[order], starts, axis=0)  # (U, E)
    return EmbeddingGrad(sorted_ids[starts], values, vocab_size)
