"""The recurrent cells by name: Elman, GRU and LSTM, each in two forms that compute the same numbers.

* ``sentiment_rnn.nn.gate_major_cells``: the fast cells, which training and prediction run;
* ``sentiment_rnn.nn.reference``: the readable cells, one time step at a time in PyTorch's layout,
  backward written as forward in reverse — the text to learn BPTT from, and the tests' oracle.

Every fast cell runs over a whole padded, time-major sequence:

    forward(X, mask, weights, h0) -> (Hs, cache)
                                       X (T, B, D), mask (T, B, 1) 1 on a review's tokens, Hs (T + 1, B, H)
    forward_words(rows, positions, mask, weights, h0) -> (Hs, cache)
                                       the same when X is rows of a table: rows (U, D) distinct words'
                                       inputs, positions (T, B) each step's row (each word projected once)
    backward(dHs, cache, state_grads=None) -> (dX, grads, dh0)
                                       dHs (T, B, H) gradient into each step's output, dX (T, B, D),
                                       grads a LayerWeights of gradients, dh0 (B, H) into the initial state;
                                       a (T, B, H) ``state_grads`` is filled with dLoss/dh_t (diagnostics)
    backward_words(dHs, cache, rows, positions, state_grads=None) -> (drows (U, D), grads)
    gate_major_weights(weights) -> GateMajorWeights
    infer(XW, active, layout, states=None, positions=None) -> h (B, H)
                                       the prediction pass (``sentiment_rnn.nn.inference``)

``Hs[0]`` is the initial state and ``Hs[t + 1]`` the state after reading step t. Past a review's end
the state is carried unchanged, ``h_t = m_t h_new + (1 - m_t) h_{t-1}``, so ``Hs[T]`` is every
review's state at its last real token.

Weights follow PyTorch's recurrent modules: ``weight_ih (G, D)``, ``weight_hh (G, H)``, ``bias_ih (G,)``,
``bias_hh (G,)`` with G = H (Elman), 3H (GRU: r, z, n) or 4H (LSTM: i, f, g, o).
"""

from __future__ import annotations

from sentiment_rnn.nn.gate_major_cells import ElmanCell, GateMajorCell, GRUCell, LSTMCell
from sentiment_rnn.nn.layout import LayerWeights

__all__ = ["CELLS", "ElmanCell", "GRUCell", "LSTMCell", "LayerWeights", "make_cell"]

CELLS = {"elman": ElmanCell, "gru": GRUCell, "lstm": LSTMCell}


def make_cell(cell: str, activation: str = "tanh") -> GateMajorCell:
    """Build a cell from its registry name; ``activation`` applies to the Elman cell only."""
    if cell not in CELLS:
        raise ValueError(f"unknown cell {cell!r}; choose one of {sorted(CELLS)}")
    return ElmanCell(activation) if cell == "elman" else CELLS[cell]()
