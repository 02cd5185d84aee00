"""The shortcuts taken for speed give the numbers of the plain formulas they replace."""

import numpy as np
import pytest

from sentiment_rnn.nn.batching import pad_batch
from sentiment_rnn.nn.cells import CELLS, LayerWeights, make_cell
from sentiment_rnn.nn.inference import Inference
from sentiment_rnn.nn.embedding import embedding_grad
from sentiment_rnn.nn.model import ModelConfig, RNNModel
from sentiment_rnn.nn.optim import Adam
from sentiment_rnn.nn.inference import predict_logits


def test_embedding_gradient_by_sorting_equals_add_at():
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 9, size=40)  # (N,) many repeats
    dX = rng.standard_normal((40, 3))  # (N, E)
    grad = embedding_grad(ids, dX, 9)
    expected = np.zeros((9, 3))
    np.add.at(expected, ids, dX)
    np.testing.assert_array_equal(grad.rows, np.unique(ids))
    np.testing.assert_allclose(grad.to_dense(), expected, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_cells_reading_distinct_words_equal_cells_reading_every_position(cell):
    # forward_words projects each distinct row once and gathers; backward_words sums each row's gradient
    rng = np.random.default_rng(2)
    T, B, D, H, U = 5, 3, 4, 6, 7
    unit = make_cell(cell)
    G = unit.gates * H
    weights = LayerWeights(*(rng.standard_normal(shape) for shape in [(G, D), (G, H), (G,), (G,)]))
    rows, h0 = rng.standard_normal((U, D)), np.zeros((B, H))
    positions = np.concatenate([np.arange(U), rng.integers(0, U, size=T * B - U)]).reshape(T, B)  # every row, repeats
    mask = (np.arange(T)[:, None] < np.array([5, 2, 4])[None, :]).astype(float)[:, :, None]  # (T, B, 1)
    Hs, cache = unit.forward(rows[positions], mask, weights, h0)
    Hs_words, cache_words = unit.forward_words(rows, positions, mask, weights, h0)
    np.testing.assert_allclose(Hs_words, Hs, rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(Hs_words[5, 1], Hs_words[2, 1])  # carried unchanged past the end of review 1

    dHs = rng.standard_normal((T, B, H))
    dX, grads, _ = unit.backward(dHs, cache)
    drows, grads_words = unit.backward_words(dHs, cache_words, rows, positions)
    expected = np.zeros_like(rows)
    np.add.at(expected, positions, dX)  # (U, D) each row's positions summed
    np.testing.assert_allclose(drows, expected, rtol=1e-12, atol=1e-12)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        np.testing.assert_allclose(getattr(grads_words, name), getattr(grads, name), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_model_with_and_without_embedding_dropout_path_agree_when_no_unit_is_dropped(cell):
    # embedding_dropout > 0 takes the plain projection; with rate ~0 every unit is kept (scale 1)
    rng = np.random.default_rng(3)
    ids = rng.integers(2, 25, size=(4, 6))
    lengths = np.array([6, 3, 1, 5])
    plain = RNNModel.initialize(ModelConfig(25, 5, 7, cell=cell, dropout=0.0, embedding_dropout=0.0), rng,
                                dtype=np.float64)
    dropout = RNNModel(ModelConfig(25, 5, 7, cell=cell, dropout=0.0, embedding_dropout=1e-12), plain.params)
    fast, _ = plain.forward(ids, lengths, train=True, rng=np.random.default_rng(0))
    slow, _ = dropout.forward(ids, lengths, train=True, rng=np.random.default_rng(0))
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12)


def test_adam_in_place_equals_the_textbook_update():
    rng = np.random.default_rng(4)
    p0, g1, g2 = (rng.standard_normal((3, 4)).astype(np.float32) for _ in range(3))
    params = {"w": p0.copy()}
    optimizer = Adam(params, lr=0.01)
    optimizer.step(params, {"w": g1})
    optimizer.step(params, {"w": g2})
    m = v = np.zeros_like(p0)
    p = p0.copy()
    for t, g in enumerate([g1, g2], start=1):
        m = np.float32(0.9) * m + np.float32(0.1) * g
        v = np.float32(0.999) * v + np.float32(0.001) * (g * g)
        step = 0.01 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        p -= np.float32(step) * m / (np.sqrt(v) + np.float32(1e-8))
    np.testing.assert_array_equal(params["w"], p)


INFERENCE_CONFIGS = [
    (cell, activation, num_layers, bidirectional)
    for cell, activation in [("elman", "tanh"), ("elman", "relu"), ("elman", "sigmoid"), ("gru", "tanh"), ("lstm", "tanh")]
    for num_layers in (1, 2)
    for bidirectional in (False, True)
]


@pytest.mark.parametrize("cell,activation,num_layers,bidirectional", INFERENCE_CONFIGS)
def test_prediction_pass_equals_the_training_forward_pass(cell, activation, num_layers, bidirectional):
    # gate-major layout, halved sigmoid gates, a sorted shrinking batch: the same logits in float64
    rng = np.random.default_rng(4)
    config = ModelConfig(40, 5, 6, num_classes=3, cell=cell, activation=activation, num_layers=num_layers,
                         bidirectional=bidirectional)
    model = RNNModel.initialize(config, rng, dtype=np.float64)
    lengths = np.array([3, 9, 1, 9, 0, 5, 2])  # unsorted, ties, a one-word and an empty review
    ids = rng.integers(2, 40, size=(7, 9)) * (np.arange(9)[None, :] < lengths[:, None])  # (B, T) zero-padded
    expected = model.forward(ids, lengths)[0]
    np.testing.assert_allclose(model.logits(ids, lengths), expected, rtol=1e-12, atol=1e-12)
    words = np.unique(np.concatenate([ids.ravel(), rng.integers(0, 40, size=20)]))  # a call's wider vocabulary
    np.testing.assert_allclose(Inference(model, words).logits(ids, lengths), expected, rtol=1e-12, atol=1e-12)


def test_prediction_in_float32_matches_the_forward_pass_and_stays_float32():
    rng = np.random.default_rng(5)
    model = RNNModel.initialize(ModelConfig(60, 16, 32, cell="lstm"), rng)  # float32
    sequences = [rng.integers(2, 60, size=n) for n in rng.integers(1, 30, size=50)]
    ids, lengths = pad_batch(sequences)
    logits = predict_logits(model, sequences, batch_size=8)
    assert logits.dtype == np.float32
    np.testing.assert_allclose(logits, model.forward(ids, lengths)[0], rtol=1e-5, atol=1e-6)
