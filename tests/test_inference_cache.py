"""The prediction pass keeps what depends on the weights alone across calls, and never uses it stale."""

import numpy as np
import pytest

from sentiment_rnn.nn import inference
from sentiment_rnn.nn.inference import predict_logits
from sentiment_rnn.nn.model import ModelConfig, RNNModel
from sentiment_rnn.nn.optim import Adam


def _setup(cell, rng):
    model = RNNModel.initialize(ModelConfig(50, 6, 5, num_classes=3, cell=cell, bidirectional=True), rng,
                                dtype=np.float64)
    sequences = [rng.integers(2, 50, size=n) for n in rng.integers(1, 12, size=20)]
    return model, sequences


def _expected(model, sequences):
    from sentiment_rnn.nn.batching import pad_batch

    ids, lengths = pad_batch(sequences)
    return model.forward(ids, lengths)[0]


@pytest.mark.parametrize("cell", ["elman", "gru", "lstm"])
def test_weights_changed_in_place_are_seen_by_the_next_call(cell):
    rng = np.random.default_rng(0)
    model, sequences = _setup(cell, rng)
    np.testing.assert_allclose(predict_logits(model, sequences), _expected(model, sequences), rtol=1e-12, atol=1e-12)
    assert model._inference_cache is not None  # kept for the next call

    model.params["rnn.weight_hh_l0"][0, 0] += 0.5  # a recurrent weight, in place
    np.testing.assert_allclose(predict_logits(model, sequences), _expected(model, sequences), rtol=1e-12, atol=1e-12)

    word = int(sequences[0][0])
    model.params["embedding.weight"][word] += 1.0  # one word's embedding row, in place
    np.testing.assert_allclose(predict_logits(model, sequences), _expected(model, sequences), rtol=1e-12, atol=1e-12)


def test_an_optimizer_step_between_calls_is_seen():
    rng = np.random.default_rng(1)
    model, sequences = _setup("lstm", rng)
    predict_logits(model, sequences)
    optimizer = Adam(model.params, lr=0.1)
    optimizer.step(model.params, {name: np.ones_like(value) for name, value in model.params.items()})
    np.testing.assert_allclose(predict_logits(model, sequences), _expected(model, sequences), rtol=1e-12, atol=1e-12)


def test_a_call_with_new_words_fills_the_table_and_a_large_vocabulary_is_not_kept(monkeypatch):
    rng = np.random.default_rng(2)
    model, sequences = _setup("gru", rng)
    predict_logits(model, sequences[:3])
    assert model._inference_cache.tables is None  # a model predicted once keeps no table (an ensemble's members)
    predict_logits(model, sequences[:3])  # the second call makes it
    filled = model._inference_cache.filled.sum()
    np.testing.assert_allclose(predict_logits(model, sequences), _expected(model, sequences), rtol=1e-12, atol=1e-12)
    assert model._inference_cache.filled.sum() > filled  # the words of the second call were added

    monkeypatch.setattr(inference, "WORD_TABLE_LIMIT", 0)  # no per-vocabulary table: per-call projections
    other, _ = _setup("gru", np.random.default_rng(2))
    for _ in range(2):
        np.testing.assert_allclose(predict_logits(other, sequences), _expected(other, sequences), rtol=1e-12,
                                   atol=1e-12)
    assert other._inference_cache.tables is None
