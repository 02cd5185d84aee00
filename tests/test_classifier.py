"""The scikit-learn shaped estimator: fit/predict/score, parameters and gradients, sklearn tools."""

import numpy as np
import pytest

from sentiment_rnn.nn.batching import pad_batch
from sentiment_rnn.estimators.rnn import RNNClassifier
from sentiment_rnn.errors import SentimentRNNError

POSITIVE = ["a good film", "great acting", "i loved it", "wonderful and fun", "a great story", "good fun"]
NEGATIVE = ["a bad film", "awful acting", "i hated it", "boring and dull", "a terrible story", "bad , dull"]


def _toy_data(repeat=4):
    texts = (POSITIVE + NEGATIVE) * repeat
    labels = np.array(([1] * len(POSITIVE) + [0] * len(NEGATIVE)) * repeat)
    return texts, labels


def _small(**kwargs):
    defaults = dict(embedding_dim=8, hidden_size=8, epochs=30, batch_size=8, learning_rate=0.02,
                    dropout=0.0, embedding_dropout=0.0, patience=None)
    return RNNClassifier(**{**defaults, **kwargs})


@pytest.mark.parametrize("cell", ["elman", "gru", "lstm"])
def test_fit_returns_self_and_learns_toy_data(cell):
    texts, labels = _toy_data()
    model = _small(cell=cell)
    assert model.fit(texts, labels) is model
    assert model.score(texts, labels) == 1.0
    proba = model.predict_proba(["a good film", "a bad film"])
    assert proba.shape == (2, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert proba[0, 1] > 0.5 > proba[1, 1]
    assert model.label_names_ == ("negative", "positive")


def test_string_labels_and_token_lists():
    texts, labels = _toy_data()
    names = np.where(labels == 1, "pos", "neg")
    model = _small().fit([t.split() for t in texts], names)
    assert list(model.classes_) == ["neg", "pos"]
    assert set(model.predict(["great acting"])) <= {"neg", "pos"}


def test_same_seed_gives_identical_weights():
    texts, labels = _toy_data(2)
    a = _small(epochs=3, dropout=0.3, random_state=5).fit(texts, labels)
    b = _small(epochs=3, dropout=0.3, random_state=5).fit(texts, labels)
    c = _small(epochs=3, dropout=0.3, random_state=6).fit(texts, labels)
    for name in a.params_:
        np.testing.assert_array_equal(a.params_[name], b.params_[name])
    assert any(not np.array_equal(a.params_[n], c.params_[n]) for n in a.params_)


def test_one_hot_target_probabilities_train_exactly_like_labels():
    texts, labels = _toy_data(2)
    hard = _small(epochs=3, dropout=0.3, random_state=5).fit(texts, labels)
    soft = _small(epochs=3, dropout=0.3, random_state=5).fit(texts, labels, target_probabilities=np.eye(2)[labels])
    for name in hard.params_:
        np.testing.assert_allclose(soft.params_[name], hard.params_[name], rtol=1e-6, atol=1e-7)


def test_student_learns_a_teachers_probabilities_on_unlabeled_texts():
    texts, labels = _toy_data()
    teacher = _small(epochs=20).fit(texts, labels)
    unlabeled = ["a good story", "a bad story", "great fun", "dull acting", "i loved the film", "awful and dull"]
    student_texts = texts[:6] + unlabeled  # a few labelled texts plus texts only the teacher labels
    probabilities = teacher.predict_proba(student_texts)
    student = _small(epochs=40, random_state=1).fit(student_texts, probabilities.argmax(axis=1),
                                                     target_probabilities=probabilities)
    np.testing.assert_array_equal(student.predict(unlabeled), teacher.predict(unlabeled))
    np.testing.assert_allclose(student.predict_proba(unlabeled), teacher.predict_proba(unlabeled), atol=0.1)


def test_target_probabilities_must_be_rows_of_probabilities():
    texts, labels = _toy_data(1)
    for bad in (np.ones((len(texts), 2)), np.eye(2)[labels][:-1], -np.eye(2)[labels] + np.array([1.0, 0.0])):
        with pytest.raises(ValueError, match="rows of probabilities"):
            _small(epochs=1).fit(texts, labels, target_probabilities=bad)
    with pytest.raises(SentimentRNNError, match="train_label_map"):
        _small(epochs=1, train_label_map=(0, 0, None, 1, 1)).fit(texts, labels * 4,
                                                                target_probabilities=np.eye(2)[labels])


def test_single_class_is_refused():
    with pytest.raises(SentimentRNNError, match="two classes"):
        _small().fit(["good", "great"], [1, 1])


def test_unfitted_model_says_so():
    with pytest.raises(SentimentRNNError, match="not fitted"):
        RNNClassifier().predict(["hello"])


def test_loss_and_gradients_match_finite_differences_through_the_api():
    from sentiment_rnn.nn.gradcheck import check_gradients

    texts, labels = _toy_data(1)
    model = _small(epochs=1).fit(texts, labels)
    params = model.params_
    for name in params:  # set the parameters: float64 weights make the whole network run in float64
        params[name] = params[name].astype(np.float64)
    loss, grads = model.loss_and_gradients(texts[:4], labels[:4])
    assert set(grads) == set(params) and loss > 0
    errors = check_gradients(lambda: model.loss_and_gradients(texts[:4], labels[:4])[0], params,
                             {k: grads[k] for k in ("fc.weight", "fc.bias", "rnn.weight_hh_l0")})
    assert max(errors.values()) < 1e-6, errors


def test_setting_parameters_changes_predictions():
    texts, labels = _toy_data(1)
    model = _small(epochs=2).fit(texts, labels)
    model.params_["fc.weight"][...] = 0.0
    model.params_["fc.bias"][...] = np.array([0.0, 3.0], dtype=np.float32)
    assert (model.predict(texts) == 1).all()


def test_works_with_sklearn_clone_pipeline_and_cross_val_score():
    from sklearn.base import clone
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    texts, labels = _toy_data(3)
    model = _small(epochs=15)
    copy = clone(model)
    assert copy.get_params() == model.get_params() and not hasattr(copy, "model_")
    pipeline = Pipeline([("lower", FunctionTransformer(lambda xs: [x.lower() for x in xs])), ("rnn", model)])
    pipeline.fit([t.upper() for t in texts], labels)
    assert pipeline.score(texts, labels) == 1.0
    scores = cross_val_score(_small(epochs=15), texts, labels, cv=3)
    assert scores.shape == (3,) and scores.min() >= 0.8


def test_set_params_rejects_unknown_names():
    with pytest.raises(ValueError, match="invalid parameter"):
        RNNClassifier().set_params(colour="red")
    assert RNNClassifier().set_params(cell="gru").cell == "gru"


NEUTRAL = ["a film", "the story", "it is a movie", "the actors", "a scene", "the end"]


def test_finer_training_labels_predict_the_mapped_classes():
    texts = (NEGATIVE + NEUTRAL + POSITIVE) * 3
    fine = np.array(([0] * 6 + [1] * 6 + [2] * 6) * 3)  # negative, neutral, positive
    model = _small(train_label_map=(0, None, 1), epochs=40).fit(texts, fine)
    assert list(model.classes_) == [0, 1] and model.label_names_ == ("negative", "positive")
    assert model.model_.config.num_classes == 3  # the network learns all three labels
    proba = model.predict_proba(POSITIVE + NEGATIVE)
    assert proba.shape == (12, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert model.score(POSITIVE + NEGATIVE, [1] * 6 + [0] * 6) == 1.0
    # the predicted classes' probabilities are the network's, summed per class and renormalized
    logits = model.model_.logits(*pad_batch(model.encode(["a great story"])))
    p = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    np.testing.assert_allclose(model.predict_proba(["a great story"])[0], [p[0, 0], p[0, 2]] / (p[0, 0] + p[0, 2]),
                               rtol=1e-5)


def test_finer_training_labels_early_stop_on_predicted_classes_and_check_labels():
    texts = (NEGATIVE + NEUTRAL + POSITIVE) * 2
    fine = np.array(([0] * 6 + [1] * 6 + [2] * 6) * 2)
    model = _small(train_label_map=(0, None, 1), epochs=5, patience=2).fit(
        texts, fine, X_dev=POSITIVE + NEGATIVE, y_dev=[1] * 6 + [0] * 6)
    assert 0.0 <= model.training_.best_dev_accuracy <= 1.0
    held_out = _small(train_label_map=(0, None, 1), epochs=3, patience=2, validation_fraction=0.3).fit(texts, fine)
    assert held_out.training_.best_dev_accuracy is not None
    with pytest.raises(SentimentRNNError, match=r"integers 0\.\.2"):
        _small(train_label_map=(0, None, 1)).fit(texts[:3], [0, 1, 5])
