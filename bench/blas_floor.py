"""The matmul-only floor of a pass: the time of its matrix products alone, nothing else.

    with recorded_matmuls() as calls:      # run the pass once; every np.matmul call is logged
        fit(...)
    seconds = replay(calls)                # the same products again, alone, on fresh arrays

Every ``np.matmul`` call (the package's cells, layouts and model call it by that name) is logged with
the shapes, strides and dtype of its operands and of ``out``. ``replay`` performs the same calls, in
the same order, on arrays with those shapes and strides (filled with small random numbers once), and
returns the CPU seconds they take. The replay reuses its arrays, so they are warmer in the cache than
in the real pass: the floor errs low, which makes ``floor / pass`` (the fraction of the BLAS floor)
err low as well, never high.
"""

from __future__ import annotations

import contextlib
import os

import numpy as np

__all__ = ["recorded_matmuls", "replay"]


def _layout(a) -> tuple | None:
    if not isinstance(a, np.ndarray):
        return None
    return (a.shape, a.strides, a.dtype.str)


@contextlib.contextmanager
def recorded_matmuls():
    """Log every np.matmul call made inside the block as (a, b, out) layouts."""
    calls: list[tuple] = []
    original = np.matmul

    def matmul(a, b, *args, out=None, **kwargs):
        calls.append((_layout(np.asarray(a)), _layout(np.asarray(b)), _layout(out)))
        return original(a, b, *args, out=out, **kwargs)

    np.matmul = matmul
    try:
        yield calls
    finally:
        np.matmul = original


def _array(layout, role: str, cache: dict, rng) -> np.ndarray | None:
    """An array with the recorded shape, strides and dtype (one per distinct layout and role, reused;
    an output never shares memory with an input, which would make NumPy copy)."""
    if layout is None:
        return None
    key = (role, layout)
    if key not in cache:
        shape, strides, dtype = layout
        dtype = np.dtype(dtype)
        extent = 1 + sum((n - 1) * s for n, s in zip(shape, strides, strict=True) if n > 0) // dtype.itemsize
        base = (0.1 * rng.standard_normal(max(extent, 1))).astype(dtype)
        cache[key] = np.lib.stride_tricks.as_strided(base, shape, strides)
    return cache[key]


def replay(calls, repeats: int = 1) -> float:
    """CPU seconds of the recorded matmuls alone (the minimum over ``repeats`` replays)."""
    rng = np.random.default_rng(0)
    cache: dict = {}
    prepared = [(_array(a, "in", cache, rng), _array(b, "in", cache, rng), _array(out, "out", cache, rng))
                for a, b, out in calls]
    best = float("inf")
    for _ in range(repeats):
        t = os.times()
        start = t.user + t.system
        for a, b, out in prepared:
            if out is None:
                np.matmul(a, b)
            else:
                np.matmul(a, b, out=out)
        t = os.times()
        best = min(best, t.user + t.system - start)
    return best
