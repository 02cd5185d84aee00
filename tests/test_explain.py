"""The running sentiment after every token, the bag-of-words side, the chart and `sentiment-rnn explain`."""

import doctest
import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from sentiment_rnn.evaluation import explain
from sentiment_rnn.evaluation.baselines import fit_baseline, word_weights
from sentiment_rnn.estimators.rnn import RNNClassifier
from sentiment_rnn.cli import main
from sentiment_rnn.errors import ModelFileError, SentimentRNNError
from sentiment_rnn.evaluation.explain import (
    BowWeights,
    Trajectory,
    explanation_dict,
    prefix_probabilities,
    render_chart,
    running_probabilities,
    trajectory,
)
from sentiment_rnn.io.serialization import save_model

TEXTS = ["a good film", "great acting , i loved it", "not good at all", "a bad and dull film",
         "not bad", "boring", "wonderful fun", "i hated it"]
LABELS = [1, 1, 0, 0, 1, 0, 1, 0]
TEXT = "this movie is not good , but the acting is great"


def _classifier(**options) -> RNNClassifier:
    settings = dict(cell="lstm", embedding_dim=6, hidden_size=5, epochs=2, batch_size=4, dropout=0.0,
                    embedding_dropout=0.0, patience=None, learning_rate=0.05, random_state=0)
    return RNNClassifier(**{**settings, **options}).fit(TEXTS, LABELS)


@pytest.fixture(scope="module")
def lstm():
    return _classifier()


@pytest.mark.parametrize("options", [
    {"cell": "lstm"},
    {"cell": "gru"},
    {"cell": "elman", "activation": "relu"},
    {"cell": "lstm", "num_layers": 2},
    {"cell": "gru", "bidirectional": True},
    {"cell": "lstm", "bidirectional": True, "num_layers": 2},
])
def test_the_last_value_is_the_prediction_for_the_whole_text(options):
    model = _classifier(**options)
    steps = trajectory(model, TEXT)
    assert len(steps.tokens) == len(TEXT.split()) and steps.probabilities.shape == (len(steps.tokens), 2)
    np.testing.assert_allclose(steps.probabilities[-1], model.predict_proba([TEXT])[0], rtol=0, atol=1e-6)
    assert steps.method == ("prefixes" if options.get("bidirectional") else "running-state")


@pytest.mark.parametrize("cell", ["elman", "gru", "lstm"])
def test_running_state_equals_each_prefix_run_alone(cell):
    model = _classifier(cell=cell, num_layers=2)
    ids = model.encode([TEXT])[0]
    running = running_probabilities(model.model_, ids)
    np.testing.assert_allclose(running, prefix_probabilities(model.model_, ids, batch_size=3), rtol=0, atol=1e-6)
    np.testing.assert_allclose(running, model.predict_proba([TEXT.split()[: t + 1] for t in range(len(ids))]),
                               rtol=0, atol=1e-6)


def test_a_bidirectional_model_has_no_running_state():
    model = _classifier(bidirectional=True)
    with pytest.raises(ValueError, match="bidirectional"):
        running_probabilities(model.model_, model.encode([TEXT])[0])


def test_trajectory_covers_what_max_len_keeps():
    model = _classifier(max_len=4)
    steps = trajectory(model, TEXT)
    assert steps.skipped == len(TEXT.split()) - 4 and steps.tokens == tuple(TEXT.split()[-4:])
    np.testing.assert_allclose(steps.probabilities[-1], model.predict_proba([TEXT])[0], rtol=0, atol=1e-6)


def test_unknown_words_are_flagged_and_empty_text_refused(lstm):
    steps = trajectory(lstm, "a zyzzyva film")
    assert steps.known == (True, False, True)
    with pytest.raises(SentimentRNNError, match="no tokens"):
        trajectory(lstm, "   ")


# ---------------------------------------------------------------------------------------------------
def test_module_doctests_pass():
    result = doctest.testmod(explain)
    assert result.attempted > 0 and result.failed == 0


def _bow_tokens():
    return [t.split() for t in TEXTS]


def test_bow_weights_agree_with_the_baseline():
    docs = _bow_tokens()
    fitted = fit_baseline("bow-logreg", docs, LABELS, docs, LABELS)
    bow = BowWeights.from_fitted(fitted)
    tokens = "not good , a film i loved unseen good".split()
    np.testing.assert_allclose(bow.word_weights(tokens), [w for _, w in word_weights(fitted, tokens)], atol=1e-12)
    assert bow.decision(tokens) == pytest.approx(fitted.decision_function([tokens])[0])
    assert bow.word_weights(["great"])[0] > 0 > bow.word_weights(["hated"])[0]
    with pytest.raises(ValueError, match="unigram"):
        BowWeights.from_fitted(fit_baseline("bow-bigram-logreg", docs, LABELS, docs, LABELS))


def test_bow_weights_round_trip(tmp_path):
    bow = BowWeights(np.array(["good", "bad"]), np.array([1.25, -2.5]), 0.5, {"baseline": "bow-logreg"})
    loaded = BowWeights.load(bow.save(tmp_path / "bow.npz"))
    assert loaded.vocabulary.tolist() == ["good", "bad"] and loaded.intercept == 0.5
    assert loaded.word_weights(["bad", "good"]).tolist() == [-2.5, 1.25] and loaded.metadata == bow.metadata
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(ModelFileError, match="not a readable bag-of-words"):
        BowWeights.load(tmp_path / "other.npz")


def test_the_shipped_bow_weights_load():
    bow = BowWeights.load(explain.shipped_bow_path())
    assert bow.metadata["baseline"] == "bow-logreg" and len(bow.vocabulary) > 10_000
    good, bad, not_ = bow.word_weights(["good", "bad", "not"])
    assert good > 0 > bad and not_ < 0


def test_bow_weights_are_trained_once_then_cached(tmp_path, monkeypatch):
    monkeypatch.setattr(explain, "shipped_bow_path", lambda: tmp_path / "missing.npz")
    monkeypatch.setenv("SENTIMENT_RNN_CACHE", str(tmp_path / "cache"))
    calls, messages = [], []

    def fake_fit(data_dir):
        calls.append(data_dir)
        return BowWeights(np.array(["good"]), np.array([1.0]), 0.0, {"baseline": "bow-logreg"})

    monkeypatch.setattr(explain, "fit_bow_weights", fake_fit)
    first = explain.load_bow_weights("DATA", on_training=messages.append)
    second = explain.load_bow_weights("DATA", on_training=messages.append)
    assert calls == ["DATA"] and len(messages) == 1 and "cached" in messages[0]
    assert (tmp_path / "cache" / explain.BOW_FILE).is_file()
    assert first.word_weights(["good"]) == second.word_weights(["good"]) == [1.0]


# ---------------------------------------------------------------------------------------------------
def _flip() -> Trajectory:
    probabilities = np.array([[0.45, 0.55], [0.35, 0.65], [0.1, 0.9], [0.8, 0.2], [0.95, 0.05]])
    return Trajectory(("this", "movie", "is", "not", "goodgoodgoodgoodgood"), (True, True, True, True, False),
                      probabilities, ("negative", "positive"), "running-state")


def _rows(chart: str) -> list[str]:
    lines = chart.splitlines()
    start = next(i for i, line in enumerate(lines) if set(line) <= {"─", "-"} and line) + 1
    return lines[start : lines.index("", start)]


def test_the_chart_has_one_row_per_token_in_80_columns():
    bow = BowWeights(np.array(["not", "goodgoodgoodgoodgood"]), np.array([-3.0, 1.0]), 0.2)
    chart = render_chart(_flip(), bow, text="this movie is not " + "good" * 30)
    rows = _rows(chart)
    assert len(rows) == 5
    assert [row.split()[0] for row in rows] == ["this", "movie", "is", "not", "goodgoodgoo…?"]
    assert max(len(line) for line in chart.splitlines()) <= 80
    assert "0.900" in rows[2] and "-3.00" in rows[3] and "+0.00" in rows[0]
    assert "?: a word the RNN does not know" in chart and "negative  P(positive) = 0.050" in chart


def test_the_bar_swings_to_the_side_of_the_prediction():
    rows = _rows(render_chart(_flip()))
    axis = rows[0].index("│")
    assert all(row.index("│") == axis for row in rows)
    assert rows[2][axis + 1] == "█" and rows[2][axis - 1] == " "  # 0.9: right of 0.5
    assert rows[4][axis - 1] == "█" and rows[4][axis + 1 :].strip() == ""  # 0.05: left of 0.5
    assert rows[2].count("█") == 13 and rows[4].count("█") == 14  # |p - 0.5| · 32 cells


def test_the_ascii_chart_is_ascii():
    chart = render_chart(_flip(), BowWeights(np.array(["not"]), np.array([-9.0]), 0.0), ascii_only=True)
    chart.encode("ascii")
    assert "#" in chart and "|" in chart


def test_explanation_dict():
    bow = BowWeights(np.array(["not"]), np.array([-1.0]), 0.5, {"baseline": "bow-logreg", "trained_on": "x"})
    result = json.loads(json.dumps(explanation_dict(_flip(), bow, text="t")))
    assert result["tokens"] == list(_flip().tokens) and len(result["trajectory"]) == 5
    assert result["prediction"] == {"label": "negative", "probabilities": {"negative": 0.95, "positive": 0.05},
                                    "p_positive": 0.05}
    assert result["trajectory"][3] == {"token": "not", "in_vocabulary": True, "label": "negative", "p_positive": 0.2,
                                       "probabilities": {"negative": 0.8, "positive": 0.2}, "bow_weight": -1.0}
    assert result["baseline"]["decision"] == -0.5 and result["baseline"]["label"] == "negative"
    assert explanation_dict(_flip())["baseline"] is None


# ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def model_file(lstm, tmp_path_factory):
    return save_model(lstm, tmp_path_factory.mktemp("explain") / "model.npz")


def test_explain_help_has_an_example():
    result = CliRunner().invoke(main, ["explain", "--help"])
    assert result.exit_code == 0 and "Example" in result.output and "sentiment-rnn explain" in result.output


def test_explain_json(model_file, lstm):
    result = CliRunner().invoke(main, ["explain", "--model", str(model_file), "--json", "--no-baseline", TEXT])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"text", "tokens", "skipped_tokens", "method", "label_names", "prediction", "trajectory",
                           "baseline"}
    assert report["text"] == TEXT and report["tokens"] == TEXT.split() and report["baseline"] is None
    assert [step["token"] for step in report["trajectory"]] == TEXT.split()
    assert set(report["trajectory"][0]) == {"token", "in_vocabulary", "label", "p_positive", "probabilities"}
    whole = lstm.predict_proba([TEXT])[0, 1]
    last = report["trajectory"][-1]["p_positive"]
    assert last == report["prediction"]["p_positive"] == pytest.approx(whole, abs=1e-6)


def test_explain_chart_with_the_shipped_baseline(model_file):
    result = CliRunner().invoke(main, ["explain", "--model", str(model_file), "this movie is not good"])
    assert result.exit_code == 0, result.output
    rows = _rows(result.stdout)
    assert [row.split()[0].rstrip("?") for row in rows] == ["this", "movie", "is", "not", "good"]
    weights = [float(re.findall(r"[+-]\d+\.\d\d", row)[-1]) for row in rows]
    assert weights[-1] > 0 > weights[-2]  # "good" and "not" in the bag of words
    assert "BoW" in result.stdout


def test_explain_exit_codes(model_file, tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["explain", "--model", str(model_file), "  "]).exit_code == 2
    assert runner.invoke(main, ["explain", "--model", str(model_file)]).exit_code == 2
    missing = runner.invoke(main, ["explain", "--model", str(tmp_path / "nope.npz"), "good"])
    assert missing.exit_code == 1 and "no such model file" in missing.output


@pytest.mark.parametrize("text", ["good \x1b[2J\x1b[31m film \x07 fun", "good film. bad \x1b]0;owned\x07 film \u202e."],
                         ids=["one sentence", "a review"])
def test_explain_shows_control_characters_as_escapes_never_raw(text):
    result = CliRunner().invoke(main, ["explain", "--no-baseline", text])
    assert result.exit_code == 0, result.output
    raw = re.findall(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]", result.stdout)
    assert raw == []  # nothing a terminal would act on (a line end aside)
    assert "\\x1b" in result.stdout
