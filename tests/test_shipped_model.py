"""The shipped default model: present as package data, loads offline, and is as good as its page says.

It is a review model: every text, one sentence or many, is the bias plus each sentence's share (a weight
times the sentence LSTM's log-odds plus the sentence's n-gram part); see docs/review-model.md."""

import numpy as np
import pytest

from sentiment_rnn import load_model
from sentiment_rnn.corpora import load_corpus
from sentiment_rnn.io.serialization import REVIEW_COMPOSITION, default_model_path, read_metadata
from sentiment_rnn.review.classifier import ReviewClassifier


def test_default_model_is_found_and_small():
    path = default_model_path()
    assert path.is_file()
    assert path.stat().st_size < 12_000_000  # sentence network ~5.2 MB with float16 word vectors, n-grams ~5 MB
    metadata = read_metadata()
    assert metadata["kind"] == "review" and metadata["config"]["cell"] == "lstm"
    review = metadata["review"]
    assert review["composition"] == REVIEW_COMPOSITION and review["ngram_negation"] is True
    assert review["guard"] == "negated sentences"  # chosen on the IMDB dev reviews
    training = review["training"]
    assert training["cad_pairs_left_out"] == 6 and training["imdb_reviews_left_out_as_cad_dev_copies"] == 249
    assert training["short_texts"] == 8544  # the treebank's training sentences fit the verdict's scale


def test_default_model_reads_negation_in_the_readme_examples():
    model = load_model()
    assert isinstance(model, ReviewClassifier)
    negative = ["this movie is not good", "the plot is boring"]
    positive = ["not bad at all , actually quite fun", "the plot is never boring", "this movie is good"]
    proba = model.predict_proba(negative + positive)[:, 1]
    assert np.all(proba[: len(negative)] < 0.5) and np.all(proba[len(negative) :] > 0.5), proba


def test_an_appended_sentence_moves_the_shipped_verdict_its_own_way():
    model = load_model()
    texts = ["The flight was fine.", "The food was cold. The waiter was rude.", "I loved the first half."]
    z = model.decision_function(texts)
    lower = model.decision_function([t + " You are awful." for t in texts])
    higher = model.decision_function([t + " Thank you so much, it was wonderful!" for t in texts])
    assert np.all(lower < z) and np.all(higher > z), (z, lower, higher)


def test_default_model_sst2_test_accuracy(data_dir):
    test = load_corpus("sst", "test", data_dir)
    accuracy = load_model().score(test.tokens, test.labels)
    assert accuracy >= 0.865  # 0.866 recorded (the sentence network alone: 0.863), see docs/review-model.md
    recorded = read_metadata()["training"]["test_accuracy"]
    np.testing.assert_allclose(accuracy, recorded, atol=1e-9)  # the file scores what training reported


def test_default_model_cad_dev_pair_consistency(data_dir):
    from sentiment_rnn.evaluation.metrics import pair_consistency

    cad = load_corpus("cad", "dev", data_dir)
    assert len(np.unique(cad.pair_ids)) == 245
    consistency = pair_consistency(cad.labels, load_model().predict(cad.texts), cad.pair_ids)
    assert consistency == pytest.approx(201 / 245)  # 0.820, docs/review-model.md's number
