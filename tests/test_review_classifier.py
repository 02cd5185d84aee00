"""The review model as users meet it: routing, the model file, explain by sentence."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from sentiment_rnn import RNNClassifier
from sentiment_rnn.cli import main
from sentiment_rnn.review.classifier import ReviewClassifier, split_token_sentences
from sentiment_rnn.review.training import fit_review_classifier, near_copies
from sentiment_rnn.io.serialization import load_model, save_model

GOOD = ["a good film .", "great fun !", "i loved it .", "the acting is superb .", "a joy to watch ."]
BAD = ["a bad film .", "dull and boring .", "i hated it .", "the acting is awful .", "a waste of time ."]


def _reviews(rng, n):
    texts, labels = [], []
    for _ in range(n):
        label = int(rng.integers(2))
        main_pool, other = (GOOD, BAD) if label else (BAD, GOOD)
        sentences = list(rng.choice(main_pool, size=3)) + list(rng.choice(other, size=1))
        rng.shuffle(sentences)
        texts.append(" ".join(sentences))
        labels.append(label)
    return texts, np.array(labels)


@pytest.fixture(scope="module")
def review_model():
    rng = np.random.default_rng(0)
    sentence = RNNClassifier(cell="lstm", embedding_dim=6, hidden_size=5, epochs=3, patience=None,
                             random_state=0).fit(GOOD + BAD, [1] * 5 + [0] * 5)
    texts, labels = _reviews(rng, 60)
    dev_texts, dev_labels = _reviews(rng, 20)
    return fit_review_classifier(sentence, texts, labels, dev_texts, dev_labels, attention_size=3, head_epochs=2,
                                 epochs=1, batch_size=8, ngram_min_df=1, ngram_c=1.0)


def test_one_sentence_goes_to_the_sentence_network_and_more_to_the_review_model(review_model):
    sentence = "the acting is superb ."
    np.testing.assert_allclose(review_model.predict_proba([sentence]), review_model.sentence_.predict_proba([sentence]))
    review = "the acting is superb . i loved it . a bad film ."
    parts = review_model.review_parts(review_model.sentences([review]))
    p = 1 / (1 + np.exp(-parts["z"][0]))
    np.testing.assert_allclose(review_model.predict_proba([review])[0], [1 - p, p])
    assert not np.allclose(review_model.predict_proba([review]), review_model.sentence_.predict_proba([review]))


def test_strings_and_token_lists_are_split_alike(review_model):
    text = "Great fun! I loved it. The acting is awful."
    tokens = ["great", "fun", "!", "i", "loved", "it", ".", "the", "acting", "is", "awful", "."]
    assert review_model.sentences([text]) == review_model.sentences([tokens]) == [split_token_sentences(tokens)]
    np.testing.assert_allclose(review_model.predict_proba([text]), review_model.predict_proba([tokens]))


def test_model_file_round_trip_without_pickle(review_model, tmp_path):
    path = save_model(review_model, tmp_path / "review.npz")
    with np.load(path, allow_pickle=False) as data:
        assert any(k.startswith("review/param/rnn.") for k in data.files)
        assert json.loads(str(data["metadata"]))["kind"] == "review"
    loaded = load_model(path)
    assert isinstance(loaded, ReviewClassifier)
    texts = ["a good film .", "a good film . dull and boring . i hated it .", "great fun ! a joy to watch ."]
    np.testing.assert_allclose(loaded.predict_proba(texts), review_model.predict_proba(texts), rtol=1e-6)


def test_explain_a_review_by_sentence(review_model, tmp_path):
    path = save_model(review_model, tmp_path / "review.npz")
    review = "The acting is superb. I hated it. A waste of time."
    explanation = review_model.explain_review(review)
    assert [r["sentence"] for r in explanation["sentences"]] == [
        "the acting is superb .", "i hated it .", "a waste of time ."]
    total = explanation["bias"] + sum(r["log_odds"] for r in explanation["sentences"])
    assert total == pytest.approx(explanation["log_odds"], abs=1e-5)
    result = CliRunner().invoke(main, ["explain", "--model", str(path), "--json", review])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["level"] == "review"
    chart = CliRunner().invoke(main, ["explain", "--model", str(path), review])
    assert chart.exit_code == 0 and "i hated it ." in chart.output
    one = CliRunner().invoke(main, ["explain", "--model", str(path), "--no-baseline", "--json", "great fun !"])
    assert one.exit_code == 0 and "trajectory" in json.loads(one.output)


def test_predict_and_evaluate_commands_take_a_review_model(review_model, tmp_path):
    path = save_model(review_model, tmp_path / "review.npz")
    result = CliRunner().invoke(main, ["predict", "--model", str(path), "--format", "jsonl",
                                       "a good film .", "a good film . dull and boring . i hated it ."])
    assert result.exit_code == 0, result.output
    assert len(result.output.strip().splitlines()) == 2
    data = tmp_path / "reviews.tsv"
    data.write_text("text\tlabel\nGreat fun! A joy to watch.\tpositive\nI hated it. Dull and boring.\tnegative\n")
    result = CliRunner().invoke(main, ["evaluate", "--model", str(path), "--file", str(data), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["n"] == 2


def test_near_copies_finds_light_edits():
    reference = ["this film was a long and boring mess that never ends and i was glad to see the credits roll"]
    edited = ["this film was a long and fascinating ride that never ends and i was glad to see the credits roll"]
    other = ["an entirely different review about a different film with different words in a different order"]
    assert near_copies(edited + other, reference, threshold=0.3).tolist() == [0, -1]
