"""Recurrent cells run over a whole padded, time-major sequence: forward and backward (BPTT).

Every cell has the same contract:

    forward(X, mask, weights, h0, XW=None) -> (Hs, cache)
                                       X (T, B, D), mask (T, B, 1), Hs (T + 1, B, H); XW (T, B, G) is
                                       the input projection with ``input_bias`` when the caller has it
                                       already (the model projects each distinct word once); it is
                                       overwritten
    backward(dHs, cache, state_grads=None) -> (dX, grads, dh0)
                                       dHs (T, B, H) gradient into each step's output, dX (T, B, D),
                                       grads a LayerWeights of gradients, dh0 (B, H) into the initial state;
                                       a (T, B, H) ``state_grads`` is filled with dLoss/dh_t (diagnostics)

    inference_weights(weights) -> InferenceWeights
    infer(XW, active, inference_weights, states=None) -> h (B, H)
                                       the prediction pass (see ``sentiment_rnn.nn.inference``): no caches,
                                       gate-major XW (k, T, B, H), a batch sorted longest first of which
                                       step t reads the first ``active[t]`` rows; h holds every review's
                                       final state; a (T, B, H) ``states`` is filled with the outputs

``Hs[0]`` is the initial state and ``Hs[t + 1]`` the state after reading step t. The mask is 1 on a
review's tokens and 0 past its end, where the state is carried unchanged, ``h_t = m_t h_new + (1 - m_t)
h_{t-1}`` (computed as a selection, so carried states are exact copies), and ``Hs[T]`` is every
review's state at its last real token. Steps where every review goes on (most of them in length-bucketed
batches) skip the mask altogether.

The hot loop follows Karpathy's batched LSTM: the input projections of all steps are one matmul before
the loop, each step does one fused matmul ``h @ W_hh.T`` for all gates, and the weight gradients are
finished after the loop with one matmul over all T·B rows — the repeated chain-rule terms of BPTT are
kept "in a matrix" (dA below) instead of being recomputed per weight. Inside the loop, the recurrent
product goes to a scratch buffer and the nonlinearities run in place (``out=``), so a step allocates
little: the buffer of the input projections becomes the buffer of the gates.

Weights follow PyTorch's recurrent modules: ``weight_ih (G, D)``, ``weight_hh (G, H)``, ``bias_ih (G,)``,
``bias_hh (G,)`` with G = H (Elman), 3H (GRU: r, z, n) or 4H (LSTM: i, f, g, o).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sentiment_rnn.nn.functional import ACTIVATIONS, sigmoid

__all__ = ["LayerWeights", "InferenceWeights", "ElmanCell", "GRUCell", "LSTMCell", "CELLS", "make_cell"]


@dataclass(frozen=True)
class LayerWeights:
    """The four arrays of one recurrent layer in one direction (also used for their gradients)."""

    weight_ih: np.ndarray  # (G, D)
    weight_hh: np.ndarray  # (G, H)
    bias_ih: np.ndarray  # (G,)
    bias_hh: np.ndarray  # (G,)


@dataclass(frozen=True)
class InferenceWeights:
    """One layer's weights in one direction rearranged for ``infer``: gate-major (gate k's weights are
    block k), in the cell's inference gate order, with the rows of the sigmoid gates halved so that
    σ(a) = (1 + tanh(a / 2)) / 2 needs one tanh over all gates (halving is exact in floating point)."""

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


def _gate_major(weights: LayerWeights, order, halved, input_bias, bias_hh=None) -> InferenceWeights:
    """Rearrange (k·H, ·) PyTorch-layout weights into (k, ·, H) blocks in gate ``order``; the gates
    marked in ``halved`` are multiplied by 1/2."""
    k = len(order)
    H = weights.weight_hh.shape[1]
    dtype = weights.weight_hh.dtype
    scale = np.array([0.5 if half else 1.0 for half in halved], dtype=dtype)[:, None, None]  # (k, 1, 1)

    def blocks(matrix):  # (k·H, D) -> (k, D, H) in the inference order, scaled
        return np.ascontiguousarray(matrix.reshape(k, H, -1)[list(order)].transpose(0, 2, 1) * scale)

    def bias_blocks(bias):  # (k·H,) -> (k, 1, H)
        return bias.reshape(k, 1, H)[list(order)] * scale

    return InferenceWeights(
        blocks(weights.weight_ih), bias_blocks(input_bias), blocks(weights.weight_hh),
        None if bias_hh is None else bias_blocks(bias_hh),
    )


def _input_projection(X: np.ndarray, W_ih: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """All steps' input projections in one matmul: (T, B, D) -> (T, B, G)."""
    T, B, D = X.shape
    XW = (X.reshape(T * B, D) @ W_ih.T).reshape(T, B, -1)  # (T, B, G)
    XW += bias
    return XW


def _steps_past_an_end(mask: np.ndarray) -> list[bool]:
    """For each step, whether some review of the batch has already ended there: (T, B, 1) -> T bools.

    Only at those steps does the mask change anything; length-bucketed batches have few of them.
    """
    return (mask == 0).any(axis=(1, 2)).tolist()


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
    dbias_ih = dXW_rows.sum(axis=0)  # (G,)
    grads = LayerWeights(
        weight_ih=dXW_rows.T @ X.reshape(T * B, D),  # (G, D)
        weight_hh=dHW_rows.T @ H_prev_rows,  # (G, H)
        bias_ih=dbias_ih,
        bias_hh=dbias_ih.copy() if dHW is dXW else dHW_rows.sum(axis=0),  # (G,)
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

    @staticmethod
    def input_bias(weights: LayerWeights) -> np.ndarray:
        """The bias that goes with the input projection: both, as they are only ever summed."""
        return weights.bias_ih + weights.bias_hh  # (H,)

    def forward(self, X, mask, weights: LayerWeights, h0, XW=None):
        T, B, _ = X.shape
        H_new = _input_projection(X, weights.weight_ih, self.input_bias(weights)) if XW is None else XW  # (T, B, H)
        W_hh_T = np.ascontiguousarray(weights.weight_hh.T)  # (H, H) contiguous: a faster matmul
        Hs = np.empty((T + 1,) + h0.shape, dtype=X.dtype)  # (T + 1, B, H)
        hW = np.empty_like(h0)  # (B, H) scratch for the recurrent product
        ended = _steps_past_an_end(mask)
        Hs[0] = h = h0
        for t in range(T):
            a = H_new[t]  # (B, H) the input projection, becoming the pre-activation ...
            a += np.matmul(h, W_hh_T, out=hW)  # ... plus the recurrent product
            h_new = self.activation.forward(a, out=a)  # (B, H) stored in place of a
            Hs[t + 1] = h_new
            if ended[t]:  # past a review's end the old state is carried instead
                np.copyto(Hs[t + 1], h, where=mask[t] == 0)
            h = Hs[t + 1]
        return Hs, ElmanCache(X, mask, Hs, H_new, weights)

    def backward(self, dHs, cache: ElmanCache, state_grads=None):
        T = dHs.shape[0]
        mask, W_hh = cache.mask, cache.weights.weight_hh
        ended = _steps_past_an_end(mask)
        dA = self.activation.grad_from_output(cache.H_new)  # (T, B, H) act' of every step, times dh_t below
        dh_next = np.zeros_like(dHs[0])  # (B, H) gradient flowing into h_t from step t + 1
        for t in reversed(range(T)):
            dh = dHs[t] + dh_next  # (B, H) into h_t
            if state_grads is not None:
                state_grads[t] = dh  # the whole gradient of the loss with respect to h_t
            da = dA[t]
            da *= mask[t] * dh if ended[t] else dh  # (B, H) through act (and the mask)
            dh_next = da @ W_hh  # (B, H) into h_{t-1}: recurrent ...
            if ended[t]:
                dh_next += (1 - mask[t]) * dh  # ... and carried past the end
        dX, grads = _finish_weight_grads(dA, dA, cache.X, cache.Hs, cache.weights)
        return dX, grads, dh_next

    def inference_weights(self, weights: LayerWeights) -> InferenceWeights:
        return _gate_major(weights, (0,), (False,), self.input_bias(weights))

    def infer(self, XW, active, weights: InferenceWeights, states=None):
        """Forward without caches over a batch sorted by length, longest first (see ``infer`` of the
        module docstring): XW (1, T, B, H) -> final states (B, H)."""
        _, T, B, H = XW.shape
        h = np.zeros((B, H), dtype=XW.dtype)  # (B, H) rows past their review's end keep its final state
        a = np.empty((B, H), dtype=XW.dtype)  # (B, H) pre-activations
        W_hh = weights.weight_hh[0]  # (H, H)
        for t, n in enumerate(active):
            np.matmul(h[:n], W_hh, out=a[:n])  # (n, H) only the reviews still being read
            a[:n] += XW[0, t, :n]
            self.activation.forward(a[:n], out=h[:n])
            if states is not None:
                states[t, :n] = h[:n]
        return h


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

    @staticmethod
    def input_bias(weights: LayerWeights) -> np.ndarray:
        """The bias that goes with the input projection: b_ih only, as b_hn sits inside the reset gate."""
        return weights.bias_ih  # (3H,)

    def forward(self, X, mask, weights: LayerWeights, h0, XW=None):
        T, B, _ = X.shape
        H = h0.shape[-1]
        gates = _input_projection(X, weights.weight_ih, self.input_bias(weights)) if XW is None else XW  # (T, B, 3H)
        W_hh_T, b_hh = np.ascontiguousarray(weights.weight_hh.T), weights.bias_hh  # (H, 3H), (3H,)
        Hs = np.empty((T + 1, B, H), dtype=X.dtype)
        Wh_n = np.empty((T, B, H), dtype=X.dtype)
        hW = np.empty((B, 3 * H), dtype=X.dtype)  # scratch for the recurrent product
        ended = _steps_past_an_end(mask)
        Hs[0] = h = h0
        for t in range(T):
            np.matmul(h, W_hh_T, out=hW)  # (B, 3H) one fused matmul for all gates
            hW += b_hh
            rz, a_n = gates[t, :, : 2 * H], gates[t, :, 2 * H :]  # (B, 2H), (B, H) input projections ...
            rz += hW[:, : 2 * H]
            sigmoid(rz, out=rz)  # ... through σ in place
            r, z = rz[:, :H], rz[:, H:]  # (B, H), (B, H)
            Wh_n[t] = hW[:, 2 * H :]
            a_n += r * Wh_n[t]
            n = np.tanh(a_n, out=a_n)  # (B, H)
            h_new = np.subtract(h, n, out=Hs[t + 1])  # (B, H) h' = z (h - n) ...
            h_new *= z
            h_new += n  # ... + n = (1 - z) n + z h
            if ended[t]:  # past a review's end the old state is carried instead
                np.copyto(h_new, h, where=mask[t] == 0)
            h = h_new
        return Hs, GRUCache(X, mask, Hs, gates, Wh_n, weights)

    def backward(self, dHs, cache: GRUCache, state_grads=None):
        T, B, H = dHs.shape
        mask, W_hh, Hs = cache.mask, cache.weights.weight_hh, cache.Hs
        ended = _steps_past_an_end(mask)
        r, z, n = cache.gates[..., :H], cache.gates[..., H : 2 * H], cache.gates[..., 2 * H :]  # (T, B, H) each
        # The local derivatives of every step at once; the loop multiplies in the upstream gradient.
        dXW = cache.gates * (1 - cache.gates)  # (T, B, 3H) into the input projections; σ' of r, z first
        dXW[..., :H] *= cache.Wh_n  # a_r: ∂a_n/∂r · σ'      (times da_n)
        dXW[..., H : 2 * H] *= Hs[:-1] - n  # a_z: ∂h'/∂z · σ'  (times dh')
        dXW[..., 2 * H :] = (1 - z) * (1 - n * n)  # a_n: ∂h'/∂n · tanh'     (times dh')
        dHW = np.empty_like(cache.gates)  # (T, B, 3H) into the recurrent projections
        dh_next = np.zeros((B, H), dtype=dHs.dtype)
        for t in reversed(range(T)):
            dh = dHs[t] + dh_next  # (B, H) into h_t
            if state_grads is not None:
                state_grads[t] = dh  # the whole gradient of the loss with respect to h_t
            dh_new = mask[t] * dh if ended[t] else dh  # (B, H) through the mask
            dXW[t].reshape(B, 3, H)[:, 1:] *= dh_new[:, None, :]  # into a_z and a_n
            da_n = dXW[t, :, 2 * H :]  # (B, H)
            dXW[t, :, :H] *= da_n  # into a_r, through the candidate
            dHW[t, :, : 2 * H] = dXW[t, :, : 2 * H]
            np.multiply(da_n, r[t], out=dHW[t, :, 2 * H :])  # through the reset gate
            dh_next = dHW[t] @ W_hh  # (B, H) into h_{t-1}: through the gates ...
            dh_next += dh_new * z[t]  # ... directly through h' = (1 - z) n + z h ...
            if ended[t]:
                dh_next += (1 - mask[t]) * dh  # ... and carried past the end
        dX, grads = _finish_weight_grads(dXW, dHW, cache.X, Hs, cache.weights)
        return dX, grads, dh_next

    def inference_weights(self, weights: LayerWeights) -> InferenceWeights:
        """Gates r, z, n; r and z halved (σ through tanh)."""
        return _gate_major(weights, (0, 1, 2), (True, True, False), self.input_bias(weights), weights.bias_hh)

    def infer(self, XW, active, weights: InferenceWeights, states=None):
        """Forward without caches: XW (3, T, B, H) gate-major, r and z halved -> final states (B, H)."""
        _, T, B, H = XW.shape
        h = np.zeros((B, H), dtype=XW.dtype)
        hW = np.empty((3, B, H), dtype=XW.dtype)  # (3, B, H) recurrent products, becoming the gates
        for t, n in enumerate(active):
            a, x = hW[:, :n], XW[:, t, :n]  # (3, n, H) each
            np.matmul(h[:n], weights.weight_hh, out=a)  # one matmul per gate
            a += weights.bias_hh
            rz = a[:2]  # (2, n, H) halved pre-activations of r, z ...
            rz += x[:2]
            np.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5  # ... through σ(a) = (1 + tanh(a / 2)) / 2
            r, z = rz
            n_gate = a[2]  # (n, H) candidate: tanh(x_n + r (W_hn h + b_hn))
            n_gate *= r
            n_gate += x[2]
            np.tanh(n_gate, out=n_gate)
            h_new = h[:n]  # h' = n + z (h - n), in place
            h_new -= n_gate
            h_new *= z
            h_new += n_gate
            if states is not None:
                states[t, :n] = h_new
        return h


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

    @staticmethod
    def input_bias(weights: LayerWeights) -> np.ndarray:
        """The bias that goes with the input projection: both, as they are only ever summed."""
        return weights.bias_ih + weights.bias_hh  # (4H,)

    def forward(self, X, mask, weights: LayerWeights, h0, XW=None):
        T, B, _ = X.shape
        H = h0.shape[-1]
        gates = _input_projection(X, weights.weight_ih, self.input_bias(weights)) if XW is None else XW  # (T, B, 4H)
        W_hh_T = np.ascontiguousarray(weights.weight_hh.T)  # (H, 4H) contiguous: a faster matmul
        Hs = np.empty((T + 1, B, H), dtype=X.dtype)
        Cs = np.empty((T + 1, B, H), dtype=X.dtype)
        tanh_c = np.empty((T, B, H), dtype=X.dtype)
        hW = np.empty((B, 4 * H), dtype=X.dtype)  # scratch for the recurrent product
        ended = _steps_past_an_end(mask)
        Hs[0] = h = h0
        Cs[0] = c = np.zeros_like(h0)
        for t in range(T):
            a = gates[t]  # (B, 4H) the input projections, becoming the pre-activations ...
            a += np.matmul(h, W_hh_T, out=hW)  # ... plus one fused matmul for all gates
            sigmoid(a[:, : 2 * H], out=a[:, : 2 * H])  # i, f through σ in place,
            np.tanh(a[:, 2 * H : 3 * H], out=a[:, 2 * H : 3 * H])  # g through tanh,
            sigmoid(a[:, 3 * H :], out=a[:, 3 * H :])  # o through σ
            i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
            c_new = np.multiply(f, c, out=Cs[t + 1])  # (B, H) c' = f c ...
            c_new += i * g  # ... + i g
            h_new = np.multiply(o, np.tanh(c_new, out=tanh_c[t]), out=Hs[t + 1])  # (B, H) h' = o tanh(c')
            if ended[t]:  # past a review's end the old states are carried instead
                np.copyto(c_new, c, where=mask[t] == 0)
                np.copyto(h_new, h, where=mask[t] == 0)
            c, h = c_new, h_new
        return Hs, LSTMCache(X, mask, Hs, Cs, gates, tanh_c, weights)

    def backward(self, dHs, cache: LSTMCache, state_grads=None):
        T, B, H = dHs.shape
        mask, W_hh, tanh_c = cache.mask, cache.weights.weight_hh, cache.tanh_c
        ended = _steps_past_an_end(mask)
        i, f, g, o = (cache.gates[..., k * H : (k + 1) * H] for k in range(4))  # (T, B, H) each
        # The local derivatives of every step at once; the loop multiplies in the upstream gradient.
        dA = cache.gates * (1 - cache.gates)  # (T, B, 4H) into the pre-activations; σ' of i, f, o first
        dA[..., :H] *= g  # a_i: ∂c'/∂i · σ'       (times dc')
        dA[..., H : 2 * H] *= cache.Cs[:-1]  # a_f: ∂c'/∂f · σ'  (times dc')
        dA[..., 2 * H : 3 * H] = i * (1 - g * g)  # a_g: ∂c'/∂g · tanh'  (times dc')
        dA[..., 3 * H :] *= tanh_c  # a_o: ∂h'/∂o · σ'       (times dh')
        dc_from_h = o * (1 - tanh_c * tanh_c)  # (T, B, H) ∂h'/∂c', through tanh
        dh_next = np.zeros((B, H), dtype=dHs.dtype)
        dc_next = np.zeros((B, H), dtype=dHs.dtype)
        for t in reversed(range(T)):
            dh = dHs[t] + dh_next  # (B, H) into h_t
            if state_grads is not None:
                state_grads[t] = dh  # the whole gradient of the loss with respect to h_t
            dh_new = mask[t] * dh if ended[t] else dh  # through the mask
            dc_new = dh_new * dc_from_h[t]  # (B, H) into c': through h' = o tanh(c') ...
            dc_new += mask[t] * dc_next if ended[t] else dc_next  # ... and from c_{t+1}
            da = dA[t].reshape(B, 4, H)
            da[:, :3] *= dc_new[:, None, :]  # into a_i, a_f, a_g
            da[:, 3] *= dh_new  # into a_o
            dc_prev = dc_new * f[t]  # (B, H) into c_{t-1}: through c' = f c + i g ...
            dh_prev = dA[t] @ W_hh  # (B, H) into h_{t-1}: through the gates ...
            if ended[t]:
                dc_prev += (1 - mask[t]) * dc_next  # ... and carried past the end
                dh_prev += (1 - mask[t]) * dh
            dc_next, dh_next = dc_prev, dh_prev
        dX, grads = _finish_weight_grads(dA, dA, cache.X, cache.Hs, cache.weights)
        return dX, grads, dh_next

    def inference_weights(self, weights: LayerWeights) -> InferenceWeights:
        """Gates reordered i, f, o, g, so the three sigmoid gates are one block; they are halved."""
        return _gate_major(weights, (0, 1, 3, 2), (True, True, True, False), self.input_bias(weights))

    def infer(self, XW, active, weights: InferenceWeights, states=None):
        """Forward without caches: XW (4, T, B, H) gate-major i, f, o, g, the first three halved
        -> final states (B, H)."""
        _, T, B, H = XW.shape
        h = np.zeros((B, H), dtype=XW.dtype)
        c = np.zeros((B, H), dtype=XW.dtype)
        a_all = np.empty((4, B, H), dtype=XW.dtype)  # (4, B, H) pre-activations, becoming the gates
        ig_all = np.empty((B, H), dtype=XW.dtype)  # (B, H) scratch
        for t, n in enumerate(active):
            a, ig = a_all[:, :n], ig_all[:n]  # (4, n, H), (n, H)
            np.matmul(h[:n], weights.weight_hh, out=a)  # one matmul per gate
            a += XW[:, t, :n]
            np.tanh(a, out=a)  # tanh of every gate at once ...
            sigmoid_gates = a[:3]
            sigmoid_gates *= 0.5
            sigmoid_gates += 0.5  # ... and σ = (1 + tanh(a / 2)) / 2 for i, f, o
            i, f, o, g = a
            c_new = c[:n]  # c' = f c + i g, in place
            c_new *= f
            c_new += np.multiply(i, g, out=ig)
            np.tanh(c_new, out=ig)
            np.multiply(o, ig, out=h[:n])  # h' = o tanh(c')
            if states is not None:
                states[t, :n] = h[:n]
        return h


CELLS = {"elman": ElmanCell, "gru": GRUCell, "lstm": LSTMCell}


def make_cell(cell: str, activation: str = "tanh"):
    """Build a cell from its registry name; ``activation`` applies to the Elman cell only."""
    if cell not in CELLS:
        raise ValueError(f"unknown cell {cell!r}; choose one of {sorted(CELLS)}")
    return ElmanCell(activation) if cell == "elman" else CELLS[cell]()
