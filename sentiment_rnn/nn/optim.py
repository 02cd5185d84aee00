"""Optimizers with their own state (SGD with momentum, Adam) and clipping by global norm.

``step(params, grads)`` updates the parameter arrays in place: that is an optimizer's job. A gradient
may be an ``EmbeddingGrad`` holding only the rows seen in the batch; those rows alone are updated
(the "lazy" sparse update of PyTorch's SparseAdam), which keeps a step's cost independent of the
vocabulary size.
"""

from __future__ import annotations

import numpy as np

from sentiment_rnn.nn.embedding import EmbeddingGrad

__all__ = ["SGD", "Adam", "OPTIMIZERS", "make_optimizer", "global_norm", "clip_grad_norm"]


def _values(grad) -> np.ndarray:
    return grad.values if isinstance(grad, EmbeddingGrad) else grad


def global_norm(grads: dict) -> float:
    """sqrt of the sum of squares of every gradient entry."""
    return float(np.sqrt(sum(float(np.vdot(_values(g), _values(g))) for g in grads.values())))


def clip_grad_norm(grads: dict, max_norm: float | None) -> tuple[dict, float]:
    """Scale all gradients together so that their global norm is at most ``max_norm``.

    Returns (new gradients, norm before clipping); the input dict is not modified.
    """
    norm = global_norm(grads)
    if max_norm is None or norm <= max_norm or not np.isfinite(norm):
        return grads, norm
    scale = max_norm / (norm + 1e-12)
    clipped = {}
    for name, g in grads.items():
        if isinstance(g, EmbeddingGrad):
            clipped[name] = EmbeddingGrad(g.rows, g.values * g.values.dtype.type(scale), g.num_rows)
        else:
            clipped[name] = g * g.dtype.type(scale)
    return clipped, norm


class SGD:
    """v = momentum · v + g;  p -= lr · v  (plain SGD when momentum = 0)."""

    def __init__(self, params: dict, lr: float = 0.1, momentum: float = 0.0):
        self.lr, self.momentum = lr, momentum
        self.state = {"step": np.zeros((), np.int64)}
        if momentum:
            self.state.update({f"velocity/{k}": np.zeros_like(v) for k, v in params.items()})

    def step(self, params: dict, grads: dict) -> None:
        self.state["step"] += 1
        for name, grad in grads.items():
            param = params[name]
            rows = grad.rows if isinstance(grad, EmbeddingGrad) else slice(None)
            g = _values(grad)
            if self.momentum:
                velocity = self.state[f"velocity/{name}"]
                velocity[rows] = self.momentum * velocity[rows] + g
                g = velocity[rows]
            param[rows] -= self.lr * g


class Adam:
    """Adam (Kingma & Ba 2015) with bias correction: m, v running moments of g and g²."""

    def __init__(self, params: dict, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8):
        self.lr, self.betas, self.eps = lr, tuple(betas), eps
        self.state = {"step": np.zeros((), np.int64)}
        for k, v in params.items():
            self.state[f"m/{k}"] = np.zeros_like(v)
            self.state[f"v/{k}"] = np.zeros_like(v)

    def step(self, params: dict, grads: dict) -> None:
        self.state["step"] += 1
        t = int(self.state["step"])
        beta1, beta2 = self.betas
        step_size = self.lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)  # bias corrections folded in
        for name, grad in grads.items():
            param, m, v = params[name], self.state[f"m/{name}"], self.state[f"v/{name}"]
            if isinstance(grad, EmbeddingGrad):  # only the rows seen: update copies, then write them back
                rows = grad.rows
                param_rows, m_rows, v_rows = param[rows], m[rows], v[rows]  # (U, E) each
                self._update(param_rows, m_rows, v_rows, grad.values, step_size)
                param[rows], m[rows], v[rows] = param_rows, m_rows, v_rows
            else:
                self._update(param, m, v, grad, step_size)

    def _update(self, param, m, v, g, step_size: float) -> None:
        """One Adam update of arrays of the same shape, in place (no temporaries of the parameters' size
        beyond two): m ← β1 m + (1 − β1) g, v ← β2 v + (1 − β2) g², param ← param − step m / (√v + ε)."""
        dtype = param.dtype.type
        beta1, beta2 = self.betas
        scratch = np.empty_like(m)
        m *= dtype(beta1)
        m += np.multiply(g, dtype(1 - beta1), out=scratch)
        v *= dtype(beta2)
        scratch = np.square(g, out=scratch)
        scratch *= dtype(1 - beta2)
        v += scratch
        denominator = np.sqrt(v, out=scratch)
        denominator += dtype(self.eps)
        update = np.multiply(m, dtype(step_size))
        update /= denominator
        param -= update


OPTIMIZERS = {"adam": Adam, "sgd": SGD}


def make_optimizer(name: str, params: dict, lr: float, momentum: float = 0.9):
    """Build an optimizer from its registry name ('sgd' uses ``momentum``)."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {sorted(OPTIMIZERS)}")
    return SGD(params, lr, momentum) if name == "sgd" else Adam(params, lr)
