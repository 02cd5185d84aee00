"""Training the review model (see :mod:`sentiment_rnn.review.classifier` for what it is):

    train_head            the attention head on frozen sentence states
    train_network         a copy of the sentence LSTM and the head end to end on review labels
    fit_mix               the mix of the recurrent and n-gram parts, on held-out texts
    fit_review_classifier the four steps around a sentence model
    train_review_recipe   the shipped recipe: IMDB training reviews and CAD pairs, overlaps left out,
                          optionally the sentence network first (``sentiment-rnn train-review``)

The mix is fitted on held-out texts (stacking, as Mesnil et al. 2014 weight their ensemble on
validation data).
"""

from __future__ import annotations

import re
import time
from typing import Callable, Sequence

import numpy as np

from sentiment_rnn.nn.batching import bucketed_batches
from sentiment_rnn.nn.functional import sigmoid
from sentiment_rnn.estimators.rnn import RNNClassifier
from sentiment_rnn.nn.optim import clip_grad_norm, make_optimizer
from sentiment_rnn.review.classifier import ReviewClassifier, head_log_odds, split_token_sentences
from sentiment_rnn.review.model import (ReviewHead, ReviewNetwork, head_training_bytes, scatter_states,
                                           sentence_states)
from sentiment_rnn.memory import check_fits

HEAD_BATCH_SENTENCES = 32 * 400  # a batch of 32 reviews of up to about 400 sentences

__all__ = ["train_head", "train_network", "network_log_odds", "fit_mix", "fit_review_classifier", "held_out_groups",
           "near_copies", "train_review_recipe"]


class _EarlyStopping:
    """Keeps a copy of the parameters of the best dev accuracy; says stop after ``patience`` epochs
    without a better one (never with None)."""

    def __init__(self, patience: int | None):
        self.patience, self.best, self.best_accuracy, self.waited = patience, None, -1.0, 0

    def end_epoch(self, record: dict, z: np.ndarray | None, dev_labels, params: dict[str, np.ndarray], curve: list,
                  log: Callable[[str], None] | None) -> bool:
        """Score the dev log-odds ``z`` (None: no dev split) into ``record``, append it to ``curve``, log
        it; True when training should stop."""
        if z is not None:
            record["dev_accuracy"] = float(np.mean((z > 0) == (np.asarray(dev_labels) == 1)))
        curve.append(record)
        if log:
            log(" ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items()))
        return z is not None and self.should_stop(record["dev_accuracy"], params)

    def should_stop(self, accuracy: float, params: dict[str, np.ndarray]) -> bool:
        if accuracy > self.best_accuracy:
            self.best_accuracy, self.waited = accuracy, 0
            self.best = {k: v.copy() for k, v in params.items()}
            return False
        self.waited += 1
        return self.patience is not None and self.waited >= self.patience

    def restore(self, params: dict[str, np.ndarray]) -> None:
        """Write the best parameters back (nothing when no dev split was scored)."""
        for k, v in (self.best or {}).items():
            params[k][...] = v


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
    stopping, curve = _EarlyStopping(patience), []
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
        z = None if dev is None else head_log_odds(head, dev[0], dev[1]) + (0.0 if dev_offsets is None else dev_offsets)
        if stopping.end_epoch(record, z, None if dev is None else dev[2], head.params, curve, log):
            break
    stopping.restore(head.params)
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
    stopping, curve = _EarlyStopping(patience), []
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
        z = None if dev is None else network_log_odds(network, dev[0]) + (0.0 if dev_offsets is None else dev_offsets)
        if stopping.end_epoch(record, z, None if dev is None else dev[1], network.params, curve, log):
            break
    stopping.restore(network.params)
    return curve


def fit_mix(features: np.ndarray, labels: np.ndarray, l2: float = 1e-3, iterations: int = 50) -> np.ndarray:
    """Logistic regression z = features @ coef[:-1] + coef[-1] on held-out reviews, by Newton's method
    (features (n, k) -> coef (k + 1,)), with a small ridge on the weights."""
    X = np.hstack([features, np.ones((len(features), 1))])  # (n, k+1)
    coef = np.zeros(X.shape[1])
    ridge = np.full(X.shape[1], l2)
    ridge[-1] = 0.0
    for _ in range(iterations):
        p = sigmoid(X @ coef)  # (n,)
        gradient = X.T @ (p - labels) + ridge * coef * len(X)  # (k+1,)
        hessian = (X * (p * (1 - p))[:, None]).T @ X + np.diag(ridge * len(X))  # (k+1, k+1)
        step = np.linalg.solve(hessian, gradient)
        coef -= step
        if np.abs(step).max() < 1e-10:
            break
    return coef


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


def near_copies(texts: Sequence[str], reference: Sequence[str], threshold: float = 0.5) -> np.ndarray:
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
    from sentiment_rnn.review.ngrams import fit_ngram_weights

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


def train_review_recipe(sentence: RNNClassifier, data_dir=None, *, use_cad: bool = True, cad_weight: float = 1.0,
                        sentence_epochs: int = 0, sentence_lr: float = 3e-4, mix_fraction: float = 0.0,
                        seed: int = 0, log: Callable[[str], None] | None = None, **options
                        ) -> tuple[ReviewClassifier, dict]:
    """The recipe of ``sentiment-rnn train-review``: IMDB's training reviews (ids ending in 0 are the dev
    reviews) and, with ``use_cad``, the CAD training pairs; IMDB reviews that are copies of CAD dev texts
    and CAD pairs that overlap IMDB test reviews are left out; ``mix_fraction`` of the CAD pairs is kept
    for fitting the mix. With ``sentence_epochs``, ``sentence`` (changed in place) first trains on the
    treebank's phrases and the edited CAD sentences. ``options`` go to :func:`fit_review_classifier`.
    Returns the model (SST-2 test accuracy recorded, as ``train`` records it) and the provenance."""
    import resource

    from sentiment_rnn.review.counterfactual import edited_sentence_pairs, finetune_sentence_network
    from sentiment_rnn.corpora import load_corpus
    from sentiment_rnn.errors import SentimentRNNError
    from sentiment_rnn.text.tokenizer import tokenize

    log = log or (lambda message: None)
    attention_size = options.get("attention_size", 64)
    check_fits(head_training_bytes(sentence.model_.config.hidden_size, attention_size, HEAD_BATCH_SENTENCES),
               f"a review head of {attention_size:,} attention units", "choose a smaller --attention-size")
    train, dev = load_corpus("imdb", "train", data_dir), load_corpus("imdb", "dev", data_dir)
    train_texts, train_labels = list(train.texts), train.labels
    dev_texts, dev_labels = list(dev.texts), dev.labels
    extra_texts, extra_labels, mix_texts, mix_labels = [], [], [], []
    provenance: dict = {"imdb": "train (ids not ending in 0), dev: ids ending in 0"}
    # never train on a copy of a CAD dev review
    cad_dev_texts = load_corpus("cad", "dev", data_dir).texts
    copies = near_copies(train_texts + dev_texts, cad_dev_texts) >= 0
    keep_train, keep_dev = ~copies[: len(train_texts)], ~copies[len(train_texts):]
    train_texts = [t for t, k in zip(train_texts, keep_train) if k]
    train_labels = train_labels[keep_train]
    dev_texts = [t for t, k in zip(dev_texts, keep_dev) if k]
    dev_labels = dev_labels[keep_dev]
    provenance["imdb_reviews_left_out_as_cad_dev_copies"] = int(copies.sum())
    log(f"{int(copies.sum())} IMDB training reviews are copies of CAD dev reviews: left out")
    if use_cad:
        cad_train = load_corpus("cad", "train", data_dir)
        texts, labels = cad_train.texts, cad_train.labels
        pairs = cad_train.pair_ids.astype(str)  # the recipe draws its held-out pairs among the ids as strings
        test_copies = near_copies(texts, load_corpus("imdb", "test", data_dir).texts) >= 0
        overlapping = set(pairs[test_copies].tolist())
        keep = np.array([p not in overlapping for p in pairs])
        held = held_out_groups(pairs, mix_fraction, seed) & keep  # pairs kept for fitting the mix
        mix_texts, mix_labels = [t for t, h in zip(texts, held) if h], labels[held]
        keep &= ~held
        extra_texts, extra_labels = [t for t, k in zip(texts, keep) if k], labels[keep]
        provenance.update(cad_pairs=int(len(set(pairs[keep].tolist()))),
                          cad_pairs_for_the_mix=int(len(set(pairs[held].tolist()))),
                          cad_texts_overlapping_imdb_test=int(test_copies.sum()), cad_pairs_left_out=len(overlapping))
        log(f"CAD: {int(test_copies.sum())} texts overlap IMDB test reviews; {len(overlapping)} pairs left out, "
            f"{int(keep.sum())} texts used")
    if sentence_epochs:
        if not use_cad:
            raise SentimentRNNError("training the sentence network first needs the CAD pairs (its edited sentences)")
        edited, edited_labels = edited_sentence_pairs([split_token_sentences(tokenize(t)) for t in extra_texts],
                                                      extra_labels, pairs[keep])
        phrases, sst_dev = load_corpus("sst", "train", data_dir, level="phrase"), load_corpus("sst", "dev", data_dir)
        log(f"sentence network: {len(phrases)} phrases, {len(edited)} edited CAD sentences")
        provenance["sentence_training"] = finetune_sentence_network(
            sentence, phrases.tokens, phrases.labels, edited, edited_labels, sst_dev.tokens, sst_dev.labels,
            epochs=sentence_epochs, learning_rate=sentence_lr, seed=seed, log=log)
    model = fit_review_classifier(
        sentence, train_texts, train_labels, dev_texts, dev_labels, extra_texts=extra_texts,
        extra_labels=extra_labels, extra_weight=cad_weight, mix_texts=mix_texts, mix_labels=mix_labels, seed=seed,
        log=log, **options)
    sst_test = load_corpus("sst", "test", data_dir)  # reported and recorded, never used for a choice
    model.training_["sst2_test_accuracy"] = model.score(sst_test.tokens, sst_test.labels)
    provenance["peak_memory_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return model, provenance
