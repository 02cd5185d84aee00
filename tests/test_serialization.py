"""Model files: round trip, atomic writes, and refusal of anything broken or unsafe."""

import json
import os
import pickle
import zipfile

import numpy as np
import pytest

from sentiment_rnn.estimators.rnn import RNNClassifier
from sentiment_rnn.errors import ModelFileError
from sentiment_rnn.io.serialization import FORMAT_VERSION, load_model, read_metadata, save_model

TEXTS = ["a good film", "a bad film", "great fun", "dull and boring", "i loved it", "i hated it"]
LABELS = np.array([1, 0, 1, 0, 1, 0])


@pytest.fixture(scope="module")
def fitted():
    return RNNClassifier(cell="gru", embedding_dim=6, hidden_size=5, epochs=3, patience=None,
                         bidirectional=True).fit(TEXTS, LABELS)


def test_round_trip_gives_identical_predictions(fitted, tmp_path):
    path = save_model(fitted, tmp_path / "m.npz", provenance={"corpus": "toy"})
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS), fitted.predict_proba(TEXTS))
    assert loaded.vocab_ == fitted.vocab_
    assert loaded.get_params() == fitted.get_params()
    metadata = read_metadata(path)
    assert metadata["format_version"] == FORMAT_VERSION
    assert metadata["training"]["corpus"] == "toy"
    assert metadata["config"]["cell"] == "gru"


def test_file_holds_only_plain_arrays(fitted, tmp_path):
    path = save_model(fitted, tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as data:  # would raise if any array needed pickle
        assert all(data[key].dtype != object for key in data.files)
        assert {"metadata", "vocab", "classes"} <= set(data.files)


def test_save_writes_exactly_the_named_file_and_no_temporaries(fitted, tmp_path):
    save_model(fitted, tmp_path / "model.bin")
    assert sorted(os.listdir(tmp_path)) == ["model.bin"]


def test_failed_save_keeps_the_old_model(fitted, tmp_path, monkeypatch):
    path = save_model(fitted, tmp_path / "m.npz")
    before = path.read_bytes()

    def broken_savez(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez_compressed", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        save_model(fitted, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]


def _rewrite(path, target, change):
    """Copy the npz at ``path`` to ``target`` with ``change(arrays)`` applied."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    change(arrays)
    np.savez(target, **arrays)
    return target


def test_refuses_truncated_file(fitted, tmp_path):
    path = save_model(fitted, tmp_path / "m.npz")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ModelFileError, match=r"truncated\.npz"):
        load_model(truncated)


def test_refuses_a_pickle_renamed_to_npz(tmp_path):
    evil = tmp_path / "evil.npz"
    evil.write_bytes(pickle.dumps({"x": 1}))
    with pytest.raises(ModelFileError):
        load_model(evil)


def test_refuses_an_npz_with_pickled_arrays(fitted, tmp_path):
    path = save_model(fitted, tmp_path / "m.npz")
    bad = tmp_path / "objects.npz"
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["vocab"] = np.array(list(arrays["vocab"]), dtype=object)
    np.savez(bad, **arrays)
    with pytest.raises(ModelFileError, match="pickle"):
        load_model(bad)


def test_refuses_newer_format_version(fitted, tmp_path):
    path = save_model(fitted, tmp_path / "m.npz")

    def bump(arrays):
        metadata = json.loads(str(arrays["metadata"]))
        metadata["format_version"] = FORMAT_VERSION + 1
        arrays["metadata"] = np.array(json.dumps(metadata))

    newer = _rewrite(path, tmp_path / "newer.npz", bump)
    with pytest.raises(ModelFileError, match="newer"):
        load_model(newer)


def test_refuses_wrong_shapes(fitted, tmp_path):
    path = save_model(fitted, tmp_path / "m.npz")

    def shrink(arrays):
        arrays["param/fc.weight"] = arrays["param/fc.weight"][:, :-1]

    with pytest.raises(ModelFileError, match=r"fc\.weight"):
        load_model(_rewrite(path, tmp_path / "shapes.npz", shrink))


def test_refuses_missing_parameter_and_foreign_npz(fitted, tmp_path):
    path = save_model(fitted, tmp_path / "m.npz")
    with pytest.raises(ModelFileError, match="missing"):
        load_model(_rewrite(path, tmp_path / "missing.npz", lambda a: a.pop("param/fc.bias")))
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, x=np.zeros(3))
    with pytest.raises(ModelFileError, match="not a sentiment-rnn model"):
        load_model(foreign)


def test_refuses_non_finite_parameters(fitted, tmp_path):
    path = save_model(fitted, tmp_path / "m.npz")

    def poison(arrays):
        arrays["param/fc.bias"] = np.array([np.nan, 0.0], dtype=np.float32)

    with pytest.raises(ModelFileError, match="finite"):
        load_model(_rewrite(path, tmp_path / "nan.npz", poison))


def test_missing_file_and_garbage(tmp_path):
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "absent.npz")
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"\x00\x01 not a zip")
    with pytest.raises(ModelFileError):
        load_model(garbage)
    assert zipfile.is_zipfile(garbage) is False


def test_checkpoint_round_trip_and_refusals(tmp_path):
    from sentiment_rnn.training.checkpoint import CHECKPOINT_VERSION, load_checkpoint, save_checkpoint

    arrays = {"param/w": np.arange(6, dtype=np.float32).reshape(2, 3), "optim/step": np.array(4, dtype=np.int64)}
    path = save_checkpoint(tmp_path / "run.ckpt.npz", {"epoch": 2, "rng_state": {"state": 2**100}}, arrays)
    metadata, loaded = load_checkpoint(path)
    assert metadata["epoch"] == 2 and metadata["rng_state"]["state"] == 2**100  # big ints survive JSON
    assert metadata["format_version"] == CHECKPOINT_VERSION
    assert loaded.keys() == arrays.keys() and all(np.array_equal(loaded[k], arrays[k]) for k in arrays)
    assert sorted(os.listdir(tmp_path)) == ["run.ckpt.npz"]

    def bump(contents):
        header = json.loads(str(contents["metadata"]))
        header["format_version"] = CHECKPOINT_VERSION + 1
        contents["metadata"] = np.array(json.dumps(header))

    with pytest.raises(ModelFileError, match=r"checkpoint format version .* is newer"):
        load_checkpoint(_rewrite(path, tmp_path / "newer.npz", bump))
    with pytest.raises(ModelFileError, match="not a sentiment-rnn checkpoint"):
        load_checkpoint(_rewrite(path, tmp_path / "model.npz", lambda a: a.update(
            metadata=np.array(json.dumps({"format": "sentiment-rnn-model", "format_version": 1})))))


def test_stale_temporaries_of_killed_saves_are_removed_but_fresh_ones_kept(fitted, tmp_path):
    stale, fresh = tmp_path / ".m.npz.abc123.tmp", tmp_path / ".m.npz.def456.tmp"
    other = tmp_path / ".other.npz.abc123.tmp"
    for path in (stale, fresh, other):
        path.write_bytes(b"half a file")
    past = os.path.getmtime(stale) - 3600
    os.utime(stale, (past, past))
    os.utime(other, (past, past))
    save_model(fitted, tmp_path / "m.npz")
    assert sorted(os.listdir(tmp_path)) == sorted([".m.npz.def456.tmp", ".other.npz.abc123.tmp", "m.npz"])


def test_saved_file_gets_ordinary_permissions(fitted, tmp_path):
    umask = os.umask(0o022)
    try:
        path = save_model(fitted, tmp_path / "m.npz")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644


def test_ensemble_round_trip_averages_its_members(fitted, tmp_path):
    from sentiment_rnn.estimators.ensemble import EnsembleClassifier

    other = RNNClassifier(cell="elman", embedding_dim=4, hidden_size=3, epochs=2, patience=None,
                          random_state=1).fit(TEXTS, LABELS)
    ensemble = EnsembleClassifier([fitted, other])
    expected = (fitted.predict_proba(TEXTS) + other.predict_proba(TEXTS)) / 2
    np.testing.assert_allclose(ensemble.predict_proba(TEXTS), expected, rtol=1e-12)
    loaded = load_model(save_model(ensemble, tmp_path / "ensemble.npz"))
    assert isinstance(loaded, EnsembleClassifier) and len(loaded) == 2
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS), ensemble.predict_proba(TEXTS))
    assert read_metadata(tmp_path / "ensemble.npz")["kind"] == "ensemble"


def test_compact_file_stores_half_precision_word_vectors(fitted, tmp_path):
    full = save_model(fitted, tmp_path / "full.npz")
    compact = save_model(fitted, tmp_path / "compact.npz", compact=True)
    with np.load(compact, allow_pickle=False) as data:
        assert data["param/embedding.weight"].dtype == np.float16
    loaded = load_model(compact)
    assert loaded.params_["embedding.weight"].dtype == np.float32
    np.testing.assert_allclose(loaded.predict_proba(TEXTS), load_model(full).predict_proba(TEXTS), atol=1e-2)


def test_round_trip_of_a_model_trained_on_finer_labels(tmp_path):
    model = RNNClassifier(embedding_dim=4, hidden_size=3, epochs=2, patience=None, train_label_map=(0, None, 1))
    model.fit([*TEXTS, "a film", "the plot"], [2, 0, 2, 0, 2, 0, 1, 1])
    loaded = load_model(save_model(model, tmp_path / "fine.npz"))
    assert loaded.train_label_map == (0, None, 1) and loaded.model_.config.num_classes == 3
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS), model.predict_proba(TEXTS))


def test_ensemble_stores_arrays_its_members_share_once(tmp_path):
    from sentiment_rnn.estimators.ensemble import EnsembleClassifier
    from sentiment_rnn.text.embeddings import save_vectors

    words = ["<pad>", "<unk>", *sorted({w for text in TEXTS for w in text.split()})]
    save_vectors(tmp_path / "vectors.npz", words, np.random.default_rng(0).standard_normal((len(words), 6)))
    members = [
        RNNClassifier(cell="lstm", embedding_dim=6, hidden_size=5, epochs=2, patience=None, random_state=seed,
                      pretrained_vectors=str(tmp_path / "vectors.npz"), freeze_embeddings=True).fit(TEXTS, LABELS)
        for seed in range(3)
    ]
    ensemble = EnsembleClassifier(members)
    path = save_model(ensemble, tmp_path / "ensemble.npz")
    with np.load(path, allow_pickle=False) as data:
        stored = set(data.files)
    shared = read_metadata(path)["shared"]
    assert {"member1/param/embedding.weight", "member2/param/embedding.weight", "member1/vocab"} <= set(shared)
    assert shared["member2/param/embedding.weight"] == "member0/param/embedding.weight"
    assert "member0/param/embedding.weight" in stored and not set(shared) & stored
    assert "member1/param/rnn.weight_hh_l0" in stored  # the recurrent weights differ by seed
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS), ensemble.predict_proba(TEXTS))

    metadata = read_metadata(path)
    metadata["shared"]["member1/vocab"] = "member9/vocab"  # a reference to nothing
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    arrays["metadata"] = np.array(json.dumps(metadata))
    np.savez(tmp_path / "broken.npz", **arrays)
    with pytest.raises(ModelFileError, match="shared arrays"):
        load_model(tmp_path / "broken.npz")
