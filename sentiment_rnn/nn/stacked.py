"""Stacked, optionally bidirectional recurrent layers: the loop over layers and directions, once, for
the training pass (``RNNModel.forward`` / ``backward``) and the prediction pass (``Inference``).

    inputs (T, B, D) in text order
      -> per layer, per direction: outputs = run(layer, d, inputs in the direction's time order)
         the reverse direction (d = 1) reads each review from its last token to its first
      -> outputs of both directions back in text order, side by side: the next layer's inputs
         (T, B, H·dirs), through ``between(layer, outputs)`` (dropout in training)
      -> the top layer's final states, one (B, H) per direction

What runs a direction (which cell pass, which caches) is the caller's; here is only the order of the
work and the time order of the data. ``reverse_index`` (T, B) reverses each review within its length
and leaves padding in place (``batching.reversed_time_index``); it is its own inverse.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["backward_stacked", "run_stacked"]


def _reverse_each(x: np.ndarray, reverse_index: np.ndarray) -> np.ndarray:
    """(T, B, ·) -> each review's steps in reverse order, padding in place (a gathered copy)."""
    return x[reverse_index, np.arange(x.shape[1])[None, :]]


def _side_by_side(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts, axis=-1) if len(parts) > 1 else parts[0]  # (T, B, H·dirs)


def run_stacked(num_layers: int, directions: int, reverse_index: np.ndarray | None,
                run: Callable, between: Callable | None = None, inputs: np.ndarray | None = None) -> list:
    """Run every layer and direction bottom up -> the top layer's final states, one (B, H) per direction.

    ``run(layer, d, x) -> (outputs, final)``: x (T, B, D) the layer's inputs in direction d's time order,
    or None for the first layer when ``inputs`` is None (the caller reads its own first inputs, such as
    word projections); outputs (T, B, H) in that time order (only read below the top layer) and final
    (B, H). ``between(layer, outputs) -> outputs`` is applied to the (T, B, H·dirs) outputs of every
    layer but the top one. ``reverse_index`` may be None with one direction.
    """
    finals = []
    for layer in range(num_layers):
        outputs, finals = [], []
        for d in range(directions):
            reverse = d == 1
            x = None if inputs is None else (_reverse_each(inputs, reverse_index) if reverse else inputs)
            states, final = run(layer, d, x)  # (T, B, H) in the direction's time order, (B, H)
            finals.append(final)
            if layer < num_layers - 1:
                outputs.append(_reverse_each(states, reverse_index) if reverse else states)  # text order
        if layer < num_layers - 1:
            inputs = _side_by_side(outputs)  # (T, B, H·dirs) the next layer's inputs
            if between is not None:
                inputs = between(layer, inputs)
    return finals


def backward_stacked(num_layers: int, directions: int, reverse_index: np.ndarray, dfinals: list,
                     backward: Callable, between: Callable | None = None, inputs_given: bool = True):
    """``run_stacked`` differentiated, top layer first: dfinals, one (B, H) per direction, into the top
    layer's final states -> the gradient into the first layer's inputs, summed over directions.

    ``backward(layer, d, dstates) -> dx``: dstates (T, B, H) into the direction's outputs in its time
    order (the final state is its last step), dx (T, B, D) into its inputs in the same order — or, for
    the first layer when ``inputs_given`` is false, whatever the caller sums over directions (such as
    each word's gradient), returned as it is. ``between(layer, doutputs) -> doutputs`` differentiates
    ``run_stacked``'s ``between``.
    """
    T, B = reverse_index.shape
    doutputs = None  # (T, B, H·dirs) into the layer's outputs, text order; nothing above the top layer
    for layer in reversed(range(num_layers)):
        top = layer == num_layers - 1
        if not top and between is not None:
            doutputs = between(layer, doutputs)
        dinputs = None
        for d in range(directions):
            reverse = d == 1
            if top:  # only the final state reaches the loss: step T of the direction's own order
                H = dfinals[d].shape[1]
                dstates = np.zeros((T, B, H), dtype=dfinals[d].dtype)  # (T, B, H)
                dstates[T - 1] += dfinals[d]
            else:
                H = doutputs.shape[2] // directions
                dstates = doutputs[:, :, d * H:(d + 1) * H]  # (T, B, H) text order
                dstates = _reverse_each(dstates, reverse_index) if reverse else dstates.copy()  # its own order
            dx = backward(layer, d, dstates)
            if reverse and (layer > 0 or inputs_given):
                dx = _reverse_each(dx, reverse_index)  # back to text order
            dinputs = dx if dinputs is None else dinputs + dx
        doutputs = dinputs  # into this layer's inputs = the outputs of the layer below
    return doutputs
