"""Training the review model (see :mod:`sentiment_rnn.review.classifier` for what it is):

    out_of_fold_ngrams    each training sentence's n-gram score from n-gram weights fitted without its review
    fit_head              the evidence head (the weights of each sentence's network and n-gram parts, the bias)
                          by L-BFGS on the labels of reviews and one-sentence texts
    fit_review_classifier the steps around a frozen sentence network
    train_review_recipe   the shipped recipe: IMDB training reviews and CAD pairs, overlaps left out,
                          optionally the sentence network first (``sentiment-rnn train-review``)

The sentence network is not changed by the review training: one sentence alone and one sentence inside a
review are read by the same network, so the review model's terms are the sentence model's own verdicts.
The head learns on training reviews whose n-gram scores are out of fold (the n-gram weights that score
a review never saw it), so it weighs n-grams as they behave on new text; the shipped n-gram weights are
then fitted on every training review.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sentiment_rnn.estimators.rnn import RNNClassifier, as_tokens
from sentiment_rnn.nn.functional import sigmoid
from sentiment_rnn.review.classifier import ReviewClassifier, split_token_sentences
from sentiment_rnn.review.model import EvidenceHead, SentenceEvidence, softplus
from sentiment_rnn.review.ngrams import NgramWeights, fit_ngram_hashes, sentence_hashes

__all__ = [
    "NgramStage",
    "fit_head",
    "fit_review_classifier",
    "head_inputs",
    "head_loss",
    "head_stage",
    "near_copies",
    "ngram_stage",
    "out_of_fold_ngrams",
    "recipe_data",
    "text_sentences",
    "train_review_recipe",
]


def head_loss(head: EvidenceHead, evidence: SentenceEvidence, targets: np.ndarray, weights: np.ndarray,
              l2: float) -> tuple[float, dict[str, np.ndarray]]:
    """Weighted mean logistic loss of the reviews' log-odds (``targets``: labels 0/1 or soft targets in
    [0, 1]) plus (l2 / 2) (|score.weight|^2 +
    |ngram_score.weight|^2), and its gradient under the head's keys."""
    z, cache = head.forward(evidence)  # (B,)
    y = np.asarray(targets, dtype=np.float64)  # (B,) P(positive) wanted: a label 0/1, or a soft target
    share = weights / weights.sum()  # (B,)
    penalised = ("score.weight", "ngram_score.weight")
    cross_entropy = softplus(z) - y * z  # (B,) -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))]
    loss = float(share @ cross_entropy + 0.5 * l2 * sum(head.params[n] @ head.params[n] for n in penalised))
    dz = share * (sigmoid(z) - y)  # (B,)
    grads, _, _ = head.backward(dz, cache)
    for name in penalised:
        grads[name] = grads[name] + l2 * head.params[name]
    return loss, grads


SCALE_FIT = ("scale", "bias")  # what the one-sentence texts fit, the rest of the head held


def fit_head(head: EvidenceHead, evidence: SentenceEvidence, targets: np.ndarray, weights: np.ndarray | None = None,
             *, l2: float = 1e-3, iterations: int = 300, names: Sequence[str] | None = None) -> dict:
    """Fit the parameters ``names`` of ``head`` (float64, in place; default: all but ``scale``, held at its
    value) by L-BFGS on the reviews of ``evidence`` with labels ``targets`` (B,) and example ``weights``
    (B,); ``scale`` stays >= 1e-3. Deterministic: no sampling. Returns a record."""
    from scipy.optimize import minimize

    weights = np.ones(evidence.n_reviews) if weights is None else np.asarray(weights, dtype=np.float64)
    names = [n for n in head.params if n != "scale"] if names is None else list(names)
    sizes = [head.params[n].size for n in names]
    bounds = [(1e-3, None) if n == "scale" else (None, None) for n in names for _ in range(head.params[n].size)]

    def unpack(flat):
        for name, piece in zip(names, np.split(flat, np.cumsum(sizes)[:-1]), strict=True):
            head.params[name][...] = piece

    def objective(flat):
        unpack(flat)
        loss, grads = head_loss(head, evidence, targets, weights, l2)
        return loss, np.concatenate([grads[n].ravel() for n in names])

    began = time.perf_counter()
    result = minimize(objective, np.concatenate([head.params[n].ravel() for n in names]), jac=True,
                      method="L-BFGS-B", bounds=bounds, options={"maxiter": iterations})
    unpack(result.x)
    return {"loss": float(result.fun), "iterations": int(result.nit), "l2": l2,
            "seconds": time.perf_counter() - began}


def out_of_fold_ngrams(review_hashes: Sequence[np.ndarray], sentence_hash_lists: Sequence[Sequence[np.ndarray]],
                       labels, weights, *, folds: int, seed: int, **options) -> np.ndarray:
    """Each training sentence's n-gram score (N,) from weights fitted on the other folds' reviews.
    ``review_hashes``: each review's distinct hashes; ``sentence_hash_lists``: each review's sentences'."""
    fold = np.random.default_rng(seed).permutation(len(review_hashes)) % folds  # (n,)
    scores = [np.zeros(len(s)) for s in sentence_hash_lists]
    labels, weights = np.asarray(labels), np.asarray(weights)
    for k in range(folds):
        train = np.flatnonzero(fold != k)
        ngrams, _ = fit_ngram_hashes([review_hashes[i] for i in train.tolist()], labels[train],
                                     sample_weight=weights[train], **options)
        for i in np.flatnonzero(fold == k).tolist():
            scores[i] = ngrams.hashed_scores(sentence_hash_lists[i])
    return np.concatenate(scores) if scores else np.zeros(0)


# ---------------------------------------------------------------------------------------------------
# Training data: IMDB's training reviews and the counterfactually edited pairs, without overlaps
# ---------------------------------------------------------------------------------------------------


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


@dataclass
class NgramStage:
    """What the review training computes without the sentence network: the reviews as sentences, their
    labels and weights, the training sentences' out-of-fold n-gram scores and the n-gram weights."""

    reviews: list  # training reviews, each a list of sentences (token lists)
    targets: np.ndarray  # (n,)
    weights: np.ndarray  # (n,)
    dev_reviews: list
    dev_targets: np.ndarray
    train_ngram: np.ndarray  # (N,) out-of-fold scores of the training sentences
    ngrams: NgramWeights
    record: dict


def text_sentences(texts: Sequence, jobs: int = 1) -> list:
    """Each text (a string, tokenized in ``jobs`` processes, or a token list) as a list of sentences."""
    from sentiment_rnn.text.tokenizer import tokenize_many

    strings = [i for i, t in enumerate(texts) if isinstance(t, str)]
    tokens = dict(zip(strings, tokenize_many([texts[i] for i in strings], jobs), strict=True))
    return [split_token_sentences(as_tokens(tokens.get(i, t))) or [[]] for i, t in enumerate(texts)]


def ngram_stage(train_texts: Sequence, train_labels, dev_texts: Sequence, dev_labels, *, extra_texts: Sequence = (),
                extra_labels=(), extra_weight: float = 1.0, ngram_order: int = 2, ngram_min_df: int = 2,
                ngram_c: float = 0.1, negation: bool = True, folds: int = 2, seed: int = 0, jobs: int = 1,
                log: Callable[[str], None] | None = None) -> NgramStage:
    """Steps 1-2 of :func:`fit_review_classifier`, which do not read the sentence network."""
    log = log or (lambda message: None)
    began = time.perf_counter()
    targets = np.concatenate([np.asarray(train_labels), np.asarray(extra_labels, dtype=np.int64)]).astype(np.intp)
    weights = np.concatenate([np.ones(len(train_texts)), np.full(len(extra_texts), float(extra_weight))])
    reviews, dev_reviews = text_sentences([*train_texts, *extra_texts], jobs), text_sentences(list(dev_texts), jobs)
    tokenize_seconds = time.perf_counter() - began
    log(f"tokenized {len(reviews)} training and {len(dev_reviews)} dev reviews ({tokenize_seconds:.0f} s)")
    stage = time.perf_counter()
    sentence_lists = [[sentence_hashes(s, ngram_order, negation) for s in review] for review in reviews]
    review_hashes = [np.unique(np.concatenate(h)) for h in sentence_lists]
    ngram_options: dict[str, Any] = dict(order=ngram_order, min_df=ngram_min_df, C=ngram_c, negation=negation)
    train_ngram = out_of_fold_ngrams(review_hashes, sentence_lists, targets, weights, folds=folds, seed=seed,
                                     **ngram_options)
    ngrams, _ = fit_ngram_hashes(review_hashes, targets, sample_weight=weights, **ngram_options)
    ngram_seconds = time.perf_counter() - stage
    log(f"n-grams: {len(ngrams.hashes)} weights, {folds} out-of-fold fits ({ngram_seconds:.0f} s)")
    record = {"train_reviews": len(train_texts), "extra_reviews": len(extra_texts), "extra_weight": extra_weight,
              "dev_reviews": len(dev_texts), "ngram_order": ngram_order, "ngram_min_df": ngram_min_df,
              "ngram_c": ngram_c, "negation": negation, "folds": folds, "seed": seed,
              "tokenize_seconds": tokenize_seconds, "ngram_seconds": ngram_seconds}
    return NgramStage(reviews, targets, weights, dev_reviews, np.asarray(dev_labels).astype(np.intp), train_ngram,
                      ngrams, record)


def head_inputs(reviews: SentenceEvidence, review_targets, review_weights, short: SentenceEvidence | None = None,
                short_targets=(), short_share: float = 0.0) -> tuple[SentenceEvidence, np.ndarray, np.ndarray]:
    """The head's training set: the reviews and, with ``short_share`` > 0, the one-sentence texts of
    ``short`` (e.g. the treebank's training sentences), weighted so that they hold ``short_share`` of the
    total weight. Returns (evidence, targets (B,), weights (B,))."""
    review_weights = np.asarray(review_weights, dtype=np.float64)
    if short is None or short_share == 0 or short.n_reviews == 0:
        return reviews, np.asarray(review_targets), review_weights
    each = short_share / (1.0 - short_share) * review_weights.sum() / short.n_reviews
    return (SentenceEvidence.concatenate([reviews, short]),
            np.concatenate([np.asarray(review_targets), np.asarray(short_targets)]).astype(np.intp),
            np.concatenate([review_weights, np.full(short.n_reviews, each)]))


def head_stage(sentence_model: RNNClassifier, stage: NgramStage, *, guard: str = "negated sentences", l2: float = 1e-3,
               short_texts: tuple[Sequence, Sequence | np.ndarray] | None = None, short_share: float = 0.0,
               log: Callable[[str], None] | None = None) -> ReviewClassifier:
    """Steps 3-4 of :func:`fit_review_classifier`: the sentence network reads every sentence, the head is
    fitted. ``short_texts`` (token lists, labels) are one-sentence texts scored with the final n-gram
    weights (which never saw them): they join the reviews with ``short_share`` of the weight
    (:func:`head_inputs`), then alone fit the head's ``scale`` and ``bias`` (the rest held), so that a lone
    sentence keeps the sentence network's scale."""
    log = log or (lambda message: None)
    began = time.perf_counter()
    hidden = sentence_model.model_.config.hidden_size * sentence_model.model_.config.directions
    model = ReviewClassifier(sentence_model, EvidenceHead.initialize(hidden), stage.ngrams, guard=guard)
    evidence = model.evidence(stage.reviews, ngram=stage.train_ngram)
    dev_evidence = model.evidence(stage.dev_reviews)
    short, short_labels = None, ()
    if short_texts is not None:
        short, short_labels = model.evidence(model.sentences(short_texts[0])), short_texts[1]
    states_seconds = time.perf_counter() - began
    log(f"sentence network: {len(evidence.log_odds) + len(dev_evidence.log_odds)} review sentences"
        f"{f', {short.n_reviews} short texts' if short is not None else ''} ({states_seconds:.0f} s)")
    inputs = head_inputs(evidence, stage.targets, stage.weights, short, short_labels, short_share)
    record = fit_head(model.head_, *inputs, l2=l2)
    if short is not None:  # the verdict's scale and bias, from lone sentences
        record["scale"] = fit_head(model.head_, short, np.asarray(short_labels), l2=l2, names=SCALE_FIT)
    dev_z = model.head_.forward(dev_evidence)[0]
    dev_accuracy = {"review_model": float(np.mean((dev_z > 0) == (stage.dev_targets == 1)))}
    log(f"head: {record['iterations']} L-BFGS iterations ({record['seconds']:.0f} s); dev accuracy {dev_accuracy}")
    model.training_ = {**stage.record, "guard": guard, "l2": l2, "short_texts": short.n_reviews if short else 0,
                       "short_share": short_share, "head": record, "states_seconds": states_seconds,
                       "dev_accuracy": dev_accuracy}
    return model


def fit_review_classifier(sentence_model: RNNClassifier, train_texts: Sequence, train_labels, dev_texts: Sequence,
                          dev_labels, *, guard: str = "negated sentences", l2: float = 1e-3,
                          short_texts: tuple[Sequence, Sequence | np.ndarray] | None = None, short_share: float = 0.0,
                          log: Callable[[str], None] | None = None, **options) -> ReviewClassifier:
    """Train the review model around a two-class ``sentence_model`` (left unchanged):

    1. every sentence's n-gram hashes (orders 1..``ngram_order``, negation marked with ``negation``);
    2. out-of-fold n-gram scores of the training sentences (``folds`` folds), then the n-gram weights on
       every training review (``ngram_min_df``, C = ``ngram_c``);
    3. the sentence network's states and log-odds for every sentence;
    4. the head by L-BFGS (``l2`` on its two weight vectors) on the training reviews (and, with
       ``short_share``, the one-sentence ``short_texts``: tokens, labels), then its scale and bias on the
       ``short_texts`` alone; the dev reviews are only scored (choices of ``l2``, ``guard``, ``negation``,
       ``short_share`` are made on them and on SST-2 dev).

    ``extra_texts`` (e.g. counterfactually edited pairs) join the training reviews with weight ``extra_weight``.
    Raw strings are tokenized in ``jobs`` processes (the same tokens as one). ``options`` go to
    :func:`ngram_stage`.
    """
    began = time.perf_counter()
    stage = ngram_stage(train_texts, train_labels, dev_texts, dev_labels, log=log, **options)
    model = head_stage(sentence_model, stage, guard=guard, l2=l2, short_texts=short_texts, short_share=short_share,
                       log=log)
    model.training_["seconds"] = time.perf_counter() - began
    return model


def recipe_data(data_dir=None, *, use_cad: bool = True, log: Callable[[str], None] | None = None) -> dict:
    """The recipe's texts: IMDB's training reviews (ids ending in 0 are the dev reviews) without the copies
    of CAD dev texts and, with ``use_cad``, the CAD training pairs without those that overlap IMDB test
    reviews. Returns train/dev/extra texts and labels, the extra texts' pair ids and the provenance."""
    from sentiment_rnn.corpora import load_corpus

    log = log or (lambda message: None)
    train, dev = load_corpus("imdb", "train", data_dir), load_corpus("imdb", "dev", data_dir)
    train_texts, train_labels = list(train.texts), train.labels
    dev_texts, dev_labels = list(dev.texts), dev.labels
    extra_texts, extra_labels, extra_pairs = [], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=str)
    provenance: dict = {"imdb": "train (ids not ending in 0), dev: ids ending in 0"}
    # never train on a copy of a CAD dev review
    cad_dev_texts = load_corpus("cad", "dev", data_dir).texts
    copies = near_copies(train_texts + dev_texts, cad_dev_texts) >= 0
    keep_train, keep_dev = ~copies[: len(train_texts)], ~copies[len(train_texts):]
    train_texts = [t for t, k in zip(train_texts, keep_train, strict=True) if k]
    train_labels = train_labels[keep_train]
    dev_texts = [t for t, k in zip(dev_texts, keep_dev, strict=True) if k]
    dev_labels = dev_labels[keep_dev]
    provenance["imdb_reviews_left_out_as_cad_dev_copies"] = int(copies.sum())
    log(f"{int(copies.sum())} IMDB training reviews are copies of CAD dev reviews: left out")
    if use_cad:
        cad_train = load_corpus("cad", "train", data_dir)
        texts, labels = cad_train.texts, cad_train.labels
        pairs = cad_train.pair_ids.astype(str)
        test_copies = near_copies(texts, load_corpus("imdb", "test", data_dir).texts) >= 0
        overlapping = set(pairs[test_copies].tolist())
        keep = np.array([p not in overlapping for p in pairs])
        extra_texts = [t for t, k in zip(texts, keep, strict=True) if k]
        extra_labels, extra_pairs = labels[keep], pairs[keep]
        provenance.update(cad_pairs=len(set(extra_pairs.tolist())),
                          cad_texts_overlapping_imdb_test=int(test_copies.sum()), cad_pairs_left_out=len(overlapping))
        log(f"CAD: {int(test_copies.sum())} texts overlap IMDB test reviews; {len(overlapping)} pairs left out, "
            f"{int(keep.sum())} texts used")
    return {"train_texts": train_texts, "train_labels": train_labels, "dev_texts": dev_texts, "dev_labels": dev_labels,
            "extra_texts": extra_texts, "extra_labels": extra_labels, "extra_pairs": extra_pairs,
            "provenance": provenance}


def train_review_recipe(sentence: RNNClassifier, data_dir=None, *, use_cad: bool = True, cad_weight: float = 1.0,
                        sentence_epochs: int = 0, sentence_lr: float = 3e-4, sentence_share: float = 0.0, seed: int = 0,
                        log: Callable[[str], None] | None = None, **options) -> tuple[ReviewClassifier, dict]:
    """The recipe of ``sentiment-rnn train-review`` on :func:`recipe_data`'s texts. With ``sentence_epochs``,
    ``sentence`` (changed in place) first trains on the treebank's phrases and the edited CAD sentences;
    then it is frozen. The head's scale and bias are then fitted on the treebank's 8,544 training sentences
    as one-sentence texts (soft targets from their five labels), which also join the reviews in the head's
    first fit with ``sentence_share`` of the weight. ``options`` go to :func:`fit_review_classifier`. Returns the model
    (SST-2 test accuracy recorded, as ``train`` records it) and the provenance."""
    import resource

    from sentiment_rnn.corpora import load_corpus
    from sentiment_rnn.errors import SentimentRNNError
    from sentiment_rnn.review.counterfactual import edited_sentence_pairs, finetune_sentence_network
    from sentiment_rnn.text.tokenizer import tokenize

    log = log or (lambda message: None)
    data = recipe_data(data_dir, use_cad=use_cad, log=log)
    provenance = data["provenance"]
    if sentence_epochs:
        if not use_cad:
            raise SentimentRNNError("training the sentence network first needs the CAD pairs (its edited sentences)")
        edited, edited_labels = edited_sentence_pairs([split_token_sentences(tokenize(t)) for t in data["extra_texts"]],
                                                      data["extra_labels"], data["extra_pairs"])
        phrases, sst_dev = load_corpus("sst", "train", data_dir, level="phrase"), load_corpus("sst", "dev", data_dir)
        log(f"sentence network: {len(phrases)} phrases, {len(edited)} edited CAD sentences")
        provenance["sentence_training"] = finetune_sentence_network(
            sentence, phrases.tokens, phrases.labels, edited, edited_labels, sst_dev.tokens, sst_dev.labels,
            epochs=sentence_epochs, learning_rate=sentence_lr, seed=seed, log=log)
    # the treebank's training sentences, one-sentence texts for the head: soft targets from the five labels
    # (0, 1/4, 1/2, 3/4, 1), so neutral sentences pull the verdict's scale towards 0.5
    sst_train = load_corpus("sst", "train", data_dir, classes=5)
    model = fit_review_classifier(
        sentence, data["train_texts"], data["train_labels"], data["dev_texts"], data["dev_labels"],
        extra_texts=data["extra_texts"], extra_labels=data["extra_labels"], extra_weight=cad_weight, seed=seed,
        short_texts=(sst_train.tokens, np.asarray(sst_train.labels) / 4.0), short_share=sentence_share, log=log,
        **options)
    sst_test = load_corpus("sst", "test", data_dir)  # reported and recorded, never used for a choice
    model.training_["sst2_test_accuracy"] = model.score(sst_test.tokens, sst_test.labels)
    provenance["peak_memory_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return model, provenance
