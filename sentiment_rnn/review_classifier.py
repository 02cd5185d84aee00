"""``ReviewClassifier``: one model for a sentence and for a whole review.

A text of one sentence is answered by the sentence network (the shipped sentence LSTM, unchanged);
a text of several sentences by the review model, which reads every sentence with that same network
and combines:

    z_rnn   = log-odds of the review head: attention over the sentence states   (review_model.py)
    z_ngram = NB-weighted n-gram indicators of the review                       (ngrams.py)
    z       = a * z_rnn + b * z_ngram + c          P(positive) = sigmoid(z)

The head is trained on review labels with the sentence encoder frozen; the n-gram weights are trained
on the same reviews; (a, b, c) are fitted on held-out reviews (stacking, as Mesnil et al. 2014 weight
their ensemble on validation data). Sentences are the tokens between sentence ends
(:func:`split_token_sentences`), so raw strings and token lists are split the same way.
"""

from __future__ import annotations

import re
import time
from typing import Callable, Sequence

import numpy as np

from sentiment_rnn.batching import bucketed_batches
from sentiment_rnn.classifier import RNNClassifier, as_tokens
from sentiment_rnn.errors import SentimentRNNError
from sentiment_rnn.ngrams import NgramWeights
from sentiment_rnn.optim import clip_grad_norm, make_optimizer
from sentiment_rnn.review_model import ReviewHead, ReviewNetwork, scatter_states, sentence_states, state_network

__all__ = ["ReviewClassifier", "split_token_sentences", "train_head", "train_network", "fit_mix"]

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


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def train_head(head: ReviewHead, states: np.ndarray, counts: np.ndarray, targets: np.ndarray,
               weights: np.ndarray | None = None, *, dev: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
               epochs: int = 8, batch_size: int = 32, learning_rate: float = 1e-3, dropout: float = 0.3,
               patience: int | None = 2, clip_norm: float = 5.0, seed: int = 0, offsets: np.ndarray | None = None,
               dev_offsets: np.ndarray | None = None, log: Callable[[str], None] | None = None) -> list[dict]:
    """Train ``head`` in place on reviews given by their sentence states (N_sent, H) in review order,
    sentences per review ``counts`` (n,), labels ``targets`` (n,) and example ``weights`` (n,); early
    stopping on ``dev`` = (states, counts, labels) with the best weights kept. Returns the curve.

    ``offsets`` (n,) (and ``dev_offsets``) are log-odds added to the head's, held fixed: the head then
    learns what the model that gave them (the n-gram part, scored out of fold) gets wrong."""
    offsets = np.zeros(len(counts)) if offsets is None else np.asarray(offsets, dtype=np.float64)
    rng = np.random.default_rng(seed)
    weights = np.ones(len(counts)) if weights is None else np.asarray(weights, dtype=np.float64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp)  # (n,) first sentence row
    optimizer = make_optimizer("adam", head.params, learning_rate)
    best, best_accuracy, waited, curve = None, -1.0, 0, []
    for epoch in range(1, epochs + 1):
        began, total, seen = time.perf_counter(), 0.0, 0.0
        for index in bucketed_batches(counts, batch_size, rng):
            rows = np.concatenate([np.arange(starts[i], starts[i] + counts[i]) for i in index])  # sentence rows
            X, mask = scatter_states(states[rows], counts[index])  # (B, S, H), (B, S)
            logits, cache = head.forward(X, mask, dropout=dropout, rng=rng)  # (B, C)
            loss, dlogits = _weighted_loss_grad(_shifted(logits, offsets[index]), targets[index], weights[index])
            total, seen = total + loss, seen + float(weights[index].sum())
            grads, _ = head.backward(dlogits.astype(head.dtype), cache)
            grads, _ = clip_grad_norm(grads, clip_norm)
            optimizer.step(head.params, grads)
        record = {"epoch": epoch, "train_loss": total / max(seen, 1e-12), "seconds": time.perf_counter() - began}
        if dev is not None:
            z = head_log_odds(head, dev[0], dev[1]) + (0.0 if dev_offsets is None else dev_offsets)
            record["dev_accuracy"] = float(np.mean((z > 0) == (dev[2] == 1)))
        curve.append(record)
        if log:
            log(" ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items()))
        if dev is None:
            continue
        if record["dev_accuracy"] > best_accuracy:
            best_accuracy, waited = record["dev_accuracy"], 0
            best = {k: v.copy() for k, v in head.params.items()}
        else:
            waited += 1
            if patience is not None and waited >= patience:
                break
    if best is not None:
        for k, v in best.items():
            head.params[k][...] = v
    return curve


def _shifted(logits: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """(B, 2) logits whose log-odds are raised by offsets (B,), in float64."""
    half = 0.5 * np.asarray(offsets, dtype=np.float64)  # (B,)
    return logits.astype(np.float64) + np.stack([-half, half], axis=1)  # (B, 2)


def _weighted_loss_grad(logits: np.ndarray, targets: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray]:
    """Sum of w-weighted cross-entropies and the gradient (B, C) of their w-weighted mean."""
    p = np.exp(logits - logits.max(axis=1, keepdims=True))  # (B, C)
    p /= p.sum(axis=1, keepdims=True)
    rows = np.arange(len(targets))
    loss = float(-(w * np.log(np.maximum(p[rows, targets], 1e-30))).sum())
    p[rows, targets] -= 1.0  # (B, C) softmax - onehot
    p *= (w / w.sum())[:, None].astype(p.dtype)
    return loss, p


def network_log_odds(network: ReviewNetwork, reviews: Sequence[Sequence[np.ndarray]]) -> np.ndarray:
    """The review network's log-odds (n,) for reviews given as lists of sentence id arrays."""
    counts = np.array([len(r) for r in reviews], dtype=np.intp)
    states = sentence_states(network.states_net, [s for r in reviews for s in r])  # (N, H)
    return head_log_odds(network.head, states, counts)


def train_network(network: ReviewNetwork, reviews: Sequence[Sequence[np.ndarray]], targets: np.ndarray,
                  weights: np.ndarray | None = None, *, dev=None, epochs: int = 2, batch_size: int = 32,
                  learning_rate: float = 5e-4, clip_norm: float = 5.0, patience: int | None = 1, seed: int = 0,
                  offsets: np.ndarray | None = None, dev_offsets: np.ndarray | None = None,
                  log: Callable[[str], None] | None = None, progress: Callable[[int, int], None] | None = None,
                  ) -> list[dict]:
    """Train encoder and head end to end (word vectors fixed) on ``reviews`` (each a list of sentence
    id arrays) with labels ``targets`` (n,) and example ``weights`` (n,); early stopping on ``dev`` =
    (reviews, labels), best weights kept. Returns the learning curve with tokens per second."""
    rng = np.random.default_rng(seed)
    weights = np.ones(len(reviews)) if weights is None else np.asarray(weights, dtype=np.float64)
    offsets = np.zeros(len(reviews)) if offsets is None else np.asarray(offsets, dtype=np.float64)
    counts = np.array([len(r) for r in reviews])
    tokens = np.array([sum(len(s) for s in r) for r in reviews])
    optimizer = make_optimizer("adam", network.params, learning_rate)
    best, best_accuracy, waited, curve = None, -1.0, 0, []
    for epoch in range(1, epochs + 1):
        began, total, seen = time.perf_counter(), 0.0, 0.0
        batches = bucketed_batches(tokens, batch_size, rng)
        for step, index in enumerate(batches):
            sentences = [s for i in index for s in reviews[i]]
            logits, cache = network.forward(sentences, counts[index], train=True, rng=rng)  # (B, C)
            loss, dlogits = _weighted_loss_grad(_shifted(logits, offsets[index]), targets[index], weights[index])
            total, seen = total + loss, seen + float(weights[index].sum())
            grads, _ = clip_grad_norm({k: v.astype(network.dtype) for k, v in network.backward(
                dlogits.astype(network.dtype), cache).items()}, clip_norm)
            optimizer.step(network.params, grads)
            if progress:
                progress(step + 1, len(batches))
        seconds = time.perf_counter() - began
        record = {"epoch": epoch, "train_loss": total / max(seen, 1e-12), "seconds": seconds,
                  "tokens_per_second": float(tokens.sum() / seconds)}
        if dev is not None:
            z = network_log_odds(network, dev[0]) + (0.0 if dev_offsets is None else dev_offsets)
            record["dev_accuracy"] = float(np.mean((z > 0) == (np.asarray(dev[1]) == 1)))
        curve.append(record)
        if log:
            log(" ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items()))
        if dev is None:
            continue
        if record["dev_accuracy"] > best_accuracy:
            best_accuracy, waited = record["dev_accuracy"], 0
            best = {k: v.copy() for k, v in network.params.items()}
        else:
            waited += 1
            if patience is not None and waited >= patience:
                break
    if best is not None:
        for k, v in best.items():
            network.params[k][...] = v
    return curve


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


def fit_mix(features: np.ndarray, labels: np.ndarray, l2: float = 1e-3, iterations: int = 50) -> np.ndarray:
    """Logistic regression z = features @ coef[:-1] + coef[-1] on held-out reviews, by Newton's method
    (features (n, k) -> coef (k + 1,)), with a small ridge on the weights."""
    X = np.hstack([features, np.ones((len(features), 1))])  # (n, k+1)
    coef = np.zeros(X.shape[1])
    ridge = np.full(X.shape[1], l2)
    ridge[-1] = 0.0
    for _ in range(iterations):
        p = _sigmoid(X @ coef)  # (n,)
        gradient = X.T @ (p - labels) + ridge * coef * len(X)  # (k+1,)
        hessian = (X * (p * (1 - p))[:, None]).T @ X + np.diag(ridge * len(X))  # (k+1, k+1)
        step = np.linalg.solve(hessian, gradient)
        coef -= step
        if np.abs(step).max() < 1e-10:
            break
    return coef


class ReviewClassifier:
    """The sentence network for one sentence, the review model (attention head + n-grams) for more.

    Fitted state: ``sentence_`` (an RNNClassifier, the sentence encoder and the sentence head),
    ``head_`` (ReviewHead), ``ngrams_`` (NgramWeights), ``mix_`` (a, b, c), ``classes_``,
    ``label_names_``.
    """

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

    def _check_fitted(self) -> None:
        pass

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
            p = _sigmoid(self.review_parts([texts[i] for i in np.flatnonzero(several)])["z"])
            probabilities[several] = np.stack([1.0 - p, p], axis=1)
        return probabilities

    def decision_function(self, X: Sequence) -> np.ndarray:
        return np.log(np.maximum(self.predict_proba(X), 1e-300))

    def predict(self, X: Sequence) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def score(self, X: Sequence, y) -> float:
        return float(np.mean(self.predict(X) == np.asarray(y)))

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
        return {"p_positive": float(_sigmoid(np.array(z))), "log_odds": z, "bias": base, "sentences": rows}


# ---------------------------------------------------------------------------------------------------
# Training data: IMDB's training reviews and the counterfactually edited pairs, without overlaps
# ---------------------------------------------------------------------------------------------------


def held_out_groups(groups: Sequence, fraction: float, seed: int = 0) -> np.ndarray:
    """A (n,) mask holding out ``fraction`` of the distinct ``groups`` (e.g. pair ids), whole groups."""
    groups = np.asarray(groups)
    names = np.unique(groups)
    held = np.random.default_rng(seed).permutation(names)[: int(round(fraction * len(names)))]
    return np.isin(groups, held)


def _shingles(text: str, k: int = 8) -> set[int]:
    words = re.findall(r"\w+", text.lower())
    return {hash(" ".join(words[i : i + k])) for i in range(max(1, len(words) - k + 1))}


def near_duplicates(texts: Sequence[str], reference: Sequence[str], threshold: float = 0.5) -> np.ndarray:
    """For each text, the index of the reference text sharing at least ``threshold`` of its 8-word
    shingles (-1: none). Catches copies and lightly edited copies (a counterfactual edit keeps most
    8-word runs of the original)."""
    owner: dict[int, int] = {}
    for i, text in enumerate(reference):
        for h in _shingles(text):
            owner.setdefault(h, i)
    found = np.full(len(texts), -1)
    for i, text in enumerate(texts):
        shingles = _shingles(text)
        hits = [owner[h] for h in shingles if h in owner]
        if hits and len(hits) >= threshold * len(shingles):
            found[i] = max(set(hits), key=hits.count)
    return found


# ---------------------------------------------------------------------------------------------------
# The whole recipe
# ---------------------------------------------------------------------------------------------------


def fit_review_classifier(sentence_model: RNNClassifier, train_texts: Sequence, train_labels, dev_texts: Sequence,
                          dev_labels, *, extra_texts: Sequence = (), extra_labels=(), extra_weight: float = 1.0,
                          mix_texts: Sequence = (), mix_labels=(),
                          attention_size: int = 64, head_epochs: int = 10, epochs: int = 2,
                          learning_rate: float = 5e-4, state_dropout: float = 0.2, batch_size: int = 32,
                          ngram_order: int = 2, ngram_min_df: int = 2, ngram_c: float = 0.1, seed: int = 0,
                          log: Callable[[str], None] | None = None) -> ReviewClassifier:
    """Train the review model around a two-class ``sentence_model`` (left unchanged):

    1. the head on the sentence network's own states (encoder frozen), from the sentence network's
       output layer, ``head_epochs`` epochs;
    2. encoder copy and head end to end, word vectors fixed, ``epochs`` epochs at ``learning_rate``
       (0 epochs: the review model reads with the sentence network itself);
    3. NB-weighted n-gram weights (orders 1..``ngram_order``, ``ngram_min_df``, C = ``ngram_c``);
    4. the mix (a, b, c) by logistic regression on the dev reviews.

    ``extra_texts`` (e.g. counterfactually edited pairs) join the training reviews with weight
    ``extra_weight``; early stopping uses the dev reviews. ``mix_texts`` (e.g. counterfactual pairs held
    out of training, see :func:`held_out_groups`) join the dev reviews in step 4, so the mix also sees
    texts that differ by a minimal edit.
    """
    from sentiment_rnn.ngrams import fit_ngram_weights

    log = log or (lambda message: None)
    began = time.perf_counter()
    mix_texts, mix_labels = list(mix_texts), np.asarray(mix_labels, dtype=np.int64)
    texts = [*train_texts, *extra_texts]
    targets = np.concatenate([np.asarray(train_labels), np.asarray(extra_labels, dtype=np.int64)]).astype(np.intp)
    weights = np.concatenate([np.ones(len(train_texts)), np.full(len(extra_texts), float(extra_weight))])
    model = ReviewClassifier(sentence_model, ReviewHead.initialize(
        sentence_model.model_.config.hidden_size, attention_size, np.random.default_rng(seed),
        fc=(sentence_model.model_.params["fc.weight"], sentence_model.model_.params["fc.bias"])), None, (1.0, 0.0, 0.0))
    reviews, dev_reviews = model.sentences(texts), model.sentences(dev_texts)
    dev_targets = np.asarray(dev_labels).astype(np.intp)
    log(f"tokenized {len(reviews)} training and {len(dev_reviews)} dev reviews ({time.perf_counter() - began:.0f} s)")
    vocab = sentence_model.vocab_
    ids = [[vocab.encode(s) for s in review] for review in reviews]
    dev_ids = [[vocab.encode(s) for s in review] for review in dev_reviews]
    counts = np.array([len(r) for r in ids])

    stage = time.perf_counter()
    states = sentence_states(sentence_model.model_, [s for r in ids for s in r])  # (N, H)
    dev_states = sentence_states(sentence_model.model_, [s for r in dev_ids for s in r])
    head_curve = train_head(model.head_, states, counts, targets, weights,
                            dev=(dev_states, np.array([len(r) for r in dev_ids]), dev_targets),
                            epochs=head_epochs, seed=seed, log=lambda m: log("head: " + m))
    del states, dev_states
    head_seconds = time.perf_counter() - stage

    curve, recurrent = [], None
    if epochs > 0:
        network = ReviewNetwork(sentence_model.model_, model.head_, state_dropout=state_dropout)
        curve = train_network(network, ids, targets, weights, dev=(dev_ids, dev_targets), epochs=epochs,
                              batch_size=batch_size, learning_rate=learning_rate, seed=seed,
                              log=lambda m: log("end to end: " + m))
        recurrent = {name: network.params[name] for name in network.recurrent_names}
        model.head_ = ReviewHead({name: network.params[name] for name in model.head_.params})

    stage = time.perf_counter()
    ngrams, intercept = fit_ngram_weights(reviews, targets, order=ngram_order, min_df=ngram_min_df, C=ngram_c,
                                          sample_weight=weights)
    ngram_seconds = time.perf_counter() - stage
    log(f"n-grams: {len(ngrams.hashes)} weights ({ngram_seconds:.0f} s)")

    model = ReviewClassifier(sentence_model, model.head_, ngrams, (1.0, 0.0, 0.0), recurrent=recurrent)
    parts = model.review_parts(dev_reviews + model.sentences(mix_texts))
    mix_targets = np.concatenate([dev_targets, mix_labels]).astype(np.intp)
    features = np.stack([parts["rnn"], parts["ngram"] + intercept], axis=1)  # (n_dev + n_mix, 2)
    a, b, c = fit_mix(features, mix_targets)
    model.mix_ = np.array([a, b, b * intercept + c])
    right = {"rnn": parts["rnn"] > 0, "ngram": parts["ngram"] + intercept > 0,
             "review_model": features @ [a, b] + c > 0}
    n_dev = len(dev_targets)
    dev_accuracy = {name: float(np.mean(r[:n_dev] == (dev_targets == 1))) for name, r in right.items()}
    if len(mix_labels):
        dev_accuracy.update({f"{name}_held_out_pairs_texts": float(np.mean(r[n_dev:] == (mix_labels == 1)))
                             for name, r in right.items()})
    log(f"dev accuracy (mix fitted on these): {dev_accuracy}; mix a={a:.3f} b={b:.3f}")
    model.training_ = {
        "train_reviews": len(train_texts), "extra_reviews": len(extra_texts), "extra_weight": extra_weight,
        "mix_extra_texts": len(mix_texts),
        "dev_reviews": len(dev_texts), "attention_size": attention_size, "head_epochs": head_epochs,
        "epochs": epochs, "learning_rate": learning_rate, "state_dropout": state_dropout,
        "batch_size": batch_size, "ngram_order": ngram_order, "ngram_min_df": ngram_min_df, "ngram_c": ngram_c,
        "seed": seed, "head_curve": head_curve, "head_seconds": head_seconds, "curve": curve,
        "ngram_seconds": ngram_seconds, "dev_accuracy": dev_accuracy,
        "seconds": time.perf_counter() - began,
    }
    return model
