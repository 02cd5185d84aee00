"""The Python API's inputs (issue 22, item 7): a bare string is refused with a TypeError, not scored one row
per character, and ``predict_proba`` of many long texts works a chunk at a time, its peak memory not growing
with the number of texts (measured in a wrapper process)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from sentiment_rnn.io.serialization import load_model
from test_memory_bounds import run_measured


@pytest.mark.parametrize("method", ["predict_proba", "predict", "decision_function"])
def test_a_bare_string_is_a_type_error_not_a_row_per_character(toy, method):
    model, _ = toy
    with pytest.raises(TypeError, match="single str"):
        getattr(model, method)("good movie")
    assert len(getattr(model, method)(["good movie"])) == 1


def test_the_shipped_review_model_and_fit_refuse_a_bare_string_too(toy):
    model, _ = toy
    with pytest.raises(TypeError, match="single str"):
        load_model(None).predict_proba("good movie. a fine cast.")
    with pytest.raises(TypeError, match="single str"):
        model.fit("good movie", [1] * 10)


def test_chunks_give_the_rows_one_call_gives(toy, monkeypatch):
    import sentiment_rnn.estimators.rnn as classifier

    model, _ = toy
    texts = [f"a {'good' if i % 3 else 'dull'} film number {i}" for i in range(25)]
    whole = model.predict_proba(texts)
    monkeypatch.setattr(classifier, "PREDICT_CHUNK_TEXTS", 4)
    np.testing.assert_array_equal(model.predict_proba(texts), whole)
    np.testing.assert_array_equal(model.predict_proba(iter(texts)), whole)  # an iterable is read once, in chunks
    assert model.decision_function(texts).shape == (25,)


_PREDICT_20000 = """
import sys
from sentiment_rnn import RNNClassifier
words = "good bad film story acting fun dull great awful plot cast music".split()
model = RNNClassifier(cell="elman", embedding_dim=4, hidden_size=4, epochs=1, patience=None).fit(
    [words[i % 12 : i % 12 + 3] for i in range(40)], [i % 2 for i in range(40)])
review = words * 25  # 300 tokens; the same list 20,000 times, so the input itself takes no memory
assert model.predict_proba([review] * 20_000).shape == (20_000, 2)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="resource.getrusage measures the peak")
def test_predict_proba_of_20000_long_texts_in_bounded_memory():
    code, peak, seconds, stdout, stderr = run_measured([sys.executable, "-c", _PREDICT_20000])
    print(f"predict_proba of 20,000 texts of 300 tokens: peak {peak:.0f} MB, {seconds:.1f} s")
    assert code == 0, stderr
    assert peak < 100  # all 6,000,000 tokens at once: 130 MB and growing with the count


def test_fit_on_a_tiny_data_set_warns_and_trains_every_epoch_instead_of_stopping_on_one_dev_text():
    from sentiment_rnn import RNNClassifier

    texts = ["good fun film", "great cast", "fine plot", "dull film", "awful cast", "bad plot"] * 2
    model = RNNClassifier(cell="elman", embedding_dim=4, hidden_size=4, epochs=4, patience=1)
    with pytest.warns(UserWarning, match="too few to hold out"):
        model.fit(texts, [1, 1, 1, 0, 0, 0] * 2)
    assert len(model.training_.history) == 4 and not model.training_.stopped_early
