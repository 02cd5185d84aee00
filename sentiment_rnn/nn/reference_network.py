"""The many-to-one network written to be read, built from the reference cells (``nn/reference.py``).

    ids (B, T), lengths (B,)
      -> X = embedding.weight[ids]                                  (T, B, E)   time-major
      -> per layer, per direction: Hs = layer_forward(cell, X, mask) (T + 1, B, H)
         the reverse direction reads each review from its last token to its first
      -> outputs of both directions side by side, the next layer's X (T, B, H·dirs)
      -> features = last state of each direction of the top layer   (B, H·dirs)
      -> logits = features fc.weight^T + fc.bias                    (B, C)
      -> mean softmax cross-entropy against the targets

Parameters and gradients are one flat dict under the project's keys (``embedding.weight``,
``rnn.weight_ih_l0``, ``rnn.weight_hh_l1_reverse``, ``fc.weight`` ...), so the fast ``RNNModel``'s
gradients compare to these one to one (``tests/test_reference.py``). No dropout: it is the
deterministic network the fast one computes with dropout off.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sentiment_rnn.nn.batching import reversed_time_index
from sentiment_rnn.nn.functional import cross_entropy
from sentiment_rnn.nn.layout import LayerWeights
from sentiment_rnn.nn.reference import layer_backward, layer_forward, make_reference_cell

__all__ = ["NetworkCache", "reference_backward", "reference_forward", "reference_loss_and_grads"]


@dataclass(frozen=True)
class NetworkCache:
    params: dict  # the parameters the forward pass read
    ids: np.ndarray  # (T, B) time-major word ids
    reverse_index: np.ndarray  # (T, B) each review reversed within its length, padding in place
    layers: tuple  # per layer, per direction: the LayerCache
    features: np.ndarray  # (B, H·dirs) the top layer's last states


_WEIGHT_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")  # a LayerWeights' fields, in order


def _suffixes(params: dict) -> tuple[str, ...]:
    return ("", "_reverse") if "rnn.weight_ih_l0_reverse" in params else ("",)


def _num_layers(params: dict) -> int:
    return sum(1 for name in params if name.startswith("rnn.weight_ih_l") and not name.endswith("_reverse"))


def _layer_weights(params: dict, layer: int, suffix: str) -> LayerWeights:
    return LayerWeights(*(params[f"rnn.{name}_l{layer}{suffix}"] for name in _WEIGHT_NAMES))


def _reverse_each(X: np.ndarray, reverse_index: np.ndarray) -> np.ndarray:
    """Each review's steps in reverse order, padding in place: (T, B, ·) -> (T, B, ·); its own inverse."""
    return X[reverse_index, np.arange(X.shape[1])[None, :]]


def reference_forward(params: dict, ids: np.ndarray, lengths: np.ndarray, cell: str,
                      activation: str = "tanh") -> tuple[np.ndarray, NetworkCache]:
    """ids (B, T) padded word ids, lengths (B,) >= 1 -> (logits (B, C), cache)."""
    cell_ = make_reference_cell(cell, activation)
    ids = np.asarray(ids).T  # (T, B) time-major
    lengths = np.asarray(lengths)
    T = ids.shape[0]
    dtype = params["fc.weight"].dtype
    mask = (np.arange(T)[:, None] < lengths[None, :]).astype(dtype)[:, :, None]  # (T, B, 1)
    reverse_index = reversed_time_index(lengths, T)  # (T, B)

    X = params["embedding.weight"][ids]  # (T, B, E) one-hot times a matrix is a row gather
    layers = []
    for layer in range(_num_layers(params)):
        outputs, finals, caches = [], [], []
        for suffix in _suffixes(params):
            weights = _layer_weights(params, layer, suffix)
            reverse = suffix == "_reverse"
            Hs, cache = layer_forward(cell_, _reverse_each(X, reverse_index) if reverse else X, mask, weights)
            outputs.append(_reverse_each(Hs[1:], reverse_index) if reverse else Hs[1:])  # (T, B, H) text order
            finals.append(Hs[T])  # (B, H) the state after the review's last token read
            caches.append(cache)
        X = np.concatenate(outputs, axis=-1)  # (T, B, H·dirs) the next layer's inputs
        layers.append(tuple(caches))

    features = np.concatenate(finals, axis=-1)  # (B, H·dirs) the top layer's last states
    logits = features @ params["fc.weight"].T + params["fc.bias"]  # (B, C)
    return logits, NetworkCache(params, ids, reverse_index, tuple(layers), features)


def reference_backward(dlogits: np.ndarray, cache: NetworkCache) -> dict[str, np.ndarray]:
    """dlogits (B, C) -> the gradient of every parameter, keyed like the parameters."""
    params = cache.params
    grads: dict[str, np.ndarray] = {}
    T, B = cache.ids.shape
    H = params["rnn.weight_hh_l0"].shape[1]
    suffixes = _suffixes(params)

    # logits = features fc.weight^T + fc.bias
    grads["fc.weight"] = dlogits.T @ cache.features  # (C, H·dirs)
    grads["fc.bias"] = dlogits.sum(axis=0)  # (C,)
    dfeatures = dlogits @ params["fc.weight"]  # (B, H·dirs)

    dX = None  # (T, B, H·dirs) into the layer above's inputs = this layer's outputs, text order
    for layer in reversed(range(len(cache.layers))):
        dinputs = 0.0
        for d, suffix in enumerate(suffixes):
            reverse = suffix == "_reverse"
            dHs = np.zeros((T, B, H), dtype=dlogits.dtype) if dX is None else dX[:, :, d * H:(d + 1) * H]
            # outputs = Hs[1:] (reversed back for the reverse direction)
            dHs = _reverse_each(dHs, cache.reverse_index) if reverse else dHs.copy()  # (T, B, H) cell order
            if dX is None:  # features = Hs[T] of each direction of the top layer
                dHs[T - 1] += dfeatures[:, d * H:(d + 1) * H]
            # Hs = layer_forward(cell, X, mask, weights)
            dx, layer_grads = layer_backward(dHs, cache.layers[layer][d])  # (T, B, D)
            dinputs = dinputs + (_reverse_each(dx, cache.reverse_index) if reverse else dx)  # text order
            for name in _WEIGHT_NAMES:
                grads[f"rnn.{name}_l{layer}{suffix}"] = getattr(layer_grads, name)
        dX = dinputs  # (T, B, D)

    # X = embedding.weight[ids]: each position adds its gradient to its word's row
    dembedding = np.zeros_like(params["embedding.weight"])  # (V, E)
    np.add.at(dembedding, cache.ids, dX)
    grads["embedding.weight"] = dembedding
    return grads


def reference_loss_and_grads(params: dict, ids, lengths, targets, cell: str, activation: str = "tanh"):
    """Mean cross-entropy of the batch against targets (B,) and the gradient of every parameter."""
    logits, cache = reference_forward(params, ids, lengths, cell, activation)
    loss, dlogits = cross_entropy(logits, np.asarray(targets))  # dlogits (B, C)
    return loss, reference_backward(dlogits, cache)
