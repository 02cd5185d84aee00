"""The recurrent cells written to be read: Elman, GRU and LSTM, one time step at a time.

This is the text to learn backpropagation through time from, and the oracle the tests hold the fast
cells (``sentiment_rnn.nn.cells``) to: the same numbers to 1e-12 in float64, for the outputs and every
gradient (``tests/test_reference.py``). Nothing here is tuned for speed: each step computes its gates
in PyTorch's layout with two plain matmuls, and backward is forward read backwards, line by line, each
line naming what it differentiates.

Weights follow ``torch.nn.RNN`` / ``GRU`` / ``LSTM`` (a ``LayerWeights``): ``weight_ih (G, D)``,
``weight_hh (G, H)``, ``bias_ih (G,)``, ``bias_hh (G,)``, the gates stacked in rows, G = H (Elman),
3H (GRU: r, z, n) or 4H (LSTM: i, f, g, o). A cell's state is a tuple: ``(h,)``, or ``(h, c)`` for the
LSTM. Every cell has the same two methods:

    step_forward(x, state, weights)   -> (new_state, cache)      x (B, D), each state array (B, H)
    step_backward(dnew_state, cache)  -> (dx, dstate, grads)     grads a LayerWeights of this step's

and ``layer_forward`` / ``layer_backward`` run a cell over a padded, time-major batch with a mask:
past a review's end the state is carried unchanged, ``s_t = m_t s_new + (1 - m_t) s_{t-1}``, so the
last state is the state at the review's last real token. The many-to-one network built from these
layers is ``sentiment_rnn.nn.reference_network``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sentiment_rnn.nn.functional import ACTIVATIONS, sigmoid
from sentiment_rnn.nn.layout import LayerWeights

__all__ = ["REFERENCE_CELLS", "ElmanCell", "GRUCell", "LSTMCell", "LayerCache", "layer_backward", "layer_forward",
           "make_reference_cell"]


def affine_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x (B, D), W (G, D), b (G,) -> x W^T + b (B, G), the product every gate starts from."""
    return x @ W.T + b  # (B, G)


def affine_backward(da: np.ndarray, x: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The gradients of a = x W^T + b from da (B, G): -> dx (B, D), dW (G, D), db (G,)."""
    dW = da.T @ x  # (G, D) into W
    db = da.sum(axis=0)  # (G,) into b
    dx = da @ W  # (B, D) into x
    return dx, dW, db


def _grads(dW_ih, dW_hh, db_ih, db_hh) -> LayerWeights:
    return LayerWeights(dW_ih, dW_hh, db_ih, db_hh)


def _add(a: LayerWeights, b: LayerWeights) -> LayerWeights:
    return LayerWeights(a.weight_ih + b.weight_ih, a.weight_hh + b.weight_hh, a.bias_ih + b.bias_ih,
                        a.bias_hh + b.bias_hh)


# ---------------------------------------------------------------------------------------------------
# Elman (1990):  h' = act(W_ih x + b_ih + W_hh h + b_hh),  act = tanh, relu or sigmoid
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElmanStep:
    x: np.ndarray  # (B, D) input
    h: np.ndarray  # (B, H) previous state
    h_new: np.ndarray  # (B, H) act(a), the new state
    weights: LayerWeights


class ElmanCell:
    """The simple recurrent network, ``torch.nn.RNN(nonlinearity=...)``, plus a sigmoid variant."""

    gates, states = 1, 1  # gate blocks in the weights' rows; arrays in the state (h,)

    def __init__(self, activation: str = "tanh"):
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
        self.activation = ACTIVATIONS[activation]

    def step_forward(self, x, state, w: LayerWeights):
        (h,) = state  # (B, H)
        a = affine_forward(x, w.weight_ih, w.bias_ih) + affine_forward(h, w.weight_hh, w.bias_hh)  # (B, H)
        h_new = self.activation.forward(a)  # (B, H)
        return (h_new,), ElmanStep(x, h, h_new, w)

    def step_backward(self, dstate_new, cache: ElmanStep):
        (dh_new,) = dstate_new  # (B, H)
        w = cache.weights
        # h_new = act(a)
        da = dh_new * self.activation.grad_from_output(cache.h_new)  # (B, H) through act
        # a = (x W_ih^T + b_ih) + (h W_hh^T + b_hh)
        dh, dW_hh, db_hh = affine_backward(da, cache.h, w.weight_hh)  # into h and the recurrent weights
        dx, dW_ih, db_ih = affine_backward(da, cache.x, w.weight_ih)  # into x and the input weights
        return dx, (dh,), _grads(dW_ih, dW_hh, db_ih, db_hh)


# ---------------------------------------------------------------------------------------------------
# GRU (Cho et al. 2014) as torch.nn.GRU, the reset gate applied after the recurrent product:
#   r = σ(x W_ir^T + b_ir + h W_hr^T + b_hr)         z = σ(x W_iz^T + b_iz + h W_hz^T + b_hz)
#   n = tanh(x W_in^T + b_in + r ⊙ (h W_hn^T + b_hn))    h' = (1 - z) ⊙ n + z ⊙ h
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GRUStep:
    x: np.ndarray  # (B, D) input
    h: np.ndarray  # (B, H) previous state
    r: np.ndarray  # (B, H) reset gate
    z: np.ndarray  # (B, H) update gate
    n: np.ndarray  # (B, H) candidate state
    hW_n: np.ndarray  # (B, H) h W_hn^T + b_hn, the candidate's recurrent part before the reset gate
    weights: LayerWeights


class GRUCell:
    """Gated recurrent unit, gates r, z, n in the rows of the weights (PyTorch's order)."""

    gates, states = 3, 1

    def step_forward(self, x, state, w: LayerWeights):
        (h,) = state  # (B, H)
        xW_r, xW_z, xW_n = np.split(affine_forward(x, w.weight_ih, w.bias_ih), 3, axis=1)  # (B, H) each
        hW_r, hW_z, hW_n = np.split(affine_forward(h, w.weight_hh, w.bias_hh), 3, axis=1)  # (B, H) each
        r = sigmoid(xW_r + hW_r)  # (B, H) reset gate
        z = sigmoid(xW_z + hW_z)  # (B, H) update gate
        n = np.tanh(xW_n + r * hW_n)  # (B, H) candidate
        h_new = (1 - z) * n + z * h  # (B, H)
        return (h_new,), GRUStep(x, h, r, z, n, hW_n, w)

    def step_backward(self, dstate_new, cache: GRUStep):
        (dh_new,) = dstate_new  # (B, H)
        x, h, r, z, n, hW_n, w = cache.x, cache.h, cache.r, cache.z, cache.n, cache.hW_n, cache.weights
        # h_new = (1 - z) * n + z * h
        dn = dh_new * (1 - z)  # (B, H) into n
        dz = dh_new * (h - n)  # (B, H) into z
        dh = dh_new * z  # (B, H) into h, directly
        # n = tanh(xW_n + r * hW_n)
        da_n = dn * (1 - n * n)  # (B, H) through tanh
        dr = da_n * hW_n  # (B, H) into r
        dhW_n = da_n * r  # (B, H) into hW_n
        # z = σ(xW_z + hW_z)
        da_z = dz * z * (1 - z)  # (B, H) through σ
        # r = σ(xW_r + hW_r)
        da_r = dr * r * (1 - r)  # (B, H) through σ
        # hW_r, hW_z, hW_n = split(h W_hh^T + b_hh)
        dhW = np.concatenate([da_r, da_z, dhW_n], axis=1)  # (B, 3H)
        dh_gates, dW_hh, db_hh = affine_backward(dhW, h, w.weight_hh)  # into h through the gates
        dh = dh + dh_gates  # (B, H)
        # xW_r, xW_z, xW_n = split(x W_ih^T + b_ih)
        dxW = np.concatenate([da_r, da_z, da_n], axis=1)  # (B, 3H)
        dx, dW_ih, db_ih = affine_backward(dxW, x, w.weight_ih)  # into x and the input weights
        return dx, (dh,), _grads(dW_ih, dW_hh, db_ih, db_hh)


# ---------------------------------------------------------------------------------------------------
# LSTM (Hochreiter & Schmidhuber 1997, forget gate of Gers et al. 2000) as torch.nn.LSTM:
#   i, f, g, o = σ, σ, tanh, σ of (x W_ih^T + b_ih + h W_hh^T + b_hh)
#   c' = f ⊙ c + i ⊙ g        h' = o ⊙ tanh(c')
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LSTMStep:
    x: np.ndarray  # (B, D) input
    h: np.ndarray  # (B, H) previous state
    c: np.ndarray  # (B, H) previous cell state
    i: np.ndarray  # (B, H) input gate
    f: np.ndarray  # (B, H) forget gate
    g: np.ndarray  # (B, H) candidate cell
    o: np.ndarray  # (B, H) output gate
    tanh_c: np.ndarray  # (B, H) tanh(c'), the new cell state through tanh
    weights: LayerWeights


class LSTMCell:
    """Long short-term memory, gates i, f, g, o in the rows of the weights (PyTorch's order)."""

    gates, states = 4, 2  # the state is (h, c)

    def step_forward(self, x, state, w: LayerWeights):
        h, c = state  # (B, H) each
        a = affine_forward(x, w.weight_ih, w.bias_ih) + affine_forward(h, w.weight_hh, w.bias_hh)  # (B, 4H)
        a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)  # (B, H) each
        i = sigmoid(a_i)  # (B, H) input gate
        f = sigmoid(a_f)  # (B, H) forget gate
        g = np.tanh(a_g)  # (B, H) candidate cell
        o = sigmoid(a_o)  # (B, H) output gate
        c_new = f * c + i * g  # (B, H)
        tanh_c = np.tanh(c_new)  # (B, H)
        h_new = o * tanh_c  # (B, H)
        return (h_new, c_new), LSTMStep(x, h, c, i, f, g, o, tanh_c, w)

    def step_backward(self, dstate_new, cache: LSTMStep):
        dh_new, dc_new = dstate_new  # (B, H) each: into h' from above, into c' from the next step
        x, h, c, i, f, g, o, w = cache.x, cache.h, cache.c, cache.i, cache.f, cache.g, cache.o, cache.weights
        # h_new = o * tanh_c
        do = dh_new * cache.tanh_c  # (B, H) into o
        dtanh_c = dh_new * o  # (B, H) into tanh_c
        # tanh_c = tanh(c_new)
        dc_new = dc_new + dtanh_c * (1 - cache.tanh_c**2)  # (B, H) into c', through tanh
        # c_new = f * c + i * g
        df = dc_new * c  # (B, H) into f
        dc = dc_new * f  # (B, H) into c
        di = dc_new * g  # (B, H) into i
        dg = dc_new * i  # (B, H) into g
        # i, f, g, o = σ(a_i), σ(a_f), tanh(a_g), σ(a_o)
        da_i = di * i * (1 - i)  # (B, H) through σ
        da_f = df * f * (1 - f)  # (B, H) through σ
        da_g = dg * (1 - g * g)  # (B, H) through tanh
        da_o = do * o * (1 - o)  # (B, H) through σ
        da = np.concatenate([da_i, da_f, da_g, da_o], axis=1)  # (B, 4H)
        # a = (x W_ih^T + b_ih) + (h W_hh^T + b_hh)
        dh, dW_hh, db_hh = affine_backward(da, h, w.weight_hh)  # into h and the recurrent weights
        dx, dW_ih, db_ih = affine_backward(da, x, w.weight_ih)  # into x and the input weights
        return dx, (dh, dc), _grads(dW_ih, dW_hh, db_ih, db_hh)


REFERENCE_CELLS = {"elman": ElmanCell, "gru": GRUCell, "lstm": LSTMCell}


def make_reference_cell(cell: str, activation: str = "tanh"):
    """A reference cell from its registry name; ``activation`` applies to the Elman cell only."""
    if cell not in REFERENCE_CELLS:
        raise ValueError(f"unknown cell {cell!r}; choose one of {sorted(REFERENCE_CELLS)}")
    return ElmanCell(activation) if cell == "elman" else REFERENCE_CELLS[cell]()


# ---------------------------------------------------------------------------------------------------
# A layer: one cell run over time, the state carried past each review's end
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerCache:
    cell: object  # the cell that ran
    steps: tuple  # (T,) each step's cell cache
    mask: np.ndarray  # (T, B, 1) 1 on a review's tokens, 0 past its end


def layer_forward(cell, X: np.ndarray, mask: np.ndarray, weights: LayerWeights) -> tuple[np.ndarray, LayerCache]:
    """Run ``cell`` over X (T, B, D) from zero states -> (Hs (T + 1, B, H), cache).

    Hs[0] is the initial state and Hs[t + 1] the state after step t; Hs[T] is every review's state at
    its last real token, since the mask (T, B, 1) carries the state unchanged past the end.
    """
    T, B, _ = X.shape
    H = weights.weight_hh.shape[1]
    state = tuple(np.zeros((B, H), dtype=X.dtype) for _ in range(cell.states))  # (B, H) each
    Hs = [state[0]]
    steps = []
    for t in range(T):
        new_state, step = cell.step_forward(X[t], state, weights)  # (B, H) each
        m = mask[t]  # (B, 1)
        state = tuple(m * new + (1 - m) * old for new, old in zip(new_state, state))  # (B, H) each
        Hs.append(state[0])
        steps.append(step)
    return np.stack(Hs), LayerCache(cell, tuple(steps), mask)  # (T + 1, B, H)


def layer_backward(dHs: np.ndarray, cache: LayerCache) -> tuple[np.ndarray, LayerWeights]:
    """dHs (T, B, H), the gradient into each step's output Hs[t + 1] -> (dX (T, B, D), grads).

    The time loop runs backwards; dstate carries the gradient into the state from later steps, and
    each step's weight gradients are summed, since every step uses the same weights.
    """
    T = len(dHs)
    dstate = tuple(np.zeros_like(dHs[0]) for _ in range(cache.cell.states))  # (B, H) each: from later steps
    dXs = [None] * T
    grads = None
    for t in reversed(range(T)):
        dstate = (dstate[0] + dHs[t],) + dstate[1:]  # (B, H) the output of step t is its h
        # state = m * new_state + (1 - m) * old_state
        m = cache.mask[t]  # (B, 1)
        dnew_state = tuple(m * d for d in dstate)  # into the cell's new state
        dcarried = tuple((1 - m) * d for d in dstate)  # into the old state, carried past the end
        # new_state, step = cell.step_forward(x_t, old_state, weights)
        dXs[t], dold_state, step_grads = cache.cell.step_backward(dnew_state, cache.steps[t])
        dstate = tuple(a + b for a, b in zip(dold_state, dcarried))  # (B, H) each
        grads = step_grads if grads is None else _add(grads, step_grads)  # the weights serve every step
    return np.stack(dXs), grads  # (T, B, D)
