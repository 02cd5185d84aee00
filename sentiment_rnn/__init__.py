"""sentiment-rnn: sentiment classification with a many-to-one RNN in pure NumPy, trained by BPTT.

>>> from sentiment_rnn import load_model
>>> model = load_model()                      # the shipped default model
>>> model.predict_proba(["this movie is not good"]).shape                         # (texts, classes)
(1, 2)
>>> [model.label_names_[k] for k in model.predict(["this movie is not good", "not bad at all , actually quite fun"])]
['negative', 'positive']

The names are imported on first use, so that the command line can answer Ctrl-C while NumPy loads.
"""

from sentiment_rnn.version import __version__

__all__ = ["RNNClassifier", "EnsembleClassifier", "ReviewClassifier", "load_model", "save_model", "__version__"]

def __getattr__(name: str):
    if name == "RNNClassifier":
        from sentiment_rnn.estimators.rnn import RNNClassifier

        return RNNClassifier
    if name == "EnsembleClassifier":
        from sentiment_rnn.estimators.ensemble import EnsembleClassifier

        return EnsembleClassifier
    if name == "ReviewClassifier":
        from sentiment_rnn.review.classifier import ReviewClassifier

        return ReviewClassifier
    if name in ("load_model", "save_model"):
        from sentiment_rnn.io import serialization

        return getattr(serialization, name)
    raise AttributeError(f"module 'sentiment_rnn' has no attribute {name!r}")
