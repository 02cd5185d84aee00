"""Tests of the two-weight BPTT tutorial: gradients, training, and exploding/vanishing gradients."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

from sentiment_rnn.errors import TrainingError
from sentiment_rnn.nn.tutorial import (
    linear_rnn_backward,
    linear_rnn_forward,
    logistic_rnn_backward,
    logistic_rnn_forward,
    make_contains_one_data,
    make_count_ones_data,
    mse_loss,
    state_gradients,
    train_contains_one,
    train_count_ones,
)

# Each model as (forward, backward, parameter names, a generic point that is not a special value).
MODELS = {
    "linear": (linear_rnn_forward, linear_rnn_backward, ("W_x", "W_rec"), (0.7, 1.15)),
    "logistic": (logistic_rnn_forward, logistic_rnn_backward, ("W_x", "W_rec", "b"), (1.3, -0.8, 0.4)),
}


def relative_error(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a) + abs(b), 1e-12)


def numerical_gradient(f, point: tuple[float, ...], i: int, h: float = 1e-6) -> float:
    """Centred difference of f along parameter i."""
    plus, minus = list(point), list(point)
    plus[i] += h
    minus[i] -= h
    return (f(*plus) - f(*minus)) / (2 * h)


# --- data ----------------------------------------------------------------------------------------


def test_count_ones_data_shapes_and_labels():
    X, y = make_count_ones_data(50, 7, np.random.default_rng(0))
    assert X.shape == (50, 7) and y.shape == (50,)
    assert X.dtype == np.float64 and set(np.unique(X)) <= {0.0, 1.0}
    np.testing.assert_array_equal(y, X.sum(axis=1))


def test_contains_one_data_is_balanced_and_labelled():
    X, y = make_contains_one_data(2000, 8, np.random.default_rng(0))
    assert X.shape == (2000, 8) and X.dtype == np.float64
    np.testing.assert_array_equal(y, (X.max(axis=1) > 0).astype(float))
    assert 0.45 < y.mean() < 0.55
    assert np.mean(X[y == 1].sum(axis=1) == 1) > 0.1  # single-1 sequences, the memory test, are common


# --- gradients -----------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_gradients_match_centred_differences_random_weighted_sum(model):
    forward, backward, names, point = MODELS[model]
    rng = np.random.default_rng(1)
    X = rng.integers(0, 2, size=(6, 5)).astype(np.float64)  # (B, T)
    weights = rng.normal(size=6)  # (B,) loss = weights . y_hat

    _y_hat, cache = forward(X, *point)
    analytic = backward(weights.copy(), cache)
    assert len(analytic) == len(names)
    for i, name in enumerate(names):
        numeric = numerical_gradient(lambda *p: float(weights @ forward(X, *p)[0]), point, i)
        assert relative_error(analytic[i], numeric) < 1e-6, name


@pytest.mark.parametrize("model", MODELS)
def test_gradients_through_mse_loss_match_centred_differences(model):
    forward, backward, names, point = MODELS[model]
    rng = np.random.default_rng(2)
    X = rng.integers(0, 2, size=(8, 6)).astype(np.float64)  # (B, T)
    y = rng.normal(size=8)  # (B,)

    y_hat, cache = forward(X, *point)
    _loss, dy_hat = mse_loss(y_hat, y)
    analytic = backward(dy_hat, cache)
    for i, name in enumerate(names):
        numeric = numerical_gradient(lambda *p: mse_loss(forward(X, *p)[0], y)[0], point, i)
        assert relative_error(analytic[i], numeric) < 1e-6, name


def test_mse_loss_value_and_gradient():
    loss, dy_hat = mse_loss(np.array([1.0, 2.0, 4.0]), np.array([1.0, 3.0, 2.0]))
    assert loss == pytest.approx((0 + 1 + 4) / 3)
    np.testing.assert_allclose(dy_hat, 2 * np.array([0.0, -1.0, 2.0]) / 3)


@pytest.mark.parametrize("model", MODELS)
def test_batched_equals_one_at_a_time(model):
    forward, backward, _names, point = MODELS[model]
    rng = np.random.default_rng(3)
    X = rng.integers(0, 2, size=(5, 7)).astype(np.float64)  # (B, T)
    dy_hat = rng.normal(size=5)  # (B,)

    y_hat, cache = forward(X, *point)
    grads = backward(dy_hat, cache)
    one_by_one = [forward(X[b : b + 1], *point) for b in range(5)]
    np.testing.assert_allclose(y_hat, [y[0] for y, _ in one_by_one], rtol=1e-12)
    summed = np.sum([backward(dy_hat[b : b + 1], c) for b, (_, c) in enumerate(one_by_one)], axis=0)
    np.testing.assert_allclose(grads, summed, rtol=1e-12)


def test_linear_forward_is_the_unrolled_sum():
    X = np.array([[1.0, 0.0, 1.0, 1.0]])  # (1, T)
    y_hat, cache = linear_rnn_forward(X, 2.0, 0.5)
    # y = W_x * sum_k x_k W_rec^(T-k) = 2 * (0.5^3 + 0.5^1 + 0.5^0)
    assert y_hat[0] == pytest.approx(2.0 * (0.125 + 0.5 + 1.0))
    assert cache.states.shape == (1, 5) and cache.states[0, 0] == 0.0


def test_state_gradient_matrix_holds_powers_of_W_rec():
    dy_hat = np.array([1.0, -2.0])  # (B,)
    dstates = state_gradients(dy_hat, 1.3, 6)  # (B, T+1)
    powers = 1.3 ** (6 - np.arange(7))  # (T+1,) W_rec^(T-k)
    np.testing.assert_allclose(dstates, dy_hat[:, None] * powers[None, :], rtol=1e-13)


# --- training ------------------------------------------------------------------------------------


def test_linear_rnn_learns_to_count_and_generalises_to_longer_sequences():
    history = train_count_ones(np.random.default_rng(0))
    W_x, W_rec = history.final["W_x"], history.final["W_rec"]
    assert abs(W_x - 1.0) < 1e-6 and abs(W_rec - 1.0) < 1e-6
    assert history.weights["W_x"].shape == history.weights["W_rec"].shape == (len(history.losses) + 1,)
    assert abs(history.weights["W_rec"][0]) < 0.5  # it started small
    assert history.losses[-10:].mean() < 1e-10

    X, y = make_count_ones_data(500, 60, np.random.default_rng(123))  # 12x longer, unseen
    y_hat, _ = linear_rnn_forward(X, W_x, W_rec)
    np.testing.assert_array_equal(np.round(y_hat), y)


def test_linear_rnn_converges_from_several_starts():
    for seed in (1, 2, 3):
        final = train_count_ones(np.random.default_rng(seed)).final
        assert abs(final["W_x"] - 1.0) < 1e-6 and abs(final["W_rec"] - 1.0) < 1e-6, seed


@pytest.mark.parametrize("length", [5, 10])
def test_stable_learning_rate_shrinks_like_length_to_the_fourth(length):
    # Full-batch gradient descent from just beside the answer: below 16 / T^4 it closes in, above it the
    # answer repels (or the weights blow up).
    bound = 16.0 / length**4

    def distance_after(learning_rate: float) -> float:
        rng = np.random.default_rng(0)
        history = train_count_ones(
            rng, n_epochs=30, learning_rate=learning_rate, length=length, batch_size=200, init=(1.0, 1.001)
        )
        return max(abs(history.final["W_x"] - 1.0), abs(history.final["W_rec"] - 1.0))

    assert distance_after(0.5 * bound) < 1e-3
    with contextlib.suppress(TrainingError):
        assert distance_after(2.0 * bound) > 1e-2


def test_too_large_learning_rate_diverges_with_training_error():
    # 0.01 is safe-ish at T = 5 but six times the bound 16 / T^4 at T = 10.
    with pytest.raises(TrainingError, match="diverged"):
        train_count_ones(np.random.default_rng(0), learning_rate=0.01, length=10, n_epochs=50)


def test_logistic_rnn_learns_contains_a_one():
    history = train_contains_one(np.random.default_rng(0))
    assert history.losses[-20:].mean() < 0.05 * history.losses[:20].mean()
    assert set(history.weights) == {"W_x", "W_rec", "b"}
    final = history.final
    assert final["b"] < 0 < final["W_x"] and final["W_rec"] > 0  # rest low, kick up at a 1, latch

    rng = np.random.default_rng(99)
    for length in (8, 32):  # held out; 32 is longer than anything seen in training
        X, y = make_contains_one_data(1000, length, rng)
        # the hardest cases too: a single 1 at each position, and no 1 at all
        X = np.vstack([X, np.eye(length), np.zeros((1, length))])  # (B, T)
        y = np.concatenate([y, np.ones(length), [0.0]])  # (B,)
        y_hat, _ = logistic_rnn_forward(X, final["W_x"], final["W_rec"], final["b"])
        np.testing.assert_array_equal(y_hat > 0.5, y == 1)


def test_logistic_rnn_without_training_is_at_chance():
    # Guards the test above against a task that is trivially solved by the initial weights.
    rng = np.random.default_rng(0)
    X, y = make_contains_one_data(1000, 8, rng)
    W_x, W_rec, b = rng.normal(0.0, 0.1, size=3)
    y_hat, _ = logistic_rnn_forward(X, W_x, W_rec, b)
    assert np.mean((y_hat > 0.5) == (y == 1)) < 0.8


# --- exploding and vanishing gradients -----------------------------------------------------------


@pytest.mark.parametrize("W_rec", [1.1, 0.9])
def test_gradient_from_the_first_step_grows_or_shrinks_geometrically_with_length(W_rec):
    """A single 1 at the first step: its signal must cross the whole sequence.

    Unrolled, y_hat = W_x W_rec^(T-1), so dW_x = W_rec^(T-1) and dW_rec = (T-1) W_x W_rec^(T-2):
    each 10 extra steps multiply the gradient by W_rec^10 (times a polynomial factor for dW_rec).
    """
    W_x = 1.0
    lengths = np.array([10, 20, 30, 40, 50, 60])
    dW_x, dW_rec = np.array(
        [linear_rnn_backward(np.ones(1), linear_rnn_forward(np.eye(1, T), W_x, W_rec)[1]) for T in lengths]
    ).T  # (len(lengths),) each

    step = W_rec**10
    np.testing.assert_allclose(dW_x[1:] / dW_x[:-1], step, rtol=1e-12)
    polynomial = (lengths[1:] - 1) / (lengths[:-1] - 1)
    np.testing.assert_allclose(dW_rec[1:] / dW_rec[:-1], polynomial * step, rtol=1e-12)

    if W_rec > 1:  # explodes: every 10 steps at least W_rec^10 = 2.6 times larger
        assert np.all(dW_rec[1:] / dW_rec[:-1] >= step) and dW_rec[-1] / dW_rec[0] > 100
    else:  # vanishes: every 10 steps smaller, by a factor tending to W_rec^10 = 0.35
        assert np.all(dW_rec[1:] / dW_rec[:-1] < 1) and dW_rec[-1] / dW_rec[0] < 0.05


def test_counting_gradient_explodes_with_length_for_W_rec_above_one():
    # On the tutorial's own data, near W_rec = 1 from above, |dW_rec| grows by about W_rec^10 per 10 steps.
    rng = np.random.default_rng(5)
    W_rec = 1.05
    norms = []
    for T in (20, 40, 60, 80):
        X, y = make_count_ones_data(100, T, rng)
        y_hat, cache = linear_rnn_forward(X, 1.0, W_rec)
        _, dy_hat = mse_loss(y_hat, y)
        norms.append(abs(linear_rnn_backward(dy_hat, cache)[1]))
    ratios = np.array(norms[1:]) / np.array(norms[:-1])
    assert np.all(ratios > W_rec**20)  # at least geometric growth, 20 steps apart
