"""The fast recurrent cells: Elman, GRU and LSTM computed gate-major, for training and prediction.

Each cell's arithmetic is written three times, each pass shaped by what it must keep:

    forward_gate_major(XW, X, mask, weights, layout, h0) -> (Hs, cache)
                                       the training forward pass over a whole padded, time-major batch,
                                       from the gate-major input projections XW (k, T, B, H) (overwritten;
                                       they become the gates the backward pass reads)
    backward_gates(dHs, cache, state_grads=None) -> (dXW, dHW, dh0)
                                       BPTT down to the gradients into the input and recurrent
                                       projections (k, T, B, H) each; ``GateMajorCell`` finishes the
                                       weight gradients with one matmul per gate after the loop
    infer(XW, active, layout, states=None, positions=None) -> h (B, H)
                                       the prediction pass: no caches, a batch sorted longest first that
                                       shrinks as reviews end (see ``sentiment_rnn.nn.inference``)

The readable form of the same math, one step at a time in PyTorch's layout, is
``sentiment_rnn.nn.reference``; ``tests/test_reference.py`` holds these cells to it (1e-12, float64).
What makes these fast (``sentiment_rnn.nn.layout``): a step's gates are a (k, B, H) array of contiguous
blocks; the sigmoid gates' weights are halved so that one ``np.tanh`` serves every gate; the order of
the blocks is chosen so that the elementwise work is a few whole-block operations; the input
projections of all steps are one matmul per gate before the loop (Karpathy's batched LSTM), a step does
one ``h @ W_hh`` per gate into a scratch buffer and the nonlinearities run in place (``out=``); the
backward pass computes each step's local derivatives for all steps at once before its time loop, which
only multiplies in the upstream gradient. The mask is 1 on a review's tokens and 0 past its end, where
the state is carried unchanged (a selection, so carried states are exact copies); steps where every
review goes on skip the mask altogether.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sentiment_rnn.nn.functional import ACTIVATIONS
from sentiment_rnn.nn.layout import (GateMajorWeights, LayerWeights, finish_grads, flush_threshold, flush_tiny,
                                     gate_major, group_rows, recurrent_blocks, step_inputs, steps_past_an_end,
                                     to_gate_major)

__all__ = ["ElmanCell", "GRUCell", "GateMajorCell", "LSTMCell", "input_projection"]


def input_projection(X: np.ndarray, W_ih: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """All steps' input projections in one matmul, PyTorch layout: (T, B, D) -> (T, B, G)."""
    T, B, D = X.shape
    XW = np.matmul(X.reshape(T * B, D), W_ih.T).reshape(T, B, -1)  # (T, B, G)
    XW += bias
    return XW


class GateMajorCell:
    """What every cell shares: its public passes (the contract of ``sentiment_rnn.nn.cells``) in terms of
    its gate-major kernels ``forward_gate_major`` and ``backward_gates``."""

    order: tuple[int, ...]  # block j of the gate-major layout is PyTorch gate order[j]
    halved: tuple[bool, ...]  # which blocks are sigmoid gates, their weights halved
    shared_bias = True  # both biases only ever summed (Elman, LSTM); the GRU's b_hn sits inside r

    @staticmethod
    def input_bias(weights: LayerWeights) -> np.ndarray:
        """The bias that goes with the input projection: both, as they are only ever summed."""
        return weights.bias_ih + weights.bias_hh  # (G,)

    def gate_major_weights(self, weights: LayerWeights) -> GateMajorWeights:
        """The weights gate-major in this cell's order, the sigmoid gates halved."""
        return gate_major(weights, self.order, self.halved, self.input_bias(weights),
                          None if self.shared_bias else weights.bias_hh)

    def forward(self, X, mask, weights: LayerWeights, h0):
        """X (T, B, D), mask (T, B, 1), h0 (B, H) -> (Hs (T + 1, B, H), cache)."""
        XW = input_projection(X, weights.weight_ih, self.input_bias(weights))  # (T, B, G)
        XW = to_gate_major(XW, self.order, self.halved)  # (k, T, B, H)
        return self.forward_gate_major(XW, X, mask, weights, self.gate_major_weights(weights), h0)

    def forward_words(self, rows, positions, mask, weights: LayerWeights, h0):
        """``forward`` when the inputs are rows of a table: rows (U, D) the distinct words' inputs,
        positions (T, B) each step's row. Each word is projected once and gathered."""
        layout = self.gate_major_weights(weights)
        XW = np.take(layout.project(rows), positions, axis=1)  # (k, T, B, H)
        return self.forward_gate_major(XW, None, mask, weights, layout, h0)

    def backward(self, dHs, cache, state_grads=None):
        """dHs (T, B, H) into each step's output -> (dX (T, B, D), gradients as a LayerWeights, dh0 (B, H));
        a (T, B, H) ``state_grads`` is filled with dLoss/dh_t (diagnostics)."""
        dXW, dHW, dh0 = self.backward_gates(dHs, cache, state_grads)  # (k, T, B, H) each
        k, T, B, H = dXW.shape
        X = cache.X
        dX, grads = finish_grads(dXW.reshape(k, T * B, H), dHW.reshape(k, T * B, H), X.reshape(T * B, -1),
                                 cache.Hs[:-1].reshape(T * B, H), cache.weights.weight_ih, self.order,
                                 self.shared_bias)
        return dX.reshape(X.shape), grads, dh0

    def backward_words(self, dHs, cache, rows, positions, state_grads=None):
        """``backward`` after ``forward_words``: each word's gradient into the input projection is summed
        over its positions first, so the input-side matmuls run over the U distinct words instead of the
        T·B positions. -> (drows (U, D), gradients as a LayerWeights)."""
        dXW, dHW, _ = self.backward_gates(dHs, cache, state_grads)  # (k, T, B, H) each
        k, T, B, H = dXW.shape
        dXW_words = group_rows(dXW.reshape(k, T * B, H), positions.reshape(-1), len(rows))  # (k, U, H)
        return finish_grads(dXW_words, dHW.reshape(k, T * B, H), rows, cache.Hs[:-1].reshape(T * B, H),
                            cache.weights.weight_ih, self.order, self.shared_bias)


# ---------------------------------------------------------------------------------------------------
# Elman: h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElmanCache:
    X: np.ndarray | None  # (T, B, D) inputs (None when the model finishes the input gradients itself)
    mask: np.ndarray  # (T, B, 1)
    Hs: np.ndarray  # (T + 1, B, H) carried states, Hs[0] = h0
    H_new: np.ndarray  # (T, B, H) activation outputs before masking
    weights: LayerWeights


class ElmanCell(GateMajorCell):
    """The simple recurrent network of Elman (1990) with a tanh, relu or sigmoid activation."""

    gates = 1
    order, halved = (0,), (False,)

    def __init__(self, activation: str = "tanh"):
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
        self.activation = ACTIVATIONS[activation]

    def forward_gate_major(self, XW, X, mask, weights: LayerWeights, layout: GateMajorWeights, h0):
        """forward with the projection given gate-major, XW (1, T, B, H), overwritten; X may be None."""
        _, T, B, H = XW.shape
        H_new = XW[0]  # (T, B, H) the input projections, becoming the activations
        W_hh = layout.weight_hh[0]  # (H, H) contiguous W_hh.T
        Hs = np.empty((T + 1, B, H), dtype=XW.dtype)  # (T + 1, B, H)
        hW = np.empty_like(h0)  # (B, H) scratch for the recurrent product
        ended = steps_past_an_end(mask)
        Hs[0] = h = h0
        for t in range(T):
            a = H_new[t]  # (B, H) the input projection, becoming the pre-activation ...
            a += np.matmul(h, W_hh, out=hW)  # ... plus the recurrent product
            h_new = self.activation.forward(a, out=a)  # (B, H) stored in place of a
            Hs[t + 1] = h_new
            if ended[t]:  # past a review's end the old state is carried instead
                np.copyto(Hs[t + 1], h, where=mask[t] == 0)
            h = Hs[t + 1]
        return Hs, ElmanCache(X, mask, Hs, H_new, weights)

    def backward_gates(self, dHs, cache: ElmanCache, state_grads=None):
        """BPTT to the pre-activations: -> (dXW, dHW, dh0), dXW = dHW (1, T, B, H) gate-major."""
        T = dHs.shape[0]
        mask, W_hh = cache.mask, cache.weights.weight_hh
        ended = steps_past_an_end(mask)
        dA = self.activation.grad_from_output(cache.H_new)  # (T, B, H) act' of every step, times dh_t below
        dh_next = np.zeros_like(dHs[0])  # (B, H) gradient flowing into h_t from step t + 1
        tiny = flush_threshold(dHs.dtype)
        for t in reversed(range(T)):
            dh = dHs[t] + dh_next  # (B, H) into h_t
            if state_grads is not None:
                state_grads[t] = dh  # the whole gradient of the loss with respect to h_t
            da = dA[t]
            da *= mask[t] * dh if ended[t] else dh  # (B, H) through act (and the mask)
            dh_next = np.matmul(da, W_hh)  # (B, H) into h_{t-1}: recurrent ...
            if ended[t]:
                dh_next += (1 - mask[t]) * dh  # ... and carried past the end
            flush_tiny(dh_next, tiny)  # no subnormal numbers (float32)
        return dA[None], dA[None], dh_next

    def infer(self, XW, active, weights: GateMajorWeights, states=None, positions=None):
        """Forward without caches over a batch sorted by length, longest first (see ``infer`` of the
        module docstring): XW (1, T, B, H), or a (1, U, H) table read at ``positions`` -> final states (B, H)."""
        inputs = step_inputs(XW, positions)
        B, H = inputs.batch, XW.shape[-1]
        h = np.zeros((B, H), dtype=XW.dtype)  # (B, H) rows past their review's end keep its final state
        a = np.empty((B, H), dtype=XW.dtype)  # (B, H) pre-activations
        W_hh = weights.weight_hh[0]  # (H, H)
        for t, n in enumerate(active):
            np.matmul(h[:n], W_hh, out=a[:n])  # (n, H) only the reviews still being read
            a[:n] += inputs(t, n)[0]
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
    X: np.ndarray | None  # (T, B, D)
    mask: np.ndarray  # (T, B, 1)
    Hs: np.ndarray  # (T + 1, B, H)
    gates: np.ndarray  # (3, T, B, H) r, z, n after their nonlinearities, gate-major
    Wh_n: np.ndarray  # (T, B, H) recurrent part of the candidate, before the reset gate
    weights: LayerWeights


class GRUCell(GateMajorCell):
    """Gated recurrent unit (Cho et al. 2014), gate order r, z, n as in ``torch.nn.GRU``."""

    gates = 3
    order, halved = (0, 1, 2), (True, True, False)
    shared_bias = False

    @staticmethod
    def input_bias(weights: LayerWeights) -> np.ndarray:
        """The bias that goes with the input projection: b_ih only, as b_hn sits inside the reset gate."""
        return weights.bias_ih  # (3H,)

    def forward_gate_major(self, XW, X, mask, weights: LayerWeights, layout: GateMajorWeights, h0):
        """forward with the projection given gate-major, XW (3, T, B, H) r, z halved, overwritten."""
        _, T, B, H = XW.shape
        gates = XW  # (3, T, B, H) the input projections, becoming the gates
        W_rz, W_n = layout.weight_hh[:2], layout.weight_hh[2]  # (2, H, H) halved, (H, H)
        b_rz, b_n = layout.bias_hh[:2], layout.bias_hh[2]  # (2, 1, H) halved, (1, H)
        Hs = np.empty((T + 1, B, H), dtype=XW.dtype)
        Wh_n = np.empty((T, B, H), dtype=XW.dtype)
        hW = np.empty((2, B, H), dtype=XW.dtype)  # scratch for the recurrent products of r, z
        ended = steps_past_an_end(mask)
        Hs[0] = h = h0
        for t in range(T):
            rz = gates[:2, t]  # (2, B, H) halved input projections of r, z ...
            rz += np.matmul(h, W_rz, out=hW)  # ... plus the halved recurrent products
            rz += b_rz
            np.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5  # ... through σ(a) = (1 + tanh(a / 2)) / 2
            r, z = rz  # (B, H) each
            hn = np.matmul(h, W_n, out=Wh_n[t])  # (B, H) W_hn h + b_hn
            hn += b_n
            n = gates[2, t]  # (B, H) candidate: tanh(x_n + r (W_hn h + b_hn))
            n += np.multiply(r, hn, out=hW[0])
            np.tanh(n, out=n)
            h_new = np.subtract(h, n, out=Hs[t + 1])  # (B, H) h' = z (h - n) ...
            h_new *= z
            h_new += n  # ... + n = (1 - z) n + z h
            if ended[t]:  # past a review's end the old state is carried instead
                np.copyto(h_new, h, where=mask[t] == 0)
            h = h_new
        return Hs, GRUCache(X, mask, Hs, gates, Wh_n, weights)

    def backward_gates(self, dHs, cache: GRUCache, state_grads=None):
        """BPTT to the pre-activations: -> (dXW, dHW, dh0), (3, T, B, H) each, gate-major r, z, n."""
        T, B, H = dHs.shape
        mask, Hs = cache.mask, cache.Hs
        W = recurrent_blocks(cache.weights.weight_hh, self.order)  # (3, H, H)
        ended = steps_past_an_end(mask)
        r, z, n = cache.gates  # (T, B, H) each
        # The local derivatives of every step at once; the loop multiplies in the upstream gradient.
        dXW = np.subtract(1, cache.gates)  # (3, T, B, H) into the input projections ...
        dXW[:2] *= cache.gates[:2]  # ... σ' = s (1 - s) of r, z
        dXW[0] *= cache.Wh_n  # a_r: ∂a_n/∂r · σ'      (times da_n)
        dXW[1] *= Hs[:-1] - n  # a_z: ∂h'/∂z · σ'      (times dh')
        n2 = np.multiply(n, n)
        np.subtract(1, n2, out=n2)
        dXW[2] = 1 - z
        dXW[2] *= n2  # a_n: ∂h'/∂n · tanh' = (1 - z) (1 - n²)     (times dh')
        dHW = np.empty_like(dXW)  # (3, T, B, H) into the recurrent projections
        scratch = np.empty((3, B, H), dtype=dHs.dtype)
        dh_next = np.zeros((B, H), dtype=dHs.dtype)
        tiny = flush_threshold(dHs.dtype)
        for t in reversed(range(T)):
            dh = dHs[t] + dh_next  # (B, H) into h_t
            if state_grads is not None:
                state_grads[t] = dh  # the whole gradient of the loss with respect to h_t
            dh_new = mask[t] * dh if ended[t] else dh  # (B, H) through the mask
            da = dXW[:, t]  # (3, B, H)
            da[1:] *= dh_new  # into a_z and a_n
            da[0] *= da[2]  # into a_r, through the candidate
            dhw = dHW[:, t]  # (3, B, H)
            dhw[:2] = da[:2]
            np.multiply(da[2], r[t], out=dhw[2])  # through the reset gate
            dh_next = np.add.reduce(np.matmul(dhw, W, out=scratch), axis=0)  # (B, H) into h_{t-1}: gates ...
            dh_next += dh_new * z[t]  # ... directly through h' = (1 - z) n + z h ...
            if ended[t]:
                dh_next += (1 - mask[t]) * dh  # ... and carried past the end
            flush_tiny(dh_next, tiny)  # no subnormal numbers (float32)
        return dXW, dHW, dh_next

    def infer(self, XW, active, weights: GateMajorWeights, states=None, positions=None):
        """Forward without caches: XW (3, T, B, H) gate-major, r and z halved, or a (3, U, H) table read
        at ``positions`` -> final states (B, H)."""
        inputs = step_inputs(XW, positions)
        B, H = inputs.batch, XW.shape[-1]
        h = np.zeros((B, H), dtype=XW.dtype)
        hW = np.empty((3, B, H), dtype=XW.dtype)  # (3, B, H) recurrent products, becoming the gates
        for t, n in enumerate(active):
            a, x = hW[:, :n], inputs(t, n)  # (3, n, H) each
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
# LSTM (PyTorch's gates i, f, g, o; computed gate-major in the order o, i, f, g):
#   c' = f ⊙ c + i ⊙ g      h' = o ⊙ tanh(c')
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LSTMCache:
    X: np.ndarray | None  # (T, B, D)
    mask: np.ndarray  # (T, B, 1)
    Hs: np.ndarray  # (T + 1, B, H)
    Cs: np.ndarray  # (T + 1, B, H) carried cell states
    gates: np.ndarray  # (4, T, B, H) o, i, f, g after their nonlinearities, gate-major
    tanh_c: np.ndarray  # (T, B, H) tanh of the new cell state
    weights: LayerWeights


class LSTMCell(GateMajorCell):
    """Long short-term memory (Hochreiter & Schmidhuber 1997; forget gate of Gers et al. 2000).

    Gate-major order o, i, f, g: the three sigmoid gates are one block (one affine map after the
    shared tanh), and the three gates whose gradient is dc' times a local derivative are one block."""

    gates = 4
    order, halved = (3, 0, 1, 2), (True, True, True, False)

    def forward_gate_major(self, XW, X, mask, weights: LayerWeights, layout: GateMajorWeights, h0):
        """forward with the projection given gate-major, XW (4, T, B, H) o, i, f halved, overwritten."""
        _, T, B, H = XW.shape
        gates = XW  # (4, T, B, H) the input projections, becoming the gates
        Hs = np.empty((T + 1, B, H), dtype=XW.dtype)
        Cs = np.empty((T + 1, B, H), dtype=XW.dtype)
        tanh_c = np.empty((T, B, H), dtype=XW.dtype)
        hW = np.empty((4, B, H), dtype=XW.dtype)  # scratch for the recurrent products
        ig = np.empty((B, H), dtype=XW.dtype)  # scratch
        ended = steps_past_an_end(mask)
        Hs[0] = h = h0
        Cs[0] = c = np.zeros_like(h0)
        for t in range(T):
            a = gates[:, t]  # (4, B, H) the input projections, becoming the pre-activations ...
            a += np.matmul(h, layout.weight_hh, out=hW)  # ... plus one matmul per gate
            np.tanh(a, out=a)  # tanh of every gate at once ...
            sigmoid_gates = a[:3]
            sigmoid_gates *= 0.5
            sigmoid_gates += 0.5  # ... and σ = (1 + tanh(a / 2)) / 2 for o, i, f
            o, i, f, g = a
            c_new = np.multiply(f, c, out=Cs[t + 1])  # (B, H) c' = f c ...
            c_new += np.multiply(i, g, out=ig)  # ... + i g
            h_new = np.multiply(o, np.tanh(c_new, out=tanh_c[t]), out=Hs[t + 1])  # (B, H) h' = o tanh(c')
            if ended[t]:  # past a review's end the old states are carried instead
                np.copyto(c_new, c, where=mask[t] == 0)
                np.copyto(h_new, h, where=mask[t] == 0)
            c, h = c_new, h_new
        return Hs, LSTMCache(X, mask, Hs, Cs, gates, tanh_c, weights)

    def backward_gates(self, dHs, cache: LSTMCache, state_grads=None):
        """BPTT to the pre-activations: -> (dA, dA, dh0), dA (4, T, B, H) gate-major o, i, f, g."""
        T, B, H = dHs.shape
        mask, tanh_c = cache.mask, cache.tanh_c
        W = recurrent_blocks(cache.weights.weight_hh, self.order)  # (4, H, H)
        ended = steps_past_an_end(mask)
        o, i, f, g = cache.gates  # (T, B, H) each
        # The local derivatives of every step at once; the loop multiplies in the upstream gradient.
        dA = np.subtract(1, cache.gates)  # (4, T, B, H) into the pre-activations ...
        dA[:3] *= cache.gates[:3]  # ... σ' = s (1 - s) of o, i, f
        dA[0] *= tanh_c  # a_o: ∂h'/∂o · σ'       (times dh')
        dA[1] *= g  # a_i: ∂c'/∂i · σ'       (times dc')
        dA[2] *= cache.Cs[:-1]  # a_f: ∂c'/∂f · σ'  (times dc')
        np.multiply(g, g, out=dA[3])
        np.subtract(1, dA[3], out=dA[3])
        dA[3] *= i  # a_g: ∂c'/∂g · tanh' = i (1 - g²)  (times dc')
        dc_from_h = np.multiply(tanh_c, tanh_c)  # (T, B, H) ∂h'/∂c' = o (1 - tanh²c'), through tanh
        np.subtract(1, dc_from_h, out=dc_from_h)
        dc_from_h *= o
        scratch = np.empty((4, B, H), dtype=dHs.dtype)
        dh_next = np.zeros((B, H), dtype=dHs.dtype)
        dc_next = np.zeros((B, H), dtype=dHs.dtype)
        tiny = flush_threshold(dHs.dtype)
        for t in reversed(range(T)):
            dh = dHs[t] + dh_next  # (B, H) into h_t
            if state_grads is not None:
                state_grads[t] = dh  # the whole gradient of the loss with respect to h_t
            dh_new = mask[t] * dh if ended[t] else dh  # through the mask
            dc_new = dh_new * dc_from_h[t]  # (B, H) into c': through h' = o tanh(c') ...
            dc_new += mask[t] * dc_next if ended[t] else dc_next  # ... and from c_{t+1}
            da = dA[:, t]  # (4, B, H)
            da[1:] *= dc_new  # into a_i, a_f, a_g
            da[0] *= dh_new  # into a_o
            dc_prev = dc_new * f[t]  # (B, H) into c_{t-1}: through c' = f c + i g ...
            dh_prev = np.add.reduce(np.matmul(da, W, out=scratch), axis=0)  # (B, H) into h_{t-1}: the gates ...
            if ended[t]:
                dc_prev += (1 - mask[t]) * dc_next  # ... and carried past the end
                dh_prev += (1 - mask[t]) * dh
            flush_tiny(dc_prev, tiny)  # no subnormal numbers (float32)
            flush_tiny(dh_prev, tiny)
            dc_next, dh_next = dc_prev, dh_prev
        return dA, dA, dh_next

    def infer(self, XW, active, weights: GateMajorWeights, states=None, positions=None):
        """Forward without caches: XW (4, T, B, H) gate-major o, i, f, g, the first three halved, or a
        (4, U, H) table read at ``positions`` -> final states (B, H)."""
        inputs = step_inputs(XW, positions)
        B, H = inputs.batch, XW.shape[-1]
        h = np.zeros((B, H), dtype=XW.dtype)
        c = np.zeros((B, H), dtype=XW.dtype)
        a_all = np.empty((4, B, H), dtype=XW.dtype)  # (4, B, H) pre-activations, becoming the gates
        ig_all = np.empty((B, H), dtype=XW.dtype)  # (B, H) scratch
        for t, n in enumerate(active):
            a, ig = a_all[:, :n], ig_all[:n]  # (4, n, H), (n, H)
            np.matmul(h[:n], weights.weight_hh, out=a)  # one matmul per gate
            a += inputs(t, n)
            np.tanh(a, out=a)  # tanh of every gate at once ...
            sigmoid_gates = a[:3]
            sigmoid_gates *= 0.5
            sigmoid_gates += 0.5  # ... and σ = (1 + tanh(a / 2)) / 2 for o, i, f
            o, i, f, g = a
            c_new = c[:n]  # c' = f c + i g, in place
            c_new *= f
            c_new += np.multiply(i, g, out=ig)
            np.tanh(c_new, out=ig)
            np.multiply(o, ig, out=h[:n])  # h' = o tanh(c')
            if states is not None:
                states[t, :n] = h[:n]
        return h
