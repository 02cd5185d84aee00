"""Padding to (B, T) with lengths, and length-bucketed shuffled mini-batches.

Sorting reviews of similar length into the same batch keeps padding (wasted steps) small; shuffling
within buckets and the order of batches keeps the gradient noise of random mini-batches.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["PAD_ID", "UNK_ID", "truncate", "pad_batch", "bucketed_batches", "sequential_batches",
           "reversed_time_index"]

PAD_ID = 0  # the id that pads a batch; the network never reads it
UNK_ID = 1  # the id of every word outside the vocabulary (and of words dropped by word dropout)


def truncate(ids: np.ndarray, max_len: int | None, keep: str = "end") -> np.ndarray:
    """Cut a review to ``max_len`` tokens, keeping its ``"start"`` or its ``"end"`` (where reviews
    usually sum up).

    >>> truncate(np.arange(5), 3).tolist(), truncate(np.arange(5), 3, keep="start").tolist()
    ([2, 3, 4], [0, 1, 2])
    """
    if max_len is None or len(ids) <= max_len:
        return ids
    if keep == "end":
        return ids[len(ids) - max_len :]
    if keep == "start":
        return ids[:max_len]
    raise ValueError(f"keep must be 'start' or 'end', got {keep!r}")


def pad_batch(sequences: Sequence[np.ndarray], pad_id: int = PAD_ID) -> tuple[np.ndarray, np.ndarray]:
    """Stack id sequences into a right-padded (B, T) array and their (B,) lengths; T >= 1.

    >>> ids, lengths = pad_batch([np.array([5, 6, 7]), np.array([8])])
    >>> ids.tolist(), lengths.tolist()
    ([[5, 6, 7], [8, 0, 0]], [3, 1])
    """
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)  # (B,)
    T = max(1, int(lengths.max(initial=0)))
    ids = np.full((len(sequences), T), pad_id, dtype=np.int64)  # (B, T)
    for row, sequence in enumerate(sequences):
        ids[row, : len(sequence)] = sequence
    return ids, lengths


def bucketed_batches(
    lengths: np.ndarray, batch_size: int, rng: np.random.Generator, bucket_batches: int = 50,
    max_tokens: int | None = None,
) -> list[np.ndarray]:
    """Shuffled batches of example indices in which lengths are similar.

    The examples are shuffled, cut into buckets of ``bucket_batches`` batches, sorted by length
    within each bucket and cut into batches; the batch order is shuffled again. With ``max_tokens``, a
    batch whose size × longest review is over it is cut further (see :func:`sequential_batches`), so a
    training batch's memory is bounded whatever the lengths; batches within it are untouched.
    """
    order = rng.permutation(len(lengths))
    bucket = batch_size * bucket_batches
    batches: list[np.ndarray] = []
    for start in range(0, len(order), bucket):
        chunk = order[start : start + bucket]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        for i in range(0, len(chunk), batch_size):
            batch = chunk[i : i + batch_size]
            if max_tokens is None or len(batch) * lengths[batch[-1]] <= max_tokens:
                batches.append(batch)
            else:
                batches.extend(batch[part] for part in sequential_batches(lengths[batch], batch_size, max_tokens))
    return [batches[i] for i in rng.permutation(len(batches))]


def sequential_batches(lengths: np.ndarray, batch_size: int, max_tokens: int | None = None) -> list[np.ndarray]:
    """Batches for inference: sorted by length to waste little padding; every index exactly once. With
    ``max_tokens``, a batch of long reviews holds fewer of them, so that batch size × its longest review
    stays within ``max_tokens`` (one review at least): memory is bounded whatever the lengths.

    >>> [b.tolist() for b in sequential_batches(np.array([1, 9, 2, 8]), 4, max_tokens=18)]
    [[0, 2], [3, 1]]
    """
    order = np.argsort(lengths, kind="stable")
    if max_tokens is None:
        return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    batches, start = [], 0
    while start < len(order):  # ascending lengths: the review a batch grows by is its longest
        end = start + 1
        while end < len(order) and end - start < batch_size and (end - start + 1) * lengths[order[end]] <= max_tokens:
            end += 1
        batches.append(order[start:end])
        start = end
    return batches


def reversed_time_index(lengths: np.ndarray, T: int) -> np.ndarray:
    """(T, B) index that reverses each review within its own length and leaves padding in place.

    >>> reversed_time_index(np.array([3, 1]), 3).T.tolist()
    [[2, 1, 0], [0, 1, 2]]
    """
    t = np.arange(T)[:, None]  # (T, 1)
    return np.where(t < lengths[None, :], lengths[None, :] - 1 - t, t)  # (T, B)
