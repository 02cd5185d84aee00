"""The language model's math, proven before any training: finite differences of every parameter through the
sampled and the full softmax, and truncated BPTT's carried state equal to reading the stream at once."""

import numpy as np
import pytest

from sentiment_rnn.nn.gradcheck import check_gradients
from sentiment_rnn.nn.language_model import LanguageModel, LMConfig
from sentiment_rnn.nn.sampled_softmax import Samples, draw_samples, log_expected_count, sampled_softmax_loss

V = 23


def tiny_model(cell, tied=False, num_layers=2, dropout=0.3):
    H = 5
    config = LMConfig(vocab_size=V, embedding_dim=H if tied else 4, hidden_size=H, cell=cell, num_layers=num_layers,
                      dropout=dropout, embedding_dropout=dropout, tied=tied)
    return LanguageModel.initialize(config, np.random.default_rng(0), dtype=np.float64)


def random_state(model, B, rng):
    return tuple(tuple(0.5 * rng.standard_normal(a.shape) for a in layer) for layer in model.zero_state(B))


def gradient_errors(model, samples):
    rng = np.random.default_rng(1)
    inputs, targets = rng.integers(1, V, (3, 6)), rng.integers(1, V, (3, 6))
    targets[0, 0] = samples.ids[0] if samples is not None else targets[0, 0]  # an accidental hit
    state = random_state(model, 3, rng)  # a carried state, as after an earlier segment

    def loss(seed=7):
        return model.loss_and_grads(inputs, targets, state, samples, train=True, rng=np.random.default_rng(seed))

    _, grads, _ = loss()
    return check_gradients(lambda: loss()[0], model.params, grads)


@pytest.mark.parametrize("cell", ["elman", "gru", "lstm"])
@pytest.mark.parametrize("tied", [False, True])
def test_every_parameter_by_finite_differences_through_the_sampled_softmax(cell, tied):
    model = tiny_model(cell, tied)
    samples = draw_samples(np.random.default_rng(2), V, 8)  # fixed for the check
    errors = gradient_errors(model, samples)
    assert set(errors) == set(model.params)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_every_parameter_by_finite_differences_through_the_full_softmax(cell):
    model = tiny_model(cell)
    errors = gradient_errors(model, None)
    assert max(errors.values()) < 1e-7, errors


def test_an_accidental_hit_takes_no_probability():
    rng = np.random.default_rng(3)
    h, W, b = rng.standard_normal((2, 4)), rng.standard_normal((V, 4)), rng.standard_normal(V)
    y = np.array([5, 6])
    ids = np.array([5, 9, 5])
    loss_with_hits, *_ = sampled_softmax_loss(h, y, W, b, Samples(ids, log_expected_count(ids, V, 3)))
    # row 0 sees only sample 9 besides its own word (both 5s are hits); row 1 sees all three
    z0 = np.array([h[0] @ W[5] + b[5], h[0] @ W[9] + b[9]]) - log_expected_count(np.array([5, 9]), V, 3)
    z1 = np.r_[h[1] @ W[6] + b[6], h[1] @ W[ids].T + b[ids]] - log_expected_count(np.r_[6, ids], V, 3)
    expected = -np.mean([z0[0] - np.log(np.exp(z0).sum()), z1[0] - np.log(np.exp(z1).sum())])
    assert loss_with_hits == pytest.approx(expected, rel=1e-12)


def test_log_uniform_samples_follow_their_proposal():
    samples = draw_samples(np.random.default_rng(4), 6, 200_000)
    assert samples.ids.min() >= 1 and samples.ids.max() <= 5  # never padding
    frequencies = np.bincount(samples.ids, minlength=6)[1:] / 200_000
    assert np.allclose(frequencies, np.exp(log_expected_count(np.arange(1, 6), 6, 1)), atol=0.005)


@pytest.mark.parametrize("cell", ["elman", "gru", "lstm"])
def test_segments_with_the_carried_state_read_the_stream_as_a_whole(cell):
    model = tiny_model(cell, dropout=0.0)
    rng = np.random.default_rng(5)
    stream = rng.integers(1, V, (3, 13))  # three streams of 13 words
    inputs, targets = stream[:, :-1], stream[:, 1:]
    whole, _, _ = model.forward(inputs, model.zero_state(3))  # (12, 3, H)
    nll_whole, _ = model.negative_log_likelihood(inputs, targets, model.zero_state(3))
    parts, nll_parts, state = [], 0.0, model.zero_state(3)
    for start in range(0, 12, 5):  # segments of 5, 5 and 2 steps, each from the state the last one ended in
        segment = slice(start, start + 5)
        top, _, _ = model.forward(inputs[:, segment], state)
        nll, state = model.negative_log_likelihood(inputs[:, segment], targets[:, segment], state)
        parts.append(top)
        nll_parts += nll
    np.testing.assert_allclose(np.concatenate(parts), whole, rtol=0, atol=1e-12)
    assert nll_parts == pytest.approx(nll_whole, rel=1e-12, abs=0)
    _, _, carried = model.forward(inputs[:, :5], model.zero_state(3))  # and the carried state matters
    fresh = model.zero_state(3)
    assert not np.allclose(model.forward(inputs[:, 5:10], carried)[0], model.forward(inputs[:, 5:10], fresh)[0])


def test_a_fresh_model_predicts_about_uniformly():
    model = tiny_model("lstm", dropout=0.0)
    inputs = np.random.default_rng(7).integers(1, V, (4, 10))
    nll, _ = model.negative_log_likelihood(inputs, inputs, model.zero_state(4))
    assert nll / inputs.size == pytest.approx(np.log(V), rel=0.05)
