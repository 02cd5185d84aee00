"""Fine-tuning a two-class sentence network for behaviour: soft targets from the treebank's five labels,
real text with negated complaints and neutral statements, and the seeded data of
:mod:`sentiment_rnn.augment` (``sentiment-rnn train-sentence``).

The treebank labels every phrase on five levels; binary phrase training drops the neutral ones (two
thirds of them, "not bad" among them) and trains "bad" and "very bad" alike. Here every phrase keeps its
label as a target probability of positive::

    very negative 0.05   negative 0.25   neutral 0.5   positive 0.75   very positive 0.95

blended with the starting network's own probability on the non-neutral phrases (it keeps what
distillation taught it), so "not bad" (neutral or positive in the treebank) is no longer taught as a
negative, and words that carry no opinion ("the", "film", most names) are taught to sit at 0.5.
"""

from __future__ import annotations

import time
from typing import Callable, Sequence

import numpy as np

__all__ = ["SOFT_TARGETS", "soft_targets", "phrase_targets", "has_negator", "behaviour_training_data",
           "finetune_sentence_network"]

# P(positive) taught for the treebank's labels 0 (very negative) .. 4 (very positive)
SOFT_TARGETS = (0.05, 0.25, 0.5, 0.75, 0.95)


def soft_targets(fine_labels, table: Sequence[float] = SOFT_TARGETS) -> np.ndarray:
    """The (N, 2) targets [P(negative), P(positive)] of five-level labels (N,) through ``table``.

    >>> soft_targets([0, 2, 4]).tolist()
    [[0.95, 0.05], [0.5, 0.5], [0.05, 0.95]]
    """
    positive = np.asarray(table, dtype=np.float64)[np.asarray(fine_labels, dtype=np.intp)]  # (N,)
    return np.stack([1.0 - positive, positive], axis=1)  # (N, 2)


def phrase_targets(fine_labels, own: np.ndarray, own_weight: float = 0.5,
                   table: Sequence[float] = SOFT_TARGETS) -> np.ndarray:
    """Targets (N, 2) for treebank phrases: ``own_weight`` × the network's own probabilities ``own``
    (N, 2) + the rest × the soft label on the phrases with an opinion (labels 0, 1, 3, 4); the soft
    label alone (0.5) on the neutral ones (label 2).

    >>> own = np.array([[0.9, 0.1], [0.9, 0.1], [0.2, 0.8]])
    >>> phrase_targets([2, 0, 4], own).round(3).tolist()
    [[0.5, 0.5], [0.925, 0.075], [0.125, 0.875]]
    """
    fine_labels = np.asarray(fine_labels, dtype=np.intp)  # (N,)
    soft = soft_targets(fine_labels, table)  # (N, 2)
    blended = own_weight * np.asarray(own, dtype=np.float64) + (1.0 - own_weight) * soft  # (N, 2)
    return np.where((fine_labels == 2)[:, None], soft, blended)  # (N, 2)


def finetune_sentence_network(sentence_model, texts: Sequence[Sequence[str]], targets: np.ndarray,
                              dev: Sequence[Sequence[str]], dev_labels, *, epochs: int = 2,
                              learning_rate: float = 2e-4, batch_size: int = 64, freeze_embeddings: bool = True,
                              patience: int | None = None, seed: int = 0,
                              log: Callable[[str], None] | None = None) -> dict:
    """Continue training a two-class RNNClassifier in place on token lists ``texts`` with target
    probabilities ``targets`` (N, 2); the best epoch on ``dev`` (SST-2 dev accuracy) is kept. With
    ``freeze_embeddings`` the word vectors stay as they are. Returns the training record."""
    from sentiment_rnn.train import TrainConfig, fit

    vocab = sentence_model.vocab_
    began = time.perf_counter()
    sequences = [vocab.encode(t) for t in texts]
    dev_ids = [vocab.encode(t) for t in dev]
    before = float(np.mean(sentence_model.predict(list(dev)) == np.asarray(dev_labels)))
    config = TrainConfig(epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, patience=patience,
                         frozen=("embedding.weight",) if freeze_embeddings else (), seed=seed)
    result = fit(sentence_model.model_, sequences, np.asarray(targets, dtype=np.float64), config, dev_ids,
                 np.asarray(dev_labels), on_epoch=(lambda r: log(f"sentence network: {r}")) if log else None)
    sentence_model.training_ = result
    return {"texts": len(texts), "epochs": epochs, "learning_rate": learning_rate, "batch_size": batch_size,
            "freeze_embeddings": freeze_embeddings, "seed": seed, "dev_before": before,
            "seconds": time.perf_counter() - began, **result.to_dict()}


_NEGATORS = frozenset({"no", "not", "never", "n't", "without", "nothing", "none", "nor", "cannot"})


def has_negator(tokens: Sequence[str]) -> bool:
    """True when ``tokens`` hold a negator word.

    >>> has_negator(["no", "flaws"]), has_negator(["great", "zoom"])
    (True, False)
    """
    return any(token in _NEGATORS for token in tokens)


def behaviour_training_data(sentence_model, data_dir=None, *, neutral_phrases: int | None = 40_000,
                            own_weight: float = 0.5, pros_cons: int = 2000, objective: int = 3000,
                            per_template: int = 100, seed: int = 0, log: Callable[[str], None] | None = None
                            ) -> tuple[list[list[str]], np.ndarray, dict]:
    """The training texts (token lists), targets (N, 2) and their counts, in this order:

    1. the treebank's training phrases with :func:`phrase_targets` (the network's own probabilities
       blended in); of the neutral phrases without a negator, ``neutral_phrases`` drawn with ``seed``
       (None: all), every neutral phrase with a negator;
    2. pros_cons sentences of 2-40 tokens: every one with a negator, and ``pros_cons`` others per side
       drawn with ``seed``; pros 0.9, cons 0.1;
    3. the first ``objective`` objective sentences of the subjectivity corpus at 0.5;
    4. :func:`sentiment_rnn.behaviour.augment.behaviour_examples` (training part only) with
       ``per_template`` sentences per template and a fifth of that in swap groups, whose open targets
       are the network's own mean over the group.
    """
    from sentiment_rnn.behaviour.augment import behaviour_examples, consensus_targets
    from sentiment_rnn.corpora import load_corpus
    from sentiment_rnn.corpora.nltk_corpora import objective_sentences, pros_cons_sentences
    from sentiment_rnn.text import tokenize

    log = log or (lambda message: None)
    rng = np.random.default_rng(seed)
    phrases = load_corpus("sst", "train", data_dir, level="phrase", classes=5)
    fine = np.asarray(phrases.labels)  # (P,)
    keep = np.ones(len(fine), dtype=bool)
    if neutral_phrases is not None:
        plain_neutral = np.flatnonzero((fine == 2) & ~np.array([has_negator(t) for t in phrases.tokens]))
        kept = rng.choice(plain_neutral, min(neutral_phrases, len(plain_neutral)), replace=False)
        keep[np.setdiff1d(plain_neutral, kept)] = False
    texts = [list(t) for t, k in zip(phrases.tokens, keep) if k]
    log(f"labelling {len(texts):,} treebank phrases with the network's own probabilities")
    parts = [phrase_targets(fine[keep], sentence_model.predict_proba(texts), own_weight)]
    counts = {"phrases": len(texts)}

    sentences, labels = pros_cons_sentences(data_dir)
    chosen: list[list[str]] = []
    for label in (0, 1):
        side = [s for s, y in zip(sentences, labels) if y == label and 2 <= len(s) <= 40]
        negated = [s for s in side if has_negator(s)]
        others = [s for s in side if not has_negator(s)]
        picked = rng.choice(len(others), min(pros_cons, len(others)), replace=False)
        side_chosen = negated + [others[i] for i in picked]
        chosen += side_chosen
        parts.append(np.tile([0.9, 0.1] if label == 0 else [0.1, 0.9], (len(side_chosen), 1)))
        counts[("cons" if label == 0 else "pros") + "_with_negator"] = len(negated)
    texts += chosen
    counts["pros_cons"] = len(chosen)

    statements = objective_sentences(data_dir)[:objective]
    texts += statements
    parts.append(np.full((len(statements), 2), 0.5))
    counts["objective"] = len(statements)

    if per_template:
        examples = behaviour_examples(seed, per_template=per_template, groups_per_template=max(1, per_template // 5))
        tokens = [tokenize(example.text) for example in examples]
        own = sentence_model.predict_proba(tokens)[:, 1]  # (M,)
        positive = consensus_targets([e.target for e in examples], [e.group for e in examples], own)  # (M,)
        texts += tokens
        parts.append(np.stack([1.0 - positive, positive], axis=1))
        counts["behaviour_examples"] = len(tokens)
    log(f"training texts: {counts}")
    return texts, np.vstack(parts), counts
