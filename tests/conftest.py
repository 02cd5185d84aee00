"""Shared fixtures. The real corpora are used when SENTIMENT_RNN_DATA points at a data folder
(CI sets it to ../shared/data); tests that need them are skipped otherwise. ``toy`` is a small fitted
GRU classifier and its model file, for the tests of prediction."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def data_dir() -> Path:
    value = os.environ.get("SENTIMENT_RNN_DATA")
    if not value:
        pytest.skip("SENTIMENT_RNN_DATA is not set: the real corpora are not available")
    path = Path(value)
    if not path.is_dir():
        pytest.fail(f"SENTIMENT_RNN_DATA={value} is not a folder")
    return path


TOY_POSITIVE = ["a good film", "great acting", "i loved it", "wonderful and fun", "a great story", "good fun"]
TOY_NEGATIVE = ["a bad film", "awful acting", "i hated it", "boring and dull", "a terrible story", "bad and dull"]


@pytest.fixture(scope="session")
def toy(tmp_path_factory):
    """A small fitted GRU classifier and its model file."""
    from sentiment_rnn.estimators.rnn import RNNClassifier
    from sentiment_rnn.io.serialization import save_model

    texts = (TOY_POSITIVE + TOY_NEGATIVE) * 3
    labels = ([1] * len(TOY_POSITIVE) + [0] * len(TOY_NEGATIVE)) * 3
    model = RNNClassifier(cell="gru", embedding_dim=8, hidden_size=8, epochs=8, batch_size=8,
                          learning_rate=0.02, dropout=0.0, embedding_dropout=0.0, patience=None).fit(texts, labels)
    path = save_model(model, tmp_path_factory.mktemp("toy") / "toy.npz")
    return model, path
