"""Stateless math: softmax, log-softmax, cross-entropy with its gradient, and the activations registry.

Activation derivatives are written in terms of the activation's *output* (tanh' = 1 - h², σ' = s(1 - s),
relu' = [h > 0]), so the backward pass needs only the saved states.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable

import numpy as np

__all__ = ["Activation", "ACTIVATIONS", "sigmoid", "softmax", "collapse_classes", "log_softmax", "cross_entropy"]


def sigmoid(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Logistic function, stable for large |x| and keeping the input's dtype; ``out`` may be ``x``.

    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    # 0.5 * (1 + tanh(x / 2)) equals 1 / (1 + exp(-x)) and never overflows; computed in one buffer.
    out = np.multiply(x, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (N, C) logits; the row max is subtracted first."""
    shifted = logits - logits.max(axis=-1, keepdims=True)  # (N, C)
    exp = np.exp(shifted)  # (N, C)
    return exp / exp.sum(axis=-1, keepdims=True)  # (N, C)


def collapse_classes(probabilities: np.ndarray, output_map: np.ndarray) -> np.ndarray:
    """(N, K) probabilities of K finer classes -> (N, C) of the classes they count towards, through a
    (K, C) 0/1 ``output_map``, renormalised (a finer class that counts towards none drops out)."""
    collapsed = probabilities @ output_map  # (N, C)
    return collapsed / collapsed.sum(axis=-1, keepdims=True)  # (N, C)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax of (N, C) logits."""
    shifted = logits - logits.max(axis=-1, keepdims=True)  # (N, C)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))  # (N, C)


def cross_entropy(logits: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of (N, C) logits against (N,) integer targets, or against (N, C) target
    probabilities (soft targets, e.g. a teacher's predictions in knowledge distillation).

    Returns ``(loss, dlogits)`` where ``dlogits`` (N, C) is the gradient of the mean loss:
    (softmax(logits) - onehot(targets)) / N, or (softmax(logits) - targets) / N.

    >>> loss, dlogits = cross_entropy(np.zeros((2, 2)), np.array([0, 1]))
    >>> round(loss, 6), dlogits.tolist()
    (0.693147, [[-0.25, 0.25], [0.25, -0.25]])
    >>> cross_entropy(np.zeros((2, 2)), np.array([[1.0, 0.0], [0.0, 1.0]]))[1].tolist()
    [[-0.25, 0.25], [0.25, -0.25]]
    """
    n = logits.shape[0]
    logp = log_softmax(logits)  # (N, C)
    dlogits = np.exp(logp)  # (N, C) softmax
    if targets.ndim == 2:  # (N, C) probabilities
        loss = -float((targets * logp).sum(axis=1).mean())
        dlogits -= targets
    else:
        rows = np.arange(n)
        loss = -float(logp[rows, targets].mean())
        dlogits[rows, targets] -= 1.0
    dlogits /= n
    return loss, dlogits


@dataclass(frozen=True)
class Activation:
    """A nonlinearity with its derivative expressed through its output.

    ``forward(a, out=None)`` may write into ``out`` (which may be ``a``); ``grad_from_output(h)``.
    """

    name: str
    forward: Callable[..., np.ndarray]
    grad_from_output: Callable[[np.ndarray], np.ndarray]


ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation("tanh", np.tanh, lambda h: 1.0 - h * h),
    "relu": Activation("relu", lambda a, out=None: np.maximum(a, 0.0, out=out), lambda h: (h > 0).astype(h.dtype)),
    "sigmoid": Activation("sigmoid", sigmoid, lambda h: h * (1.0 - h)),
}
