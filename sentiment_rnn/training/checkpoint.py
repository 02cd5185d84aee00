"""The fit loop's resumable state and its file.

A checkpoint is one npz file: a ``metadata`` JSON string (format ``sentiment-rnn-checkpoint``) and named
arrays — ``param/*`` (the weights), ``best/*`` (the best weights so far), ``optim/*`` (the optimizer's
moments or velocities) and ``batches/*`` (this epoch's batch order) — read back with
``allow_pickle=False``. The JSON holds the settings a resumed run must share, a sha256 of the training
data, the generator's state, the position in the epoch and the learning curve.

``save_training_state`` / ``resume_training_state`` write and read a whole
:class:`~sentiment_rnn.training.state.TrainingState`, beside the identity of the run it belongs to (the
settings, the network's shape and the data's sha256); ``save_checkpoint`` / ``load_checkpoint`` are the
file itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from sentiment_rnn.version import __version__
from sentiment_rnn.errors import ModelFileError, TrainingError
from sentiment_rnn.files import json_default, open_npz, read_json_metadata, write_npz_atomic
from sentiment_rnn.training.state import EpochRecord, Position, TrainingState

__all__ = ["CHECKPOINT_FORMAT", "CHECKPOINT_VERSION", "save_checkpoint", "load_checkpoint", "data_fingerprint",
           "run_identity", "save_training_state", "resume_training_state"]

CHECKPOINT_FORMAT = "sentiment-rnn-checkpoint"
CHECKPOINT_VERSION = 1


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


def run_identity(settings: dict, model_config: dict, fingerprint: str | None) -> dict:
    """What a resumed run must share with its checkpoint: the fit loop's ``settings`` but the number of
    epochs (which may be raised), the network's ``model_config`` and the data's ``fingerprint``."""
    settings = json.loads(json.dumps(settings))
    settings.pop("epochs", None)
    return {"settings": settings, "model_config": json.loads(json.dumps(model_config)), "data_sha256": fingerprint}


def save_training_state(path, state: TrainingState, identity: dict) -> None:
    """Write ``state`` whole to the checkpoint ``path``, with the ``identity`` of its run (:func:`run_identity`)."""
    position, stopping = state.position, state.stopping
    metadata = {
        **identity,
        "epoch": position.epoch,
        "batch": position.batch,
        "rng_state": position.rng_state,
        "total_loss": position.total_loss,
        "tokens": position.tokens,
        "seconds": position.seconds,
        "epochs_without_gain": stopping.without_gain,
        "lr": state.optimizer.lr,
        "result": state.result.to_dict(),
        "has_best": stopping.best_params is not None,
    }
    arrays = {f"param/{name}": value for name, value in state.params.items()}
    arrays.update({f"optim/{key}": value for key, value in state.optimizer.state.items()})
    if stopping.best_params is not None:
        arrays.update({f"best/{name}": value for name, value in stopping.best_params.items()})
    if position.batches is not None:
        arrays["batches/index"] = np.concatenate(position.batches).astype(np.int64)  # (N,)
        arrays["batches/sizes"] = np.array([len(b) for b in position.batches], dtype=np.int64)
    try:
        save_checkpoint(path, metadata, arrays)
    except OSError as error:
        raise TrainingError(f"cannot write the checkpoint {path} ({error.strerror or error})") from None


def resume_training_state(path, state: TrainingState, identity: dict, examples: int) -> None:
    """Load the checkpoint at ``path`` into ``state``, whole: weights, optimizer, position, early stopper and
    learning curve. Raises ModelFileError for a damaged file (a batch order that is not one of the
    ``examples`` training examples each, a learning rate that is not positive), TrainingError for one
    that belongs to another run (``identity``: other data or settings)."""
    metadata, arrays = load_checkpoint(path)
    cannot = f"cannot resume from {path}"
    try:
        differences = _differences(metadata["settings"], identity["settings"])
        if not differences and metadata["data_sha256"] != identity["data_sha256"]:
            raise TrainingError(f"{cannot}: it was made from other training or dev data, or another vocabulary")
        differences += _differences(metadata["model_config"], identity["model_config"])
        if differences:
            raise TrainingError(f"{cannot}: it was made with other settings ({'; '.join(differences)})")
        _load_arrays(arrays, "param/", state.params, path)
        _load_arrays(arrays, "optim/", state.optimizer.state, path)
        stopping = state.stopping
        stopping.best_params = None
        if metadata["has_best"]:
            stopping.best_params = {name: np.empty_like(value) for name, value in state.params.items()}
            _load_arrays(arrays, "best/", stopping.best_params, path)
        batches = None
        if "batches/index" in arrays:
            batches = _batch_order(arrays["batches/index"], arrays["batches/sizes"], examples, path)
        lr = float(metadata["lr"])
        if not (np.isfinite(lr) and lr > 0):
            raise ModelFileError(f"{path}: damaged checkpoint (learning rate {lr!r} is not a positive number)")
        state.optimizer.lr = lr
        saved = metadata["result"]
        state.history[:] = [EpochRecord(**record) for record in saved["history"]]
        stopping.best_epoch, stopping.best_score = saved["best_epoch"], saved["best_dev_accuracy"]
        stopping.stopped = saved["stopped_early"]
        stopping.without_gain = int(metadata["epochs_without_gain"])
        position = Position(
            epoch=int(metadata["epoch"]), batch=int(metadata["batch"]), batches=batches,
            rng_state=metadata["rng_state"], total_loss=float(metadata["total_loss"]),
            tokens=int(metadata["tokens"]), seconds=float(metadata["seconds"]),
        )
        np.random.default_rng().bit_generator.state = metadata["rng_state"]  # raises if the state is malformed
    except (KeyError, TypeError, ValueError) as error:
        raise ModelFileError(f"{path}: damaged checkpoint ({type(error).__name__}: {error})") from None
    if position.batch and (batches is None or position.batch > len(batches)):
        raise ModelFileError(f"{path}: damaged checkpoint (batch {position.batch} of an epoch it does not hold)")
    state.position = position


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
