"""RNNClassifier as a scikit-learn citizen: scikit-learn's own estimator checks that apply to a classifier
of texts, the same checks' ideas on texts for those written for numeric matrices, and the places where
scikit-learn meets it: roc_auc scoring, CalibratedClassifierCV, is_classifier, NotFittedError, label
checks, clone of a loaded model. Each case of SKLEARN_CASES is counted in the Reliability page's table.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import cross_val_score
from sklearn.utils import estimator_checks

from sentiment_rnn.estimators.rnn import RNNClassifier
from sentiment_rnn.errors import SentimentRNNError
from sentiment_rnn.io.serialization import load_model
from test_robustness import NEGATIVE, POSITIVE

# scikit-learn's checks that apply to a classifier whose input is a list of texts: they run as they are.
APPLIED_CHECKS = [
    "check_do_not_raise_errors_in_init_or_set_params", "check_estimator_cloneable", "check_estimator_repr",
    "check_estimator_tags_renamed", "check_get_params_invariance", "check_mixin_order",
    "check_no_attributes_set_in_init", "check_parameters_default_constructible", "check_set_params",
    "check_valid_tag_types", "check_requires_y_none", "check_supervised_y_no_nan", "check_estimators_unfitted",
    "check_classifiers_regression_target", "check_complex_data",
]

# Every other check of scikit-learn's, and why it does not apply. Those marked "text version below" test
# an idea that matters here; the test of that name does it on texts.
NUMERIC_X = "fits on a numeric matrix X, which is not text"
SKIPPED_CHECKS = {
    "check_classifiers_train": NUMERIC_X + " (text version below: test_fits_returns_self_and_learns)",
    "check_classifiers_classes": NUMERIC_X + " (text version below: test_string_labels_are_classes)",
    "check_classifiers_one_label": NUMERIC_X + " (text version below: test_one_label_is_refused)",
    "check_decision_proba_consistency": NUMERIC_X + " (text version below: test_decision_function_...)",
    "check_estimators_fit_returns_self": NUMERIC_X + " (text version below: test_fits_returns_self_and_learns)",
    "check_fit_idempotent": NUMERIC_X + " (text version below: test_fit_is_idempotent_and_pickles)",
    "check_estimators_pickle": NUMERIC_X + " (text version below: test_fit_is_idempotent_and_pickles)",
    "check_methods_sample_order_invariance": NUMERIC_X + " (text version below: test_order_and_subsets)",
    "check_methods_subset_invariance": NUMERIC_X + " (text version below: test_order_and_subsets)",
    "check_dict_unchanged": NUMERIC_X + " (text version below: test_order_and_subsets)",
    "check_dont_overwrite_parameters": NUMERIC_X + " (text version below: test_fits_returns_self_and_learns)",
    "check_estimators_overwrite_params": NUMERIC_X + " (text version below: test_fits_returns_self_and_learns)",
    "check_fit_check_is_fitted": NUMERIC_X + " (text version below: test_unfitted_use_raises_not_fitted_error)",
    "check_estimators_empty_data_messages": "also fits 12 rows of 0 features, which texts cannot have "
                                             "(0 texts: test_label_checks)",
    "check_estimators_dtypes": NUMERIC_X, "check_dtype_object": NUMERIC_X, "check_fit1d": NUMERIC_X,
    "check_fit2d_1feature": NUMERIC_X, "check_fit2d_1sample": NUMERIC_X, "check_fit2d_predict1d": NUMERIC_X,
    "check_fit_score_takes_y": NUMERIC_X, "check_n_features_in": "texts have no number of features",
    "check_n_features_in_after_fitting": "texts have no number of features",
    "check_f_contiguous_array_estimator": NUMERIC_X, "check_readonly_memmap_input": NUMERIC_X,
    "check_inplace_ensure_writeable": NUMERIC_X, "check_pipeline_consistency": NUMERIC_X,
    "check_estimators_nan_inf": "NaN and inf in a numeric X", "check_supervised_y_2d": NUMERIC_X,
    "check_fit_non_negative": NUMERIC_X, "check_positive_only_tag_during_fit": NUMERIC_X,
    "check_classifier_data_not_an_array": NUMERIC_X, "check_estimators_data_not_an_array": NUMERIC_X,
    "check_estimator_sparse_array": "sparse matrices", "check_estimator_sparse_matrix": "sparse matrices",
    "check_estimator_sparse_tag": "sparse matrices", "check_complex_data_X": "complex numbers in X",
    "check_sparsify_coefficients": "linear models' coef_",
    "check_classifier_multioutput": "one label per text: several outputs are not supported",
    "check_classifiers_multilabel_output_format_decision_function": "one label per text, no multilabel",
    "check_classifiers_multilabel_output_format_predict": "one label per text, no multilabel",
    "check_classifiers_multilabel_output_format_predict_proba": "one label per text, no multilabel",
    "check_classifiers_multilabel_representation_invariance": "one label per text, no multilabel",
    "check_classifier_not_supporting_multiclass": "it supports more than two classes",
    "check_class_weight_classifiers": "no class_weight parameter",
    "check_class_weight_balanced_classifiers": "no class_weight parameter",
    "check_class_weight_balanced_linear_classifier": "no class_weight parameter",
    "check_all_zero_sample_weights_error": "fit takes no sample_weight",
    "check_classifiers_one_label_sample_weights": "fit takes no sample_weight",
    "check_sample_weights_list": "fit takes no sample_weight",
    "check_sample_weights_not_an_array": "fit takes no sample_weight",
    "check_sample_weights_not_overwritten": "fit takes no sample_weight",
    "check_sample_weights_pandas_series": "fit takes no sample_weight",
    "check_sample_weights_shape": "fit takes no sample_weight",
    "check_sample_weight_equivalence_on_dense_data": "fit takes no sample_weight",
    "check_sample_weight_equivalence_on_sparse_data": "fit takes no sample_weight",
    "check_param_validation": "hyperparameters are declared in sentiment_rnn.hyperparameters, not as "
                              "_parameter_constraints (a loaded model's are checked on load)",
    "check_dataframe_column_names_consistency": "pandas DataFrames of features",
    "check_get_feature_names_out_error": "not a transformer",
    "check_estimators_partial_fit_n_features": "no partial_fit",
    "check_non_transformer_estimators_n_iter": "no max_iter",
    "check_nonsquare_error": "not a pairwise estimator",
    "check_classifiers_predictions": "needs data sets of numeric X",
    "check_array_api_input": "array API namespaces of numeric X",
    "check_array_api_input_and_values": "array API namespaces of numeric X",
    "check_array_api_mixed_inputs": "array API namespaces of numeric X",
    "check_array_api_same_namespace": "array API namespaces of numeric X",
}


def _small(**overrides) -> RNNClassifier:
    settings = dict(cell="gru", embedding_dim=8, hidden_size=8, epochs=8, batch_size=4, learning_rate=0.03,
                    dropout=0.0, embedding_dropout=0.0, patience=None, random_state=0)
    return RNNClassifier(**{**settings, **overrides})


def _data(repeat=3):
    texts = [f"{t} {i}" for i in range(repeat) for t in POSITIVE + NEGATIVE]
    labels = np.array(([1] * len(POSITIVE) + [0] * len(NEGATIVE)) * repeat)
    return texts, labels


@pytest.mark.parametrize("check", APPLIED_CHECKS)
def test_scikit_learns_own_check(check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        getattr(estimator_checks, check)("RNNClassifier", _small(epochs=1))


def test_every_check_of_scikit_learn_is_applied_or_skipped_with_a_reason():
    import inspect

    checks = {name for name, f in vars(estimator_checks).items() if name.startswith("check_") and callable(f)
              and list(inspect.signature(f).parameters)[:2] in (["name", "estimator_orig"], ["name", "estimator"],
                                                                ["name", "classifier_orig"], ["name", "estimator_orig"])}
    checks -= {name for name in checks if "regressor" in name or "cluster" in name or "outlier" in name
               or "transformer" in name or "set_output" in name}  # other kinds of estimator
    unaccounted = checks - set(APPLIED_CHECKS) - set(SKIPPED_CHECKS)
    assert not unaccounted, sorted(unaccounted)
    assert all(SKIPPED_CHECKS.values())


# ----------------------------------------------------------------------------------------------------
# The checks' ideas, on texts

@pytest.fixture(scope="module")
def fitted():
    texts, labels = _data()
    return _small().fit(texts, labels), texts, labels


def test_fits_returns_self_and_learns(fitted):
    texts, labels = _data()
    model = _small()
    before = model.get_params()
    assert model.fit(texts, labels) is model
    assert model.get_params() == before  # fit changes no hyperparameter
    assert model.score(texts, labels) > 0.9


def test_fit_is_idempotent_and_pickles(fitted):
    model, texts, labels = fitted
    again = clone(model).fit(texts, labels)
    np.testing.assert_array_equal(again.predict_proba(texts), model.predict_proba(texts))
    np.testing.assert_array_equal(again.fit(texts, labels).predict_proba(texts), model.predict_proba(texts))
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(texts), model.predict_proba(texts))


def test_order_and_subsets(fitted):
    model, texts, _ = fitted
    state = dict(vars(model))
    full = model.predict_proba(texts)
    order = np.random.default_rng(0).permutation(len(texts))
    np.testing.assert_allclose(model.predict_proba([texts[i] for i in order]), full[order], atol=1e-6)
    np.testing.assert_allclose(np.vstack([model.predict_proba(texts[i:i + 5]) for i in range(0, len(texts), 5)]),
                               full, atol=1e-6)
    for method in (model.predict, model.predict_proba, model.decision_function, model.score):
        method(texts) if method != model.score else method(texts, _data()[1])
    assert vars(model).keys() == state.keys() and all(vars(model)[k] is state[k] for k in state)  # dict unchanged


def test_decision_function_is_one_score_for_two_classes(fitted):
    model, texts, labels = fitted
    scores = model.decision_function(texts)
    probabilities = model.predict_proba(texts)
    assert scores.shape == (len(texts),) and probabilities.shape == (len(texts), 2)
    np.testing.assert_array_equal(scores > 0, probabilities[:, 1] > 0.5)
    assert np.all(np.diff(probabilities[np.argsort(scores), 1]) >= -1e-6)  # same order as P(classes_[1])
    three = _small(epochs=2).fit(texts + ["so so"] * 6, np.r_[labels, [2] * 6])
    assert three.decision_function(texts).shape == (len(texts), 3)


def test_roc_auc_scoring_and_calibration_work():
    texts, labels = _data(4)
    scores = cross_val_score(_small(epochs=4), np.array(texts, dtype=object), labels, cv=2, scoring="roc_auc")
    assert np.all(np.isfinite(scores)) and scores.mean() > 0.5
    calibrated = CalibratedClassifierCV(_small(epochs=4), cv=2).fit(np.array(texts, dtype=object), labels)
    assert calibrated.predict_proba(np.array(texts[:4], dtype=object)).shape == (4, 2)


def test_is_a_classifier():
    assert is_classifier(_small())
    assert RNNClassifier._estimator_type == "classifier"  # what scikit-learn before 1.6 reads


def test_unfitted_use_raises_not_fitted_error():
    for method in ("predict", "predict_proba", "decision_function"):
        with pytest.raises(NotFittedError) as error:
            getattr(_small(), method)(["a good film"])
        assert isinstance(error.value, SentimentRNNError)  # the command line's one-line errors still apply
    with pytest.raises(NotFittedError):
        _small().params_  # noqa: B018 (reading the attribute is what raises)


@pytest.mark.parametrize("labels, message", [
    (None, "requires y"), ([0.5, 1.5] * 18, "Unknown label type"), ([np.nan, 1.0] * 18, "NaN"),
    ([[0, 1]] * 36, "1-d"),
], ids=["y is None", "continuous labels", "NaN labels", "two columns"])
def test_label_checks(labels, message):
    texts, _ = _data()
    with pytest.raises(ValueError, match=message):
        _small(epochs=1).fit(texts, labels)
    with pytest.raises(ValueError, match="0 samples"):
        _small(epochs=1).fit([], [])


def test_float_labels_that_are_whole_numbers_are_classes():
    texts, labels = _data()
    model = _small(epochs=1).fit(texts, labels.astype(float))
    assert model.classes_.tolist() == [0.0, 1.0]


def test_string_labels_are_classes(fitted):
    texts, labels = _data()
    model = _small(epochs=2).fit(texts, np.where(labels == 1, "pos", "neg"))
    assert model.classes_.tolist() == ["neg", "pos"] and set(model.predict(texts)) <= {"neg", "pos"}


def test_one_label_is_refused():
    with pytest.raises(SentimentRNNError, match="two classes"):
        _small(epochs=1).fit(["good", "great"], [1, 1])


def test_clone_of_the_shipped_model_refits():
    # the shipped file is a review model built by train-review around an RNNClassifier: its sentence
    # network is the scikit-learn estimator, and a clone of it trains anew
    (shipped,) = load_model().networks
    assert shipped.pretrained_vectors is None  # the file it started from was on the machine that built it
    texts, labels = _data(1)
    model = clone(shipped).set_params(epochs=1, embedding_dim=8, hidden_size=8).fit(texts, labels)
    assert model.predict(texts).shape == (len(texts),)


SKLEARN_CASES = [
    "decision_function is (n,) for two classes", "roc_auc scoring", "CalibratedClassifierCV",
    "NotFittedError when unfitted", "continuous or NaN labels refused", "fit(X, None)", "is_classifier",
    "clone of the shipped model refits",
]
