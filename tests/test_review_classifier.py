"""The review model as users meet it: one composition for one sentence and many, the model file, explain by
sentence, the training steps."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from sentiment_rnn import RNNClassifier
from sentiment_rnn.cli import main
from sentiment_rnn.io.serialization import load_model, save_model
from sentiment_rnn.review.classifier import ReviewClassifier, split_token_sentences
from sentiment_rnn.review.training import fit_review_classifier, near_copies

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
    short = (GOOD + BAD, [1] * 5 + [0] * 5)  # one-sentence texts beside the reviews
    return fit_review_classifier(sentence, texts, labels, dev_texts, dev_labels, ngram_min_df=1, ngram_c=1.0,
                                 short_texts=short, short_share=0.3)


def test_one_sentence_and_many_are_one_function(review_model):
    sentences = ["the acting is superb .", "i loved it .", "a bad film ."]
    z_alone = review_model.decision_function(sentences)  # each sentence as a text of its own
    bias = review_model.head_.params["bias"][0]
    z_review = review_model.decision_function([" ".join(sentences)])[0]
    np.testing.assert_allclose(z_review, bias + (z_alone - bias).sum(), rtol=1e-10)  # shares add up
    one = review_model.sentences([sentences[0]])
    evidence = review_model.evidence(one)
    l_alone = review_model.sentence_.decision_function([sentences[0]])  # the sentence network by itself
    np.testing.assert_allclose(evidence.log_odds, l_alone, rtol=1e-5, atol=1e-6)
    p = review_model.predict_proba([" ".join(sentences)])[0]
    np.testing.assert_allclose(p, [1 / (1 + np.exp(z_review)), 1 / (1 + np.exp(-z_review))])


def test_appending_a_sentence_moves_the_verdict_its_own_way(review_model):
    base = ["the acting is superb . a bad film .", "i loved it .", "dull and boring . great fun !"]
    for text in base:
        z = review_model.decision_function([text])[0]
        for extra in GOOD + BAD:
            share = review_model.explain_review(extra)["sentences"][0]
            moved = review_model.decision_function([text + " " + extra])[0] - z
            assert moved == pytest.approx(share["log_odds"], rel=1e-6, abs=1e-6)  # float32 states
            assert share["weight"] >= 0 and share["ngram_weight"] >= 0
            assert share["network_part"] * share["network_log_odds"] >= 0  # its network part has its network's sign
            if share["guarded"]:  # the n-grams never turn the network's verdict on the sentence
                assert moved * share["network_log_odds"] >= 0


def test_negation_is_marked_in_the_ngrams(review_model):
    from sentiment_rnn.review.ngrams import NgramWeights, ngram_hash

    assert review_model.ngrams_.negation  # the recipe's default
    hashes = np.array([ngram_hash(g) for g in ("bad", "bad_NEG", "fun")], dtype=np.uint64)
    order = np.argsort(hashes)
    weights = np.array([-2.0, 0.5, 1.0], dtype=np.float32)
    marked, plain = (NgramWeights(hashes[order], weights[order], 1, negation) for negation in (True, False))
    sentences = [["not", "bad", "at", "all", "."], ["bad", "."], ["never", "bad", ",", "fun", "."]]
    assert marked.sentence_scores(sentences).tolist() == [0.5, -2.0, 1.5]  # "not bad" reads bad_NEG, not bad
    assert plain.sentence_scores(sentences).tolist() == [-2.0, -2.0, -1.0]
    assert marked.top_ngrams(sentences[0]) == [("bad_NEG", 0.5)]


def test_an_earlier_review_file_gets_a_clear_error(review_model, tmp_path):
    from sentiment_rnn.errors import ModelFileError

    path = save_model(review_model, tmp_path / "review.npz")
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    metadata = json.loads(str(arrays["metadata"]))
    metadata["review"].pop("composition")
    arrays["metadata"] = np.array(json.dumps(metadata))
    np.savez(tmp_path / "old.npz", **arrays)
    with pytest.raises(ModelFileError, match="earlier composition"):
        load_model(tmp_path / "old.npz")


def test_strings_and_token_lists_are_split_alike(review_model):
    text = "Great fun! I loved it. The acting is awful."
    tokens = ["great", "fun", "!", "i", "loved", "it", ".", "the", "acting", "is", "awful", "."]
    assert review_model.sentences([text]) == review_model.sentences([tokens]) == [split_token_sentences(tokens)]
    np.testing.assert_allclose(review_model.predict_proba([text]), review_model.predict_proba([tokens]))


def test_model_file_round_trip_without_pickle(review_model, tmp_path):
    path = save_model(review_model, tmp_path / "review.npz")
    with np.load(path, allow_pickle=False) as data:
        assert {k for k in data.files if k.startswith("review/param/")} == {
            "review/param/score.weight", "review/param/score.bias", "review/param/ngram_score.weight",
            "review/param/ngram_score.bias", "review/param/scale", "review/param/bias"}
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
    assert total == pytest.approx(explanation["log_odds"], abs=1e-9)
    assert explanation["log_odds"] == pytest.approx(review_model.decision_function([review])[0], abs=1e-9)
    for r in explanation["sentences"]:  # share = a x network log-odds + n-gram part (unless the guard holds it)
        assert r["log_odds"] == pytest.approx(r["network_part"] + r["ngram_log_odds"], abs=1e-12)
        if r["log_odds"] != 0:
            assert r["network_part"] == pytest.approx(r["weight"] * r["network_log_odds"], abs=1e-12)
            assert r["ngram_log_odds"] == pytest.approx(r["ngram_weight"] * r["ngram_score"], abs=1e-9)
    ngram = sum(r["ngram_log_odds"] for r in explanation["sentences"])
    assert explanation["ngram_log_odds"] == pytest.approx(ngram, abs=1e-12) and ngram != 0
    result = CliRunner().invoke(main, ["explain", "--model", str(path), "--json", "--no-baseline", review])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["level"] == "review" and printed["review"]["log_odds"] == pytest.approx(explanation["log_odds"])
    for index, row in enumerate(printed["review"]["sentences"]):  # each sentence's chart ends at its P alone
        steps = [s for s in printed["trajectory"] if s["sentence"] == index]
        assert " ".join(s["token"] for s in steps) == row["sentence"]
        assert steps[-1]["p_positive"] == pytest.approx(row["sentence_p_positive"], abs=1e-5)
    assert printed["bag_of_words"]["log_odds"] == pytest.approx(ngram, abs=1e-6)
    chart = CliRunner().invoke(main, ["explain", "--model", str(path), "--no-baseline", review])
    assert chart.exit_code == 0 and "i hated it ." in chart.output and "bias" in chart.output
    one = CliRunner().invoke(main, ["explain", "--model", str(path), "--no-baseline", "--json", "great fun !"])
    assert one.exit_code == 0 and len(json.loads(one.output)["review"]["sentences"]) == 1


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
