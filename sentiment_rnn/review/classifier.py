"""``ReviewClassifier``: one model for a sentence and for a whole review.

A text of one sentence is answered by the sentence network (the shipped sentence LSTM, unchanged);
a text of several sentences by the review model, which reads every sentence with that same network
and combines:

    z_rnn   = log-odds of the review head: attention over the sentence states   (model.py)
    z_ngram = NB-weighted n-gram indicators of the review                       (ngrams.py)
    z       = a * z_rnn + b * z_ngram + c          P(positive) = sigmoid(z)

How it is trained is in :mod:`sentiment_rnn.review.training`. Sentences are the tokens between sentence ends
(:func:`split_token_sentences`), so raw strings and token lists are split the same way.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from sentiment_rnn.estimators.rnn import BaseClassifier, RNNClassifier, as_tokens, in_chunks
from sentiment_rnn.errors import SentimentRNNError
from sentiment_rnn.review.ngrams import NgramWeights
from sentiment_rnn.nn.functional import sigmoid
from sentiment_rnn.review.model import ReviewHead, scatter_states, sentence_states, state_network

__all__ = ["ReviewClassifier", "split_token_sentences", "head_log_odds"]

_SENTENCE_END = re.compile(r"^(\.|[!?]+)$")


def split_token_sentences(tokens):
    """Split one text's tokens into sentences after each "." or run of "!"/"?" (the tokens Punkt's
    sentence ends become); a piece without a letter or digit joins the sentence before it.

    >>> split_token_sentences(["not", "bad", ".", "never", "boring", "!", "!", "''", ".", "fun", "..."])
    [['not', 'bad', '.'], ['never', 'boring', '!', '!', "''", '.'], ['fun', '...']]
    """
    sentences, current = [], []
    for token in tokens:
        current.append(token)
        if _SENTENCE_END.match(token):
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    merged = []
    for sentence in sentences:
        if merged and not any(ch.isalnum() for token in sentence for ch in token):
            merged[-1] = merged[-1] + sentence
        else:
            merged.append(sentence)
    return merged


def head_log_odds(head: ReviewHead, states: np.ndarray, counts: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """log P(positive) - log P(negative) (n,) of the review head for reviews given by sentence states."""
    counts = np.asarray(counts, dtype=np.intp)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp)
    z = np.empty(len(counts))
    order = np.argsort(counts, kind="stable")
    for b in range(0, len(order), batch_size):
        index = order[b : b + batch_size]
        rows = np.concatenate([np.arange(starts[i], starts[i] + counts[i]) for i in index])
        X, mask = scatter_states(states[rows], counts[index])
        logits, _ = head.forward(X, mask)  # (B, C)
        z[index] = logits[:, 1] - logits[:, 0]
    return z


class ReviewClassifier(BaseClassifier):
    """The sentence network for one sentence, the review model (attention head + n-grams) for more.

    Fitted state: ``sentence_`` (an RNNClassifier, the sentence encoder and the sentence head),
    ``head_`` (ReviewHead), ``ngrams_`` (NgramWeights), ``mix_`` (a, b, c), ``classes_``,
    ``label_names_``. Its ``networks`` are the sentence network alone (what an ensemble can take).
    """

    kind = "review"

    def __init__(self, sentence_model: RNNClassifier, head: ReviewHead, ngrams: NgramWeights | None,
                 mix: Sequence[float], *, recurrent: dict[str, np.ndarray] | None = None,
                 training: dict | None = None):
        if len(sentence_model.classes_) != 2:
            raise SentimentRNNError("a review model needs a two-class sentence model")
        if head.params["fc.weight"].shape != (2, sentence_model.model_.config.hidden_size):
            raise SentimentRNNError("the review head does not fit the sentence network's sizes")
        self.sentence_ = sentence_model
        # the review model reads sentences with its own recurrent weights (the sentence network's
        # word vectors), or with the sentence network itself when ``recurrent`` is None
        self.review_encoder_ = (sentence_model.model_ if recurrent is None
                                else state_network(sentence_model.model_, recurrent))
        self.recurrent_ = recurrent
        self.head_ = head
        self.ngrams_ = ngrams
        self.mix_ = np.asarray(mix, dtype=np.float64)  # (3,) a, b, c
        self.classes_ = sentence_model.classes_
        self.label_names_ = sentence_model.label_names_
        self.training_ = training or {}

    # what the rest of the package reads from a fitted model
    @property
    def vocab_(self):
        return self.sentence_.vocab_

    @property
    def model_(self):
        return self.sentence_.model_

    @property
    def max_len(self):
        return self.sentence_.max_len

    @property
    def networks(self) -> list[RNNClassifier]:
        return [self.sentence_]

    def _check_fitted(self) -> None:
        """A review model is made of fitted parts."""

    def reads_by_sentence(self, text) -> bool:
        """A text of several sentences is read by the review model (one sentence: by the sentence network)."""
        return len(self.sentences([text])[0]) > 1

    def review_params(self) -> dict[str, np.ndarray]:
        """The review model's own arrays: its recurrent weights (if any) and the head's."""
        return {**(self.recurrent_ or {}), **self.head_.params}

    def sentences(self, X: Sequence) -> list[list[list[str]]]:
        """Each text as a list of sentences (token lists)."""
        return [split_token_sentences(as_tokens(x)) for x in X]

    def review_parts(self, reviews: Sequence[Sequence[Sequence[str]]]) -> dict[str, np.ndarray]:
        """The review model's pieces for reviews given as sentences: ``rnn`` (n,) and ``ngram`` (n,)
        log-odds, their mix ``z`` (n,), the sentence ``states`` (N_sent, H) and ``counts`` (n,)."""
        counts = np.array([len(r) for r in reviews], dtype=np.intp)  # (n,)
        ids = [self.vocab_.encode(s) for r in reviews for s in r]
        states = sentence_states(self.review_encoder_, ids)  # (N_sent, H)
        rnn = head_log_odds(self.head_, states, counts) if len(counts) else np.zeros(0)  # (n,)
        ngram = self.ngrams_.score(reviews) if self.ngrams_ is not None else np.zeros(len(counts))  # (n,)
        a, b, c = self.mix_
        return {"rnn": rnn, "ngram": ngram, "z": a * rnn + b * ngram + c, "states": states, "counts": counts}

    @in_chunks
    def predict_proba(self, X: Sequence) -> np.ndarray:
        """(n, 2) probabilities [negative, positive]: one sentence -> the sentence network, more -> the
        review model."""
        texts = self.sentences(X)
        several = np.array([len(s) > 1 for s in texts], dtype=bool)  # (n,)
        probabilities = np.empty((len(texts), 2))
        if (~several).any():
            single = [[t for s in texts[i] for t in s] for i in np.flatnonzero(~several)]
            probabilities[~several] = self.sentence_.predict_proba(single)
        if several.any():
            p = sigmoid(self.review_parts([texts[i] for i in np.flatnonzero(several)])["z"])
            probabilities[several] = np.stack([1.0 - p, p], axis=1)
        return probabilities

    def decision_function(self, X: Sequence) -> np.ndarray:
        """(n,) log-odds of the positive class, as scikit-learn scores two classes."""
        p = np.maximum(self.predict_proba(X), 1e-300)  # (n, 2)
        return np.log(p[:, 1]) - np.log(p[:, 0])

    def explain_review(self, text) -> dict:
        """Which sentences moved the verdict: for each sentence its attention weight, the log-odds it
        adds through the head (a * alpha_s * (w_pos - w_neg) . h_s) and through its n-grams
        (b * its n-grams' weights), and the sentence network's own P(positive) for it."""
        (sentences,) = self.sentences([text])
        parts = self.review_parts([sentences])
        X, mask = scatter_states(parts["states"], parts["counts"])
        alpha, contributions = self.head_.sentence_contributions(X, mask)  # (1, S), (1, S, C)
        a, b, c = self.mix_
        rnn_share = a * (contributions[0, :, 1] - contributions[0, :, 0])  # (S,)
        ngram_share = b * (self.ngrams_.sentence_scores(sentences) if self.ngrams_ is not None
                           else np.zeros(len(sentences)))  # (S,)
        fc = self.head_.params["fc.bias"]
        base = float(a * (fc[1] - fc[0]) + c)
        own = self.sentence_.predict_proba(sentences)[:, 1]  # (S,)
        rows = []
        for s, tokens in enumerate(sentences):
            rows.append({
                "sentence": " ".join(tokens),
                "attention": float(alpha[0, s]),
                "rnn_log_odds": float(rnn_share[s]),
                "ngram_log_odds": float(ngram_share[s]),
                "log_odds": float(rnn_share[s] + ngram_share[s]),
                "sentence_p_positive": float(own[s]),
                "top_ngrams": self.ngrams_.top_ngrams(tokens) if self.ngrams_ is not None else [],
            })
        z = float(parts["z"][0])
        return {"p_positive": float(sigmoid(np.array([z]))[0]), "log_odds": z, "bias": base, "sentences": rows}
