"""Optimizers against hand-worked updates, sparse rows, and clipping by global norm."""

import numpy as np
import pytest

from sentiment_rnn.nn.embedding import EmbeddingGrad
from sentiment_rnn.nn.optim import SGD, Adam, clip_grad_norm, global_norm, make_optimizer


def test_adam_first_step_matches_hand_worked_example():
    # After one step m = (1-b1) g, v = (1-b2) g², so m̂ / sqrt(v̂) = g / |g| and the step is lr·sign(g).
    params = {"w": np.array([1.0, -1.0, 0.5])}
    Adam(params, lr=0.1).step(params, {"w": np.array([2.0, -0.5, 0.0])})
    np.testing.assert_allclose(params["w"], [0.9, -0.9, 0.5], atol=1e-7)


def test_adam_second_step_matches_formula():
    params = {"w": np.array([0.0])}
    optimizer = Adam(params, lr=0.01, betas=(0.9, 0.999), eps=0.0)
    optimizer.step(params, {"w": np.array([1.0])})
    optimizer.step(params, {"w": np.array([3.0])})
    m = 0.9 * 0.1 + 0.1 * 3.0
    v = 0.999 * 0.001 + 0.001 * 9.0
    second = 0.01 * (m / (1 - 0.9**2)) / np.sqrt(v / (1 - 0.999**2))
    np.testing.assert_allclose(params["w"], [-0.01 - second], rtol=1e-12)


def test_sgd_with_momentum():
    params = {"w": np.array([1.0])}
    optimizer = SGD(params, lr=0.1, momentum=0.9)
    optimizer.step(params, {"w": np.array([1.0])})  # v = 1
    optimizer.step(params, {"w": np.array([1.0])})  # v = 1.9
    np.testing.assert_allclose(params["w"], [1.0 - 0.1 - 0.19])


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_sparse_rows_update_only_those_rows_and_match_dense(name):
    rng = np.random.default_rng(0)
    start = rng.standard_normal((6, 3))
    dense_params, sparse_params = {"e": start.copy()}, {"e": start.copy()}
    dense_opt, sparse_opt = make_optimizer(name, dense_params, 0.1), make_optimizer(name, sparse_params, 0.1)
    rows = np.array([1, 4])
    values = rng.standard_normal((2, 3))
    sparse = EmbeddingGrad(rows, values, 6)
    dense_opt.step(dense_params, {"e": sparse.to_dense()})
    sparse_opt.step(sparse_params, {"e": sparse})
    np.testing.assert_allclose(sparse_params["e"], dense_params["e"], rtol=1e-12)
    untouched = [0, 2, 3, 5]
    np.testing.assert_array_equal(sparse_params["e"][untouched], start[untouched])


def test_clip_grad_norm_scales_all_gradients_together():
    grads = {"a": np.array([3.0, 0.0]), "b": EmbeddingGrad(np.array([0]), np.array([[4.0]]), 2)}
    clipped, norm = clip_grad_norm(grads, max_norm=1.0)
    assert norm == pytest.approx(5.0)
    assert global_norm(clipped) == pytest.approx(1.0)
    np.testing.assert_allclose(clipped["a"], [0.6, 0.0])
    np.testing.assert_allclose(clipped["b"].values, [[0.8]])
    np.testing.assert_array_equal(grads["a"], [3.0, 0.0])  # the input is not modified
    unclipped, _ = clip_grad_norm(grads, max_norm=10.0)
    assert unclipped is grads


def test_unknown_optimizer():
    with pytest.raises(ValueError, match="unknown optimizer"):
        make_optimizer("rmsprop", {}, 0.1)
