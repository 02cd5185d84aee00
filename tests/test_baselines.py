"""The bag-of-words baselines on small synthetic data: they fit, tune, mark negation and explain."""

from __future__ import annotations

import numpy as np
import pytest

from sentiment_rnn.evaluation.baselines import (
    BASELINES,
    PARAM_GRIDS,
    FittedBaseline,
    fit_baseline,
    make_baseline,
    word_weights,
)

POSITIVE = ["good", "great", "fun", "moving", "clever"]
NEGATIVE = ["bad", "dull", "boring", "awful", "flat"]
FILLER = ["the", "film", "plot", "is", "a", "and", "it", "cast", "."]
UNIGRAM_MODELS = {"bow-logreg", "nb"}


def make_reviews(n: int, rng: np.random.Generator) -> tuple[list[list[str]], np.ndarray]:
    """Reviews of filler plus one or two sentiment words; "not" before a word flips it."""
    docs, labels = [], []
    for _ in range(n):
        tokens = list(rng.choice(FILLER, size=rng.integers(2, 6)))
        score = 0
        for _ in range(rng.integers(1, 3)):
            polarity = 1 if rng.random() < 0.5 else -1
            word = str(rng.choice(POSITIVE if polarity > 0 else NEGATIVE))
            if rng.random() < 0.3:
                tokens += ["not", word]
                polarity = -polarity
            else:
                tokens.append(word)
            score += polarity
        if score == 0:
            continue
        docs.append([str(t) for t in tokens])
        labels.append(int(score > 0))
    return docs, np.array(labels, dtype=np.int64)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    train = make_reviews(400, rng)
    dev = make_reviews(120, rng)
    return train, dev


@pytest.fixture(scope="module")
def fitted(data):
    (X, y), (X_dev, y_dev) = data
    return {name: fit_baseline(name, X, y, X_dev, y_dev) for name in BASELINES}


def test_registry_names():
    assert set(BASELINES) == {"bow-logreg", "bow-bigram-logreg", "tfidf-svm", "nb", "negation-logreg"}
    assert set(PARAM_GRIDS) == set(BASELINES)


def test_unknown_name_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown baseline 'svm'"):
        make_baseline("svm")


@pytest.mark.parametrize("name", list(BASELINES))
def test_fits_and_predicts(name, data, fitted):
    (X, y), _ = data
    model = fitted[name]
    assert isinstance(model, FittedBaseline) and model.name == name
    pred = model.predict(X)
    assert pred.dtype == np.int64 and pred.shape == (len(X),)
    assert set(pred.tolist()) <= {0, 1}
    # Unigram models cannot see "not good"; the others can, with bigrams or negation marking.
    assert model.score(X, y) > (0.65 if name in UNIGRAM_MODELS else 0.9)
    assert model.fit_seconds > 0 and model.search_seconds >= model.fit_seconds


@pytest.mark.parametrize("name", list(BASELINES))
def test_tuning_picks_the_best_value_of_the_grid(name, fitted):
    model = fitted[name]
    param_name, grid = PARAM_GRIDS[name]
    assert model.param_name == param_name
    assert list(model.dev_accuracy) == list(grid)
    assert model.param in grid
    best = max(model.dev_accuracy.values())
    assert model.dev_accuracy[model.param] == best
    # Ties go to the first (most regularised) value of the grid.
    assert model.param == next(v for v in grid if model.dev_accuracy[v] == best)
    # The fitted classifier carries the chosen value.
    assert model.pipeline.get_params()[param_name] == model.param


def test_tuning_reacts_to_the_dev_split(data, fitted):
    (X, y), (X_dev, y_dev) = data
    # With the dev labels flipped every dev accuracy becomes 1 - accuracy, so the choice moves
    # to the value that was worst: the most regularised one, which barely leaves the prior.
    original = fitted["bow-logreg"]
    model = fit_baseline("bow-logreg", X, y, X_dev, 1 - y_dev)
    for value, accuracy in original.dev_accuracy.items():
        assert model.dev_accuracy[value] == pytest.approx(1 - accuracy)
    assert model.param == PARAM_GRIDS["bow-logreg"][1][0] != original.param


def test_negation_logreg_sees_marked_features(fitted):
    vocabulary = fitted["negation-logreg"].pipeline.named_steps["vectorizer"].vocabulary_
    marked = {f for f in vocabulary if f.endswith("_NEG")}
    assert {"good_NEG", "bad_NEG"} <= marked
    assert "not good_NEG" in vocabulary  # bigrams are built after marking
    plain = fitted["bow-bigram-logreg"].pipeline.named_steps["vectorizer"].vocabulary_
    assert not any(f.endswith("_NEG") for f in plain)


def test_negation_logreg_gives_negated_words_their_own_sign(fitted):
    weights = dict(word_weights(fitted["negation-logreg"], ["it", "is", "not", "good"]))
    assert "good_NEG" in weights and "good" not in weights
    assert weights["good_NEG"] < 0 < dict(word_weights(fitted["negation-logreg"], ["good"]))["good"]


def test_vectorizers_take_tokens_as_given(fitted):
    # No lowercasing or regex splitting: "Good" and "n't" are features of their own.
    model = fitted["bow-logreg"]
    vectorizer = model.pipeline.named_steps["vectorizer"]
    assert vectorizer.build_analyzer()(["Good", "n't", "--"]) == ["Good", "n't", "--"]


@pytest.mark.parametrize("name", list(BASELINES))
def test_word_weights_sum_to_the_decision_function(name, data, fitted):
    (X, _), _ = data
    model = fitted[name]
    docs = [*X[:20], ["unseen", "words", "only"], ["good", "good", "not", "bad", "good"]]
    scores = model.decision_function(docs)  # (N,)
    classifier = model.pipeline.named_steps["classifier"]
    if name == "nb":
        log_proba = model.pipeline.predict_log_proba(docs)  # (N, 2)
        np.testing.assert_allclose(scores, log_proba[:, 1] - log_proba[:, 0], atol=1e-8)
        intercept = classifier.class_log_prior_[1] - classifier.class_log_prior_[0]
    else:
        np.testing.assert_allclose(scores, model.pipeline.decision_function(docs), atol=1e-10)
        intercept = classifier.intercept_[0]
    np.testing.assert_array_equal(model.predict(docs), (scores > 0).astype(np.int64))
    for doc, score in zip(docs, scores, strict=True):
        weights = word_weights(model, doc)
        assert len(weights) == len(doc)
        assert sum(w for _, w in weights) + intercept == pytest.approx(score, abs=1e-8)


def test_word_weights_signs_and_unknown_tokens(fitted):
    doc = ["the", "plot", "is", "dull", "but", "great", "zzz"]
    weights = word_weights(fitted["bow-logreg"], doc)
    assert [t for t, _ in weights] == doc
    by_token = dict(weights)
    assert by_token["dull"] < 0 < by_token["great"]
    assert by_token["zzz"] == 0.0 and by_token["but"] == 0.0


def test_word_weights_does_not_modify_its_input(fitted):
    doc = ["not", "good"]
    word_weights(fitted["negation-logreg"], doc)
    fitted["negation-logreg"].predict([doc])
    assert doc == ["not", "good"]
