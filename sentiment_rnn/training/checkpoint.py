"""The fit loop's resumable state and its file.

A checkpoint is one npz file: a ``metadata`` JSON string (format ``sentiment-rnn-checkpoint``) and named
arrays — ``param/*`` (the weights), ``best/*`` (the best weights so far), ``optim/*`` (the optimizer's
moments or velocities) and ``batches/*`` (this epoch's batch order) — read back with
``allow_pickle=False``. The JSON holds the settings a resumed run must share, a sha256 of the training
data, the generator's state, the position in the epoch and the learning curve.

``save_training_state`` / ``resume_training_state`` are what :func:`sentiment_rnn.training.loop.fit` calls;
``save_checkpoint`` / ``load_checkpoint`` are the file itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from sentiment_rnn.version import __version__
from sentiment_rnn.errors import ModelFileError, TrainingError
from sentiment_rnn.files import json_default, open_npz, read_json_metadata, write_npz_atomic

__all__ = ["CHECKPOINT_FORMAT", "CHECKPOINT_VERSION", "EpochRecord", "TrainResult", "Position", "save_checkpoint",
           "load_checkpoint", "data_fingerprint", "save_training_state", "resume_training_state", "restore_params"]

CHECKPOINT_FORMAT = "sentiment-rnn-checkpoint"
CHECKPOINT_VERSION = 1


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


@dataclass
class Position:
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


def save_checkpoint(path: str | os.PathLike, metadata: dict, arrays: dict[str, np.ndarray]) -> Path:
    """Write a training checkpoint atomically: ``metadata`` (JSON-able) plus named arrays, no pickles."""
    header = {
        "format": CHECKPOINT_FORMAT,
        "format_version": CHECKPOINT_VERSION,
        "sentiment_rnn_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **metadata,
    }
    contents = {"metadata": np.array(json.dumps(header, default=json_default)), **arrays}
    return write_npz_atomic(path, contents, compress=False)  # saved every epoch: speed over size


def load_checkpoint(path: str | os.PathLike) -> tuple[dict, dict[str, np.ndarray]]:
    """(metadata, arrays) of a checkpoint written by :func:`save_checkpoint`, every array read and checked.

    Raises ModelFileError for a missing, truncated, corrupted, pickled or newer-format file.
    """
    path = Path(path)
    with open_npz(path, "checkpoint") as data:
        metadata = read_json_metadata(path, data, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, "checkpoint")
        try:
            arrays = {key: data[key] for key in data.files if key != "metadata"}
        except ValueError as error:
            if "pickle" in str(error):
                raise ModelFileError(f"{path}: refused: the file holds pickled data, which could run code") from None
            raise ModelFileError(f"{path}: damaged checkpoint ({error})") from None
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise ModelFileError(f"{path}: damaged checkpoint ({error})") from None
    return metadata, arrays


def data_fingerprint(train_sequences, train_targets, dev_sequences, dev_targets) -> str:
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


def save_training_state(path, model, optimizer, config, fingerprint, position, result, best_params) -> None:
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
    try:
        save_checkpoint(path, metadata, arrays)
    except OSError as error:
        raise TrainingError(f"cannot write the checkpoint {path} ({error.strerror or error})") from None


def resume_training_state(path, model, optimizer, config, fingerprint, result: TrainResult,
                          examples: int) -> tuple[Position, dict | None]:
    """Load the checkpoint at ``path`` into ``model``, ``optimizer`` and ``result``; return the position
    and the best weights. Raises ModelFileError for a damaged file (a batch order that is not one of the
    ``examples`` training examples each, a learning rate that is not positive), TrainingError for one
    that belongs to other data or settings."""
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
            batches = _batch_order(arrays["batches/index"], arrays["batches/sizes"], examples, path)
        optimizer.lr = float(metadata["lr"])
        if not (np.isfinite(optimizer.lr) and optimizer.lr > 0):
            raise ModelFileError(f"{path}: damaged checkpoint (learning rate {optimizer.lr!r} is not a positive "
                                 "number)")
        saved = metadata["result"]
        result.history[:] = [EpochRecord(**record) for record in saved["history"]]
        result.best_epoch, result.best_dev_accuracy = saved["best_epoch"], saved["best_dev_accuracy"]
        result.stopped_early = saved["stopped_early"]
        position = Position(
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


def _batch_order(index: np.ndarray, sizes: np.ndarray, examples: int, path) -> list[np.ndarray]:
    """An epoch's batches from a checkpoint, checked: every one of ``examples`` examples exactly once."""
    if (index.ndim != 1 or sizes.ndim != 1 or index.dtype.kind not in "iu" or sizes.dtype.kind not in "iu"
            or len(index) != examples or np.any(sizes < 1) or int(sizes.sum()) != examples
            or not np.array_equal(np.sort(index), np.arange(examples))):
        raise ModelFileError(f"{path}: damaged checkpoint (its batch order is not every training example once)")
    return np.split(index, np.cumsum(sizes)[:-1])


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


def restore_params(params: dict, saved: dict) -> None:
    for name, value in saved.items():
        params[name][...] = value
