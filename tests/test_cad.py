"""The CAD loader (sentiment_rnn.corpora.cad): pairs kept, splits, malformed files, the checked download, the
training mix without held-out reviews; and on the real corpora, sizes and overlaps with IMDB."""

from __future__ import annotations

import dataclasses
import doctest
import hashlib
from pathlib import Path

import numpy as np
import pytest
from fixtures_data import CAD_DEV, CAD_TRAIN, cad_tsv, write_cad

from sentiment_rnn import corpora as data
from sentiment_rnn.corpora import SOURCES, Corpus, TrainingData, load_corpus, with_cad_pairs
from sentiment_rnn.corpora import cad
from sentiment_rnn.corpora.cad import load_cad, match_key, read_cad, training_pairs
from sentiment_rnn.errors import DataError, DownloadError


@pytest.fixture
def cad_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SENTIMENT_RNN_CACHE", str(tmp_path / "cache"))
    write_cad(tmp_path / "data")
    return tmp_path / "data"


def test_loader_keeps_the_pairs_and_normalizes_like_imdb(cad_dir):
    corpus = load_corpus("cad", "train", cad_dir)
    assert (corpus.name, corpus.split, len(corpus)) == ("cad", "train", 6)
    assert corpus.pair_ids.tolist() == [row[2] for row in CAD_TRAIN]
    assert corpus.labels.tolist() == [0, 1, 1, 0, 0, 1]
    assert corpus.texts[0] == "Long, boring, blasphemous. Never again."  # <br /> as in the IMDB loader
    assert corpus.texts[2] == 'A "great" film, really.'  # a quoted field with a tab inside
    for pair in np.unique(corpus.pair_ids):
        assert sorted(corpus.labels[corpus.pair_ids == pair].tolist()) == [0, 1]
    assert corpus.tokens[4] == ["not", "good", "at", "all", "."]
    assert load_cad("dev", cad_dir).pair_ids.tolist() == [3, 3]


def test_there_is_no_test_split(cad_dir):
    with pytest.raises(DataError, match="cad has no test split"):
        load_corpus("cad", "test", cad_dir)
    with pytest.raises(ValueError, match="split must be one of"):
        load_corpus("cad", "full-train", cad_dir)


def test_other_corpora_have_no_pair_ids_and_pair_ids_must_fit():
    assert Corpus("x", "train", ["a"], [1]).pair_ids is None
    with pytest.raises(ValueError, match="pair ids"):
        Corpus("x", "train", ["a", "b"], [1, 0], pair_ids=np.array([1]))


@pytest.mark.parametrize("rows, line, words", [
    ([("Positive", "a", 1), ("Positive", "b", 1)], 2, "pair 1 has 2 member(s) and 2 positive"),
    ([("Positive", "a", 1), ("Negative", "b", 1), ("Negative", "c", 5)], 4, "pair 5 has 1 member(s)"),
    ([("Positive", "a", 1), ("Neutral", "b", 1)], 3, "Sentiment='Neutral'"),
    ([("Positive", "a", "x1")], 2, "batch_id='x1'"),
])
def test_malformed_files_name_file_and_line(tmp_path, rows, line, words):
    path = tmp_path / "train_paired.tsv"
    path.write_text(cad_tsv(rows), encoding="utf-8")
    with pytest.raises(DataError) as excinfo:
        read_cad(path)
    assert f"train_paired.tsv:{line}: " in str(excinfo.value)
    assert words in str(excinfo.value)


def test_a_wrong_header_is_refused(tmp_path):
    path = tmp_path / "dev_paired.tsv"
    path.write_text("label\ttext\tid\nPositive\ta\t1\n", encoding="utf-8")
    with pytest.raises(DataError, match="expected the columns Sentiment, Text, batch_id"):
        read_cad(path)


def test_training_pairs_drop_whole_pairs_that_match_held_out_reviews(cad_dir):
    train = load_corpus("cad", "train", cad_dir)
    held_out = ["not GOOD <br /> at   all!", "Something else entirely."]  # pair 12's first member, spelled otherwise
    kept = training_pairs(train, exclude=held_out)
    assert kept.pair_ids.tolist() == [4, 4, 7, 7]
    assert kept.texts == train.texts[:4]
    assert match_key("Not good at all.") == match_key(held_out[0])


def test_with_cad_pairs_adds_pairs_to_training_data(cad_dir):
    imdb = Corpus("imdb", "train", ["An imdb review."], [1])
    dev = Corpus("imdb", "dev", ["Fun and warm.", "Long, fascinating, soulful. Again!"], [1, 1])
    mixed = with_cad_pairs(TrainingData(imdb, dev, None, {"corpus": "imdb"}), cad_dir)
    assert mixed.train.name == "imdb+cad"
    assert mixed.train.texts == ["An imdb review.", *load_corpus("cad", "train", cad_dir).texts[2:]]
    assert mixed.train.labels.tolist() == [1, 1, 0, 0, 1]
    assert mixed.description == {"corpus": "imdb", "mix": "cad", "cad_train_pairs": 2}
    assert mixed.dev is dev


# ----------------------------------------------------------------------------------------------
# The download, from a file:// mirror laid out like the authors' repository


@pytest.fixture
def cad_mirror(tmp_path, monkeypatch):
    """The paired files under a file:// mirror, SOURCES["cad"] holding their checksums."""
    files = {f"{split}_paired.tsv": cad_tsv(rows).encode() for split, rows in (("train", CAD_TRAIN), ("dev", CAD_DEV))}
    remote = tmp_path / "www" / "acmi-lab/counterfactually-augmented-data/master/sentiment/combined/paired"
    remote.mkdir(parents=True)
    for name, payload in files.items():
        (remote / name).write_bytes(payload)
    sha256 = {name: hashlib.sha256(payload).hexdigest() for name, payload in files.items()}
    monkeypatch.setitem(SOURCES, "cad", dataclasses.replace(SOURCES["cad"], sha256=sha256))
    monkeypatch.setenv("SENTIMENT_RNN_MIRROR", (tmp_path / "www").as_uri())
    monkeypatch.setenv("SENTIMENT_RNN_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("SENTIMENT_RNN_DATA", raising=False)
    return tmp_path / "cache", remote


def test_a_missing_corpus_is_downloaded_checked_and_loaded(cad_mirror):
    cache, remote = cad_mirror
    corpus = load_corpus("cad", "dev")  # no data folder: found nowhere, so downloaded
    assert corpus.pair_ids.tolist() == [3, 3]
    assert sorted(p.name for p in (cache / "cad").iterdir()) == ["dev_paired.tsv", "train_paired.tsv"]
    assert (cache / "cad" / "train_paired.tsv").read_bytes() == (remote / "train_paired.tsv").read_bytes()


def test_a_checksum_mismatch_leaves_nothing(cad_mirror):
    cache, remote = cad_mirror
    (remote / "dev_paired.tsv").write_text(cad_tsv(CAD_DEV[::-1]), encoding="utf-8")  # not the published bytes
    with pytest.raises(DownloadError, match="checksum mismatch"):
        data.download_corpus("cad")
    assert sorted(p.name for p in (cache / "cad").iterdir()) == ["train_paired.tsv"]  # checked before dev


def test_offline_the_error_says_what_to_fetch(cad_mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("SENTIMENT_RNN_MIRROR", (tmp_path / "nowhere").as_uri())
    with pytest.raises(DownloadError) as excinfo:
        load_corpus("cad", "train")
    message = str(excinfo.value)
    assert "train_paired.tsv" in message and "--data-dir" in message and "\n" not in message


def test_the_source_is_the_authors_repository():
    source = SOURCES["cad"]
    assert source.url.startswith("https://raw.githubusercontent.com/acmi-lab/counterfactually-augmented-data/")
    assert set(source.sha256) == {"train_paired.tsv", "dev_paired.tsv"}


# ----------------------------------------------------------------------------------------------
# The real corpora


def test_real_cad_sizes_checksums_and_pairs(data_dir):
    for split, pairs in (("train", 1707), ("dev", 245)):
        corpus = load_corpus("cad", split, data_dir)
        assert (len(corpus), len(np.unique(corpus.pair_ids))) == (2 * pairs, pairs)
        assert np.bincount(corpus.labels).tolist() == [pairs, pairs]
        assert hashlib.sha256(Path(corpus.source).read_bytes()).hexdigest() == SOURCES["cad"].sha256[f"{split}_paired.tsv"]


@pytest.mark.slow
def test_real_overlap_with_imdb_is_the_documented_one(data_dir):
    """CAD's originals are IMDb reviews: count the matches per IMDB split (numbers in the README)."""
    texts = {split: load_corpus("imdb", split, data_dir).texts for split in ("train", "dev", "test")}
    keys = {split: {match_key(t) for t in texts[split]} for split in texts}
    keys["full-train"] = keys["train"] | keys["dev"]
    cad_train, cad_dev = (load_corpus("cad", split, data_dir) for split in ("train", "dev"))
    count = lambda corpus, split: sum(match_key(t) in keys[split] for t in corpus.texts)  # noqa: E731
    assert (count(cad_train, "full-train"), count(cad_train, "dev"), count(cad_train, "test")) == (1710, 172, 6)
    assert (count(cad_dev, "full-train"), count(cad_dev, "dev"), count(cad_dev, "test")) == (245, 22, 0)
    assert len(np.unique(training_pairs(cad_train, texts["test"]).pair_ids)) == 1701
    held_out = texts["test"] + texts["dev"]
    assert len(np.unique(training_pairs(cad_train, held_out).pair_ids)) == 1530


def test_module_doctests_pass():
    result = doctest.testmod(cad)
    assert result.failed == 0 and result.attempted > 0
