"""The review head: gradients proven by finite differences, padding that changes nothing."""

import numpy as np
import pytest

from sentiment_rnn.nn.functional import cross_entropy
from sentiment_rnn.nn.gradcheck import check_gradients, relative_error, numerical_gradient
from sentiment_rnn.review.model import ReviewHead, scatter_states


def _head(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    head = ReviewHead.initialize(5, 4, rng, dtype=dtype)
    for value in head.params.values():  # away from the initial zeros, so every path carries gradient
        value += 0.3 * rng.standard_normal(value.shape)
    return head, rng


def test_gradients_of_every_parameter_and_of_the_sentence_states():
    head, rng = _head()
    counts = np.array([3, 1, 4, 2])
    X, mask = scatter_states(rng.standard_normal((counts.sum(), 5)), counts)  # (4, 4, 5)
    weights = rng.standard_normal((4, 2))  # a random weighted sum of all outputs as the loss

    def loss():
        return float((head.forward(X, mask)[0] * weights).sum())

    _logits, cache = head.forward(X, mask)
    grads, dX = head.backward(weights, cache)
    errors = check_gradients(loss, head.params, grads)
    assert max(errors.values()) < 1e-7, errors
    numerical = numerical_gradient(loss, X)
    assert relative_error(dX * mask[:, :, None], numerical) < 1e-7
    assert np.all(dX[mask == 0] == 0)


def test_gradients_with_cross_entropy_and_dropout():
    head, rng = _head()
    counts = np.array([2, 5, 1])
    X, mask = scatter_states(rng.standard_normal((counts.sum(), 5)), counts)
    targets = np.array([0, 1, 1])
    state = np.random.default_rng(7).bit_generator.state

    def run():
        gen = np.random.default_rng()
        gen.bit_generator.state = state
        return head.forward(X, mask, dropout=0.3, rng=gen)

    def loss():
        return cross_entropy(run()[0], targets)[0]

    logits, cache = run()
    _, dlogits = cross_entropy(logits, targets)
    grads, _ = head.backward(dlogits, cache)
    assert max(check_gradients(loss, head.params, grads).values()) < 1e-7


def test_padded_batch_equals_each_review_alone():
    head, rng = _head()
    counts = np.array([3, 1, 6])
    states = rng.standard_normal((counts.sum(), 5))
    X, mask = scatter_states(states, counts)
    logits, cache = head.forward(X, mask)
    grads, _ = head.backward(np.ones_like(logits), cache)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    summed = {name: np.zeros_like(g) for name, g in grads.items()}
    for b, (start, n) in enumerate(zip(starts, counts, strict=True)):
        X1, mask1 = scatter_states(states[start : start + n], np.array([n]))
        logits1, cache1 = head.forward(X1, mask1)
        np.testing.assert_allclose(logits1[0], logits[b], rtol=1e-12, atol=1e-12)
        for name, g in head.backward(np.ones_like(logits1), cache1)[0].items():
            summed[name] += g
    for name in grads:
        np.testing.assert_allclose(summed[name], grads[name], rtol=1e-10, atol=1e-12, err_msg=name)


def test_sentence_contributions_sum_to_the_logits():
    head, rng = _head()
    counts = np.array([4, 2])
    X, mask = scatter_states(rng.standard_normal((counts.sum(), 5)), counts)
    alpha, contributions = head.sentence_contributions(X, mask)
    np.testing.assert_allclose(contributions.sum(axis=1) + head.params["fc.bias"], head.forward(X, mask)[0])
    np.testing.assert_allclose(alpha.sum(axis=1), 1.0)
    assert np.all(alpha[mask == 0] == 0)


def _network(seed=0, cell="lstm"):
    from sentiment_rnn.nn.model import ModelConfig, RNNModel
    from sentiment_rnn.review.model import ReviewNetwork

    rng = np.random.default_rng(seed)
    encoder = RNNModel.initialize(ModelConfig(12, 3, 4, cell=cell), rng, dtype=np.float64)
    head = ReviewHead.initialize(4, 3, rng, dtype=np.float64)
    for value in head.params.values():
        value += 0.3 * rng.standard_normal(value.shape)
    network = ReviewNetwork(encoder, head, chunk_size=3)
    sentences = [rng.integers(2, 12, size=n) for n in (3, 1, 5, 2, 4, 2, 6)]
    return network, sentences, np.array([2, 1, 4])


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_end_to_end_gradients_of_every_parameter(cell):
    network, sentences, counts = _network(cell=cell)
    weights = np.random.default_rng(3).standard_normal((3, 2))

    def loss():
        return float((network.forward(sentences, counts)[0] * weights).sum())

    _logits, cache = network.forward(sentences, counts)
    grads = network.backward(weights, cache)
    errors = check_gradients(loss, network.params, grads)
    assert set(errors) == set(network.params) and any(k.startswith("rnn.") for k in errors)
    assert max(errors.values()) < 1e-6, errors


def test_end_to_end_batch_equals_each_review_alone():
    network, sentences, counts = _network()
    logits, cache = network.forward(sentences, counts)
    grads = network.backward(np.ones_like(logits), cache)
    summed = {name: np.zeros_like(g) for name, g in grads.items()}
    start = 0
    for b, n in enumerate(counts):
        alone, alone_cache = network.forward(sentences[start : start + n], np.array([n]))
        np.testing.assert_allclose(alone[0], logits[b], rtol=1e-10, atol=1e-12)
        for name, g in network.backward(np.ones_like(alone), alone_cache).items():
            summed[name] += g
        start += n
    for name in grads:
        np.testing.assert_allclose(summed[name], grads[name], rtol=1e-8, atol=1e-12, err_msg=name)


def test_sentence_states_equal_the_training_pass():
    from sentiment_rnn.review.model import sentence_states

    network, sentences, _counts = _network()
    fast = sentence_states(network.states_net, sentences)
    from sentiment_rnn.nn.batching import pad_batch

    slow, _ = network.states_net.forward(*pad_batch(sentences))
    np.testing.assert_allclose(fast, slow, rtol=1e-10, atol=1e-12)
