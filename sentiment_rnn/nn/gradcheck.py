"""Numerical gradients by centred finite differences, and the relative error against analytic ones.

Run in float64: with a step of 1e-5 the truncation error is O(h²) ≈ 1e-10 and the rounding error
O(ε/h) ≈ 1e-11, so analytic and numerical gradients agree to ~1e-8 when the backward pass is right.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["numerical_gradient", "relative_error", "check_gradients"]


def numerical_gradient(f: Callable[[], float], x: np.ndarray, step: float = 1e-5) -> np.ndarray:
    """d f / d x by centred differences, perturbing ``x`` in place and restoring it."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + step
        f_plus = f()
        x[index] = original - step
        f_minus = f()
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * step)
    return grad


def relative_error(analytic: np.ndarray, numerical: np.ndarray) -> float:
    """||a - n|| / max(||a|| + ||n||, tiny): 0 when equal, 1 when opposite or one is zero."""
    denominator = np.linalg.norm(analytic) + np.linalg.norm(numerical)
    return float(np.linalg.norm(analytic - numerical) / max(denominator, 1e-300))


def check_gradients(
    loss_fn: Callable[[], float], params: dict[str, np.ndarray], grads: dict[str, np.ndarray], step: float = 1e-5
) -> dict[str, float]:
    """Relative error of every analytic gradient in ``grads`` against finite differences of
    ``loss_fn`` (which reads ``params``). Returns {name: relative error}."""
    return {name: relative_error(grads[name], numerical_gradient(loss_fn, params[name], step)) for name in grads}
