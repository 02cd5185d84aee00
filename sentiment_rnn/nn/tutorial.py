"""The project's first network: a recurrent net with two scalar weights, trained by hand-written BPTT.

This is the classic backpropagation-through-time tutorial, kept as a worked example and a test.
The network reads a binary sequence ``x_1 .. x_T`` and counts its ones::

    state_0 = 0
    state_k = state_{k-1} * W_rec + x_k * W_x          k = 1 .. T
    y_hat   = state_T                                   loss = mean_b (y_hat - y)^2

``W_x = W_rec = 1`` counts exactly, at any length. Unrolled, ``y_hat = W_x * sum_k x_k W_rec^(T-k)``,
so the chain rule from the output back to step ``k`` is the same product over and over::

    d state_T / d state_k = W_rec^(T-k)

The tutorial's insight is to compute these factors once, "in a matrix", and reuse them: going back one
step multiplies the gradient by ``W_rec`` (``dstate_{k-1} = dstate_k * W_rec``), and each weight's
gradient is a sum over every (example, step) entry of that matrix::

    dW_x   = sum_k sum_b dstate_k * x_k
    dW_rec = sum_k sum_b dstate_k * state_{k-1}

The same factor ``W_rec^(T-k)`` is the whole exploding/vanishing-gradient story in two weights: for
``|W_rec| > 1`` the signal from early steps grows geometrically with the distance it travels, for
``|W_rec| < 1`` it dies away geometrically. Plain SGD therefore needs a learning rate that shrinks fast
with the sequence length (see ``train_count_ones``).

The second model squashes each state with a logistic function and has a bias::

    state_k = sigmoid(state_{k-1} * W_rec + x_k * W_x + b)

It cannot count (its state lives in (0, 1)), but it can latch: it learns whether a sequence contains at
least one 1. Its BPTT is the linear one plus a step "through sigmoid", whose derivative ``s * (1 - s)``
comes from the saved states.

Run ``python -m sentiment_rnn.nn.tutorial`` for a short training trace of both models.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable

import numpy as np

from sentiment_rnn.errors import TrainingError
from sentiment_rnn.nn.functional import sigmoid

__all__ = [
    "make_count_ones_data",
    "make_contains_one_data",
    "LinearRNNCache",
    "linear_rnn_forward",
    "state_gradients",
    "linear_rnn_backward",
    "LogisticRNNCache",
    "logistic_rnn_forward",
    "logistic_rnn_backward",
    "mse_loss",
    "TrainingHistory",
    "sgd",
    "train_count_ones",
    "train_contains_one",
]


# ---------------------------------------------------------------------------------------------------
# Data


def make_count_ones_data(
    n_sequences: int, length: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Random binary sequences and the number of ones in each.

    Returns X (B, T) float64 of 0/1 and y (B,) float64, the row sums of X.
    """
    X = rng.integers(0, 2, size=(n_sequences, length)).astype(np.float64)  # (B, T)
    y = X.sum(axis=1)  # (B,)
    return X, y


def make_contains_one_data(
    n_sequences: int, length: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Binary sequences labelled 1 if they contain at least one 1, else 0; the classes are balanced.

    With fair coin flips nearly every sequence would contain a 1, so half of the sequences are all zeros
    and the other half have a few ones: each position is 1 with a per-sequence probability drawn from
    U(0, 0.5), and one random position is forced to 1. Sequences with a single 1 far from the end, the
    ones that test the network's memory, are common.

    Returns X (B, T) float64 of 0/1 and y (B,) float64 of 0/1.
    """
    y = (rng.random(n_sequences) < 0.5).astype(np.float64)  # (B,)
    density = rng.uniform(0.0, 0.5, size=(n_sequences, 1))  # (B, 1)
    X = (rng.random((n_sequences, length)) < density).astype(np.float64)  # (B, T)
    forced = rng.integers(0, length, size=n_sequences)  # (B,)
    X[np.arange(n_sequences), forced] = 1.0
    X *= y[:, None]  # (B, T) negatives become all zeros
    return X, y


# ---------------------------------------------------------------------------------------------------
# The linear RNN: state_k = state_{k-1} * W_rec + x_k * W_x


@dataclass(frozen=True)
class LinearRNNCache:
    X: np.ndarray  # (B, T) inputs
    states: np.ndarray  # (B, T+1) state_0 .. state_T, state_0 = 0
    W_rec: float


def linear_rnn_forward(X: np.ndarray, W_x: float, W_rec: float) -> tuple[np.ndarray, LinearRNNCache]:
    """Run the linear RNN over a batch of sequences.

    X: (B, T) inputs. W_x, W_rec: scalars.
    Returns y_hat (B,) = state_T, and a cache holding the states (B, T+1).
    """
    B, T = X.shape
    states = np.zeros((B, T + 1), dtype=X.dtype)  # (B, T+1)
    for k in range(1, T + 1):
        states[:, k] = states[:, k - 1] * W_rec + X[:, k - 1] * W_x  # (B,)
    y_hat = states[:, T]  # (B,)
    return y_hat, LinearRNNCache(X=X, states=states, W_rec=W_rec)


def state_gradients(dy_hat: np.ndarray, W_rec: float, T: int) -> np.ndarray:
    """The tutorial's matrix: the loss gradient with respect to every state of every sequence.

    dy_hat: (B,) gradient of the loss with respect to y_hat = state_T.
    Returns dstates (B, T+1) with dstates[:, k] = dy_hat * W_rec^(T-k).
    """
    dstates = np.zeros((dy_hat.shape[0], T + 1), dtype=dy_hat.dtype)  # (B, T+1)
    dstates[:, T] = dy_hat  # into state_T: y_hat is state_T
    for k in range(T, 0, -1):
        dstates[:, k - 1] = dstates[:, k] * W_rec  # into state_{k-1}, through "* W_rec"
    return dstates


def linear_rnn_backward(dy_hat: np.ndarray, cache: LinearRNNCache) -> tuple[float, float]:
    """BPTT for the linear RNN.

    dy_hat: (B,) gradient of the loss with respect to y_hat.
    Returns (dW_x, dW_rec), scalars.
    """
    T = cache.X.shape[1]
    dstates = state_gradients(dy_hat, cache.W_rec, T)  # (B, T+1)
    dW_x = float(np.sum(dstates[:, 1:] * cache.X))  # into W_x, through "x_k * W_x", all (b, k)
    dW_rec = float(np.sum(dstates[:, 1:] * cache.states[:, :-1]))  # into W_rec, "state_{k-1} * W_rec"
    return dW_x, dW_rec


# ---------------------------------------------------------------------------------------------------
# The logistic RNN: state_k = sigmoid(state_{k-1} * W_rec + x_k * W_x + b)
#
# Why a bias: sigmoid(0) = 1/2, so without b a zero input on a zero state gives 1/2, never "no". A
# negative b lets the state rest near 0 while only zeros have been seen; a positive W_x kicks it towards
# 1 at the first 1; a large positive W_rec keeps it there (a latch). For example W_x = W_rec = 10,
# b = -5 answers "contains a one?" for any length.


@dataclass(frozen=True)
class LogisticRNNCache:
    X: np.ndarray  # (B, T) inputs
    states: np.ndarray  # (B, T+1) state_0 .. state_T, state_0 = 0
    W_rec: float


def logistic_rnn_forward(
    X: np.ndarray, W_x: float, W_rec: float, b: float
) -> tuple[np.ndarray, LogisticRNNCache]:
    """Run the logistic RNN over a batch of sequences.

    X: (B, T) inputs. W_x, W_rec, b: scalars.
    Returns y_hat (B,) = state_T in (0, 1), and a cache holding the states (B, T+1).
    """
    B, T = X.shape
    states = np.zeros((B, T + 1), dtype=X.dtype)  # (B, T+1)
    for k in range(1, T + 1):
        a = states[:, k - 1] * W_rec + X[:, k - 1] * W_x + b  # (B,)
        states[:, k] = sigmoid(a)  # (B,)
    y_hat = states[:, T]  # (B,)
    return y_hat, LogisticRNNCache(X=X, states=states, W_rec=W_rec)


def logistic_rnn_backward(dy_hat: np.ndarray, cache: LogisticRNNCache) -> tuple[float, float, float]:
    """BPTT for the logistic RNN.

    dy_hat: (B,) gradient of the loss with respect to y_hat.
    Returns (dW_x, dW_rec, db), scalars.
    """
    B, T = cache.X.shape
    s = cache.states  # (B, T+1)
    da = np.zeros((B, T + 1), dtype=dy_hat.dtype)  # (B, T+1) gradient into each pre-activation; col 0 unused
    dstate = dy_hat  # (B,) into state_T: y_hat is state_T
    for k in range(T, 0, -1):
        da[:, k] = dstate * s[:, k] * (1.0 - s[:, k])  # (B,) through sigmoid, from the saved output
        dstate = da[:, k] * cache.W_rec  # (B,) into state_{k-1}, through "* W_rec"
    dW_x = float(np.sum(da[:, 1:] * cache.X))  # into W_x, all (b, k)
    dW_rec = float(np.sum(da[:, 1:] * s[:, :-1]))  # into W_rec, all (b, k)
    db = float(np.sum(da[:, 1:]))  # into b, all (b, k)
    return dW_x, dW_rec, db


# ---------------------------------------------------------------------------------------------------
# Loss and training


def mse_loss(y_hat: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error over the batch.

    y_hat, y: (B,). Returns (loss, dy_hat) with dy_hat (B,).
    """
    diff = y_hat - y  # (B,)
    loss = float(np.mean(diff**2))
    dy_hat = 2.0 * diff / y.shape[0]  # (B,)
    return loss, dy_hat


@dataclass(frozen=True)
class TrainingHistory:
    """What SGD did, one entry per update step (S steps in all).

    weights: name -> (S+1,) trajectory; entry 0 is the start, entry S the trained value.
    losses: (S,) minibatch loss at each step, before its update.
    """

    weights: dict[str, np.ndarray]
    losses: np.ndarray

    @property
    def final(self) -> dict[str, float]:
        """The trained weights."""
        return {name: float(path[-1]) for name, path in self.weights.items()}


# loss_and_grads(weights, X, y) -> (loss, {name: gradient})
LossAndGrads = Callable[[dict[str, float], np.ndarray, np.ndarray], tuple[float, dict[str, float]]]


def sgd(
    weights: dict[str, float],
    loss_and_grads: LossAndGrads,
    X: np.ndarray,
    y: np.ndarray,
    rng: np.random.Generator,
    n_epochs: int,
    learning_rate: float,
    batch_size: int,
) -> TrainingHistory:
    """Plain minibatch SGD, w <- w - learning_rate * dw, reshuffling the data every epoch.

    X: (N, T), y: (N,). Raises TrainingError if the loss or a weight stops being finite (divergence).
    """
    weights = dict(weights)
    trajectory = {name: [value] for name, value in weights.items()}
    losses = []
    N = X.shape[0]
    for epoch in range(n_epochs):
        order = rng.permutation(N)  # (N,)
        for start in range(0, N, batch_size):
            rows = order[start : start + batch_size]  # (B,)
            with np.errstate(over="ignore", invalid="ignore"):
                loss, grads = loss_and_grads(weights, X[rows], y[rows])
                weights = {name: value - learning_rate * grads[name] for name, value in weights.items()}
            if not (np.isfinite(loss) and all(np.isfinite(v) for v in weights.values())):
                raise TrainingError(
                    f"SGD diverged in epoch {epoch} (loss {loss:.3g}): lower the learning rate"
                )
            losses.append(loss)
            for name, value in weights.items():
                trajectory[name].append(value)
    return TrainingHistory(
        weights={name: np.array(path) for name, path in trajectory.items()},
        losses=np.array(losses),
    )


def _linear_loss_and_grads(w: dict[str, float], X: np.ndarray, y: np.ndarray):
    y_hat, cache = linear_rnn_forward(X, w["W_x"], w["W_rec"])  # (B,)
    loss, dy_hat = mse_loss(y_hat, y)
    dW_x, dW_rec = linear_rnn_backward(dy_hat, cache)
    return loss, {"W_x": dW_x, "W_rec": dW_rec}


def _logistic_loss_and_grads(w: dict[str, float], X: np.ndarray, y: np.ndarray):
    y_hat, cache = logistic_rnn_forward(X, w["W_x"], w["W_rec"], w["b"])  # (B,)
    loss, dy_hat = mse_loss(y_hat, y)
    dW_x, dW_rec, db = logistic_rnn_backward(dy_hat, cache)
    return loss, {"W_x": dW_x, "W_rec": dW_rec, "b": db}


def train_count_ones(
    rng: np.random.Generator,
    n_epochs: int = 150,
    learning_rate: float = 0.015,
    n_sequences: int = 200,
    length: int = 5,
    batch_size: int = 20,
    init: tuple[float, float] | None = None,
) -> TrainingHistory:
    """Train the linear RNN to count ones in random binary sequences of the given length.

    The start is (W_x, W_rec) = init, or by default both drawn from N(0, 0.1^2) as in the tutorial.
    Returns the TrainingHistory with weights "W_x" and "W_rec"; both reach 1 (to about 1e-8 with the
    defaults), which counts correctly at every length.

    Why the learning rate must shrink with the length: the gradients carry W_rec^(T-k). Near the
    answer, d y_hat / d W_rec = sum_k x_k (T-k) W_rec^(T-k-1) is of order T^2/4, so the loss curvature
    along W_rec is about T^4/8 and plain SGD is stable only for learning_rate < 2 / (T^4/8) = 16 / T^4:
    0.026 at T = 5, 0.0016 at T = 10. Above it each step overshoots by more than it corrects; once an
    overshoot puts |W_rec| above 1, the W_rec^(T-k) factors make the next gradient larger still and the
    weights explode (TrainingError). Starting from |W_rec| < 1 the same factors damp the signal from
    early steps instead: the vanishing side. The valley is also long and narrow (the curvature across it
    is about 1, so its condition number is about T^4/8), which is why a safe rate needs many epochs and
    why the defaults train on short sequences: W_x = W_rec = 1 counts at any length anyway.
    """
    X, y = make_count_ones_data(n_sequences, length, rng)  # (N, T), (N,)
    W_x, W_rec = rng.normal(0.0, 0.1, size=2) if init is None else init
    return sgd(
        {"W_x": float(W_x), "W_rec": float(W_rec)},
        _linear_loss_and_grads, X, y, rng, n_epochs, learning_rate, batch_size,
    )  # fmt: skip


def train_contains_one(
    rng: np.random.Generator,
    n_epochs: int = 150,
    learning_rate: float = 2.0,
    n_sequences: int = 200,
    length: int = 8,
    batch_size: int = 20,
    init: tuple[float, float, float] | None = None,
) -> TrainingHistory:
    """Train the logistic RNN to say whether a binary sequence contains at least one 1 (MSE loss).

    The start is (W_x, W_rec, b) = init, or by default all three drawn from N(0, 0.1^2).
    Returns the TrainingHistory with weights "W_x", "W_rec" and "b". Its gradients carry products of
    W_rec * s(1-s) <= W_rec / 4 instead of W_rec, so this model tolerates a far larger learning rate.
    """
    X, y = make_contains_one_data(n_sequences, length, rng)  # (N, T), (N,)
    W_x, W_rec, b = rng.normal(0.0, 0.1, size=3) if init is None else init
    return sgd(
        {"W_x": float(W_x), "W_rec": float(W_rec), "b": float(b)},
        _logistic_loss_and_grads, X, y, rng, n_epochs, learning_rate, batch_size,
    )  # fmt: skip


def _print_trace(title: str, history: TrainingHistory, n_lines: int = 8) -> None:
    print(title)
    n_steps = len(history.losses)
    for step in np.unique(np.geomspace(1, n_steps, n_lines).astype(int)) - 1:
        values = "  ".join(f"{name} {path[step + 1]:+.6f}" for name, path in history.weights.items())
        print(f"  step {step + 1:5d}  loss {history.losses[step]:.3e}  {values}")


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    counting = train_count_ones(rng)
    _print_trace("Linear RNN counting ones (T = 5), plain SGD:", counting)
    print(f"  W_x - 1 = {counting.final['W_x'] - 1:+.1e}, W_rec - 1 = {counting.final['W_rec'] - 1:+.1e}")
    X, y = make_count_ones_data(5, 30, rng)
    y_hat, _ = linear_rnn_forward(X, **counting.final)
    print(f"  on length-30 sequences: counts {y.astype(int)}, predicted {np.round(y_hat).astype(int)}")

    latch = train_contains_one(rng)
    _print_trace("Logistic RNN, 'contains a one?' (T = 8), plain SGD:", latch)
    X, y = make_contains_one_data(1000, 8, rng)
    y_hat, _ = logistic_rnn_forward(X, **latch.final)
    print(f"  held-out accuracy: {np.mean((y_hat > 0.5) == (y == 1)):.1%}")
