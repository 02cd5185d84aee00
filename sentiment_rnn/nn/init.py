"""Weight initialisation: Xavier (Glorot) for input weights, orthogonal for recurrent weights.

Both keep the scale of signals roughly constant from layer to layer (Xavier) and from step to step
(orthogonal: every singular value is 1, so repeated products neither explode nor vanish at the start).
"""

from __future__ import annotations

import numpy as np

__all__ = ["orthogonal", "xavier_uniform"]


def xavier_uniform(rng: np.random.Generator, shape: tuple[int, ...], dtype=np.float32) -> np.ndarray:
    """U(-a, a) with a = sqrt(6 / (fan_in + fan_out)) for a (fan_out, fan_in) matrix."""
    fan_out, fan_in = shape
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=shape).astype(dtype)


def orthogonal(rng: np.random.Generator, shape: tuple[int, int], dtype=np.float32) -> np.ndarray:
    """A (rows, cols) matrix with orthonormal rows or columns (QR of a Gaussian, signs fixed).

    >>> W = orthogonal(np.random.default_rng(0), (4, 4), np.float64)
    >>> bool(np.allclose(W @ W.T, np.eye(4)))
    True
    """
    rows, cols = shape
    gaussian = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(gaussian)  # q: (max, min) with orthonormal columns
    q *= np.sign(np.diag(r))  # make the decomposition unique (uniform over orthogonal matrices)
    if rows < cols:
        q = q.T
    return q.astype(dtype)
