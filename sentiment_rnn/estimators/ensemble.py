"""``EnsembleClassifier``: the average of the class probabilities of several fitted networks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sentiment_rnn.estimators.rnn import RNNClassifier, BaseClassifier, as_tokens, binary_scores, in_chunks
from sentiment_rnn.errors import SentimentRNNError

__all__ = ["EnsembleClassifier"]


class EnsembleClassifier(BaseClassifier):
    """The average of the class probabilities of several fitted classifiers ("averaging over seeds").

    Every member is a fitted :class:`RNNClassifier` (each with its own vocabulary and network); they
    must predict the same classes. ``predict_proba`` is the mean of the members' probabilities.
    """

    kind = "ensemble"

    def __init__(self, members: Sequence[RNNClassifier]):
        self.members_ = list(members)
        if not self.members_:
            raise SentimentRNNError("an ensemble needs at least one fitted model")
        for member in self.members_:
            member._check_fitted()
        first = self.members_[0]
        for member in self.members_[1:]:
            if not np.array_equal(member.classes_, first.classes_) or member.label_names_ != first.label_names_:
                raise SentimentRNNError("the models of an ensemble must predict the same classes")
        self.classes_ = first.classes_
        self.label_names_ = first.label_names_

    @property
    def networks(self) -> list[RNNClassifier]:
        return self.members_

    def __len__(self) -> int:
        return len(self.members_)

    def __repr__(self) -> str:
        return f"EnsembleClassifier({len(self)} members: {self.members_[0]!r} ...)"

    def _check_fitted(self) -> None:
        """An ensemble is made of fitted members."""

    @in_chunks
    def predict_proba(self, X: Sequence) -> np.ndarray:
        """Mean class probabilities (n, C) of the members, columns in the order of ``classes_``."""
        tokens = [as_tokens(x) for x in X]  # tokenize once for every member
        return np.mean([member.predict_proba(tokens) for member in self.members_], axis=0)

    def decision_function(self, X: Sequence) -> np.ndarray:
        """From the log of the mean probabilities: (n,) log-odds of ``classes_[1]`` for two classes, (n, C)
        otherwise."""
        return binary_scores(np.log(np.maximum(self.predict_proba(X), 1e-300)))
