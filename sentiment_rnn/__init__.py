"""sentiment-rnn: sentiment classification with a many-to-one RNN in pure NumPy, trained by BPTT.

>>> from sentiment_rnn import load_model
>>> model = load_model()                      # the shipped default model
>>> model.predict_proba(["this movie is not good"]).shape                         # (texts, classes)
(1, 2)
>>> [model.label_names_[k] for k in model.predict(["this movie is not good", "not bad at all , actually quite fun"])]
['negative', 'positive']
"""

from sentiment_rnn.classifier import RNNClassifier
from sentiment_rnn.serialization import load_model, save_model
from sentiment_rnn.version import __version__

SentimentClassifier = RNNClassifier

__all__ = ["RNNClassifier", "SentimentClassifier", "load_model", "save_model", "__version__"]
