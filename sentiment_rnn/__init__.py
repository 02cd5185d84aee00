"""sentiment-rnn: sentiment classification with a many-to-one RNN in pure NumPy, trained by BPTT.

>>> from sentiment_rnn import load_model
>>> model = load_model()                      # the shipped default model          # doctest: +SKIP
>>> model.predict_proba(["this movie is not good"])                               # doctest: +SKIP
"""

__version__ = "0.1.0"

from sentiment_rnn.classifier import RNNClassifier  # noqa: E402
from sentiment_rnn.serialization import load_model, save_model  # noqa: E402

SentimentClassifier = RNNClassifier

__all__ = ["RNNClassifier", "SentimentClassifier", "load_model", "save_model", "__version__"]
