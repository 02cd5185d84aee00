"""The shipped default model: present as package data, loads offline, and is as good as the README says.

It is a review model: the sentence LSTM answers a text of one sentence, the review model (its own copy
of the LSTM, attention over sentences, NB-weighted n-grams) a text of several."""

import numpy as np
import pytest

from sentiment_rnn import load_model
from sentiment_rnn.corpora import load_corpus
from sentiment_rnn.review.classifier import ReviewClassifier
from sentiment_rnn.io.serialization import default_model_path, read_metadata


def test_default_model_is_found_and_small():
    path = default_model_path()
    assert path.is_file()
    assert path.stat().st_size < 12_000_000  # 10.8 MB: sentence network 5.2, review LSTM + head 0.3, n-grams 5.3
    metadata = read_metadata()
    assert metadata["kind"] == "review" and metadata["config"]["cell"] == "lstm"
    data = metadata["training"]["data"]  # its sentence network: a student of an ensemble, as the README says
    assert data["teacher_weight"] == 0.5 and data["transfer_corpus"] == "imdb"
    assert data["transfer_sentences"] == 150_000
    review = metadata["review"]["training"]
    assert review["cad_pairs_left_out"] == 6 and review["imdb_reviews_left_out_as_cad_dev_copies"] == 249


def test_default_model_reads_negation_in_the_readme_examples():
    model = load_model()
    assert isinstance(model, ReviewClassifier)
    negative = ["this movie is not good", "the plot is boring"]
    positive = ["not bad at all , actually quite fun", "the plot is never boring", "this movie is good"]
    proba = model.predict_proba(negative + positive)[:, 1]
    assert np.all(proba[: len(negative)] < 0.5) and np.all(proba[len(negative) :] > 0.5), proba


def test_default_model_sst2_test_accuracy(data_dir):
    test = load_corpus("sst", "test", data_dir)
    accuracy = load_model().score(test.tokens, test.labels)
    assert accuracy >= 0.86
    recorded = read_metadata()["training"]["test_accuracy"]
    np.testing.assert_allclose(accuracy, recorded, atol=1e-9)  # the file scores what training reported


def test_default_model_cad_dev_pair_consistency(data_dir):
    from sentiment_rnn.evaluation.metrics import pair_consistency

    cad = load_corpus("cad", "dev", data_dir)
    assert len(np.unique(cad.pair_ids)) == 245
    consistency = pair_consistency(cad.labels, load_model().predict(cad.texts), cad.pair_ids)
    assert consistency == pytest.approx(192 / 245)  # the README's number
