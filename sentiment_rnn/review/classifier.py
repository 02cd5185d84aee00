"""``ReviewClassifier``: one model, one composition, for a sentence and for a whole review.

Every text is split into sentences; the sentence network reads each one, and

    l_s = the sentence network's log-odds for sentence s          (its own verdict, as for a lone sentence)
    g_s = the sentence's own NB-weighted n-gram score, negation marked      (ngrams.py)
    a_s = softplus(v_a . h_s + u_a) >= 0,  b_s = softplus(v_b . h_s + u_b) >= 0   how much each part counts
    t_s = a_s * l_s + b_s * g_s   (in a guarded sentence the n-grams may weaken a_s * l_s, never turn it)
    z   = c + k * sum_s t_s       (k > 0)                P(positive) = sigmoid(z)

(:mod:`sentiment_rnn.review.model`). A text of one sentence is the same function with one term, so
appending a sentence adds its own term and nothing else changes: a sentence with negative evidence can
only lower the verdict. How it is trained is in :mod:`sentiment_rnn.review.training`. Sentences are the
tokens between sentence ends (:func:`split_token_sentences`), so raw strings and token lists are split
the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from sentiment_rnn.errors import SentimentRNNError
from sentiment_rnn.estimators.rnn import BaseClassifier, RNNClassifier, as_tokens, in_chunks
from sentiment_rnn.nn.functional import sigmoid
from sentiment_rnn.nn.inference import MAX_BATCH_TOKENS
from sentiment_rnn.review.model import EvidenceHead, SentenceEvidence, sentence_states
from sentiment_rnn.review.ngrams import NgramWeights
from sentiment_rnn.text.tokenizer import NEGATORS

__all__ = ["GUARDS", "ReviewClassifier", "split_token_sentences"]

_SENTENCE_END = re.compile(r"^(\.|[!?]+)$")

# Which sentences the n-grams may not turn: every sentence, those with a negator, none.
GUARDS = ("every sentence", "negated sentences", "none")


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
    merged: list[list[str]] = []
    for sentence in sentences:
        if merged and not any(ch.isalnum() for token in sentence for ch in token):
            merged[-1] = merged[-1] + sentence
        else:
            merged.append(sentence)
    return merged


def guarded(sentences: Sequence[Sequence[str]], guard: str) -> np.ndarray:
    """(N,) bool: the sentences whose verdict the n-grams may not turn under ``guard`` (see GUARDS)."""
    if guard == "every sentence":
        return np.ones(len(sentences), dtype=bool)
    if guard == "negated sentences":
        return np.array([any(t in NEGATORS for t in s) for s in sentences], dtype=bool)
    return np.zeros(len(sentences), dtype=bool)


class ReviewClassifier(BaseClassifier):
    """The sentence network read sentence by sentence, combined by the evidence head with n-grams.

    Fitted state: ``sentence_`` (an RNNClassifier: reads every sentence, gives h_s and l_s), ``head_``
    (EvidenceHead), ``ngrams_`` (NgramWeights or None), ``guard`` (one of GUARDS), ``classes_``,
    ``label_names_``. Its ``networks`` are the sentence network alone (what an ensemble can take).
    """

    kind = "review"

    def __init__(self, sentence_model: RNNClassifier, head: EvidenceHead, ngrams: NgramWeights | None, *,
                 guard: str = "negated sentences", training: dict | None = None):
        if len(sentence_model.classes_) != 2:
            raise SentimentRNNError("a review model needs a two-class sentence model")
        width = sentence_model.model_.config.hidden_size * sentence_model.model_.config.directions
        if head.params["score.weight"].shape != (width,):
            raise SentimentRNNError("the review head does not fit the sentence network's sizes")
        if not head.params["scale"][0] > 0:
            raise SentimentRNNError("the review head's scale must be positive (a sentence moves the verdict its own way)")
        if guard not in GUARDS:
            raise SentimentRNNError(f"unknown n-gram guard {guard!r}; one of {', '.join(GUARDS)}")
        self.sentence_ = sentence_model
        self.head_ = head
        self.ngrams_ = ngrams
        self.guard = guard
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
        """Every text, of one sentence or many, is read sentence by sentence (one composition)."""
        return True

    def review_params(self) -> dict[str, np.ndarray]:
        """The review model's own arrays (the head's)."""
        return dict(self.head_.params)

    def sentences(self, X: Sequence) -> list[list[list[str]]]:
        """Each text as a list of sentences (token lists); a text without tokens is one empty sentence."""
        return [split_token_sentences(as_tokens(x)) or [[]] for x in X]

    def sentence_log_odds(self, states: np.ndarray) -> np.ndarray:
        """The sentence network's log-odds (N,) from its final states (N, H), as it scores a lone sentence."""
        params = self.model_.params
        logits = states @ params["fc.weight"].T + params["fc.bias"]  # (N, K)
        p = np.maximum(self.sentence_.probabilities_from_logits(logits), 1e-300)  # (N, 2)
        return np.log(p[:, 1]) - np.log(p[:, 0])

    def evidence(self, reviews: Sequence[Sequence[Sequence[str]]], ngram: np.ndarray | None = None
                 ) -> SentenceEvidence:
        """What the head reads for reviews given as sentences; ``ngram`` (N,) replaces the n-gram scores
        (training reads out-of-fold ones)."""
        flat = [s for review in reviews for s in review]
        states = sentence_states(self.model_, [self.vocab_.encode(s) for s in flat],
                                 max_tokens=MAX_BATCH_TOKENS).astype(np.float64)  # (N, H)
        if ngram is None:
            ngram = self.ngrams_.sentence_scores(flat) if self.ngrams_ is not None else np.zeros(len(flat))
        review = np.repeat(np.arange(len(reviews)), [len(r) for r in reviews])  # (N,)
        return SentenceEvidence(states, self.sentence_log_odds(states), np.asarray(ngram, dtype=np.float64),
                                guarded(flat, self.guard), review, len(reviews))

    def review_log_odds(self, reviews: Sequence[Sequence[Sequence[str]]]) -> np.ndarray:
        """z (n,) for reviews given as sentences."""
        return self.head_.forward(self.evidence(reviews))[0]

    def decision_function(self, X: Sequence) -> np.ndarray:
        """(n,) log-odds of the positive class, as scikit-learn scores two classes."""
        return self.review_log_odds(self.sentences(X))

    @in_chunks
    def predict_proba(self, X: Sequence) -> np.ndarray:
        """(n, 2) probabilities [negative, positive]."""
        p = sigmoid(self.decision_function(X))  # (n,)
        return np.stack([1.0 - p, p], axis=1)

    def explain_review(self, text) -> dict:
        """The composition for one text as it is computed: the bias and, per sentence, its weights a (of
        the network) and b (of the n-grams), the network's log-odds l (and its P(positive) alone), its
        n-gram score g, the two parts of its term, a * l and b * g (after the guard), and its share of the
        verdict (log-odds; the shares and the bias sum to ``log_odds``)."""
        (sentences,) = self.sentences([text])
        evidence = self.evidence([sentences])
        parts = self.head_.contributions(evidence)
        bias = float(self.head_.params["bias"][0])
        z = bias + float(parts["share"].sum())
        rows = []
        for s, tokens in enumerate(sentences):
            rows.append({
                "sentence": " ".join(tokens),
                "weight": float(parts["weight"][s]),
                "ngram_weight": float(parts["ngram_weight"][s]),
                "network_log_odds": float(evidence.log_odds[s]),
                "sentence_p_positive": float(sigmoid(evidence.log_odds[s:s + 1])[0]),
                "ngram_score": float(evidence.ngram[s]),
                "network_part": float(parts["network"][s]),
                "ngram_log_odds": float(parts["ngram"][s]),
                "log_odds": float(parts["share"][s]),
                "guarded": bool(evidence.guard[s]),
                "top_ngrams": self.ngrams_.top_ngrams(tokens) if self.ngrams_ is not None else [],
            })
        return {"p_positive": float(sigmoid(np.array([z]))[0]), "log_odds": z, "bias": bias,
                "ngram_log_odds": float(parts["ngram"].sum()), "network_log_odds": float(parts["network"].sum()),
                "guard": self.guard, "sentences": rows}
