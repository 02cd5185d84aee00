"""Recurrent cells run over a whole padded, time-major sequence: forward and backward (BPTT).

Every cell has the same contract:

    forward(X, mask, weights, h0)   -> (Hs, cache)   X (T, B, D), mask (T, B, 1), Hs (T + 1, B, H)
    backward(dHs, cache, state_grads=None) -> (dX, grads, dh0)
                                       dHs (T, B, H) gradient into each step's output, dX (T, B, D),
                                       grads a LayerWeights of gradients, dh0 (B, H) into the initial state;
                                       a (T, B, H) ``state_grads`` is filled with dLoss/dh_t (diagnostics)

``Hs[0]`` is the initial state and ``Hs[t + 1]`` the state after reading step t. Past the end of a
review the mask is 0 and the state is carried unchanged, ``h_t = h_{t-1} + m_t (h_new - h_{t-1})``, so
``Hs[T]`` is every review's state at its last real token.

The hot loop follows Karpathy's batched LSTM: the input projections of all steps are one matmul before
the loop, each step does one fused matmul ``h @ W_hh.T`` for all gates, and the weight gradients are
finished after the loop with one matmul over all T·B rows — the repeated chain-rule terms of BPTT are
kept "in a matrix" (dA below) instead of being recomputed per weight.

Weights follow PyTorch's recurrent modules: ``weight_ih (G, D)``, ``weight_hh (G, H)``, ``bias_ih (G,)``,
``bias_hh (G,)`` with G = H (Elman), 3H (GRU: r, z, n) or 4H (LSTM: i, f, g, o).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sentiment_rnn.functional import ACTIVATIONS, sigmoid

__all__ = ["LayerWeights", "ElmanCell", "GRUCell", "LSTMCell", "CELLS", "make_cell"]


@dataclass(frozen=True)
class LayerWeights:
    """The four arrays of one recurrent layer in one direction (also used for their gradients)."""

    weight_ih: np.ndarray  # (G, D)
    weight_hh: np.ndarray  # (G, H)
    bias_ih: np.ndarray  # (G,)
    bias_hh: np.ndarray  # (G,)


def _input_projection(X: np.ndarray, W_ih: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """All steps' input projections in one matmul: (T, B, D) -> (T, B, G)."""
    T, B, D = X.shape
    return (X.reshape(T * B, D) @ W_ih.T + bias).reshape(T, B, -1)  # (T, B, G)


def _finish_weight_grads(
    dXW: np.ndarray, dHW: np.ndarray, X: np.ndarray, Hs: np.ndarray, weights: LayerWeights
) -> tuple[np.ndarray, LayerWeights]:
    """Weight gradients in one matmul each over all T·B rows, and the gradient into the inputs.

    dXW (T, B, G): gradient into the input projection; dHW (T, B, G): into the recurrent projection
    (they differ only for the GRU's candidate gate); X (T, B, D); Hs (T + 1, B, H).
    """
    T, B, D = X.shape
    G = dXW.shape[-1]
    dXW_rows = dXW.reshape(T * B, G)  # (T·B, G)
    dHW_rows = dHW.reshape(T * B, G)  # (T·B, G)
    H_prev_rows = Hs[:-1].reshape(T * B, -1)  # (T·B, H)
    grads = LayerWeights(
        weight_ih=dXW_rows.T @ X.reshape(T * B, D),  # (G, D)
        weight_hh=dHW_rows.T @ H_prev_rows,  # (G, H)
        bias_ih=dXW_rows.sum(axis=0),  # (G,)
        bias_hh=dHW_rows.sum(axis=0),  # (G,)
    )
    dX = (dXW_rows @ weights.weight_ih).reshape(T, B, D)  # (T, B, D)
    return dX, grads


# ---------------------------------------------------------------------------------------------------
# Elman: h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElmanCache:
    X: np.ndarray  # (T, B, D) inputs
    mask: np.ndarray  # (T, B, 1)
    Hs: np.ndarray  # (T + 1, B, H) carried states, Hs[0] = h0
    H_new: np.ndarray  # (T, B, H) activation outputs before masking
    weights: LayerWeights


class ElmanCell:
    """The simple recurrent network of Elman (1990) with a tanh, relu or sigmoid activation."""

    gates = 1

    def __init__(self, activation: str = "tanh"):
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
        self.activation = ACTIVATIONS[activation]

    def forward(self, X, mask, weights: LayerWeights, h0):
        T, B, _ = X.shape
        XW = _input_projection(X, weights.weight_ih, weights.bias_ih + weights.bias_hh)  # (T, B, H)
        W_hh_T = weights.weight_hh.T  # (H, H)
        Hs = np.empty((T + 1,) + h0.shape, dtype=X.dtype)  # (T + 1, B, H)
        H_new = np.empty_like(XW)  # (T, B, H)
        Hs[0] = h = h0
        for t in range(T):
            H_new[t] = self.activation.forward(XW[t] + h @ W_hh_T)  # (B, H)
            h = Hs[t + 1] = h + mask[t] * (H_new[t] - h)  # (B, H)
        return Hs, ElmanCache(X, mask, Hs, H_new, weights)

    def backward(self, dHs, cache: ElmanCache, state_grads=None):
        T = dHs.shape[0]
        mask, W_hh = cache.mask, cache.weights.weight_hh
        dA = np.empty_like(cache.H_new)  # (T, B, H) gradient into the pre-activations
        dh_next = np.zeros_like(dHs[0])  # (B, H) gradient flowing into h_t from step t + 1
        for t in reversed(range(T)):
            dh = dHs[t] + dh_next  # (B, H) into h_t
            if state_grads is not None:
                state_grads[t] = dh  # the whole gradient of the loss with respect to h_t
            da = (mask[t] * dh) * self.activation.grad_from_output(cache.H_new[t])  # (B, H) through act
            dA[t] = da
            dh_next = (1 - mask[t]) * dh + da @ W_hh  # (B, H) into h_{t-1}: carried + recurrent
        dX, grads = _finish_weight_grads(dA, dA, cache.X, cache.Hs, cache.weights)
        return dX, grads, dh_next


# ---------------------------------------------------------------------------------------------------
# GRU (PyTorch's form, reset gate applied after the recurrent product):
#   r = σ(Wx_r + Wh_r)   z = σ(Wx_z + Wh_z)   n = tanh(Wx_n + r ⊙ Wh_n)   h' = (1 - z) ⊙ n + z ⊙ h
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GRUCache:
    X: np.ndarray  # (T, B, D)
    mask: np.ndarray  # (T, B, 1)
    Hs: np.ndarray  # (T + 1, B, H)
    gates: np.ndarray  # (T, B, 3H) r, z, n after their nonlinearities
    Wh_n: np.ndarray  # (T, B, H) recurrent part of the candidate, before the reset gate
    weights: LayerWeights


class GRUCell:
    """Gated recurrent unit (Cho et al. 2014), gate order r, z, n as in ``torch.nn.GRU``."""

    gates = 3

    def forward(self, X, mask, weights: LayerWeights, h0):
        T, B, _ = X.shape
        H = h0.shape[-1]
        XW = _input_projection(X, weights.weight_ih, weights.bias_ih)  # (T, B, 3H)
        W_hh_T, b_hh = weights.weight_hh.T, weights.bias_hh  # (H, 3H), (3H,)
        Hs = np.empty((T + 1, B, H), dtype=X.dtype)
        gates = np.empty_like(XW)  # (T, B, 3H)
        Wh_n = np.empty((T, B, H), dtype=X.dtype)
        Hs[0] = h = h0
        for t in range(T):
            hW = h @ W_hh_T + b_hh  # (B, 3H) one fused matmul for all gates
            rz = sigmoid(XW[t, :, : 2 * H] + hW[:, : 2 * H])  # (B, 2H)
            r, z = rz[:, :H], rz[:, H:]
            n = np.tanh(XW[t, :, 2 * H :] + r * hW[:, 2 * H :])  # (B, H)
            h_new = n + z * (h - n)  # (B, H) = (1 - z) n + z h
            gates[t, :, : 2 * H], gates[t, :, 2 * H :] = rz, n
            Wh_n[t] = hW[:, 2 * H :]
            h = Hs[t + 1] = h + mask[t] * (h_new - h)  # (B, H)
        return Hs, GRUCache(X, mask, Hs, gates, Wh_n, weights)

    def backward(self, dHs, cache: GRUCache, state_grads=None):
        T, B, H = dHs.shape
        mask, W_hh, Hs = cache.mask, cache.weights.weight_hh, cache.Hs
        dXW = np.empty_like(cache.gates)  # (T, B, 3H) into the input projections
        dHW = np.empty_like(cache.gates)  # (T, B, 3H) into the recurrent projections
        dh_next = np.zeros((B, H), dtype=dHs.dtype)
        for t in reversed(range(T)):
            r, z, n = cache.gates[t, :, :H], cache.gates[t, :, H : 2 * H], cache.gates[t, :, 2 * H :]
            h_prev = Hs[t]
            dh = dHs[t] + dh_next  # (B, H) into h_t
            if state_grads is not None:
                state_grads[t] = dh  # the whole gradient of the loss with respect to h_t
            dh_new = mask[t] * dh  # (B, H) through the mask
            dn = dh_new * (1 - z)  # into n
            dz = dh_new * (h_prev - n)  # into z
            da_n = dn * (1 - n * n)  # through tanh
            dr = da_n * cache.Wh_n[t]  # into r
            dXW[t, :, : 2 * H] = np.concatenate([dr * r * (1 - r), dz * z * (1 - z)], axis=1)  # through σ
            dXW[t, :, 2 * H :] = da_n
            dHW[t, :, : 2 * H] = dXW[t, :, : 2 * H]
            dHW[t, :, 2 * H :] = da_n * r  # through the reset gate
            dh_next = (1 - mask[t]) * dh + dh_new * z + dHW[t] @ W_hh  # (B, H) into h_{t-1}
        dX, grads = _finish_weight_grads(dXW, dHW, cache.X, Hs, cache.weights)
        return dX, grads, dh_next


# ---------------------------------------------------------------------------------------------------
# LSTM (gate order i, f, g, o as in torch.nn.LSTM):
#   c' = f ⊙ c + i ⊙ g      h' = o ⊙ tanh(c')
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LSTMCache:
    X: np.ndarray  # (T, B, D)
    mask: np.ndarray  # (T, B, 1)
    Hs: np.ndarray  # (T + 1, B, H)
    Cs: np.ndarray  # (T + 1, B, H) carried cell states
    gates: np.ndarray  # (T, B, 4H) i, f, g, o after their nonlinearities
    tanh_c: np.ndarray  # (T, B, H) tanh of the new cell state
    weights: LayerWeights


class LSTMCell:
    """Long short-term memory (Hochreiter & Schmidhuber 1997; forget gate of Gers et al. 2000)."""

    gates = 4

    def forward(self, X, mask, weights: LayerWeights, h0):
        T, B, _ = X.shape
        H = h0.shape[-1]
        XW = _input_projection(X, weights.weight_ih, weights.bias_ih + weights.bias_hh)  # (T, B, 4H)
        W_hh_T = weights.weight_hh.T  # (H, 4H)
        Hs = np.empty((T + 1, B, H), dtype=X.dtype)
        Cs = np.empty((T + 1, B, H), dtype=X.dtype)
        gates = np.empty_like(XW)  # (T, B, 4H)
        tanh_c = np.empty((T, B, H), dtype=X.dtype)
        Hs[0] = h = h0
        Cs[0] = c = np.zeros_like(h0)
        for t in range(T):
            a = XW[t] + h @ W_hh_T  # (B, 4H) one fused matmul for all gates
            gates[t] = sigmoid(a)  # (B, 4H) i, f, o through σ ...
            gates[t, :, 2 * H : 3 * H] = np.tanh(a[:, 2 * H : 3 * H])  # ... and g through tanh
            i, f, g, o = gates[t, :, :H], gates[t, :, H : 2 * H], gates[t, :, 2 * H : 3 * H], gates[t, :, 3 * H :]
            c_new = f * c + i * g  # (B, H)
            tanh_c[t] = np.tanh(c_new)
            h_new = o * tanh_c[t]  # (B, H)
            c = Cs[t + 1] = c + mask[t] * (c_new - c)  # (B, H)
            h = Hs[t + 1] = h + mask[t] * (h_new - h)  # (B, H)
        return Hs, LSTMCache(X, mask, Hs, Cs, gates, tanh_c, weights)

    def backward(self, dHs, cache: LSTMCache, state_grads=None):
        T, B, H = dHs.shape
        mask, W_hh = cache.mask, cache.weights.weight_hh
        dA = np.empty_like(cache.gates)  # (T, B, 4H) into the pre-activations
        dh_next = np.zeros((B, H), dtype=dHs.dtype)
        dc_next = np.zeros((B, H), dtype=dHs.dtype)
        for t in reversed(range(T)):
            gates = cache.gates[t]
            i, f, g, o = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H : 3 * H], gates[:, 3 * H :]
            tanh_c = cache.tanh_c[t]
            dh = dHs[t] + dh_next  # (B, H) into h_t
            if state_grads is not None:
                state_grads[t] = dh  # the whole gradient of the loss with respect to h_t
            dh_new = mask[t] * dh  # through the mask
            dc_new = mask[t] * dc_next + dh_new * o * (1 - tanh_c * tanh_c)  # (B, H) into c_new
            dA[t, :, :H] = dc_new * g * i * (1 - i)  # into a_i, through σ
            dA[t, :, H : 2 * H] = dc_new * cache.Cs[t] * f * (1 - f)  # into a_f, through σ
            dA[t, :, 2 * H : 3 * H] = dc_new * i * (1 - g * g)  # into a_g, through tanh
            dA[t, :, 3 * H :] = dh_new * tanh_c * o * (1 - o)  # into a_o, through σ
            dc_next = (1 - mask[t]) * dc_next + dc_new * f  # (B, H) into c_{t-1}
            dh_next = (1 - mask[t]) * dh + dA[t] @ W_hh  # (B, H) into h_{t-1}
        dX, grads = _finish_weight_grads(dA, dA, cache.X, cache.Hs, cache.weights)
        return dX, grads, dh_next


CELLS = {"elman": ElmanCell, "gru": GRUCell, "lstm": LSTMCell}


def make_cell(cell: str, activation: str = "tanh"):
    """Build a cell from its registry name; ``activation`` applies to the Elman cell only."""
    if cell not in CELLS:
        raise ValueError(f"unknown cell {cell!r}; choose one of {sorted(CELLS)}")
    return ElmanCell(activation) if cell == "elman" else CELLS[cell]()
