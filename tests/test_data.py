"""Corpus loaders (sentiment_rnn.corpora): tiny fixture files with their malformed versions, then the
real corpora (skipped unless SENTIMENT_RNN_DATA is set) against their published sizes."""

from __future__ import annotations

import doctest
import gzip
import json
import re
from pathlib import Path

import numpy as np
import pytest
from fixtures_data import (
    IMDB_ROWS,
    POLARITY,
    REVIEWS,
    SST_NODE_LABELS,
    SST_ROOT_LABELS,
    SST_TREES,
    write_imdb_csv,
    write_movie_reviews,
    write_sentence_polarity,
    write_sst,
)

from sentiment_rnn import corpora as data
from sentiment_rnn.corpora import (
    BINARY_LABELS,
    SST5_LABELS,
    Corpus,
    load_corpus,
    load_file,
    read_sst_trees,
    resolve_data_dir,
    sst_trees,
)
from sentiment_rnn.errors import DataError, DownloadError


@pytest.fixture(autouse=True)
def isolated_folders(tmp_path, monkeypatch):
    """No test here reads the user's cache or reaches a network: an empty cache, no mirror."""
    monkeypatch.setenv("SENTIMENT_RNN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("SENTIMENT_RNN_MIRROR", "http://127.0.0.1:9")  # the discard port: nothing listens


@pytest.fixture
def fixture_data(tmp_path) -> Path:
    folder = tmp_path / "data"
    write_sst(folder)
    write_sentence_polarity(folder / "nltk_data")
    write_movie_reviews(folder / "nltk_data")
    write_imdb_csv(folder)
    return folder


def assert_data_error(excinfo, path: Path, line: int | None, *words: str) -> None:
    """One-line message that starts with path[:line] and contains ``words``."""
    error = excinfo.value
    message = str(error)
    assert "\n" not in message
    assert error.path == str(path)
    assert error.line == line
    where = str(path) if line is None else f"{path}:{line}"
    assert message.startswith(where + ": ")
    for word in words:
        assert word in message


def test_module_doctests_pass():
    result = doctest.testmod(data.sources)
    assert result.attempted > 0
    assert result.failed == 0


# ----------------------------------------------------------------------------------------------
# Corpus


def test_corpus_tokenizes_raw_texts_lazily_and_once(monkeypatch):
    calls = []
    monkeypatch.setattr(data.corpus, "tokenize", lambda text: calls.append(text) or text.lower().split())
    corpus = Corpus("x", "all", ["Good film", "Bad one"], np.array([1, 0]), BINARY_LABELS)
    assert calls == []
    assert corpus.tokens == [["good", "film"], ["bad", "one"]]
    assert corpus.tokens is corpus.tokens
    assert calls == ["Good film", "Bad one"]
    assert len(corpus) == 2 and corpus.labels.dtype == np.int64


@pytest.mark.parametrize(
    "texts, labels", [(["a", "b"], [0]), (["a"], [2]), (["a"], [-1])],
)
def test_corpus_rejects_inconsistent_fields(texts, labels):
    with pytest.raises(ValueError):
        Corpus("x", "all", texts, np.array(labels), BINARY_LABELS)


# ----------------------------------------------------------------------------------------------
# SST fixture


def test_read_sst_trees_keeps_case_unescapes_and_handles_no_break_space(tmp_path):
    sst = write_sst(tmp_path)
    trees = read_sst_trees(sst / "train.txt")
    assert len(trees) == len(SST_TREES)
    assert [tree.label() for tree in trees] == SST_ROOT_LABELS
    assert trees[0].leaves() == ["Paul", "Bettany", "is", "cool", "."]
    assert trees[2].leaves() == ["8\u00a01/2", "(", "Awful", ")"]
    labels = [sub.label() for tree in trees for sub in tree.subtrees()]
    assert labels == SST_NODE_LABELS
    assert all(type(label) is int for label in labels)


def test_sst_sentence_level_binary_and_five_class(fixture_data):
    binary = load_corpus("sst", "train", fixture_data)
    kept = [label for label in SST_ROOT_LABELS if label != 2]
    assert binary.labels.tolist() == [int(label > 2) for label in kept]
    assert binary.label_names == ("negative", "positive")
    assert binary.texts[0] == "Paul Bettany is cool ."
    assert binary.tokens[0] == ["paul", "bettany", "is", "cool", "."]
    assert binary.tokens[1] == ["8\u00a01/2", "(", "awful", ")"]
    five = load_corpus("sst", "dev", fixture_data, classes=5)
    assert five.labels.tolist() == SST_ROOT_LABELS
    assert five.label_names == SST5_LABELS and five.split == "dev"


def test_sst_phrase_level_has_one_example_per_node(fixture_data):
    five = load_corpus("sst", "test", fixture_data, level="phrase", classes=5)
    assert five.labels.tolist() == SST_NODE_LABELS
    assert five.tokens[0] == ["paul", "bettany", "is", "cool", "."]  # the root comes first
    assert five.tokens[1] == ["paul", "bettany"]
    assert five.tokens[2] == ["paul"]
    binary = load_corpus("sst", "test", fixture_data, level="phrase")
    assert binary.labels.tolist() == [int(label > 2) for label in SST_NODE_LABELS if label != 2]
    assert binary.tokens[:3] == [["paul", "bettany", "is", "cool", "."], ["is", "cool", "."], ["cool"]]


def test_sst_trees_finds_the_split(fixture_data):
    assert len(sst_trees("dev", fixture_data)) == len(SST_TREES)
    with pytest.raises(ValueError):
        sst_trees("validation", fixture_data)


GOOD = SST_TREES[0]


@pytest.mark.parametrize(
    "bad_line, words",
    [
        ("(3 (2 a) (2 b)", ["unbalanced", "not closed"]),
        ("(3 (2 a) (2 b)))", ["unbalanced", "')'"]),
        ("(x (2 a) (2 b))", ["label 'x'", "integer"]),
        ("(3 (2 a) (7 b))", ["label '7'"]),
        ("(3 (2 a))", ["0 word(s) and 1 subtree(s)"]),
        ("(3 (2 a) (2 b) (2 c))", ["0 word(s) and 3 subtree(s)"]),
        ("(2 8 1\\/2)", ["2 word(s) and 0 subtree(s)"]),  # an ASCII space inside a leaf
        ("(3 (2 a) b)", ["1 word(s) and 1 subtree(s)"]),
        ("word (2 a)", ["outside brackets"]),
        ("(2 a) (2 b)", ["after the end"]),
        ("", ["empty line"]),
    ],
)
def test_malformed_sst_line_names_file_and_line(tmp_path, bad_line, words):
    path = tmp_path / "train.txt"
    path.write_text(f"{GOOD}\n{GOOD}\n{bad_line}\n{GOOD}\n", encoding="utf-8")
    with pytest.raises(DataError) as excinfo:
        read_sst_trees(path)
    assert_data_error(excinfo, path, 3, "bad tree", *words)


def test_empty_sst_file(tmp_path):
    path = tmp_path / "dev.txt"
    path.write_bytes(b"")
    with pytest.raises(DataError) as excinfo:
        read_sst_trees(path)
    assert_data_error(excinfo, path, None, "empty")


def test_sst_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "test.txt"
    path.write_bytes(f"{GOOD}\n".encode() + "(2 (2 Andr\u00e9) (2 .))\n".encode("latin-1"))
    with pytest.raises(DataError) as excinfo:
        read_sst_trees(path)
    assert_data_error(excinfo, path, 2, "UTF-8")


# ----------------------------------------------------------------------------------------------
# Data folder, cache, no download


def test_resolve_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("SENTIMENT_RNN_DATA", raising=False)
    assert resolve_data_dir() is None
    monkeypatch.setenv("SENTIMENT_RNN_DATA", str(tmp_path))
    assert resolve_data_dir() == tmp_path
    other = tmp_path / "other"
    other.mkdir()
    assert resolve_data_dir(other) == other
    with pytest.raises(DataError, match="does not exist"):
        resolve_data_dir(tmp_path / "missing")


def test_cache_is_searched_after_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("SENTIMENT_RNN_DATA", raising=False)
    write_sst(tmp_path / "cache", SST_TREES[:1])
    assert len(load_corpus("sst", "train")) == 1
    data_dir = tmp_path / "data"
    write_sst(data_dir)
    assert len(load_corpus("sst", "train", data_dir, classes=5)) == len(SST_TREES)


def test_missing_corpus_without_download_says_where_to_get_it(tmp_path, monkeypatch):
    monkeypatch.delenv("SENTIMENT_RNN_DATA", raising=False)
    with pytest.raises(DataError) as excinfo:
        load_corpus("sst", "train", tmp_path, download=False)
    message = str(excinfo.value)
    assert not isinstance(excinfo.value, DownloadError)
    assert "\n" not in message
    assert "sst/train.txt" in message and str(tmp_path) in message
    assert "https://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip" in message
    assert "SENTIMENT_RNN_DATA" in message


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("nope", {}),
        ("sst", {"split": "validation"}),
        ("sst", {"level": "word"}),
        ("sst", {"classes": 3}),
        ("imdb", {"level": "phrase"}),
        ("sentence-polarity", {"classes": 5}),
        ("sst", {"split": "full-train"}),
    ],
)
def test_load_corpus_rejects_bad_arguments(fixture_data, name, kwargs):
    with pytest.raises(ValueError):
        load_corpus(name, data_dir=fixture_data, **kwargs)


# ----------------------------------------------------------------------------------------------
# NLTK fixtures


def test_sentence_polarity_split_is_stratified_disjoint_and_deterministic(fixture_data):
    splits = {split: load_corpus("sentence-polarity", split, fixture_data) for split in ("train", "dev", "test")}
    texts = {split: corpus.texts for split, corpus in splits.items()}
    all_texts = [text for split_texts in texts.values() for text in split_texts]
    expected = {f"{line.strip()}": label for label, cat in enumerate(("neg", "pos")) for line in POLARITY[cat]}
    assert sorted(all_texts) == sorted(expected)  # every sentence exactly once
    for corpus in splits.values():
        assert [expected[text] for text in corpus.texts] == corpus.labels.tolist()
        assert corpus.tokens == [text.split(" ") for text in corpus.texts]
    for label, cat in enumerate(("neg", "pos")):
        n = len(POLARITY[cat])
        counts = [int((corpus.labels == label).sum()) for corpus in splits.values()]
        assert counts == [round(0.8 * n), round(0.1 * n), n - round(0.8 * n) - round(0.1 * n)]
    again = load_corpus("sentence-polarity", "train", fixture_data)
    assert again.texts == splits["train"].texts
    reseeded = load_corpus("sentence-polarity", "train", fixture_data, seed=1)
    assert sorted(reseeded.texts) != sorted(splits["train"].texts)


def test_movie_reviews_are_whole_documents(fixture_data):
    corpora = [load_corpus("movie-reviews", split, fixture_data) for split in ("train", "dev", "test")]
    assert sum(len(c) for c in corpora) == sum(len(files) for files in REVIEWS.values())
    documents = {" ".join(text.split()): label for label, cat in enumerate(("neg", "pos")) for text in REVIEWS[cat].values()}
    for corpus in corpora:
        assert [documents[text] for text in corpus.texts] == corpus.labels.tolist()
        assert all(tokens == text.split(" ") for tokens, text in zip(corpus.tokens, corpus.texts, strict=True))
    assert corpora[0].tokens[0][-1] == "."  # the last sentence is kept


def test_nltk_corpus_is_read_from_a_zip_too(tmp_path):
    from fixtures_data import sentence_polarity_zip_bytes

    corpora = tmp_path / "data" / "nltk_data" / "corpora"
    corpora.mkdir(parents=True)
    (corpora / "sentence_polarity.zip").write_bytes(sentence_polarity_zip_bytes())
    corpus = load_corpus("sentence-polarity", "dev", tmp_path / "data", download=False)
    assert len(corpus) == 3  # 2 of the 20 positive, 1 of the 10 negative


def test_nltk_data_path_is_respected(tmp_path, monkeypatch):
    import nltk

    write_sentence_polarity(tmp_path / "elsewhere")
    monkeypatch.delenv("SENTIMENT_RNN_DATA", raising=False)
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path / "elsewhere")])
    assert len(load_corpus("sentence-polarity", "test", download=False)) == 3


# ----------------------------------------------------------------------------------------------
# IMDB fixture


def test_imdb_splits_by_id(fixture_data):
    rows = {split: load_corpus("imdb", split, fixture_data) for split in ("train", "dev", "test", "full-train")}
    train_rows = [row for row in IMDB_ROWS if row[2] == "train"]
    assert len(rows["full-train"]) == len(train_rows)
    assert len(rows["dev"]) == sum(row[3] % 10 == 0 for row in train_rows)
    assert len(rows["train"]) == sum(row[3] % 10 != 0 for row in train_rows)
    assert len(rows["test"]) == sum(row[2] == "test" for row in IMDB_ROWS)
    assert set(rows["train"].texts).isdisjoint(rows["dev"].texts)
    expected = {row[0].replace("<br /><br />", " "): int(row[1] == "positive") for row in IMDB_ROWS}
    for corpus in rows.values():
        assert [expected[text] for text in corpus.texts] == corpus.labels.tolist()
        assert not any("<br" in text for text in corpus.texts)
    assert rows["test"].tokens[0][:4] == ["review", "test", "0", ","]


def test_unlabeled_sentences_come_from_imdb_training_reviews_only(fixture_data):
    # each fixture review is 'Review <split> <i>, "quoted"<br /><br />and done.': one sentence
    everything = data.unlabeled_sentences("imdb", None, data_dir=fixture_data)
    assert len(everything) == sum(row[2] == "train" for row in IMDB_ROWS)
    assert all(sentence[:2] == ["review", "train"] for sentence in everything)  # no test review
    sample = data.unlabeled_sentences("imdb", 5, seed=3, data_dir=fixture_data, n_jobs=2)
    assert len(sample) == 5 and all(sentence in everything for sentence in sample)
    assert sample == data.unlabeled_sentences("imdb", 5, seed=3, data_dir=fixture_data)  # seeded, any n_jobs
    assert sample != data.unlabeled_sentences("imdb", 5, seed=4, data_dir=fixture_data)
    assert data.unlabeled_sentences("imdb", None, max_tokens=5, data_dir=fixture_data) == []


def test_imdb_columns_are_found_by_name(tmp_path):
    write_imdb_csv(tmp_path, header=("id", "rating", "split", "sentiment", "review"))
    assert len(load_corpus("imdb", "test", tmp_path)) == 20


def test_imdb_missing_column(tmp_path):
    path = write_imdb_csv(tmp_path, header=("review", "label", "split", "id", "rating"))
    with pytest.raises(DataError) as excinfo:
        load_corpus("imdb", "test", tmp_path)
    assert_data_error(excinfo, path, 1, "'sentiment'", "review, label, split, id, rating")


def test_imdb_bad_row_names_its_line(tmp_path):
    rows = list(IMDB_ROWS)
    rows[4] = (rows[4][0], "meh", *rows[4][2:])
    path = write_imdb_csv(tmp_path, rows=rows)
    with pytest.raises(DataError) as excinfo:
        load_corpus("imdb", "train", tmp_path)
    assert_data_error(excinfo, path, 6, "'meh'")  # header is line 1, rows[4] is line 6


def test_imdb_empty_file(tmp_path):
    path = tmp_path / "imdb" / "imdb_50k.csv.gz"
    path.parent.mkdir()
    with gzip.open(path, "wb"):
        pass
    with pytest.raises(DataError) as excinfo:
        load_corpus("imdb", "train", tmp_path)
    assert_data_error(excinfo, path, None, "empty")


# ----------------------------------------------------------------------------------------------
# User files


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


@pytest.mark.parametrize(
    "name, content",
    [
        ("reviews.csv", 'text,label\n"Great, really<br />great",positive\nAwful film,NEG\nOkay I guess, 1 \n'),
        ("reviews.tsv", "label\ttext\npos\tGreat, really<br />great\n0\tAwful film\nPositive\tOkay I guess\n"),
        (
            "reviews.jsonl",
            '{"text": "Great, really<br />great", "label": "positive"}\n\n'
            '{"label": 0, "text": "Awful film"}\n{"text": "Okay I guess", "label": "1"}\n',
        ),
    ],
)
def test_load_file_formats(tmp_path, name, content):
    corpus = load_file(write(tmp_path / name, content))
    assert corpus.texts == ["Great, really great", "Awful film", "Okay I guess"]
    assert corpus.labels.tolist() == [1, 0, 1]
    assert corpus.label_names == BINARY_LABELS
    assert corpus.tokens[1] == ["awful", "film"]


def test_load_file_custom_columns_and_format(tmp_path):
    path = write(tmp_path / "data.txt", "review\tsentiment\nLovely\tpositive\n")
    corpus = load_file(path, text_column="review", label_column="sentiment", file_format="tsv")
    assert corpus.texts == ["Lovely"] and corpus.labels.tolist() == [1]


def test_load_file_allows_a_single_class(tmp_path):
    corpus = load_file(write(tmp_path / "a.csv", "text,label\ngood,pos\nfine,pos\n"))
    assert corpus.labels.tolist() == [1, 1]


def test_load_file_counts_physical_lines_across_quoted_newlines(tmp_path):
    path = write(tmp_path / "a.csv", 'text,label\n"two\nlines",pos\nthird,maybe\n')
    with pytest.raises(DataError) as excinfo:
        load_file(path)
    assert_data_error(excinfo, path, 4, "unknown label 'maybe'")


@pytest.mark.parametrize(
    "name, content, line, words",
    [
        ("a.csv", "review,label\ngood,pos\n", 1, ["no column 'text'", "review, label"]),
        ("a.csv", "text,label\ngood,pos\nbad,meh\n", 3, ["unknown label 'meh'"]),
        ("a.csv", "text,label\ngood,pos\nbad,neg,extra\n", 3, ["3 fields", "header has 2"]),
        ("a.tsv", "text\tlabel\ngood\tpos\nbad\n", 3, ["1 fields", "header has 2"]),
        ("a.csv", "text,label\ngood,pos\n <br /> ,neg\n", 3, ["empty text"]),
        ("a.csv", 'text,label\ngood,pos\n"bad"x,neg\n', 3, ["malformed CSV"]),
        ("a.jsonl", '{"text": "good", "label": "pos"}\n{"text": "bad", "label": }\n', 2, ["not valid JSON"]),
        ("a.jsonl", '{"text": "good", "label": "pos"}\n["bad", "neg"]\n', 2, ["JSON object"]),
        ("a.jsonl", '{"text": "good", "label": "pos"}\n{"review": "bad", "label": 0}\n', 2, ["no field 'text'", "review, label"]),
        ("a.jsonl", '{"text": "good", "label": "pos"}\n{"text": "bad", "label": 2}\n', 2, ["unknown label 2"]),
        ("a.jsonl", '{"text": "good", "label": true}\n', 1, ["unknown label True"]),
        ("a.jsonl", '{"text": 5, "label": "pos"}\n', 1, ["'text' is not a string"]),
    ],
)
def test_malformed_user_file_names_file_and_line(tmp_path, name, content, line, words):
    path = write(tmp_path / name, content)
    with pytest.raises(DataError) as excinfo:
        load_file(path)
    assert_data_error(excinfo, path, line, *words)


def test_user_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("text,label\ngood,pos\ncaf\u00e9 awful,neg\n".encode("cp1252"))
    with pytest.raises(DataError) as excinfo:
        load_file(path)
    assert_data_error(excinfo, path, 3, "not valid UTF-8", "0xe9")


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("a.csv", "", ["empty"]),
        ("a.jsonl", "\n \n", ["empty"]),
        ("a.csv", "text,label\n", ["no rows"]),
        ("a.xlsx", "text,label\ngood,pos\n", ["suffix '.xlsx'"]),
        ("missing.csv", None, ["no such file"]),
    ],
)
def test_user_file_errors_without_a_line(tmp_path, name, content, words):
    path = tmp_path / name
    if content is not None:
        write(path, content)
    with pytest.raises(DataError) as excinfo:
        load_file(path)
    assert_data_error(excinfo, path, None, *words)


def test_user_file_bom_is_ignored(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("\ufefftext,label\ngood,1\n".encode())
    assert load_file(path).texts == ["good"]


# ----------------------------------------------------------------------------------------------
# The real corpora (SENTIMENT_RNN_DATA)


@pytest.fixture(scope="module")
def real_sst(data_dir):
    return {
        (split, classes): load_corpus("sst", split, data_dir, classes=classes, download=False)
        for split in ("train", "dev", "test")
        for classes in (2, 5)
    }


def test_real_sst_sizes_are_the_published_ones(real_sst):
    sizes = {key: len(corpus) for key, corpus in real_sst.items()}
    assert [sizes[split, 2] for split in ("train", "dev", "test")] == [6920, 872, 1821]
    assert [sizes[split, 5] for split in ("train", "dev", "test")] == [8544, 1101, 2210]


def test_real_sst_label_counts(real_sst):
    # From the data README (root labels 0..4 per split).
    assert np.bincount(real_sst["train", 5].labels).tolist() == [1092, 2218, 1624, 2322, 1288]
    assert np.bincount(real_sst["dev", 5].labels).tolist() == [139, 289, 229, 279, 165]
    assert np.bincount(real_sst["test", 5].labels).tolist() == [279, 633, 389, 510, 399]
    assert np.bincount(real_sst["train", 2].labels).tolist() == [3310, 3610]
    assert np.bincount(real_sst["test", 2].labels).tolist() == [912, 909]


def test_real_sst_tokens(real_sst):
    train = real_sst["train", 5]
    assert sum(len(tokens) for tokens in train.tokens) == 163_563
    vocabulary = {token for tokens in train.tokens for token in tokens}
    assert "-lrb-" not in vocabulary and "(" in vocabulary and "1/2" in {t.split("\u00a0")[-1] for t in vocabulary}
    assert all(token == token.lower() for token in vocabulary)
    assert sum("\u00a0" in token for tokens in train.tokens for token in tokens) == 3
    assert "n't" in vocabulary


def test_real_sst_binary_phrases_match_the_node_labels(data_dir):
    phrases = load_corpus("sst", "train", data_dir, level="phrase", download=False)
    text = (data_dir / "sst" / "train.txt").read_text(encoding="utf-8")
    node_labels = re.findall(r"\((\d)", text)
    assert len(phrases) == sum(label != "2" for label in node_labels) == 8_245 + 34_362 + 44_194 + 11_993
    assert int(phrases.labels.sum()) == sum(label in "34" for label in node_labels) == 44_194 + 11_993


def test_real_sst_test_trees_for_the_negation_benchmark(data_dir):
    trees = sst_trees("test", data_dir, download=False)
    assert len(trees) == 2210
    assert sum(len(list(tree.subtrees())) for tree in trees) == 82_600


def test_real_sentence_polarity(data_dir):
    splits = [load_corpus("sentence-polarity", split, data_dir, download=False) for split in ("train", "dev", "test")]
    labels = np.concatenate([corpus.labels for corpus in splits])
    assert np.bincount(labels).tolist() == [5331, 5331]
    assert [len(corpus) for corpus in splits] == [8530, 1066, 1066]
    assert len({text for corpus in splits for text in corpus.texts}) == 10_662  # disjoint
    assert splits[0].tokens[0] == splits[0].texts[0].split(" ")


def test_real_movie_reviews(data_dir):
    splits = [load_corpus("movie-reviews", split, data_dir, download=False) for split in ("train", "dev", "test")]
    labels = np.concatenate([corpus.labels for corpus in splits])
    assert np.bincount(labels).tolist() == [1000, 1000]
    assert [len(corpus) for corpus in splits] == [1600, 200, 200]
    first_neg = (data_dir / "nltk_data/corpora/movie_reviews/neg/cv000_29416.txt").read_text(encoding="ascii").split()
    assert any(tokens == first_neg for corpus in splits for tokens in corpus.tokens)


@pytest.fixture(scope="module")
def real_imdb(data_dir):
    return {split: load_corpus("imdb", split, data_dir, download=False) for split in ("full-train", "train", "dev", "test")}


@pytest.mark.parametrize(
    "split, size",
    [("full-train", 25_000), ("test", 25_000), ("train", 22_500), ("dev", 2_500)],
)
def test_real_imdb_sizes_and_balance(real_imdb, split, size):
    corpus = real_imdb[split]
    assert len(corpus) == size
    assert np.bincount(corpus.labels).tolist() == [size // 2, size // 2]
    assert not any("<br" in text for text in corpus.texts)


def test_real_imdb_dev_and_train_partition_full_train(real_imdb):
    assert sorted(real_imdb["train"].texts + real_imdb["dev"].texts) == sorted(real_imdb["full-train"].texts)


def test_user_file_round_trip_of_real_imdb_rows(real_imdb, tmp_path):
    """The first 50 test reviews written as JSONL load back with the same texts and labels."""
    corpus = real_imdb["test"]
    path = tmp_path / "sample.jsonl"
    with open(path, "w", encoding="utf-8") as file:
        for text, label in zip(corpus.texts[:50], corpus.labels[:50], strict=True):
            file.write(json.dumps({"text": text, "label": BINARY_LABELS[label]}) + "\n")
    loaded = load_file(path)
    assert loaded.texts == corpus.texts[:50]
    assert loaded.labels.tolist() == corpus.labels[:50].tolist()
