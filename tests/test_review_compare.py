"""Review-level comparison (sentiment_rnn.evaluation.review_comparison, stored_baselines, metrics): pair consistency, fitted baselines as plain
arrays, the cache, `compare --corpus imdb / --file` through click's CliRunner, and the sentence-polarity /
SST-2 test overlap."""

from __future__ import annotations

import doctest
import json

import numpy as np
import pytest
from click.testing import CliRunner

from fixtures_data import write_cad, write_imdb_csv
from sentiment_rnn.cli import main
from sentiment_rnn.corpora import Corpus, load_corpus
from sentiment_rnn.errors import ModelFileError
from sentiment_rnn.evaluation import baselines as baselines_module
from sentiment_rnn.evaluation import metrics, stored_baselines
from sentiment_rnn.evaluation.baselines import BASELINES, fit_baseline
from sentiment_rnn.evaluation.metrics import pair_consistency, pair_scores
from sentiment_rnn.evaluation.review_comparison import sst_test_overlap, without_sst_test
from sentiment_rnn.evaluation.stored_baselines import LinearBaseline, cached_tokens, load_or_fit_baseline

GOOD = "great fun superb warm moving clever".split()
BAD = "dull awful boring cold flat tedious".split()


def _review(rng, label: int) -> str:
    words = rng.choice(GOOD if label else BAD, 3).tolist() + rng.choice(GOOD + BAD, 2).tolist()
    negated = " It is not bad." if label and rng.random() < 0.3 else ""
    return f"The film was {' , '.join(words)}.<br /><br />I watched it twice.{negated}"


def _imdb_rows(seed: int = 0):
    rng = np.random.default_rng(seed)
    rows = []
    for split, n in (("train", 120), ("test", 40)):
        for i in range(n):
            label = i % 2
            rows.append((_review(rng, label), ("negative", "positive")[label], split, i, 8 if label else 2))
    return rows


@pytest.fixture
def review_dir(tmp_path, monkeypatch):
    """A data folder with a small IMDB of word-list reviews and the CAD fixture; an empty cache."""
    folder = tmp_path / "data"
    write_imdb_csv(folder, rows=_imdb_rows())
    write_cad(folder)
    monkeypatch.setenv("SENTIMENT_RNN_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("SENTIMENT_RNN_DATA", raising=False)
    return folder


# ----------------------------------------------------------------------------------------------
# Pair consistency


def test_pair_consistency_needs_both_members_right():
    y_true = [1, 0, 1, 0, 0, 1]
    assert pair_consistency(y_true, y_true, [5, 5, 2, 2, 9, 9]) == 1.0
    assert pair_consistency(y_true, [1, 1, 1, 1, 1, 1], [5, 5, 2, 2, 9, 9]) == 0.0  # always positive: half right
    assert pair_consistency(y_true, [1, 0, 0, 0, 0, 1], [5, 5, 2, 2, 9, 9]) == pytest.approx(2 / 3)


def test_pair_consistency_groups_by_id_not_by_position():
    # members of a pair need not be neighbours, ids need not be sorted or integers
    assert pair_consistency([1, 1, 0, 0], [1, 0, 0, 1], ["b", "a", "b", "a"]) == 0.5
    assert pair_consistency([1, 1, 0, 0], [1, 0, 0, 1], [7, 3, 3, 7]) == 0.0


def test_pair_consistency_checks_shapes_and_handles_no_pairs():
    with pytest.raises(ValueError, match="shapes differ"):
        pair_consistency([1, 0], [1, 0], [1])
    assert np.isnan(pair_consistency([], [], []))


def test_pair_scores_give_member_accuracy_beside_consistency():
    scores = pair_scores([1, 0, 1, 0, 1, 0], [1, 1, 1, 0, 0, 0], [1, 1, 2, 2, 3, 3])
    assert scores == {"n": 6, "accuracy": pytest.approx(4 / 6), "pairs": 3, "pair_consistency": pytest.approx(1 / 3)}


# ----------------------------------------------------------------------------------------------
# Fitted baselines as arrays


@pytest.fixture(scope="module")
def toy_tokens():
    rng = np.random.default_rng(1)
    labels = np.arange(80) % 2
    docs = [_review(rng, int(y)).lower().replace(".", " .").replace("<br /><br />", " ").split()
            for y in labels]
    return docs, labels


@pytest.mark.parametrize("name", list(BASELINES))
def test_stored_baseline_predicts_like_the_pipeline(name, toy_tokens, tmp_path):
    docs, labels = toy_tokens
    fitted = fit_baseline(name, docs[:60], labels[:60], docs[60:70], labels[60:70])
    baseline = LinearBaseline.from_fitted(fitted)
    test = [*docs[70:], ["not", "bad", "at", "all"], ["never", "boring", ",", "not", "dull"], []]
    np.testing.assert_allclose(baseline.decision_function(test), fitted.decision_function(test), atol=1e-12)
    assert baseline.predict(test).tolist() == fitted.predict(test).tolist()

    path = baseline.save(tmp_path / f"{name}.npz")
    with np.load(path, allow_pickle=False) as data:  # plain arrays: no pickle needed to read it
        assert {"metadata", "vocabulary", "coef", "intercept"} <= set(data.files)
        assert ("idf" in data.files) == (name == "tfidf-svm")
    loaded = LinearBaseline.load(path)
    assert (loaded.name, loaded.ngram_range, loaded.negation) == (name, baseline.ngram_range, name == "negation-logreg")
    np.testing.assert_array_equal(loaded.decision_function(test), baseline.decision_function(test))


def test_a_file_that_is_not_a_baseline_is_refused(tmp_path):
    path = tmp_path / "x.npz"
    path.write_bytes(b"not an npz")
    with pytest.raises(ModelFileError, match="not a readable fitted baseline"):
        LinearBaseline.load(path)


def test_the_second_fit_is_read_from_the_cache(toy_tokens, tmp_path, monkeypatch):
    monkeypatch.setenv("SENTIMENT_RNN_CACHE", str(tmp_path / "cache"))
    docs, labels = toy_tokens
    texts = [" ".join(doc) for doc in docs]
    train = Corpus("toy", "train", texts[:60], labels[:60])
    dev = Corpus("toy", "dev", texts[60:], labels[60:])
    fits = []
    real_fit = baselines_module.fit_baseline
    monkeypatch.setattr(baselines_module, "fit_baseline", lambda *args: fits.append(args[0]) or real_fit(*args))

    first, fitted_now = load_or_fit_baseline("bow-bigram-logreg", train, dev)
    assert fitted_now and fits == ["bow-bigram-logreg"]
    [path] = (tmp_path / "cache" / "baselines").iterdir()
    stamp = path.stat().st_mtime_ns
    second, fitted_now = load_or_fit_baseline("bow-bigram-logreg", train, dev)
    assert not fitted_now and fits == ["bow-bigram-logreg"] and path.stat().st_mtime_ns == stamp
    np.testing.assert_array_equal(second.coef, first.coef)
    assert second.metadata["key"] == first.metadata["key"]

    changed = Corpus("toy", "train", texts[:60], 1 - labels[:60])  # other labels: another key
    assert load_or_fit_baseline("bow-bigram-logreg", changed, dev)[1]
    assert load_or_fit_baseline("bow-bigram-logreg", train, dev, refit=True)[1]
    assert fits == ["bow-bigram-logreg"] * 3


def test_tokens_are_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("SENTIMENT_RNN_CACHE", str(tmp_path / "cache"))
    calls = []
    real = stored_baselines.tokenize_many
    monkeypatch.setattr(stored_baselines, "tokenize_many", lambda texts, n: calls.append(len(texts)) or real(texts, n))
    texts = ["It isn't good.", "", "Fun!<br />Really."]
    assert cached_tokens(texts) == [["it", "is", "n't", "good", "."], [], ["fun", "!", "really", "."]]
    assert cached_tokens(texts) == real(texts, 1)
    assert calls == [3]


# ----------------------------------------------------------------------------------------------
# The command


def _compare(args, expect=0):
    result = CliRunner().invoke(main, ["compare", *args])
    assert result.exit_code == expect, result.output
    return result


def test_compare_on_imdb_reviews_fits_once_then_reads_the_cache(review_dir):
    args = ["--corpus", "imdb", "--data-dir", str(review_dir), "--baseline", "bow-logreg", "--baseline", "nb"]
    first = _compare([*args, "--json"])
    report = json.loads(first.stdout)
    assert report["data"] == {"corpus": "imdb", "train": 108, "dev": 12, "test": 40}
    assert set(report["results"]) == {"bow-logreg", "nb", "sentiment-rnn"}
    for row in report["results"].values():
        assert row["test"]["n"] == 40 and 0 <= row["test"]["accuracy"] <= 1
        assert (row["cad_dev"]["n"], row["cad_dev"]["pairs"]) == (2, 1)
        assert (row["contrast_minimal"]["pairs"], row["contrast_hard"]["pairs"]) == (64, 22)
    assert report["results"]["bow-logreg"]["test"]["accuracy"] >= 0.9  # the word lists are easy
    assert report["results"]["nb"]["model"]["fitted_now"] is True
    assert "nb: fitted in" in first.stderr

    second = _compare([*args, "--markdown"])
    assert "nb: read from the cache" in second.stderr and "bow-logreg: read from the cache" in second.stderr
    lines = second.stdout.splitlines()
    assert lines[0].startswith("| model | IMDB test | CAD dev | CAD dev pairs | minimal | minimal pairs")
    assert lines[2].startswith("| n | 40 | 2 | 1 | 128 | 64 |")
    assert sum(line.startswith("| nb |") for line in lines) == 1


def test_compare_mixes_in_cad_and_limits_sizes(review_dir):
    result = _compare(["--corpus", "imdb", "--data-dir", str(review_dir), "--baseline", "nb", "--mix", "cad",
                       "--train-size", "45", "--test-size", "10", "--json"])
    report = json.loads(result.stdout)
    assert report["data"] == {"corpus": "imdb", "mix": "cad", "cad_train_pairs": 3, "train": 51, "dev": 5, "test": 10}
    assert set(report["results"]) == {"nb +cad", "sentiment-rnn"}
    assert report["results"]["nb +cad"]["test"]["n"] == 10


def test_compare_on_a_labelled_file(review_dir, tmp_path):
    path = tmp_path / "mine.jsonl"
    rows = [{"review": text, "stars": sentiment} for text, sentiment, *_ in _imdb_rows(seed=3)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    result = _compare(["--file", str(path), "--text-column", "review", "--label-column", "stars",
                       "--data-dir", str(review_dir), "--baseline", "tfidf-svm"])
    header, counts = result.stdout.splitlines()[:2]
    assert header.split()[:3] == ["model", "mine.jsonl", "test"]
    assert counts.split()[:2] == ["n", "16"]  # 10 % of 160 reviews
    assert result.stdout.splitlines()[2].startswith("tfidf-svm")


def test_compare_options_for_reviews_need_reviews(review_dir):
    result = _compare(["--mix", "cad"], expect=2)
    assert "--corpus imdb or --file" in result.output


def test_a_bad_file_is_one_line(review_dir, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("text,label\ngood film,maybe\n", encoding="utf-8")
    result = _compare(["--file", str(path), "--data-dir", str(review_dir)], expect=1)
    assert result.output.count("\n") == 1 and "bad.csv:2" in result.output


def test_evaluate_on_cad_dev_and_no_test_split(review_dir):
    result = CliRunner().invoke(main, ["evaluate", "--corpus", "cad", "--split", "dev", "--data-dir",
                                       str(review_dir), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] == 2
    result = CliRunner().invoke(main, ["evaluate", "--corpus", "cad", "--data-dir", str(review_dir)])
    assert result.exit_code == 1 and "cad has no test split" in result.output


def test_train_mixes_cad_into_a_training_file(review_dir, tmp_path):
    train = tmp_path / "train.tsv"
    train.write_text("text\tlabel\n" + "".join(f"{t}\t{s}\n" for t, s, *_ in _imdb_rows()[:40]), encoding="utf-8")
    args = ["train", "--train-file", str(train), "--mix", "cad", "--data-dir", str(review_dir), "--cell", "elman",
            "--embedding-dim", "4", "--hidden-size", "4", "--epochs", "1", "-o", str(tmp_path / "m.npz"), "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[-1])["train_examples"] == 40 + 6
    refused = CliRunner().invoke(main, ["train", "--corpus", "sst", "--mix", "cad"])
    assert refused.exit_code == 2 and "--corpus imdb or --train-file" in refused.output


# ----------------------------------------------------------------------------------------------
# The real corpora


def test_real_compare_on_imdb_reviews(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SENTIMENT_RNN_CACHE", str(tmp_path / "cache"))
    result = _compare(["--corpus", "imdb", "--data-dir", str(data_dir), "--baseline", "nb",
                       "--train-size", "900", "--test-size", "200", "--json"])
    report = json.loads(result.stdout)
    assert report["data"] == {"corpus": "imdb", "train": 900, "dev": 100, "test": 200}
    for row in report["results"].values():
        assert (row["test"]["n"], row["cad_dev"]["n"], row["cad_dev"]["pairs"]) == (200, 490, 245)
    shipped = report["results"]["sentiment-rnn"]
    assert shipped["cad_dev"]["pair_consistency"] > report["results"]["nb"]["cad_dev"]["pair_consistency"]


def test_real_sentence_polarity_shares_sentences_with_sst2_test(data_dir):
    """The treebank was built from the sentence_polarity snippets: 1,496 of its sentences are SST-2
    test sentences (letters and digits compared; the number in the README)."""
    splits = [load_corpus("sentence-polarity", split, data_dir) for split in ("train", "dev", "test")]
    overlap = [sst_test_overlap(corpus.tokens, data_dir) for corpus in splits]
    assert sum(int(o.sum()) for o in overlap) == 1496
    clean = without_sst_test(splits[2], data_dir)
    assert len(clean) == len(splits[2]) - int(overlap[2].sum())
    assert not sst_test_overlap(clean.tokens, data_dir).any()


def test_real_evaluate_on_sentence_polarity_leaves_out_sst2_test(data_dir):
    result = CliRunner().invoke(main, ["evaluate", "--corpus", "sentence-polarity", "--split", "test",
                                       "--data-dir", str(data_dir), "--json"])
    assert result.exit_code == 0, result.output
    test = load_corpus("sentence-polarity", "test", data_dir)
    report = json.loads(result.stdout)
    dropped = int(sst_test_overlap(test.tokens, data_dir).sum())
    assert dropped > 0 and report["sst2_test_overlap_dropped"] == dropped and report["n"] == len(test) - dropped


def test_module_doctests_pass():
    result = doctest.testmod(metrics)
    assert result.failed == 0 and result.attempted > 0
