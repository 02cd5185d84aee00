"""The compare cache checked like a model file (issue 22, item 3): an entry copied over from other data is
noticed by its key and fitted or computed again; an entry declaring 1 TiB is refused unread (it was a
MemoryError traceback)."""

from __future__ import annotations

import shutil
import zipfile

import numpy as np
import pytest

from sentiment_rnn.corpora import Corpus
from sentiment_rnn.evaluation.stored_baselines import LinearBaseline, cached_tokens, load_or_fit_baseline
from test_hostile_files import _npy

NAME = "bow-bigram-logreg"


def _corpora(flip: bool):
    rng = np.random.default_rng(3)
    good, bad = "good great fine fun superb".split(), "bad dull awful boring poor".split()
    labels = np.arange(60) % 2
    texts = [" ".join(rng.choice(good if y else bad, 6)) for y in labels]
    train_labels = 1 - labels[:40] if flip else labels[:40]  # "other data": the same texts, labels swapped
    return Corpus("toy", "train", texts[:40], train_labels), Corpus("toy", "dev", texts[40:], labels[40:])


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SENTIMENT_RNN_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_baseline_copied_over_another_cache_entry_is_fitted_again(cache):
    right, _ = load_or_fit_baseline(NAME, *_corpora(flip=False))
    other, _ = load_or_fit_baseline(NAME, *_corpora(flip=True))
    [right_path] = [p for p in (cache / "baselines").iterdir() if right.metadata["key"][:20] in p.name]
    [other_path] = [p for p in (cache / "baselines").iterdir() if p != right_path]
    shutil.copyfile(other_path, right_path)  # the poisoned entry: a valid baseline fitted on other data
    again, fitted_now = load_or_fit_baseline(NAME, *_corpora(flip=False))
    assert fitted_now and again.metadata["key"] == right.metadata["key"]
    np.testing.assert_array_equal(again.coef, right.coef)
    assert LinearBaseline.load(right_path, key=right.metadata["key"]).metadata["key"] == right.metadata["key"]


def test_a_cache_entry_declaring_1_tib_is_refused_unread_and_fitted_again(cache):
    right, _ = load_or_fit_baseline(NAME, *_corpora(flip=False))
    [path] = (cache / "baselines").iterdir()
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["coef.npy"] = _npy((1 << 37,), dtype="<f8", body=b"\0" * 8000)  # 2**37 float64 = 1 TiB
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    again, fitted_now = load_or_fit_baseline(NAME, *_corpora(flip=False))
    assert fitted_now
    np.testing.assert_array_equal(again.coef, right.coef)


def test_cached_tokens_copied_over_another_entry_are_computed_again(cache):
    first, second = ["a good film .", "it was fun"], ["a dull plot", "nothing works here"]
    cached_tokens(first)
    cached_tokens(second)
    paths = sorted((cache / "tokens").iterdir(), key=lambda p: p.stat().st_mtime_ns)
    shutil.copyfile(paths[0], paths[1])  # the same number of texts: the old check took it
    assert cached_tokens(second) == [["a", "dull", "plot"], ["nothing", "works", "here"]]
    with zipfile.ZipFile(paths[0], "w") as archive:
        archive.writestr("array.npy", _npy((1 << 40,), dtype="<U1", body=b"\0" * 8000))
    assert cached_tokens(first) == [["a", "good", "film", "."], ["it", "was", "fun"]]
