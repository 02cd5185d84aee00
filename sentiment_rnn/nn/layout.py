"""Weight layouts of the recurrent cells, and the weight gradients finished after the time loop.

PyTorch keeps a layer's gates stacked in rows: ``weight_ih (G, D)`` with G = k·H, gate j in rows
j·H ... (j + 1)·H. The cells compute in a **gate-major** layout instead: the pre-activations of a step
are a (k, B, H) array, one contiguous (B, H) block per gate, made by one matmul per gate against a
(k, H, H) stack of transposed blocks. NumPy's elementwise loops run about three times as fast on these
blocks as on the strided (B, H) views of (B, k·H) rows (BENCHMARKS.md), and a cell may put its gates
in the order that makes its elementwise work fewest operations (``order``: block j holds PyTorch gate
``order[j]``).

The rows of the sigmoid gates are halved (``halved``), which is exact in floating point, so that
σ(a) = (1 + tanh(a / 2)) / 2 is one ``np.tanh`` over all gates plus an affine map. Only the forward
computation uses the halved weights: the cells keep the gates' *outputs*, so the backward pass
differentiates the true pre-activations and the gradients are those of the PyTorch-layout weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LayerWeights", "GateMajorWeights", "gate_major", "to_gate_major",
           "steps_past_an_end", "finish_grads", "group_rows"]


@dataclass(frozen=True)
class LayerWeights:
    """The four arrays of one recurrent layer in one direction (also used for their gradients)."""

    weight_ih: np.ndarray  # (G, D)
    weight_hh: np.ndarray  # (G, H)
    bias_ih: np.ndarray  # (G,)
    bias_hh: np.ndarray  # (G,)


@dataclass(frozen=True)
class GateMajorWeights:
    """One layer's weights in one direction, gate-major: block j is PyTorch gate ``order[j]``, transposed
    (so ``x @ weight_ih[j]`` is gate j's projection) and halved for the sigmoid gates."""

    weight_ih: np.ndarray  # (k, D, H) x @ weight_ih[j] is gate j's input projection
    input_bias: np.ndarray  # (k, 1, H) added to the input projection
    weight_hh: np.ndarray  # (k, H, H) h @ weight_hh[j] is gate j's recurrent product
    bias_hh: np.ndarray | None  # (k, 1, H) added to the recurrent product (GRU), else folded into input_bias

    def project(self, X: np.ndarray) -> np.ndarray:
        """Input projections of N input rows, gate-major: (N, D) -> (k, N, H), one matmul per gate
        written in place (no transposed copy)."""
        k, _, H = self.weight_ih.shape
        XW = np.empty((k, len(X), H), dtype=X.dtype)  # (k, N, H)
        for j in range(k):
            np.matmul(X, self.weight_ih[j], out=XW[j])
        XW += self.input_bias
        return XW


def _scale(order, halved, dtype) -> np.ndarray:
    return np.array([0.5 if half else 1.0 for half in halved], dtype=dtype)[:, None, None]  # (k, 1, 1)


def gate_major(weights: LayerWeights, order, halved, input_bias, bias_hh=None) -> GateMajorWeights:
    """Rearrange (k·H, ·) PyTorch-layout weights into (k, ·, H) blocks in gate ``order``; the gates
    marked in ``halved`` are multiplied by 1/2."""
    k = len(order)
    H = weights.weight_hh.shape[1]
    scale = _scale(order, halved, weights.weight_hh.dtype)

    def blocks(matrix):  # (k·H, D) -> (k, D, H) in the gate-major order, scaled
        return np.ascontiguousarray(matrix.reshape(k, H, -1)[list(order)].transpose(0, 2, 1) * scale)

    def bias_blocks(bias):  # (k·H,) -> (k, 1, H)
        return bias.reshape(k, 1, H)[list(order)] * scale

    return GateMajorWeights(
        blocks(weights.weight_ih), bias_blocks(input_bias), blocks(weights.weight_hh),
        None if bias_hh is None else bias_blocks(bias_hh),
    )


def to_gate_major(XW: np.ndarray, order, halved) -> np.ndarray:
    """A PyTorch-layout projection (T, B, k·H) as a gate-major one (k, T, B, H), halved: one pass."""
    T, B, G = XW.shape
    k = len(order)
    blocks = XW.reshape(T, B, k, G // k).transpose(2, 0, 1, 3)[list(order)]  # (k, T, B, H)
    return np.multiply(blocks, _scale(order, halved, XW.dtype)[:, None], out=np.empty(blocks.shape, XW.dtype))


def recurrent_blocks(weight_hh: np.ndarray, order) -> np.ndarray:
    """The backward pass's recurrent weights: (k·H, H) -> (k, H, H), block j gate ``order[j]``'s rows
    (unhalved), so that da_j @ block j is the gradient through gate j into h."""
    k = len(order)
    return weight_hh.reshape(k, -1, weight_hh.shape[1])[list(order)]  # (k, H, H)


class step_inputs:
    """A prediction step's input projections: ``inputs(t, n)`` is (k, n, H), step t's first n rows.

    Either the gate-major projections of every position, XW (k, T, B, H), or a table of word
    projections XW (k, U, H) and each position's row in it, positions (T, B): then each step gathers its
    rows into one small buffer, which stays in the cache (gathering a whole batch first writes, and the
    steps read back, tens of MB).
    """

    def __init__(self, XW: np.ndarray, positions: np.ndarray | None = None):
        self.XW, self.positions = XW, positions
        self.batch = XW.shape[2] if positions is None else positions.shape[1]  # B
        k, H = XW.shape[0], XW.shape[-1]
        self.buffer = None if positions is None else np.empty(k * self.batch * H, dtype=XW.dtype)

    def __call__(self, t: int, n: int) -> np.ndarray:
        if self.positions is None:
            return self.XW[:, t, :n]
        k, _, H = self.XW.shape
        out = self.buffer[: k * n * H].reshape(k, n, H)  # contiguous, so np.take writes it directly
        return np.take(self.XW, self.positions[t, :n], axis=1, out=out, mode="clip")


def flush_threshold(dtype) -> float | None:
    """Below this magnitude a float32 gradient is set to zero in the backward time loop; None for float64.

    A gradient that fades over hundreds of steps (a GRU on IMDB-length reviews) reaches subnormal
    numbers, on which the CPU's arithmetic is tens of times slower: 14 % of a GRU's dA entries at
    T = 400 were subnormal, and its backward pass took 11× the LSTM's. Hardware flush-to-zero is not
    reachable from NumPy, so the loop zeroes what is below √(smallest normal) ≈ 1e-19 (float32), where
    it cannot matter next to gradients of ordinary size (float32 keeps 7 digits); float64 (gradient
    checks) is left exact.
    """
    return float(np.sqrt(np.finfo(dtype).tiny)) if np.dtype(dtype) == np.float32 else None


def flush_tiny(x: np.ndarray, threshold: float | None) -> None:
    """Zero the entries of ``x`` smaller in magnitude than ``threshold``, in place (no-op for None)."""
    if threshold is not None:
        np.copyto(x, 0, where=np.abs(x) < threshold)


def steps_past_an_end(mask: np.ndarray) -> list[bool]:
    """For each step, whether some review of the batch has already ended there: (T, B, 1) -> T bools.

    Only at those steps does the mask change anything; length-bucketed batches have few of them.
    """
    return (mask.reshape(len(mask), -1).min(axis=1) == 0).tolist()


def group_rows(dXW: np.ndarray, positions: np.ndarray, groups: int, runs: int = 4) -> np.ndarray:
    """Sum the rows of a gate-major gradient that belong to the same word: dXW (k, N, H) and each row's
    word position (N,) in 0 ... groups - 1, every position present -> (k, groups, H).

    Most words of a batch occur a few times and a few words very often. ``np.add.reduceat`` costs about
    one inner loop per group and column, so it serves only the frequent words (more than ``runs``
    occurrences); the others take their first occurrence and add their second, third ... in at most
    ``runs - 1`` vectorized passes (within a pass no word repeats, so ``+=`` on a fancy index is exact).
    """
    N = len(positions)
    order = np.argsort(positions, kind="stable")  # (N,) rows grouped by word
    sorted_positions = positions[order]  # (N,)
    starts = np.flatnonzero(np.diff(sorted_positions, prepend=-1))  # (groups,) where each word begins
    if len(starts) != groups:
        raise ValueError("every word must have at least one row")
    counts = np.diff(starts, append=N)  # (groups,)
    grouped = np.take(dXW, order[starts], axis=1)  # (k, groups, H) each word's first occurrence
    frequent = counts > runs  # (groups,)
    row_frequent = frequent[sorted_positions]  # (N,)
    rank = np.arange(N) - np.repeat(starts, counts)  # (N,) occurrence number of each sorted row
    for r in range(1, min(runs, int(counts.max()))):  # the rare words' further occurrences
        rows = np.flatnonzero((rank == r) & ~row_frequent)  # (n,) sorted rows; no word twice
        grouped[:, sorted_positions[rows]] += np.take(dXW, order[rows], axis=1)
    if frequent.any():
        rows = np.flatnonzero(row_frequent)  # (M,) the frequent words' rows, grouped
        run_starts = np.flatnonzero(np.diff(sorted_positions[rows], prepend=-1))
        grouped[:, frequent] = np.add.reduceat(np.take(dXW, order[rows], axis=1), run_starts, axis=1)
    return grouped


def _gate_sums(dXW_rows: np.ndarray, order) -> np.ndarray:
    """Bias gradient in the PyTorch layout: (k, N, H) -> (k·H,)."""
    k, _, H = dXW_rows.shape
    out = np.empty((k, H), dtype=dXW_rows.dtype)
    out[list(order)] = dXW_rows.sum(axis=1)
    return out.reshape(k * H)


def finish_grads(dXW: np.ndarray, dHW: np.ndarray, X_rows: np.ndarray, H_prev: np.ndarray,
                 weight_ih: np.ndarray, order, shared_bias: bool) -> tuple[np.ndarray, LayerWeights]:
    """Weight gradients in the PyTorch layout, one matmul per gate over all rows, and the gradient into
    the input rows.

    dXW (k, N, H): gradient into the input projection of N input rows X_rows (N, D); dHW (k, M, H): into
    the recurrent projection of the M = T·B previous states H_prev (M, H). N < M when the input rows
    are distinct words whose gradients ``group_rows`` summed. With ``shared_bias`` (Elman, LSTM: both
    biases are only ever summed) the two bias gradients are equal. Returns dX_rows (N, D) and a
    LayerWeights of gradients.
    """
    k, _, H = dXW.shape
    D = X_rows.shape[1]
    dtype = dXW.dtype
    dW_ih = np.empty((k * H, D), dtype=dtype)  # (G, D)
    dW_hh = np.empty((k * H, H), dtype=dtype)  # (G, H)
    dX = np.zeros((len(X_rows), D), dtype=dtype)  # (N, D)
    part = np.empty_like(dX)
    for j, gate in enumerate(order):
        rows = slice(gate * H, (gate + 1) * H)
        np.matmul(dXW[j].T, X_rows, out=dW_ih[rows])  # (H, D)
        np.matmul(dHW[j].T, H_prev, out=dW_hh[rows])  # (H, H)
        dX += np.matmul(dXW[j], weight_ih[rows], out=part)  # (N, D)
    dbias_ih = _gate_sums(dXW, order)  # (G,)
    dbias_hh = dbias_ih.copy() if shared_bias else _gate_sums(dHW, order)  # (G,)
    return dX, LayerWeights(dW_ih, dW_hh, dbias_ih, dbias_hh)
