"""sentiment-rnn: sentiment classification with a many-to-one RNN in pure NumPy, trained by BPTT."""

__version__ = "0.1.0"
