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

A training checkpoint (see :mod:`sentiment_rnn.training.checkpoint`) has the same shape: a ``metadata`` JSON
string whose ``format`` is ``sentiment-rnn-checkpoint``, and named arrays.

Files are read with ``allow_pickle=False``: loading a model never executes code. Writes are atomic
(:func:`sentiment_rnn.files.atomic_write`): a failed, interrupted or killed save leaves the previous
file intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from sentiment_rnn.errors import ModelFileError, SentimentRNNError
from sentiment_rnn.estimators.ensemble import EnsembleClassifier
from sentiment_rnn.estimators.rnn import BaseClassifier, RNNClassifier
from sentiment_rnn.files import check_npz_members, json_default, open_npz, read_json_metadata, write_npz_atomic
from sentiment_rnn.hyperparameters import check_hyperparameters
from sentiment_rnn.nn.model import ModelConfig, RNNModel, param_shapes
from sentiment_rnn.text.vocab import Vocab
from sentiment_rnn.version import __version__

__all__ = [
    "DEFAULT_MODEL",
    "FORMAT",
    "FORMAT_VERSION",
    "default_model_path",
    "load_model",
    "read_metadata",
    "round_for_compact_storage",
    "save_ensemble",
    "save_model",
]

FORMAT = "sentiment-rnn-model"
FORMAT_VERSION = 2
DEFAULT_MODEL = "default.npz"
REVIEW_COMPOSITION = "sum of sentence evidence"  # a review file's "review/" arrays: see review/model.py
TOKENIZER = {"name": "nltk-treebank", "lowercase": True, "sentence_split": "punkt-untrained"}


def default_model_path() -> Path:
    """The shipped default model: package data in an installed wheel, ``models/`` in a checkout."""
    try:
        installed = Path(str(resources.files("sentiment_rnn.models").joinpath(DEFAULT_MODEL)))
    except ModuleNotFoundError:  # running from a source checkout, where models/ sits beside the package
        installed = None
    if installed is not None and installed.is_file():
        return installed
    return Path(__file__).resolve().parents[2] / "models" / DEFAULT_MODEL


def save_model(model: BaseClassifier, path: str | os.PathLike, *, provenance: dict | None = None, compact: bool = False) -> Path:
    """Write a fitted :class:`~sentiment_rnn.estimators.rnn.RNNClassifier`, or an
    :class:`~sentiment_rnn.estimators.ensemble.EnsembleClassifier` of them, to one ``.npz`` file.

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
    entries, arrays = _ENTRIES[model.kind](model, compact, provenance or {})
    metadata.update(kind=model.kind, **entries)
    arrays["metadata"] = np.array(json.dumps(metadata, default=json_default))
    return write_npz_atomic(path, arrays)


def _single_network_entries(model, compact: bool, provenance: dict) -> tuple[dict, dict[str, np.ndarray]]:
    """A network's metadata and arrays, with ``provenance`` added to its training record."""
    metadata, arrays = _network_entries(model, compact)
    metadata["training"].update(provenance)
    return metadata, arrays


def _ensemble_entries(model, compact: bool, provenance: dict) -> tuple[dict, dict[str, np.ndarray]]:
    """Member k's arrays under "member<k>/"; an array several members hold identically is stored once."""
    arrays: dict[str, np.ndarray] = {}
    members, shared = [], {}
    stored: dict[tuple, str] = {}  # (dtype, shape, sha256) -> the name an array is stored under
    for k, member in enumerate(model.networks):
        member_metadata, member_arrays = _network_entries(member, compact)
        members.append(member_metadata)
        for key, value in member_arrays.items():
            name, fingerprint = f"member{k}/{key}", _fingerprint(value)
            first = stored.get(fingerprint)
            if first is not None and np.array_equal(arrays[first], value):
                shared[name] = first  # stored once for every member that holds it
            else:
                stored[fingerprint], arrays[name] = name, value
    return {"members": members, "shared": shared, "training": dict(provenance)}, arrays


def _review_entries(model, compact: bool, provenance: dict) -> tuple[dict, dict[str, np.ndarray]]:
    """The sentence network's entries, plus the review model's under "review/"."""
    metadata, arrays = _network_entries(model.sentence_, compact)
    lineage = dict(getattr(model.sentence_, "metadata_", {}).get("training", {}))  # as loaded
    metadata["training"] = {**lineage, **metadata["training"]}
    if "sst2_test_accuracy" in model.training_:  # the one-sentence path's score, as `train` records it
        metadata["training"]["test_accuracy"] = model.training_["sst2_test_accuracy"]
    metadata["review"] = {"composition": REVIEW_COMPOSITION, "guard": model.guard,
                          "ngram_order": model.ngrams_.order, "ngram_negation": model.ngrams_.negation,
                          "training": {**model.training_, **provenance}}
    arrays.update({f"review/param/{name}": value for name, value in model.review_params().items()})
    arrays["review/ngram_hashes"] = model.ngrams_.hashes
    arrays["review/ngram_weights"] = model.ngrams_.weights
    return metadata, arrays


# a classifier's ``kind`` (its model file's kind) -> its metadata and arrays
_ENTRIES = {"network": _single_network_entries, "ensemble": _ensemble_entries, "review": _review_entries}


def save_ensemble(model_paths, path: str | os.PathLike, *, compact: bool = False) -> int:
    """Write the ensemble of the models in ``model_paths`` (an ensemble's members join one by one) to
    ``path``; return its number of members."""
    members = []
    for model_path in model_paths:
        members.extend(load_model(model_path).networks)
    save_model(EnsembleClassifier(members), path, provenance={"members_from": [str(p) for p in model_paths]},
               compact=compact)
    return len(members)


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
    """An npz file's arrays as a model's networks see them, each stored array read once: an ensemble's
    array stored once appears under the name of every member that shares it (``shared``: name -> stored
    name), and those members share it in memory too."""

    def __init__(self, path: Path, data, declared: dict, shared=None):
        shared = {} if shared is None else shared
        if not isinstance(shared, dict) or not all(
            isinstance(name, str) and isinstance(stored, str) and stored in data.files for name, stored in shared.items()
        ):
            raise ModelFileError(f"{path}: damaged ensemble file (its shared arrays do not resolve)")
        self._data, self._shared, self._declared = data, shared, declared
        self._read: dict[Any, Any] = {}  # stored name -> its array; (stored name, make) -> what make made
        self.files = [*data.files, *shared]

    def declared(self, name: str) -> tuple[tuple[int, ...], np.dtype] | None:
        """The (shape, dtype) the header of ``name``'s stored array declares, known before it is read."""
        return self._declared.get(self._shared.get(name, name))

    def __getitem__(self, name: str) -> np.ndarray:
        return self.made_from(name, lambda array: array)

    def made_from(self, name: str, make):
        """``make(array)`` of the array stored for ``name``, made once for all the names that share it
        (a float32 copy of float16 word vectors, a vocabulary)."""
        stored = self._shared.get(name, name)
        if (stored, make) not in self._read:
            if stored not in self._read:
                self._read[stored] = self._data[stored]
            self._read[stored, make] = make(self._read[stored])
        return self._read[stored, make]


def _default_or(path) -> Path:
    if path is not None:
        return Path(path)
    default = default_model_path()
    if not default.is_file():
        raise ModelFileError(
            f"the shipped default model is missing (looked for {default}); pass a model file with --model"
        )
    return default


def read_metadata(path: str | os.PathLike | None = None) -> dict:
    """The JSON metadata of a model file (the shipped default when ``path`` is None)."""
    path = _default_or(path)
    with open_npz(path) as data:
        return read_json_metadata(path, data, FORMAT, FORMAT_VERSION, "model")


def load_model(path: str | os.PathLike | None = None):
    """Load a fitted RNNClassifier or EnsembleClassifier (the shipped default model when ``path`` is None).

    Raises ModelFileError for a missing, truncated, corrupted, pickled, newer-format or
    wrongly-shaped file.
    """
    path = _default_or(path)
    with open_npz(path) as data:
        metadata = read_json_metadata(path, data, FORMAT, FORMAT_VERSION, "model")
        declared = check_npz_members(path)  # (shape, dtype) of every array, from its header
        if metadata.get("kind") == "ensemble":
            members = metadata.get("members")
            if not isinstance(members, list) or not members or not all(isinstance(m, dict) for m in members):
                raise ModelFileError(f"{path}: damaged ensemble file (its members are not a list of mappings)")
            arrays = _SharedArrays(path, data, declared, metadata.get("shared", {}))
            classifiers = [
                _load_network(path, arrays, {**metadata, **member}, f"member{k}/") for k, member in enumerate(members)
            ]
            try:
                model = EnsembleClassifier(classifiers)
            except SentimentRNNError as error:
                raise ModelFileError(f"{path}: {error}") from None
        else:
            model = _load_network(path, _SharedArrays(path, data, declared), metadata, "")
            if metadata.get("kind") == "review":  # the sentence network, and the review model around it
                model = _load_review(path, data, metadata, model)
    model.metadata_ = metadata
    return model


def _load_network(path: Path, data, metadata: dict, prefix: str):
    """One RNNClassifier from the arrays under ``prefix`` and its metadata, every entry checked."""
    param_prefix = prefix + "param/"
    try:
        if not isinstance(metadata.get("config"), dict) or not isinstance(metadata.get("hyperparameters"), dict):
            raise ValueError("config and hyperparameters must be mappings")
        config = ModelConfig(**metadata["config"])
        _check_declared_shapes(data, prefix, config)  # before any array is read
        params = {
            key[len(param_prefix) :]: data.made_from(key, _as_float32)
            for key in data.files if key.startswith(param_prefix)
        }
        vocab, classes = data.made_from(prefix + "vocab", _as_vocab), data[prefix + "classes"]
        network = RNNModel(config, params)
        hyperparameters = dict(metadata["hyperparameters"])
        if isinstance(hyperparameters.get("train_label_map"), list):  # JSON gave a list
            hyperparameters["train_label_map"] = tuple(hyperparameters["train_label_map"])
        check_hyperparameters(hyperparameters)
        # The word vectors (and language model) a model started from are in its weights now, and the file named here is on the
        # machine that trained it: a loaded model (and its clone, refitted) starts from random vectors.
        # The name stays in metadata_["hyperparameters"].
        hyperparameters["pretrained_vectors"] = hyperparameters["from_lm"] = None
        classifier = RNNClassifier(**hyperparameters)
        label_names = _label_names(metadata.get("label_names"), classes)
    except (KeyError, TypeError, ValueError, zipfile.BadZipFile, OSError, EOFError) as error:
        raise ModelFileError(f"{path}: damaged or inconsistent model file ({error})") from None
    label_map = classifier.train_label_map
    outputs = len(classes) if label_map is None else len(label_map)  # the network's classes
    if len(vocab) != config.vocab_size or outputs != config.num_classes:
        raise ModelFileError(f"{path}: vocabulary or classes do not match the network's sizes")
    if label_map is not None and not {c for c in label_map if c is not None} == set(classes.tolist()):
        raise ModelFileError(f"{path}: the label map does not lead to the file's classes")
    _check_weights(path, params)
    classifier.vocab_ = vocab
    classifier.classes_ = classes
    classifier.label_names_ = label_names
    classifier.model_ = network
    classifier.training_ = None
    classifier.metadata_ = metadata
    return classifier


def _check_declared_shapes(data: _SharedArrays, prefix: str, config: ModelConfig) -> None:
    """ValueError unless the arrays' headers declare the shapes and kinds the metadata's config implies."""
    expected: dict[str, tuple[tuple[int, ...] | None, str]] = {
        f"param/{name}": (shape, "f") for name, shape in param_shapes(config).items()
    }
    expected.update({"vocab": ((config.vocab_size,), "U"), "classes": (None, "biufU")})
    for name, (shape, kinds) in expected.items():
        found = data.declared(prefix + name)
        if found is not None and ((shape is not None and found[0] != shape) or found[1].kind not in kinds):
            raise ValueError(f"{prefix}{name} is declared {found[1]} {found[0]}, where the config implies "
                             f"{shape if shape is not None else 'labels'}")


def _as_float32(array: np.ndarray) -> np.ndarray:
    return array.astype(np.float32, copy=False)


def _as_vocab(words: np.ndarray) -> Vocab:
    if words.ndim != 1 or words.dtype.kind != "U":
        raise ValueError(f"the vocabulary is {words.dtype} {words.shape}, not a list of words")
    return Vocab.from_list(words.tolist())


def _label_names(names, classes: np.ndarray) -> tuple[str, ...]:
    """The label names of a file, checked against its classes: ValueError unless ``classes`` is a list of
    at least two distinct labels and ``names`` one distinct string for each."""
    if classes.ndim != 1 or len(classes) < 2 or classes.dtype.kind not in "biufU" or (
            classes.dtype.kind == "f" and not np.all(np.isfinite(classes))):
        raise ValueError(f"classes must be a list of at least two integer or string labels, got {classes.dtype} "
                         f"{classes.shape}")
    if len(np.unique(classes)) != len(classes):
        raise ValueError(f"the classes {classes.tolist()} repeat a label")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
        raise ValueError("label_names must be a list of distinct strings")
    if len(names) != len(classes):
        raise ValueError(f"{len(names)} label names for {len(classes)} classes")
    return tuple(names)


def round_for_compact_storage(model: BaseClassifier) -> None:
    """Round every network's word vectors to float16 in place, as ``save_model(..., compact=True)``
    stores them, so that what is scored before saving is exactly what the file will hold."""
    for network in model.networks:
        embedding = network.params_["embedding.weight"]
        embedding[...] = embedding.astype(np.float16)


def _load_review(path: Path, data, metadata: dict, sentence_model):
    """A ReviewClassifier from a review file's "review/" arrays around its sentence network."""
    from sentiment_rnn.review.classifier import ReviewClassifier
    from sentiment_rnn.review.model import EvidenceHead
    from sentiment_rnn.review.ngrams import NgramWeights

    prefix = "review/param/"
    review = metadata.get("review")
    if not isinstance(review, dict):
        review = {}
    if review.get("composition") != REVIEW_COMPOSITION:
        raise ModelFileError(f"{path}: a review model of an earlier composition (attention over sentences); "
                             "this version reads the sum of sentence evidence: rebuild it with train-review")
    try:
        stored = {key[len(prefix) :]: data[key] for key in data.files if key.startswith(prefix)}
        ngram_weights = data["review/ngram_weights"]
        _check_weights(path, {**stored, "ngram_weights": ngram_weights})
        params = {name: array.astype(np.float64) for name, array in stored.items()}
        _check_review_shapes(params, sentence_model.model_.config)
        ngrams = NgramWeights(data["review/ngram_hashes"], ngram_weights.astype(np.float32),
                              int(review["ngram_order"]), bool(review["ngram_negation"]))
        model = ReviewClassifier(sentence_model, EvidenceHead(params), ngrams, guard=review["guard"],
                                 training=review.get("training"))
    except (KeyError, TypeError, ValueError, SentimentRNNError, zipfile.BadZipFile, OSError, EOFError) as error:
        if isinstance(error, ModelFileError):
            raise
        raise ModelFileError(f"{path}: damaged or inconsistent review model file ({error})") from None
    if ngrams.hashes.dtype != np.uint64 or np.any(np.diff(ngrams.hashes) <= 0) or ngrams.weights.shape != ngrams.hashes.shape:
        raise ModelFileError(f"{path}: damaged review model file (n-gram table)")
    return model


MAX_ABS_WEIGHT = 1e4  # trained weights stay within a few units; far beyond, float32 arithmetic overflows to NaN


def _check_weights(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """ModelFileError unless every array holds real floating-point numbers, finite and within MAX_ABS_WEIGHT
    (NaN, complex or absurd weights would answer NaN probabilities)."""
    for name, array in arrays.items():
        if array.dtype.kind != "f":
            raise ModelFileError(f"{path}: {name} holds {array.dtype} values, not real floating-point numbers")
        with np.errstate(invalid="ignore"):
            if not np.all(np.abs(array) <= MAX_ABS_WEIGHT):  # False for NaN too
                raise ModelFileError(f"{path}: {name} holds non-finite weights or weights beyond "
                                     f"±{MAX_ABS_WEIGHT:g}")


def _check_review_shapes(head: dict[str, np.ndarray], sentence: ModelConfig) -> None:
    """ValueError unless the review head's arrays are the ones its composition names, in the shapes the
    sentence network's state width implies."""
    from sentiment_rnn.review.model import head_param_shapes

    expected = head_param_shapes(sentence.hidden_size * sentence.directions)
    for name in sorted(set(expected) | set(head)):
        if name not in head or head[name].shape != expected.get(name):
            raise ValueError(f"review/param/{name} is {head[name].shape if name in head else 'missing'}, where the "
                             f"sentence network implies {expected.get(name)}")
