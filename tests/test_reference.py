"""The readable cells are right, and the fast ones compute exactly what they do.

First the reference (``nn/reference.py``, ``nn/reference_network.py``) is proven against centred finite
differences in float64; then it serves as the oracle: the fast cells (``nn/cells.py``), the training
network (``RNNModel.forward``/``backward``) and the prediction pass (``RNNModel.logits``) agree with
it to 1e-12 in float64, for the outputs and every gradient — every cell and activation, stacked,
bidirectional, variable lengths down to one token, dropout off.
"""

import ast
from pathlib import Path

import numpy as np
import pytest

import sentiment_rnn.nn.reference as reference_module

from sentiment_rnn.nn.cells import make_cell
from sentiment_rnn.nn.functional import cross_entropy
from sentiment_rnn.nn.gradcheck import check_gradients, numerical_gradient, relative_error
from sentiment_rnn.nn.layout import LayerWeights
from sentiment_rnn.nn.model import ModelConfig, RNNModel
from sentiment_rnn.nn.reference import layer_backward, layer_forward, make_reference_cell
from sentiment_rnn.nn.reference_network import reference_backward, reference_forward, reference_loss_and_grads

EXACT = 1e-12  # fast vs reference, float64: the same arithmetic up to rounding order
GRADCHECK = 1e-7  # reference vs finite differences (relative error)

CELLS = [("elman", "tanh"), ("elman", "relu"), ("elman", "sigmoid"), ("gru", "tanh"), ("lstm", "tanh")]
NETWORKS = [  # cell, activation, num_layers, bidirectional
    *[(cell, activation, 1, False) for cell, activation in CELLS],
    *[(cell, activation, 2, False) for cell, activation in CELLS],
    *[(cell, activation, 1, True) for cell, activation in CELLS],
    *[(cell, activation, 2, True) for cell, activation in CELLS],
]
LENGTHS = np.array([6, 1, 3, 6, 2])  # variable, one of length 1, two reaching the padded length


def _mask(lengths, T):
    return (np.arange(T)[:, None] < lengths[None, :]).astype(np.float64)[:, :, None]  # (T, B, 1)


def _layer_weights(rng, gates, D, H):
    return LayerWeights(0.5 * rng.standard_normal((gates * H, D)), 0.5 * rng.standard_normal((gates * H, H)),
                        0.3 * rng.standard_normal(gates * H), 0.3 * rng.standard_normal(gates * H))


def _model(cell, activation, num_layers, bidirectional, rng, embedding_dim=4, hidden_size=5):
    config = ModelConfig(vocab_size=9, embedding_dim=embedding_dim, hidden_size=hidden_size, num_classes=3,
                         cell=cell, activation=activation, num_layers=num_layers, bidirectional=bidirectional,
                         dropout=0.0, embedding_dropout=0.0)
    model = RNNModel.initialize(config, rng, dtype=np.float64)
    for value in model.params.values():  # off the symmetric start (zero biases): every path live
        value += 0.3 * rng.standard_normal(value.shape)
    return model


def _batch(rng, lengths=LENGTHS, vocab_size=9):
    T = int(lengths.max())
    ids = rng.integers(2, vocab_size, size=(len(lengths), T))  # (B, T)
    ids[np.arange(T)[None, :] >= lengths[:, None]] = 0  # padding
    return ids, lengths


def _max_difference(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


# --- the reference is right -----------------------------------------------------------------------


@pytest.mark.parametrize("cell,activation", CELLS)
def test_reference_layer_matches_finite_differences(cell, activation):
    rng = np.random.default_rng(1)
    T, B, D, H = 6, len(LENGTHS), 3, 4
    reference = make_reference_cell(cell, activation)
    weights = _layer_weights(rng, reference.gates, D, H)
    X = rng.standard_normal((T, B, D))
    mask = _mask(LENGTHS, T)
    dHs = rng.standard_normal((T, B, H))  # loss = Σ dHs ⊙ Hs[1:], a random weighted sum of every output

    def loss():
        return float((layer_forward(reference, X, mask, weights)[0][1:] * dHs).sum())

    _, cache = layer_forward(reference, X, mask, weights)
    dX, grads = layer_backward(dHs, cache)
    assert relative_error(dX, numerical_gradient(loss, X)) < GRADCHECK
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        error = relative_error(getattr(grads, name), numerical_gradient(loss, getattr(weights, name)))
        assert error < GRADCHECK, f"{name}: relative error {error:.2e}"


@pytest.mark.parametrize("cell,activation,num_layers,bidirectional",
                         [(c, a, 2, True) for c, a in CELLS] + [("lstm", "tanh", 1, False)])
def test_reference_network_matches_finite_differences(cell, activation, num_layers, bidirectional):
    rng = np.random.default_rng(2)
    params = _model(cell, activation, num_layers, bidirectional, rng, embedding_dim=2, hidden_size=3).params
    ids, lengths = _batch(rng, np.array([4, 1, 2]))
    targets = rng.integers(0, 3, size=len(lengths))
    _, grads = reference_loss_and_grads(params, ids, lengths, targets, cell, activation)
    errors = check_gradients(
        lambda: reference_loss_and_grads(params, ids, lengths, targets, cell, activation)[0], params, grads)
    assert set(errors) == set(params)
    worst = max(errors, key=errors.get)
    assert errors[worst] < GRADCHECK, f"{worst}: relative error {errors[worst]:.2e}"


def test_reference_padding_changes_nothing():
    # a review padded to a longer batch gives the logits it gives alone
    rng = np.random.default_rng(3)
    params = _model("lstm", "tanh", 2, True, rng).params
    ids, lengths = _batch(rng)
    logits, _ = reference_forward(params, ids, lengths, "lstm")
    alone, _ = reference_forward(params, ids[1:2, :1], lengths[1:2], "lstm")
    np.testing.assert_allclose(alone[0], logits[1], rtol=0, atol=EXACT)


# --- the fast code computes what the reference does -----------------------------------------------


@pytest.mark.parametrize("cell,activation", CELLS)
def test_fast_cell_equals_reference(cell, activation):
    rng = np.random.default_rng(4)
    T, B, D, H = 6, len(LENGTHS), 3, 4
    fast, reference = make_cell(cell, activation), make_reference_cell(cell, activation)
    weights = _layer_weights(rng, reference.gates, D, H)
    X = rng.standard_normal((T, B, D))
    mask = _mask(LENGTHS, T)
    dHs = rng.standard_normal((T, B, H))

    Hs, reference_cache = layer_forward(reference, X, mask, weights)
    fast_Hs, fast_cache = fast.forward(X, mask, weights, np.zeros((B, H)))
    assert _max_difference(fast_Hs, Hs) < EXACT

    dX, grads = layer_backward(dHs, reference_cache)
    fast_dX, fast_grads, _ = fast.backward(dHs, fast_cache)
    assert _max_difference(fast_dX, dX) < EXACT
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        assert _max_difference(getattr(fast_grads, name), getattr(grads, name)) < EXACT, name


@pytest.mark.parametrize("cell,activation,num_layers,bidirectional", NETWORKS)
def test_fast_network_equals_reference(cell, activation, num_layers, bidirectional):
    rng = np.random.default_rng(5)
    model = _model(cell, activation, num_layers, bidirectional, rng)
    ids, lengths = _batch(rng)
    targets = rng.integers(0, 3, size=len(lengths))

    logits, reference_cache = reference_forward(model.params, ids, lengths, cell, activation)
    _, dlogits = cross_entropy(logits, targets)
    grads = reference_backward(dlogits, reference_cache)

    fast_logits, fast_cache = model.forward(ids, lengths)  # the training pass
    assert _max_difference(fast_logits, logits) < EXACT
    assert _max_difference(model.logits(ids, lengths), logits) < EXACT  # the prediction pass
    fast_grads = model.backward(dlogits, fast_cache)
    assert set(fast_grads) == set(grads) == set(model.params)
    for name in grads:
        assert _max_difference(fast_grads[name], grads[name]) < EXACT, name


@pytest.mark.parametrize("cell", ["elman", "gru", "lstm"])
def test_fast_network_with_embedding_rows_summed_sparsely_equals_reference(cell):
    # the sparse embedding gradient (rows of the batch's words) holds the reference's dense rows
    rng = np.random.default_rng(6)
    model = _model(cell, "tanh", 1, True, rng)
    ids, lengths = _batch(rng, np.array([1, 4, 4, 2]))
    targets = rng.integers(0, 3, size=len(lengths))
    _, grads = reference_loss_and_grads(model.params, ids, lengths, targets, cell)
    _, fast_grads = model.loss_and_grads(ids, lengths, targets, sparse_embedding=True)
    sparse = fast_grads["embedding.weight"]
    assert _max_difference(sparse.to_dense(), grads["embedding.weight"]) < EXACT
    untouched = np.setdiff1d(np.arange(model.config.vocab_size), sparse.rows)
    assert not grads["embedding.weight"][untouched].any()  # the rows left out have no gradient


def test_the_oracle_shares_no_code_with_what_it_checks():
    # the reference may use the weight container, the activations, the padding index and the loss,
    # never the fast cells, their layouts or the drivers it is compared with
    allowed = {"sentiment_rnn.nn.batching", "sentiment_rnn.nn.functional", "sentiment_rnn.nn.layout",
               "sentiment_rnn.nn.reference"}
    for name in ("reference.py", "reference_network.py"):
        tree = ast.parse((Path(reference_module.__file__).parent / name).read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        package = {module for module in imported if module.startswith("sentiment_rnn")}
        assert package <= allowed, f"{name} imports {sorted(package - allowed)}"
        layout_names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                        and node.module == "sentiment_rnn.nn.layout" for alias in node.names}
        assert layout_names <= {"LayerWeights"}, f"{name} uses the fast layouts: {sorted(layout_names)}"
