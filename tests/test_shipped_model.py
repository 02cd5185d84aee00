"""The shipped default model: present as package data, loads offline, and is as good as the README says."""

import numpy as np

from sentiment_rnn import load_model
from sentiment_rnn.data import load_corpus
from sentiment_rnn.serialization import default_model_path, read_metadata


def test_default_model_is_found_and_small():
    path = default_model_path()
    assert path.is_file()
    assert path.stat().st_size < 8_000_000
    metadata = read_metadata()
    assert metadata["config"]["cell"] == "lstm"
    assert metadata["hyperparameters"]["train_label_map"] == [0, 0, None, 1, 1]


def test_default_model_reads_negation_in_the_readme_example():
    model = load_model()
    proba = model.predict_proba(["this movie is not good", "this movie is good"])
    assert proba[0, 1] < 0.5 < proba[1, 1]


def test_default_model_sst2_test_accuracy(data_dir):
    test = load_corpus("sst", "test", data_dir)
    accuracy = load_model().score(test.tokens, test.labels)
    assert accuracy >= 0.86
    recorded = read_metadata()["training"]["test_accuracy"]
    np.testing.assert_allclose(accuracy, recorded, atol=1e-9)  # the file scores what training reported
