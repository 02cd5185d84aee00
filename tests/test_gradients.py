"""Gradients proven first: centred finite differences in float64 for every parameter of every cell,
nonlinearity, stacked and bidirectional network, with dropout, against a relative-error bound."""

import numpy as np
import pytest

from sentiment_rnn.nn.functional import cross_entropy
from sentiment_rnn.nn.gradcheck import check_gradients, numerical_gradient, relative_error
from sentiment_rnn.nn.model import ModelConfig, RNNModel

TOLERANCE = 1e-6

CONFIGS = [
    # cell, activation, num_layers, bidirectional
    ("elman", "tanh", 1, False),
    ("elman", "relu", 1, False),
    ("elman", "sigmoid", 1, False),
    ("gru", "tanh", 1, False),
    ("lstm", "tanh", 1, False),
    ("elman", "tanh", 2, True),
    ("elman", "relu", 2, False),
    ("gru", "tanh", 2, True),
    ("lstm", "tanh", 2, True),
]


def _tiny_model(cell, activation, num_layers, bidirectional, rng, **extra):
    config = ModelConfig(
        vocab_size=7, embedding_dim=3, hidden_size=4, num_classes=3, cell=cell, activation=activation,
        num_layers=num_layers, bidirectional=bidirectional, **extra,
    )
    model = RNNModel.initialize(config, rng, dtype=np.float64)
    for value in model.params.values():  # move off the symmetric start (zero biases) so every path is live
        value += 0.3 * rng.standard_normal(value.shape)
    return model


def _padded_batch(rng):
    lengths = np.array([5, 2, 3, 1])
    ids = rng.integers(2, 7, size=(4, 5))
    ids[np.arange(5)[None, :] >= lengths[:, None]] = 0
    return ids, lengths


@pytest.mark.parametrize("cell,activation,num_layers,bidirectional", CONFIGS)
def test_every_parameter_matches_finite_differences(cell, activation, num_layers, bidirectional):
    rng = np.random.default_rng(42)
    model = _tiny_model(cell, activation, num_layers, bidirectional, rng)
    ids, lengths = _padded_batch(rng)
    weights = rng.standard_normal((4, 3))  # a random weighted sum of all outputs as the test loss

    def loss():
        return float((model.forward(ids, lengths)[0] * weights).sum())

    _, cache = model.forward(ids, lengths)
    grads = model.backward(weights, cache)
    errors = check_gradients(loss, model.params, grads)
    assert set(errors) == set(model.params)
    worst = max(errors, key=errors.get)
    assert errors[worst] < TOLERANCE, f"{worst}: relative error {errors[worst]:.2e}"


@pytest.mark.parametrize("cell", ["elman", "gru", "lstm"])
def test_cross_entropy_gradients_with_dropout(cell):
    rng = np.random.default_rng(7)
    model = _tiny_model(cell, "tanh", 2, True, rng, dropout=0.3, embedding_dropout=0.2)
    ids, lengths = _padded_batch(rng)
    targets = np.array([0, 2, 1, 1])

    def loss():  # the same dropout masks on every call
        logits, _ = model.forward(ids, lengths, train=True, rng=np.random.default_rng(3))
        return cross_entropy(logits, targets)[0]

    _, grads = model.loss_and_grads(ids, lengths, targets, train=True, rng=np.random.default_rng(3))
    errors = check_gradients(loss, model.params, grads)
    assert max(errors.values()) < TOLERANCE, errors


def test_cross_entropy_with_target_probabilities_matches_finite_differences():
    rng = np.random.default_rng(8)
    model = _tiny_model("lstm", "tanh", 1, False, rng)
    ids, lengths = _padded_batch(rng)
    targets = rng.dirichlet(np.ones(3), size=4)  # (B, C) soft targets, as a teacher gives

    def loss():
        return cross_entropy(model.forward(ids, lengths)[0], targets)[0]

    _, grads = model.loss_and_grads(ids, lengths, targets)
    errors = check_gradients(loss, model.params, grads)
    assert max(errors.values()) < TOLERANCE, errors


def test_sparse_embedding_gradient_equals_dense():
    rng = np.random.default_rng(1)
    model = _tiny_model("gru", "tanh", 1, False, rng)
    ids, lengths = _padded_batch(rng)
    targets = np.array([0, 1, 2, 0])
    _, dense = model.loss_and_grads(ids, lengths, targets)
    _, sparse = model.loss_and_grads(ids, lengths, targets, sparse_embedding=True)
    np.testing.assert_array_equal(sparse["embedding.weight"].to_dense(), dense["embedding.weight"])
    # only rows of words in the batch (and the padding row) can be non-zero
    seen = set(ids.ravel().tolist())
    assert set(sparse["embedding.weight"].rows.tolist()) == seen


def test_relative_error_detects_a_wrong_gradient():
    x = np.array([1.0, -2.0, 3.0])
    numerical = numerical_gradient(lambda: float((x**2).sum()), x)
    np.testing.assert_allclose(numerical, 2 * x, rtol=1e-8)
    assert relative_error(2 * x, numerical) < 1e-9
    assert relative_error(2 * x + np.array([0.0, 0.0, 1e-3]), numerical) > 1e-5
