"""The fit loop: length-bucketed shuffled mini-batches, clipping, early stopping on the dev split with
the best weights kept, a learning-curve log and a progress callback.

Everything random (batch order, dropout) is drawn from one ``np.random.Generator`` made from the
seed, so the same seed and data give bit-identical weights.

Checkpoints. With ``checkpoint=PATH`` the whole training state is written to PATH, atomically, at the
end of every epoch and when Ctrl-C stops training: the parameters, the optimizer's state (Adam's
moments and step count, SGD's velocities) and learning rate, the generator's state (as JSON), the
position in the epoch (batches done and this epoch's batch order), the best weights so far with the
early-stopping counter, and the learning curve. ``fit(..., resume=True)`` continues from it and ends
with weights bit-identical to a run that was never stopped. Ctrl-C is saved at the exact batch, not
rolled back to the epoch's start: Ctrl-C is held while an update is applied, so a checkpoint never
holds half an update. A non-finite loss or gradient raises TrainingError and leaves the last
checkpoint as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Sequence

import numpy as np

from sentiment_rnn.batching import bucketed_batches, pad_batch, sequential_batches, truncate
from sentiment_rnn.errors import ModelFileError, TrainingError, TrainingInterrupted
from sentiment_rnn.functional import cross_entropy, softmax
from sentiment_rnn.inference import Inference
from sentiment_rnn.model import RNNModel
from sentiment_rnn.optim import clip_grad_norm, make_optimizer
from sentiment_rnn.vocab import PAD_ID

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
    words = np.unique(np.concatenate([np.asarray(s, dtype=np.int64) for s in sequences] + [[PAD_ID]]))  # (U,)
    inference = Inference(model, words)  # each distinct word projected once for all batches
    logits = np.empty((len(sequences), model.config.num_classes), dtype=model.dtype)  # (N, C)
    for index in sequential_batches(lengths, batch_size):
        ids, batch_lengths = pad_batch([sequences[i] for i in index])
        logits[index] = inference.logits(ids, batch_lengths)
    return logits


def _evaluate(model, sequences, targets, config: TrainConfig, output_map=None) -> tuple[float, float]:
    """Dev loss and accuracy; with a (K, C) ``output_map`` the network's K class probabilities are
    summed into C predicted classes first, and ``targets`` are predicted classes."""
    logits = predict_logits(model, sequences, max_len=config.max_len, keep=config.keep).astype(np.float64)
    if output_map is None:
        loss, _ = cross_entropy(logits, targets)
        return loss, float((logits.argmax(axis=1) == targets).mean())
    probabilities = softmax(logits) @ output_map  # (N, C)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    loss = -float(np.log(np.maximum(probabilities[np.arange(len(targets)), targets], 1e-300)).mean())
    return loss, float((probabilities.argmax(axis=1) == targets).mean())


@dataclass
class _Position:
    """Where training stands, beyond the weights and the optimizer: what a resumed run needs."""

    epoch: int = 0  # epochs finished
    batch: int = 0  # batches of the current epoch finished
    batches: list[np.ndarray] | None = None  # the current epoch's batch order, once drawn
    rng_state: dict | None = None  # the generator's state after the last finished step
    total_loss: float = 0.0  # sum of loss × batch size over the finished batches of this epoch
    tokens: int = 0
    seconds: float = 0.0
    epochs_without_gain: int = 0

    def describe(self) -> str:
        return f"end of epoch {self.epoch}" if self.batch == 0 else f"epoch {self.epoch + 1}, batch {self.batch}"


def fit(
    model: RNNModel,
    train_sequences: Sequence[np.ndarray],
    train_targets: np.ndarray,
    config: TrainConfig,
    dev_sequences: Sequence[np.ndarray] | None = None,
    dev_targets: np.ndarray | None = None,
    progress: Callable[[int, int], None] | None = None,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    *,
    checkpoint: str | os.PathLike | None = None,
    resume: bool = False,
    output_map: np.ndarray | None = None,
) -> TrainResult:
    """Train ``model.params`` in place; with a dev split, end with the weights of the best dev epoch.

    ``train_targets`` are (N,) class indices, or (N, C) target probabilities (soft targets).

    ``progress(done, total)`` is called after every batch and ``on_epoch(record)`` after every epoch.
    With ``checkpoint``, the training state is saved there after every epoch and on Ctrl-C (then
    TrainingInterrupted, a KeyboardInterrupt, is raised); ``resume=True`` continues from it, which
    needs the same data and settings (``config.epochs`` may be raised). A (K, C) ``output_map`` scores
    the dev split on C predicted classes made of the network's K classes (see RNNClassifier's
    ``train_label_map``); ``dev_targets`` are then predicted classes.
    Raises TrainingError on a non-finite loss or gradient, leaving the last good weights in place and
    the checkpoint untouched.
    """
    if resume and checkpoint is None:
        raise ValueError("resume=True needs a checkpoint to resume from")
    rng = np.random.default_rng(config.seed)
    sequences = [truncate(s, config.max_len, config.keep) for s in train_sequences]
    targets = np.asarray(train_targets)
    if targets.ndim == 2:
        targets = targets.astype(model.dtype)  # (N, C) soft targets, in the network's precision
    lengths = np.array([len(s) for s in sequences])
    optimizer = make_optimizer(config.optimizer, model.params, config.learning_rate, config.momentum)
    has_dev = dev_sequences is not None and len(dev_sequences) > 0
    result = TrainResult()
    best_params = None
    position = _Position(rng_state=rng.bit_generator.state)
    fingerprint = None if checkpoint is None else _fingerprint(train_sequences, targets, dev_sequences, dev_targets)
    saved = None  # which position the checkpoint file holds
    if resume:
        position, best_params = _resume(checkpoint, model, optimizer, config, fingerprint, result)
        rng.bit_generator.state = position.rng_state
        saved = position.describe()

    def save() -> str | None:
        if checkpoint is None:
            return None
        _save_checkpoint(checkpoint, model, optimizer, config, fingerprint, position, result, best_params)
        return position.describe()

    def non_finite(what: str, where: str) -> TrainingError:
        if best_params is not None:
            _restore(model.params, best_params)
        kept = (
            "" if checkpoint is None
            else f"; the last good checkpoint ({saved}) is kept in {checkpoint}" if saved
            else "; no epoch had finished, so there is no checkpoint"
        )
        return TrainingError(
            f"non-finite {what} in {where}; try a smaller learning rate (now {optimizer.lr:g}) or clip_norm{kept}"
        )

    try:
        with np.errstate(over="ignore", invalid="ignore"):  # non-finite numbers are checked for below
            while position.epoch < config.epochs and not result.stopped_early:
                epoch = position.epoch + 1
                if position.batches is None:
                    batches = bucketed_batches(lengths, config.batch_size, rng)
                    with _interrupts_held():
                        position.batches, position.rng_state = batches, rng.bit_generator.state
                while position.batch < len(position.batches):
                    start = time.perf_counter()
                    index = position.batches[position.batch]
                    ids, batch_lengths = pad_batch([sequences[i] for i in index])
                    loss, grads = model.loss_and_grads(
                        ids, batch_lengths, targets[index], train=True, rng=rng, sparse_embedding=True
                    )
                    grads = {name: g for name, g in grads.items() if name not in config.frozen}
                    grads, norm = clip_grad_norm(grads, config.clip_norm)
                    if not (np.isfinite(loss) and np.isfinite(norm)):
                        what = "loss" if not np.isfinite(loss) else "gradient"
                        raise non_finite(what, f"epoch {epoch}, batch {position.batch + 1}")
                    with _interrupts_held():  # an update is applied whole, with the position that records it
                        optimizer.step(model.params, grads)
                        position.total_loss += float(loss) * len(index)
                        position.tokens += int(batch_lengths.sum())
                        position.batch += 1
                        position.rng_state = rng.bit_generator.state
                    position.seconds += time.perf_counter() - start
                    if progress is not None:
                        progress(position.batch, len(position.batches))

                if not all(np.all(np.isfinite(value)) for value in model.params.values()):
                    raise non_finite("weights", f"epoch {epoch}")  # checked once an epoch: it reads every weight
                dev_loss = dev_accuracy = None
                if has_dev:
                    dev_loss, dev_accuracy = _evaluate(model, dev_sequences, np.asarray(dev_targets), config, output_map)
                seconds = max(position.seconds, 1e-9)
                record = EpochRecord(epoch, position.total_loss / len(sequences), dev_loss, dev_accuracy, seconds,
                                     position.tokens / seconds)
                with _interrupts_held():
                    result.history.append(record)
                    without_gain = position.epochs_without_gain
                    if not has_dev or result.best_dev_accuracy is None or dev_accuracy > result.best_dev_accuracy:
                        result.best_epoch, result.best_dev_accuracy = epoch, dev_accuracy
                        best_params = {k: v.copy() for k, v in model.params.items()}
                        without_gain = 0
                    else:
                        without_gain += 1
                        result.stopped_early = config.patience is not None and without_gain >= config.patience
                    if not result.stopped_early:
                        optimizer.lr *= config.lr_decay
                    position = _Position(epoch=epoch, rng_state=position.rng_state, epochs_without_gain=without_gain)
                saved = save() or saved
                if on_epoch is not None:
                    on_epoch(record)
    except KeyboardInterrupt:
        saved = save()
        where = (
            f"in epoch {position.epoch + 1} after batch {position.batch} of {len(position.batches)}" if position.batch
            else f"after epoch {position.epoch}" if position.epoch else "before the first batch"
        )
        note = f"; the training state is saved in {checkpoint}" if saved else ""
        raise TrainingInterrupted(f"training interrupted {where}{note}", None if saved is None else str(checkpoint)) from None

    if has_dev and best_params is not None:
        _restore(model.params, best_params)
    return result


@contextlib.contextmanager
def _interrupts_held():
    """Hold Ctrl-C (SIGINT) until the block ends, so the block runs whole or not at all.

    Signals reach only the main thread; elsewhere, or under a handler Python did not install, the
    block simply runs.
    """
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is None:
        yield
        return
    held = []
    signal.signal(signal.SIGINT, lambda signum, frame: held.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if held and callable(previous):
            previous(signal.SIGINT, held[-1])
        elif held and previous == signal.SIG_DFL:
            raise KeyboardInterrupt


# ----------------------------------------------------------------------------------------------------
# Checkpoints: arrays param/*, best/*, optim/*, batches/* and the rest as JSON metadata (no pickles).


def _fingerprint(train_sequences, train_targets, dev_sequences, dev_targets) -> str:
    """sha256 of the id sequences and targets: a checkpoint only resumes on the data it was made from."""
    digest = hashlib.sha256()
    for sequences, targets in ((train_sequences, train_targets), (dev_sequences, dev_targets)):
        if sequences is None:
            digest.update(b"none")
            continue
        lengths = np.array([len(s) for s in sequences], dtype=np.int64)  # (N,)
        digest.update(lengths.tobytes())
        for s in sequences:
            digest.update(np.asarray(s, dtype=np.int64).tobytes())
        targets = np.asarray(targets)
        if targets.ndim == 2:  # target probabilities
            digest.update(b"probabilities" + np.asarray(targets, dtype=np.float64).tobytes())
        else:
            digest.update(np.asarray(targets, dtype=np.int64).tobytes())
    return digest.hexdigest()


def _settings(config: TrainConfig) -> dict:
    """The settings a resumed run must share with the checkpoint (all but the number of epochs)."""
    settings = json.loads(json.dumps(asdict(config)))
    settings.pop("epochs")
    return settings


def _save_checkpoint(path, model, optimizer, config, fingerprint, position, result, best_params) -> None:
    metadata = {
        "settings": _settings(config),
        "model_config": model.config.to_dict(),
        "data_sha256": fingerprint,
        "epoch": position.epoch,
        "batch": position.batch,
        "rng_state": position.rng_state,
        "total_loss": position.total_loss,
        "tokens": position.tokens,
        "seconds": position.seconds,
        "epochs_without_gain": position.epochs_without_gain,
        "lr": optimizer.lr,
        "result": result.to_dict(),
        "has_best": best_params is not None,
    }
    arrays = {f"param/{name}": value for name, value in model.params.items()}
    arrays.update({f"optim/{key}": value for key, value in optimizer.state.items()})
    if best_params is not None:
        arrays.update({f"best/{name}": value for name, value in best_params.items()})
    if position.batches is not None:
        arrays["batches/index"] = np.concatenate(position.batches).astype(np.int64)  # (N,)
        arrays["batches/sizes"] = np.array([len(b) for b in position.batches], dtype=np.int64)
    from sentiment_rnn.serialization import save_checkpoint

    try:
        save_checkpoint(path, metadata, arrays)
    except OSError as error:
        raise TrainingError(f"cannot write the checkpoint {path} ({error.strerror or error})") from None


def _resume(path, model, optimizer, config, fingerprint, result: TrainResult) -> tuple[_Position, dict | None]:
    """Load the checkpoint at ``path`` into ``model``, ``optimizer`` and ``result``; return the position
    and the best weights. Raises ModelFileError for a damaged file, TrainingError for one that belongs
    to other data or settings."""
    from sentiment_rnn.serialization import load_checkpoint

    metadata, arrays = load_checkpoint(path)
    cannot = f"cannot resume from {path}"
    try:
        differences = _differences(metadata["settings"], _settings(config))
        if not differences and metadata["data_sha256"] != fingerprint:
            raise TrainingError(f"{cannot}: it was made from other training or dev data, or another vocabulary")
        differences += _differences(metadata["model_config"], model.config.to_dict())
        if differences:
            raise TrainingError(f"{cannot}: it was made with other settings ({'; '.join(differences)})")
        _load_arrays(arrays, "param/", model.params, path)
        _load_arrays(arrays, "optim/", optimizer.state, path)
        best_params = None
        if metadata["has_best"]:
            best_params = {name: np.empty_like(value) for name, value in model.params.items()}
            _load_arrays(arrays, "best/", best_params, path)
        batches = None
        if "batches/index" in arrays:
            index, sizes = arrays["batches/index"], arrays["batches/sizes"]
            batches = np.split(index, np.cumsum(sizes)[:-1])
        optimizer.lr = float(metadata["lr"])
        saved = metadata["result"]
        result.history[:] = [EpochRecord(**record) for record in saved["history"]]
        result.best_epoch, result.best_dev_accuracy = saved["best_epoch"], saved["best_dev_accuracy"]
        result.stopped_early = saved["stopped_early"]
        position = _Position(
            epoch=int(metadata["epoch"]), batch=int(metadata["batch"]), batches=batches,
            rng_state=metadata["rng_state"], total_loss=float(metadata["total_loss"]),
            tokens=int(metadata["tokens"]), seconds=float(metadata["seconds"]),
            epochs_without_gain=int(metadata["epochs_without_gain"]),
        )
        np.random.default_rng().bit_generator.state = position.rng_state  # raises if the state is malformed
    except (KeyError, TypeError, ValueError) as error:
        raise ModelFileError(f"{path}: damaged checkpoint ({type(error).__name__}: {error})") from None
    if position.batch and (batches is None or position.batch > len(batches)):
        raise ModelFileError(f"{path}: damaged checkpoint (batch {position.batch} of an epoch it does not hold)")
    return position, best_params


def _differences(saved: dict, now: dict) -> list[str]:
    return [f"{key} {saved.get(key)!r} there, {now.get(key)!r} now" for key in sorted(set(saved) | set(now))
            if saved.get(key) != now.get(key)]


def _load_arrays(arrays: dict, prefix: str, into: dict, path) -> None:
    """Copy ``arrays[prefix + name]`` into ``into[name]`` for every name, checking names, shapes, dtypes."""
    stored = {key[len(prefix):] for key in arrays if key.startswith(prefix)}
    if stored != set(into):
        raise ModelFileError(f"{path}: the checkpoint's {prefix}* arrays do not match this model "
                             f"(missing {sorted(set(into) - stored)}, unexpected {sorted(stored - set(into))})")
    for name, target in into.items():
        value = arrays[prefix + name]
        if value.shape != target.shape or value.dtype != target.dtype:
            raise ModelFileError(f"{path}: {prefix}{name} is {value.dtype}{value.shape} in the checkpoint, "
                                 f"{target.dtype}{target.shape} in this model")
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            raise ModelFileError(f"{path}: {prefix}{name} holds non-finite numbers")
        target[...] = value


def _restore(params: dict, saved: dict) -> None:
    for name, value in saved.items():
        params[name][...] = value
