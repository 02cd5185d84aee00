"""Hostile model files and checkpoints: files crafted to exhaust memory, to crash the loader, or to give
wrong answers without a word. Each is a row of HOSTILE_MODELS, CRAFTED_METADATA or CRAFTED_CHECKPOINTS
(the Reliability page's table counts them; ``test_second_round_counts_in_readme.py`` keeps the numbers
true). Every one is refused with one line, exit 1, no traceback, and the file is left as it was; the
files built to exhaust memory are loaded in a real process whose peak memory is measured.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sentiment_rnn.cli import main
from sentiment_rnn.errors import ModelFileError
from sentiment_rnn.io.serialization import load_model, save_model
from test_memory_bounds import run_measured
from test_robustness import _assert_one_line_failure, _classifier, _metadata, _rewrite, _toy_data

PEAK_LIMIT_MB = 300  # the bound for a hostile model file


def _npy(shape, dtype="<f4", body: bytes = b"") -> bytes:
    """An .npy member whose header declares ``shape`` and ``dtype``, followed by ``body``."""
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(out, {"descr": dtype, "fortran_order": False, "shape": shape})
    return out.getvalue() + body


def _members(good: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(good) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _write_zip(path: Path, members: list[tuple[str, bytes]]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)


def _declares_2_40_floats(good: Path, bad: Path):
    members = _members(good)
    members["param/fc.bias.npy"] = _npy((1 << 40,), body=b"\0" * 8000)
    _write_zip(bad, list(members.items()))


def _zip_bomb(good: Path, bad: Path):
    """1 MB on disk that inflates to 1 GiB of float32 zeros in param/fc.bias."""
    members = _members(good)
    with zipfile.ZipFile(bad, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in members.items():
            if name != "param/fc.bias.npy":
                archive.writestr(name, data)
        with archive.open("param/fc.bias.npy", "w", force_zip64=True) as out:
            out.write(_npy((1 << 28,)))
            zeros = bytes(1 << 24)
            for _ in range(64):
                out.write(zeros)


def _huge_metadata(good: Path, bad: Path):
    """Metadata of 1 MB more than the limit (a made-up learning curve)."""
    def grow(metadata):
        metadata["training"]["history"] = [{"epoch": i, "note": "x" * 40} for i in range(25_000)]
    _metadata(grow)(good, bad)


def _nested_brackets(good: Path, bad: Path):
    members = _members(good)
    text = '{"format": "sentiment-rnn-model", "format_version": 2, "x": ' + "[" * 200_000 + "]" * 200_000 + "}"
    members["metadata.npy"] = _npy((), f"<U{len(text)}", np.array(text).tobytes())
    _write_zip(bad, list(members.items()))


def _two_metadata_entries(good: Path, bad: Path):
    members = _members(good)
    other = json.loads(str(np.load(good)["metadata"]))
    other["label_names"] = ["positive", "negative"]  # a second opinion a reader might pick
    text = json.dumps(other)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name it is asked to write
        _write_zip(bad, [*members.items(), ("metadata.npy", _npy((), f"<U{len(text)}", np.array(text).tobytes()))])


def _ensemble_of_200(good: Path, bad: Path):
    """200 members that share one stored copy of every array (a legitimate file; it must load in bounded
    memory, each array read once)."""
    with np.load(good, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    network = json.loads(str(arrays.pop("metadata")))
    params = dict(arrays)
    member = {key: network[key] for key in ("hyperparameters", "config", "training")}
    embedding = np.random.default_rng(0).standard_normal((100_000, network["config"]["embedding_dim"]))
    vocab = np.array(list(arrays["vocab"]) + [f"w{i}" for i in range(100_000 - len(arrays["vocab"]))])
    member["config"] = {**member["config"], "vocab_size": len(vocab)}
    params["param/embedding.weight"], params["vocab"] = embedding.astype(np.float16), vocab
    stored = {f"member0/{key}": value for key, value in params.items()}
    shared = {f"member{k}/{key}": f"member0/{key}" for k in range(1, 200) for key in params}
    metadata = {key: network[key] for key in ("format", "format_version", "label_names", "tokenizer")}
    metadata.update(kind="ensemble", members=[member] * 200, shared=shared, training={})
    np.savez_compressed(bad, metadata=np.array(json.dumps(metadata)), **stored)


# (name, how to make it, a word of the one-line error, or None when the file is good and must load)
HOSTILE_MODELS = [
    ("an 11 KB file whose header declares 2**40 floats", _declares_2_40_floats, "fc.bias"),
    ("a 1 MB zip bomb inflating to 1 GiB", _zip_bomb, "zip bomb"),
    ("1 MB of metadata JSON", _huge_metadata, "metadata"),
    ("200,000 nested brackets in the metadata", _nested_brackets, "nested"),
    ("two metadata entries in one zip", _two_metadata_entries, "more than once"),
    ("an ensemble of 200 members sharing one stored array", _ensemble_of_200, None),
]


@pytest.fixture(scope="module")
def hostile(toy, tmp_path_factory):
    _, good = toy
    folder = tmp_path_factory.mktemp("hostile")
    files = {}
    for name, make, _ in HOSTILE_MODELS:
        files[name] = folder / f"{len(files)}.npz"
        make(good, files[name])
    return files


@pytest.mark.skipif(sys.platform == "win32", reason="resource.getrusage measures the peak")
@pytest.mark.parametrize("name, make, word", HOSTILE_MODELS, ids=[case[0] for case in HOSTILE_MODELS])
def test_hostile_model_file_is_refused_in_bounded_memory(hostile, name, make, word):
    path = hostile[name]
    before = path.read_bytes()
    code, peak, _, _, stderr = run_measured([sys.executable, "-m", "sentiment_rnn", "predict", "--model", str(path),
                                             "a good film"])
    print(f"{name}: peak {peak:.0f} MB")
    assert peak < PEAK_LIMIT_MB, (name, peak)
    assert "Traceback" not in stderr
    if word is None:
        assert code == 0, stderr
    else:
        assert code == 1 and len(stderr.strip().splitlines()) == 1 and word in stderr, stderr
    assert path.read_bytes() == before


def test_an_ensemble_reads_a_shared_array_once(hostile):
    model = load_model(hostile["an ensemble of 200 members sharing one stored array"])
    assert len(model) == 200
    first = model.members_[0].vocab_
    assert all(member.model_.params["fc.weight"] is model.members_[0].model_.params["fc.weight"]
               for member in model.members_)
    assert all(len(member.vocab_) == len(first) for member in model.members_)


# ----------------------------------------------------------------------------------------------------
# Crafted metadata: each would crash the loader with a traceback or answer wrongly without a word.

def _edit_member(change):
    """Make an ensemble of the good file's network twice, then change its metadata."""
    def make(good: Path, bad: Path):
        from sentiment_rnn.estimators.ensemble import EnsembleClassifier

        model = load_model(good)
        save_model(EnsembleClassifier([model, model]), bad)
        _metadata(change)(bad, bad)
    return make


def _set(path: str, value):
    def change(metadata):
        *parents, last = path.split(".")
        target = metadata
        for key in parents:
            target = target[key]
        target[last] = value
    return change


CRAFTED_METADATA = [
    ("label_names missing", _metadata(lambda m: m.pop("label_names")), "label_names"),
    ("label_names a number", _metadata(_set("label_names", 7)), "label_names"),
    ("label_names a list of numbers", _metadata(_set("label_names", [0, 1])), "label_names"),
    ("fewer label names than classes", _metadata(_set("label_names", ["negative"])), "label names"),
    ("ensemble members that are not mappings", _edit_member(_set("members", [1, 2])), "members"),
    ("vocab_size a float", _metadata(lambda m: m["config"].update(vocab_size=float(m["config"]["vocab_size"]))),
     "vocab_size"),
    ("a config of 10**9 words, more than the arrays hold", _metadata(_set("config.vocab_size", 10**9)), "declared"),
    ("max_len a string", _metadata(_set("hyperparameters.max_len", "20")), "max_len"),
    ("max_len 0 (every text would be empty)", _metadata(_set("hyperparameters.max_len", 0)), "max_len"),
    ("max_len negative", _metadata(_set("hyperparameters.max_len", -5)), "max_len"),
    ("config not a mapping", _metadata(_set("config", [1, 2])), "mappings"),
    ("an unknown hyperparameter", _metadata(_set("hyperparameters.colour", "red")), "colour"),
    ("a cell that does not exist", _metadata(_set("config.cell", "quantum")), "quantum"),
    ("a short label map", _metadata(_set("hyperparameters.train_label_map", [0])), "sizes"),
    ("0-d classes", _rewrite(lambda a: a.update(classes=np.array(1))), "classes"),
    ("duplicated classes", _rewrite(lambda a: a.update(classes=np.array([1, 1]))), "repeat"),
    ("NaN classes", _rewrite(lambda a: a.update(classes=np.array([0.5, np.nan]))), "classes"),
]


@pytest.mark.parametrize("name, make, word", CRAFTED_METADATA, ids=[case[0] for case in CRAFTED_METADATA])
def test_crafted_metadata_is_refused_with_one_line(toy, tmp_path, name, make, word):
    _, good = toy
    bad = tmp_path / "bad.npz"
    make(good, bad)
    before = bad.read_bytes()
    with pytest.raises(ModelFileError):
        load_model(bad)
    result = CliRunner().invoke(main, ["predict", "--model", str(bad), "a good film"])
    _assert_one_line_failure(result, word)
    assert bad.read_bytes() == before


# ----------------------------------------------------------------------------------------------------
# Crafted checkpoints: resuming from them must refuse with one line, never train on nonsense.

def _checkpoint_change(change):
    def make(path: Path):
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        metadata = json.loads(str(arrays.pop("metadata")))
        change(metadata, arrays)
        np.savez(path, metadata=np.array(json.dumps(metadata)), **arrays)
    return make


def _bad_index(metadata, arrays):
    arrays["batches/index"] = arrays["batches/index"] + 10**6


def _bad_sizes(metadata, arrays):
    arrays["batches/sizes"] = arrays["batches/sizes"] * 3


CRAFTED_CHECKPOINTS = [
    ("a batch order that names examples that do not exist", _checkpoint_change(_bad_index), "batch order"),
    ("batch sizes that do not add up", _checkpoint_change(_bad_sizes), "batch order"),
    ("a negative learning rate (gradient ascent)", _checkpoint_change(lambda m, a: m.update(lr=-0.01)),
     "learning rate"),
]


@pytest.mark.parametrize("name, change, word", CRAFTED_CHECKPOINTS, ids=[case[0] for case in CRAFTED_CHECKPOINTS])
def test_crafted_checkpoint_is_refused_with_one_line(tmp_path, name, change, word):
    texts, labels = _toy_data()
    checkpoint = tmp_path / "run.ckpt.npz"

    def stop_at_batch_3(done, total):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):  # a checkpoint in mid-epoch holds the epoch's batch order
        _classifier().fit(texts, labels, checkpoint=checkpoint, progress=stop_at_batch_3)
    change(checkpoint)
    before = checkpoint.read_bytes()
    with pytest.raises(ModelFileError, match=word):
        _classifier().fit(texts, labels, checkpoint=checkpoint, resume=True)
    assert checkpoint.read_bytes() == before
