"""Behaviour of the network: padding changes nothing, a fresh model is uncertain, it can learn."""

import numpy as np
import pytest

from sentiment_rnn.nn.batching import pad_batch
from sentiment_rnn.nn.functional import cross_entropy
from sentiment_rnn.nn.model import ModelConfig, RNNModel, param_shapes
from sentiment_rnn.nn.optim import Adam

CELLS = [("elman", "tanh"), ("elman", "relu"), ("gru", "tanh"), ("lstm", "tanh")]


def _reviews(rng, n, vocab_size, max_len):
    return [rng.integers(2, vocab_size, size=rng.integers(1, max_len + 1)) for _ in range(n)]


@pytest.mark.parametrize("cell,activation", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_padded_batch_equals_each_review_alone(cell, activation, bidirectional):
    rng = np.random.default_rng(0)
    config = ModelConfig(vocab_size=20, embedding_dim=5, hidden_size=6, cell=cell, activation=activation,
                         num_layers=2, bidirectional=bidirectional)
    model = RNNModel.initialize(config, rng, dtype=np.float64)
    reviews = _reviews(rng, 6, 20, 9)
    targets = rng.integers(0, 2, size=6)
    ids, lengths = pad_batch(reviews)
    logits, cache = model.forward(ids, lengths)
    _, dlogits = cross_entropy(logits, targets)
    batch_grads = model.backward(dlogits * len(reviews), cache)  # sum of per-review losses

    summed = {name: np.zeros(shape) for name, shape in param_shapes(config).items()}
    for row, review in enumerate(reviews):
        single_ids, single_lengths = pad_batch([review])
        single_logits, single_cache = model.forward(single_ids, single_lengths)
        np.testing.assert_allclose(single_logits[0], logits[row], rtol=1e-12, atol=1e-12)
        _, single_dlogits = cross_entropy(single_logits, targets[row : row + 1])
        for name, grad in model.backward(single_dlogits, single_cache).items():
            summed[name] += grad
    for name in summed:
        np.testing.assert_allclose(batch_grads[name], summed[name], rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("cell,activation", CELLS)
@pytest.mark.parametrize("num_classes", [2, 5])
def test_fresh_model_loss_is_close_to_log_C(cell, activation, num_classes):
    rng = np.random.default_rng(1)
    config = ModelConfig(vocab_size=500, embedding_dim=32, hidden_size=32, num_classes=num_classes,
                         cell=cell, activation=activation)
    model = RNNModel.initialize(config, rng)
    ids, lengths = pad_batch(_reviews(rng, 256, 500, 30))
    loss, _ = cross_entropy(model.logits(ids, lengths), rng.integers(0, num_classes, 256))
    assert abs(loss - np.log(num_classes)) < 0.1 * np.log(num_classes)


def test_float32_model_stays_float32():
    rng = np.random.default_rng(2)
    model = RNNModel.initialize(ModelConfig(vocab_size=30, embedding_dim=4, hidden_size=5, cell="lstm"), rng)
    ids, lengths = pad_batch(_reviews(rng, 3, 30, 6))
    _loss, grads = model.loss_and_grads(ids, lengths, np.array([0, 1, 0]))
    assert model.logits(ids, lengths).dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.values())


@pytest.mark.parametrize("cell,activation", CELLS)
def test_small_model_overfits_twenty_reviews(cell, activation):
    rng = np.random.default_rng(3)
    config = ModelConfig(vocab_size=50, embedding_dim=16, hidden_size=16, cell=cell, activation=activation)
    model = RNNModel.initialize(config, rng)
    reviews = _reviews(rng, 20, 50, 12)
    targets = np.array([0, 1] * 10)
    ids, lengths = pad_batch(reviews)
    optimizer = Adam(model.params, lr=0.02)
    for _ in range(300):
        loss, grads = model.loss_and_grads(ids, lengths, targets)
        optimizer.step(model.params, grads)
    accuracy = (model.logits(ids, lengths).argmax(axis=1) == targets).mean()
    assert accuracy == 1.0, f"loss {loss:.3f}"


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="unknown cell"):
        ModelConfig(vocab_size=10, cell="transformer")
    with pytest.raises(ValueError, match="activation"):
        ModelConfig(vocab_size=10, cell="elman", activation="gelu")
    with pytest.raises(ValueError, match="dropout"):
        ModelConfig(vocab_size=10, dropout=1.0)


def test_parameters_follow_pytorch_names_and_shapes():
    config = ModelConfig(vocab_size=10, embedding_dim=3, hidden_size=4, cell="lstm", num_layers=2, bidirectional=True)
    shapes = param_shapes(config)
    assert shapes["embedding.weight"] == (10, 3)
    assert shapes["rnn.weight_ih_l0"] == (16, 3)
    assert shapes["rnn.weight_ih_l1_reverse"] == (16, 8)
    assert shapes["rnn.weight_hh_l1"] == (16, 4)
    assert shapes["fc.weight"] == (2, 8)
    params = RNNModel.initialize(config, np.random.default_rng(0)).params
    np.testing.assert_array_equal(params["rnn.bias_hh_l0"][4:8], 1.0)  # LSTM forget gate bias
    W = params["rnn.weight_hh_l0"][:4].astype(np.float64)
    np.testing.assert_allclose(W @ W.T, np.eye(4), atol=1e-6)  # orthogonal recurrent blocks
