"""The fit loop: length-bucketed shuffled mini-batches, clipping, early stopping on the dev split with
the best weights kept, a learning-curve log and a progress callback.

Everything random (batch order, dropout) is drawn from one ``np.random.Generator`` made from the
seed, so the same seed and data give bit-identical weights.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Sequence

import numpy as np

from sentiment_rnn.batching import bucketed_batches, pad_batch, sequential_batches, truncate
from sentiment_rnn.errors import TrainingError
from sentiment_rnn.functional import cross_entropy
from sentiment_rnn.model import RNNModel
from sentiment_rnn.optim import clip_grad_norm, make_optimizer

__all__ = ["TrainConfig", "EpochRecord", "TrainResult", "fit", "predict_logits"]


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 10
    batch_size: int = 64
    learning_rate: float = 2e-3
    optimizer: str = "adam"
    momentum: float = 0.9  # SGD only
    clip_norm: float | None = 5.0
    patience: int | None = 3  # epochs without a better dev accuracy before stopping; None = never
    lr_decay: float = 1.0  # learning rate multiplier applied after every epoch
    max_len: int | None = None
    keep: str = "end"  # which part of a review longer than max_len to keep
    frozen: tuple[str, ...] = ()  # parameters left unchanged (e.g. pretrained embeddings)
    seed: int = 0

    def __post_init__(self):
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError("epochs and batch_size must be at least 1")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate}")


@dataclass(frozen=True)
class EpochRecord:
    epoch: int
    train_loss: float
    dev_loss: float | None
    dev_accuracy: float | None
    seconds: float
    tokens_per_second: float


@dataclass
class TrainResult:
    history: list[EpochRecord] = field(default_factory=list)
    best_epoch: int = 0
    best_dev_accuracy: float | None = None
    stopped_early: bool = False

    def to_dict(self) -> dict:
        return {
            "history": [asdict(r) for r in self.history],
            "best_epoch": self.best_epoch,
            "best_dev_accuracy": self.best_dev_accuracy,
            "stopped_early": self.stopped_early,
        }


def predict_logits(model: RNNModel, sequences: Sequence[np.ndarray], batch_size: int = 256, max_len=None, keep="end"):
    """Logits (N, C) for id sequences, in their original order, batched by similar length."""
    sequences = [truncate(s, max_len, keep) for s in sequences]
    lengths = np.array([len(s) for s in sequences])
    logits = np.empty((len(sequences), model.config.num_classes), dtype=model.dtype)  # (N, C)
    for index in sequential_batches(lengths, batch_size):
        ids, batch_lengths = pad_batch([sequences[i] for i in index])
        logits[index] = model.logits(ids, batch_lengths)
    return logits


def _evaluate(model, sequences, targets, config: TrainConfig) -> tuple[float, float]:
    logits = predict_logits(model, sequences, max_len=config.max_len, keep=config.keep)
    loss, _ = cross_entropy(logits.astype(np.float64), targets)
    return loss, float((logits.argmax(axis=1) == targets).mean())


def fit(
    model: RNNModel,
    train_sequences: Sequence[np.ndarray],
    train_targets: np.ndarray,
    config: TrainConfig,
    dev_sequences: Sequence[np.ndarray] | None = None,
    dev_targets: np.ndarray | None = None,
    progress: Callable[[int, int], None] | None = None,
    on_epoch: Callable[[EpochRecord], None] | None = None,
) -> TrainResult:
    """Train ``model.params`` in place; with a dev split, end with the weights of the best dev epoch.

    ``progress(done, total)`` is called after every batch and ``on_epoch(record)`` after every epoch.
    Raises TrainingError on a non-finite loss or gradient, leaving the last good weights in place.
    """
    rng = np.random.default_rng(config.seed)
    sequences = [truncate(s, config.max_len, config.keep) for s in train_sequences]
    targets = np.asarray(train_targets)
    lengths = np.array([len(s) for s in sequences])
    optimizer = make_optimizer(config.optimizer, model.params, config.learning_rate, config.momentum)
    has_dev = dev_sequences is not None and len(dev_sequences) > 0
    result = TrainResult()
    best_params = None
    epochs_without_gain = 0

    for epoch in range(1, config.epochs + 1):
        start = time.perf_counter()
        batches = bucketed_batches(lengths, config.batch_size, rng)
        total_loss, tokens = 0.0, 0
        for done, index in enumerate(batches, start=1):
            ids, batch_lengths = pad_batch([sequences[i] for i in index])
            loss, grads = model.loss_and_grads(
                ids, batch_lengths, targets[index], train=True, rng=rng, sparse_embedding=True
            )
            grads = {name: g for name, g in grads.items() if name not in config.frozen}
            grads, norm = clip_grad_norm(grads, config.clip_norm)
            if not (np.isfinite(loss) and np.isfinite(norm)):
                if best_params is not None:
                    _restore(model.params, best_params)
                raise TrainingError(
                    f"non-finite {'loss' if not np.isfinite(loss) else 'gradient'} in epoch {epoch}, batch {done}; "
                    f"try a smaller learning rate (now {optimizer.lr:g}) or clip_norm"
                )
            optimizer.step(model.params, grads)
            total_loss += loss * len(index)
            tokens += int(batch_lengths.sum())
            if progress is not None:
                progress(done, len(batches))
        seconds = time.perf_counter() - start
        dev_loss = dev_accuracy = None
        if has_dev:
            dev_loss, dev_accuracy = _evaluate(model, dev_sequences, np.asarray(dev_targets), config)
        record = EpochRecord(epoch, total_loss / len(sequences), dev_loss, dev_accuracy, seconds, tokens / seconds)
        result.history.append(record)
        if on_epoch is not None:
            on_epoch(record)

        if not has_dev or result.best_dev_accuracy is None or dev_accuracy > result.best_dev_accuracy:
            result.best_epoch, result.best_dev_accuracy = epoch, dev_accuracy
            best_params = {k: v.copy() for k, v in model.params.items()}
            epochs_without_gain = 0
        else:
            epochs_without_gain += 1
            if config.patience is not None and epochs_without_gain >= config.patience:
                result.stopped_early = True
                break
        optimizer.lr *= config.lr_decay

    if has_dev and best_params is not None:
        _restore(model.params, best_params)
    return result


def _restore(params: dict, saved: dict) -> None:
    for name, value in saved.items():
        params[name][...] = value
