"""The shipped default model: present as package data, loads offline, and is as good as the README says."""

import numpy as np

from sentiment_rnn import load_model
from sentiment_rnn.corpora import load_corpus
from sentiment_rnn.serialization import default_model_path, read_metadata


def test_default_model_is_found_and_small():
    path = default_model_path()
    assert path.is_file()
    assert path.stat().st_size < 8_000_000
    metadata = read_metadata()
    assert metadata["kind"] == "network" and metadata["config"]["cell"] == "lstm"
    data = metadata["training"]["data"]  # a student of an ensemble, as the README's recipe makes it
    assert data["teacher_weight"] == 0.5 and data["transfer_corpus"] == "imdb"
    assert data["transfer_sentences"] == 150_000


def test_default_model_reads_negation_in_the_readme_examples():
    model = load_model()
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
