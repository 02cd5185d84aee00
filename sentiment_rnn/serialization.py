"""Model files: one ``.npz`` of named arrays plus JSON metadata and the vocabulary as a string array.

Layout of a file (format version 2)::

    metadata            0-d str    JSON: format, format_version, hyperparameters, network config,
                                   label names, tokenizer settings, training provenance
    vocab               (V,) str   tokens in id order (PAD, UNK first)
    classes             (C,)       the labels the classifier predicts (ints or strings)
    param/<name>        arrays     the network's parameters, keyed by PyTorch's names

An ensemble stores member k's entries under ``member<k>/``; an array that several members hold
identically (the vocabulary, or word vectors they share) is stored once, under its first member's name,
and ``metadata["shared"]`` maps every other name to it (version 2; version 1 files have no sharing).

A training checkpoint (see :mod:`sentiment_rnn.train`) has the same shape: a ``metadata`` JSON string
whose ``format`` is ``sentiment-rnn-checkpoint``, and named arrays.

Files are read with ``allow_pickle=False``: loading a model never executes code. Writes are atomic: the
file is written to a temporary file ``.<name>.<random>.tmp`` in the same folder and moved over the
target with ``os.replace``, so a failed, interrupted or killed save leaves the previous file intact. A
temporary left behind by a killed process is never read, and the next save to the same path removes it
once it is older than ``STALE_TEMPORARY_SECONDS``.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import tempfile
import time
import zipfile
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import numpy as np

from sentiment_rnn import __version__
from sentiment_rnn.errors import ModelFileError, SentimentRNNError

__all__ = ["FORMAT", "FORMAT_VERSION", "CHECKPOINT_FORMAT", "CHECKPOINT_VERSION", "DEFAULT_MODEL",
           "default_model_path", "save_model", "load_model", "read_metadata", "write_npz_atomic", "atomic_write",
           "save_checkpoint", "load_checkpoint"]

FORMAT = "sentiment-rnn-model"
FORMAT_VERSION = 2
CHECKPOINT_FORMAT = "sentiment-rnn-checkpoint"
CHECKPOINT_VERSION = 1
STALE_TEMPORARY_SECONDS = 600  # a temporary this old belongs to a save that was killed, not a running one
DEFAULT_MODEL = "default.npz"
TOKENIZER = {"name": "nltk-treebank", "lowercase": True, "sentence_split": "punkt-untrained"}


def default_model_path() -> Path:
    """The shipped default model: package data in an installed wheel, ``models/`` in a checkout."""
    try:
        installed = Path(str(resources.files("sentiment_rnn.models").joinpath(DEFAULT_MODEL)))
    except ModuleNotFoundError:  # running from a source checkout, where models/ sits beside the package
        installed = None
    if installed is not None and installed.is_file():
        return installed
    return Path(__file__).resolve().parent.parent / "models" / DEFAULT_MODEL


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike):
    """Open a temporary file ``.<name>.<random>.tmp`` beside ``path`` for binary writing; when the
    block ends without an error, flush and fsync it, give it the usual permissions and move it over
    ``path`` with ``os.replace``. When the block raises, the temporary is removed and ``path`` is
    left as it was: a reader sees the old file or the new one, never a mix."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, _new_file_mode())  # mkstemp makes 0600 files; give the usual permissions
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_folder(folder)


def write_npz_atomic(path: str | os.PathLike, arrays: dict[str, np.ndarray], compress: bool = True) -> Path:
    """Write ``arrays`` to ``path`` atomically (see :func:`atomic_write`)."""
    with atomic_write(path) as out:  # a file object: np.savez given a path would append .npz
        (np.savez_compressed if compress else np.savez)(out, **arrays)
    return Path(path)


def _new_file_mode() -> int:
    """The mode an ordinary new file gets here: 0666 less the process's umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; elsewhere a no-op)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _remove_stale_temporaries(path: Path) -> None:
    """Delete ``.<name>.*.tmp`` files that a killed save to ``path`` left behind (never the target)."""
    now = time.time()
    for temporary in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            if now - temporary.stat().st_mtime > STALE_TEMPORARY_SECONDS:
                temporary.unlink()
        except OSError:  # removed meanwhile, or not ours to remove: leave it
            pass


def save_model(model, path: str | os.PathLike, *, provenance: dict | None = None, compact: bool = False) -> Path:
    """Write a fitted :class:`~sentiment_rnn.classifier.RNNClassifier`, or an
    :class:`~sentiment_rnn.classifier.EnsembleClassifier` of them, to one ``.npz`` file.

    ``compact`` stores the word vectors (most of the file) as float16, halving the file; they are read
    back as float32.
    """
    model._check_fitted()
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "sentiment_rnn_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "label_names": list(model.label_names_),
        "tokenizer": TOKENIZER,
    }
    if hasattr(model, "members_"):  # an ensemble: member k's arrays are stored under "member<k>/"
        arrays, members, shared = {}, [], {}
        stored = {}  # (dtype, shape, sha256) -> the name an array is stored under
        for k, member in enumerate(model.members_):
            member_metadata, member_arrays = _network_entries(member, compact)
            members.append(member_metadata)
            for key, value in member_arrays.items():
                name, fingerprint = f"member{k}/{key}", _fingerprint(value)
                first = stored.get(fingerprint)
                if first is not None and np.array_equal(arrays[first], value):
                    shared[name] = first  # stored once for every member that holds it
                else:
                    stored[fingerprint], arrays[name] = name, value
        metadata.update(kind="ensemble", members=members, shared=shared, training=dict(provenance or {}))
    elif hasattr(model, "head_"):  # a review model: the sentence network, plus "review/" arrays
        network_metadata, arrays = _network_entries(model.sentence_, compact)
        lineage = dict(getattr(model.sentence_, "metadata_", {}).get("training", {}))  # as loaded
        network_metadata["training"] = {**lineage, **network_metadata["training"]}
        if "sst2_test_accuracy" in model.training_:  # the one-sentence path's score, as `train` records it
            network_metadata["training"]["test_accuracy"] = model.training_["sst2_test_accuracy"]
        metadata.update(kind="review", **network_metadata)
        metadata["review"] = {"mix": model.mix_.tolist(), "ngram_order": model.ngrams_.order,
                              "training": {**model.training_, **(provenance or {})}}
        arrays.update({f"review/param/{name}": value for name, value in model.review_params().items()})
        arrays["review/ngram_hashes"] = model.ngrams_.hashes
        arrays["review/ngram_weights"] = model.ngrams_.weights
    else:
        network_metadata, arrays = _network_entries(model, compact)
        metadata.update(kind="network", **network_metadata)
        metadata["training"].update(provenance or {})
    arrays["metadata"] = np.array(json.dumps(metadata, default=_json_default))
    return write_npz_atomic(path, arrays)


def _network_entries(model, compact: bool = False) -> tuple[dict, dict[str, np.ndarray]]:
    """The metadata and arrays of one fitted RNNClassifier (float16 word vectors if ``compact``)."""
    metadata = {
        "hyperparameters": model.get_params(),
        "config": model.model_.config.to_dict(),
        "training": model.training_.to_dict() if getattr(model, "training_", None) is not None else {},
    }
    arrays = {"vocab": np.array(model.vocab_.to_list()), "classes": np.asarray(model.classes_)}
    arrays.update({f"param/{name}": value for name, value in model.model_.params.items()})
    if compact:
        arrays["param/embedding.weight"] = arrays["param/embedding.weight"].astype(np.float16)
    return metadata, arrays


def _fingerprint(value: np.ndarray) -> tuple:
    return value.dtype.str, value.shape, hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()


class _SharedArrays:
    """An ensemble file's arrays as its members see them: an array stored once appears under the name
    of every member that shares it (``shared``: name -> stored name)."""

    def __init__(self, path: Path, data, shared):
        if not isinstance(shared, dict) or not all(
            isinstance(name, str) and isinstance(stored, str) and stored in data.files for name, stored in shared.items()
        ):
            raise ModelFileError(f"{path}: damaged ensemble file (its shared arrays do not resolve)")
        self._data, self._shared = data, shared
        self.files = [*data.files, *shared]

    def __getitem__(self, name: str) -> np.ndarray:
        return self._data[self._shared.get(name, name)]


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in model metadata")


def _default_or(path) -> Path:
    if path is not None:
        return Path(path)
    default = default_model_path()
    if not default.is_file():
        raise ModelFileError(
            f"the shipped default model is missing (looked for {default}); pass a model file with --model"
        )
    return default


def _open(path: Path, kind: str = "model"):
    if not path.is_file():
        raise ModelFileError(f"{path}: no such {kind} file")
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as error:
        if "pickle" in str(error):
            raise ModelFileError(f"{path}: refused: the file holds pickled data, which could run code") from None
        raise ModelFileError(f"{path}: not a sentiment-rnn {kind} file ({error})") from None
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        raise ModelFileError(f"{path}: not a readable .npz {kind} file, truncated or of another kind ({error})") from None


def _read_metadata(path: Path, data, file_format: str = FORMAT, newest: int = FORMAT_VERSION) -> dict:
    kind = "model" if file_format == FORMAT else "checkpoint"
    if "metadata" not in data.files:
        raise ModelFileError(f"{path}: not a sentiment-rnn {kind} file (no metadata)")
    try:
        metadata = json.loads(str(data["metadata"]))
    except (ValueError, zipfile.BadZipFile, OSError, EOFError) as error:
        raise ModelFileError(f"{path}: corrupted metadata ({error})") from None
    if not isinstance(metadata, dict) or metadata.get("format") != file_format:
        raise ModelFileError(f"{path}: not a sentiment-rnn {kind} file")
    version = metadata.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFileError(f"{path}: corrupted metadata (format version {version!r})")
    if version > newest:
        raise ModelFileError(
            f"{path}: {kind} format version {version} is newer than this sentiment-rnn reads ({newest}); "
            "upgrade sentiment-rnn"
        )
    return metadata


def read_metadata(path: str | os.PathLike | None = None) -> dict:
    """The JSON metadata of a model file (the shipped default when ``path`` is None)."""
    path = _default_or(path)
    with _open(path) as data:
        return _read_metadata(path, data)


def load_model(path: str | os.PathLike | None = None):
    """Load a fitted RNNClassifier or EnsembleClassifier (the shipped default model when ``path`` is None).

    Raises ModelFileError for a missing, truncated, corrupted, pickled, newer-format or
    wrongly-shaped file.
    """
    from sentiment_rnn.classifier import EnsembleClassifier

    path = _default_or(path)
    with _open(path) as data:
        metadata = _read_metadata(path, data)
        if metadata.get("kind") == "ensemble":
            members = metadata.get("members")
            if not isinstance(members, list) or not members:
                raise ModelFileError(f"{path}: damaged ensemble file (no members)")
            arrays = _SharedArrays(path, data, metadata.get("shared", {}))
            classifiers = [
                _load_network(path, arrays, {**metadata, **member}, f"member{k}/") for k, member in enumerate(members)
            ]
            try:
                model = EnsembleClassifier(classifiers)
            except SentimentRNNError as error:
                raise ModelFileError(f"{path}: {error}") from None
        else:
            model = _load_network(path, data, metadata, "")
            if metadata.get("kind") == "review":
                model = _load_review(path, data, metadata, model)
    model.metadata_ = metadata
    return model


def _load_network(path: Path, data, metadata: dict, prefix: str):
    """One RNNClassifier from the arrays under ``prefix`` and its metadata."""
    from sentiment_rnn.classifier import RNNClassifier
    from sentiment_rnn.model import ModelConfig, RNNModel
    from sentiment_rnn.vocab import Vocab

    param_prefix = prefix + "param/"
    try:
        params = {
            key[len(param_prefix) :]: data[key].astype(np.float32, copy=False)
            for key in data.files
            if key.startswith(param_prefix)
        }
        vocab = Vocab.from_list(data[prefix + "vocab"].tolist())
        classes = data[prefix + "classes"]
        config = ModelConfig(**metadata["config"])
        network = RNNModel(config, params)
        hyperparameters = dict(metadata["hyperparameters"])
        if hyperparameters.get("train_label_map") is not None:  # JSON gave a list
            hyperparameters["train_label_map"] = tuple(hyperparameters["train_label_map"])
        classifier = RNNClassifier(**hyperparameters)
    except (KeyError, TypeError, ValueError, zipfile.BadZipFile, OSError, EOFError) as error:
        raise ModelFileError(f"{path}: damaged or inconsistent model file ({error})") from None
    label_map = classifier.train_label_map
    outputs = len(classes) if label_map is None else len(label_map)  # the network's classes
    if len(vocab) != config.vocab_size or outputs != config.num_classes:
        raise ModelFileError(f"{path}: vocabulary or classes do not match the network's sizes")
    if any(p.dtype.kind != "f" or not np.all(np.isfinite(p)) for p in params.values()):
        raise ModelFileError(f"{path}: parameters are not finite floating-point numbers")
    classifier.vocab_ = vocab
    classifier.classes_ = classes
    classifier.label_names_ = tuple(metadata["label_names"])
    classifier.model_ = network
    classifier.training_ = None
    classifier.metadata_ = metadata
    return classifier


def _load_review(path: Path, data, metadata: dict, sentence_model):
    """A ReviewClassifier from a review file's "review/" arrays around its sentence network."""
    from sentiment_rnn.ngrams import NgramWeights
    from sentiment_rnn.review_classifier import ReviewClassifier
    from sentiment_rnn.review_model import ReviewHead

    prefix = "review/param/"
    try:
        review = metadata["review"]
        params = {key[len(prefix) :]: data[key].astype(np.float32, copy=False) for key in data.files
                  if key.startswith(prefix)}
        recurrent = {k: v for k, v in params.items() if k.startswith("rnn.")}
        head = ReviewHead({k: v for k, v in params.items() if not k.startswith("rnn.")})
        ngrams = NgramWeights(data["review/ngram_hashes"], data["review/ngram_weights"].astype(np.float32),
                              int(review["ngram_order"]))
        model = ReviewClassifier(sentence_model, head, ngrams, review["mix"], recurrent=recurrent or None,
                                 training=review.get("training"))
    except (KeyError, TypeError, ValueError, zipfile.BadZipFile, OSError, EOFError) as error:
        raise ModelFileError(f"{path}: damaged or inconsistent review model file ({error})") from None
    if ngrams.hashes.dtype != np.uint64 or np.any(np.diff(ngrams.hashes) <= 0) or ngrams.weights.shape != ngrams.hashes.shape:
        raise ModelFileError(f"{path}: damaged review model file (n-gram table)")
    if any(p.dtype.kind != "f" or not np.all(np.isfinite(p)) for p in params.values()):
        raise ModelFileError(f"{path}: parameters are not finite floating-point numbers")
    return model


def save_checkpoint(path: str | os.PathLike, metadata: dict, arrays: dict[str, np.ndarray]) -> Path:
    """Write a training checkpoint atomically: ``metadata`` (JSON-able) plus named arrays, no pickles."""
    header = {
        "format": CHECKPOINT_FORMAT,
        "format_version": CHECKPOINT_VERSION,
        "sentiment_rnn_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **metadata,
    }
    contents = {"metadata": np.array(json.dumps(header, default=_json_default)), **arrays}
    return write_npz_atomic(path, contents, compress=False)  # saved every epoch: speed over size


def load_checkpoint(path: str | os.PathLike) -> tuple[dict, dict[str, np.ndarray]]:
    """(metadata, arrays) of a checkpoint written by :func:`save_checkpoint`, every array read and checked.

    Raises ModelFileError for a missing, truncated, corrupted, pickled or newer-format file.
    """
    path = Path(path)
    with _open(path, "checkpoint") as data:
        metadata = _read_metadata(path, data, CHECKPOINT_FORMAT, CHECKPOINT_VERSION)
        try:
            arrays = {key: data[key] for key in data.files if key != "metadata"}
        except ValueError as error:
            if "pickle" in str(error):
                raise ModelFileError(f"{path}: refused: the file holds pickled data, which could run code") from None
            raise ModelFileError(f"{path}: damaged checkpoint ({error})") from None
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise ModelFileError(f"{path}: damaged checkpoint ({error})") from None
    return metadata, arrays
