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

__all__ = ["SOFT_TARGETS", "NEGATED_TARGET", "soft_targets", "phrase_targets", "has_negator", "sentiment_leaves",
           "negated_phrases", "neutralise_word_vectors", "behaviour_training_data",
           "finetune_sentence_network"]

# P(positive) taught for the treebank's labels 0 (very negative) .. 4 (very positive)
SOFT_TARGETS = (0.05, 0.25, 0.5, 0.75, 0.95)


def soft_targets(fine_labels, table: Sequence[float] = SOFT_TARGETS) -> np.ndarray:
    """The (N, 2) targets [P(negative), P(positive)] of five-level labels (N,) through ``table``.

    >>> soft_targets([0, 2, 4]).round(2).tolist()
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
    from sentiment_rnn.training.loop import TrainConfig, fit

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
_COPULAS = frozenset({"is", "was", "are", "were", "'s", "be", "been", "seems", "seemed", "feels", "felt", "looks"})
_BETWEEN = frozenset({"a", "an", "the", "very", "so", "too", "really", "quite", "pretty", "rather", "just", "all",
                      "that", "particularly", "especially", "terribly", "truly", "more", "most", "entirely"})
NEGATION_FAMILIES = ("negated_positive", "negated_negative", "negation_at_end_of_negative",
                     "negation_at_end_of_positive", "negation_gap_positive", "negation_gap_negative", "negated_neutral")
_PRONOUNS = frozenset({"it", "that", "this", "he", "she", "there", "what", "here", "who"})
NEGATED_TARGET = {0: 0.65, 1: 0.2}  # P(positive) of a negated negative / a negated positive phrase
# words a sentiment direction is never taken out of: negators, contrast, degree
_GRAMMAR_WORDS = frozenset(_NEGATORS | {"but", "very", "too", "hardly", "neither", "barely", "so", "really",
                                        "although", "though", "yet", "however", "nobody", "nowhere", "rarely"})


def sentiment_leaves(phrases: Sequence[Sequence[str]], fine_labels) -> tuple[frozenset[str], frozenset[str]]:
    """(positive, negative) words by the treebank's own word labels: the mean label of a word's
    one-token phrases >= 2.5 or <= 1.5.

    >>> sentiment_leaves([["fun"], ["fun"], ["dull"], ["the"], ["fun", "film"]], [3, 4, 1, 2, 3])
    (frozenset({'fun'}), frozenset({'dull'}))
    """
    sums: dict[str, list[float]] = {}
    for tokens, label in zip(phrases, fine_labels):
        if len(tokens) == 1:
            sums.setdefault(tokens[0], []).append(float(label))
    means = {word: float(np.mean(labels)) for word, labels in sums.items()}
    return (frozenset(w for w, m in means.items() if m >= 2.5), frozenset(w for w, m in means.items() if m <= 1.5))


def negated_phrases(phrases: Sequence[Sequence[str]], fine_labels, polar: dict[str, int], negators: Sequence[str],
                    rng: np.random.Generator, max_len: int = 20) -> tuple[list[list[str]], np.ndarray]:
    """Treebank phrases negated after their copula: a phrase of at most ``max_len`` tokens, without a
    negator, where a copula is followed (up to three articles or degree words between) by a word of
    ``polar`` (word -> 0 negative / 1 positive) that agrees with the phrase's label gets a negator of
    ``negators`` (drawn by ``rng``) after the copula. Returns (token lists, target P(positive) (n,)):
    ``NEGATED_TARGET`` of the word's polarity.

    >>> negated_phrases([["the", "plot", "is", "a", "bit", "dull"], ["it", "is", "very", "dull"]], [1, 1],
    ...                 {"dull": 0}, ["not"], np.random.default_rng(0))
    ([['it', 'is', 'not', 'very', 'dull']], array([0.65]))
    """
    out, targets = [], []
    for tokens, label in zip(phrases, fine_labels):
        if len(tokens) > max_len or label == 2 or has_negator(tokens):
            continue
        for i, token in enumerate(tokens[:-1]):
            if token not in _COPULAS or (token == "'s" and (i == 0 or tokens[i - 1] not in _PRONOUNS)):
                continue  # "'s" after a noun is a possessive
            j = i + 1
            while j < len(tokens) - 1 and j - i <= 3 and tokens[j] in _BETWEEN:
                j += 1
            polarity = polar.get(tokens[j])
            if polarity is not None and polarity == int(label > 2):
                negator = negators[int(rng.integers(len(negators)))].split()
                out.append([*tokens[: i + 1], *negator, *tokens[i + 1:]])
                targets.append(NEGATED_TARGET[polarity])
                break
    return out, np.array(targets, dtype=np.float64)


def neutralise_word_vectors(sentence_model, positive: frozenset[str], negative: frozenset[str],
                            strength: float) -> int:
    """Take ``strength`` (0-1) of the sentiment direction out of the word vectors of every word
    outside ``positive`` and ``negative`` (and negators, "but", degree words): the direction is the
    difference of the mean vectors of the positive and the negative words, each word vector's part
    along it (measured from the mean vector) is scaled by 1 - strength. Identity words, names and
    places move toward "no opinion" whether or not a training text ever held them. Changes the
    model in place; returns the number of words changed."""
    E = sentence_model.model_.params["embedding.weight"]  # (V, E)
    tokens = sentence_model.vocab_.to_list()
    polarity = np.array([1 if t in positive else -1 if t in negative else 0 for t in tokens])  # (V,)
    direction = E[polarity > 0].mean(axis=0) - E[polarity < 0].mean(axis=0)  # (E,)
    direction /= np.linalg.norm(direction)
    changed = (polarity == 0) & np.array([t not in _GRAMMAR_WORDS for t in tokens])  # (V,)
    changed[:2] = False  # padding and unknown
    mean = E.mean(axis=0)  # (E,)
    along = (E[changed] - mean) @ direction  # (n,)
    E[changed] -= (strength * np.outer(along, direction)).astype(E.dtype)
    return int(changed.sum())


def has_negator(tokens: Sequence[str]) -> bool:
    """True when ``tokens`` hold a negator word.

    >>> has_negator(["no", "flaws"]), has_negator(["great", "zoom"])
    (True, False)
    """
    return any(token in _NEGATORS for token in tokens)


def behaviour_training_data(sentence_model, data_dir=None, *, neutral_phrases: int | None = 40_000,
                            own_weight: float = 0.5, pros_cons: int = 2000, objective: int = 3000,
                            per_template: int = 100, groups_per_template: int = 20, negate: bool = True,
                            neutralise: float = 0.0, negation_repeats: int = 1, seed: int = 0, log: Callable[[str], None] | None = None
                            ) -> tuple[list[list[str]], np.ndarray, dict]:
    """The training texts (token lists), targets (N, 2) and their counts, in this order:

    1. the treebank's training phrases with :func:`phrase_targets` (the network's own probabilities
       blended in); of the neutral phrases without a negator, ``neutral_phrases`` drawn with ``seed``
       (None: all), every neutral phrase with a negator;
    2. pros_cons sentences of 2-40 tokens: every one with a negator, and ``pros_cons`` others per side
       drawn with ``seed``; pros 0.9, cons 0.1;
    3. the first ``objective`` objective sentences of the subjectivity corpus at 0.5;
    4. :func:`sentiment_rnn.behaviour.augment.behaviour_examples` (training part only) with
       ``per_template`` sentences per template and ``groups_per_template`` swap groups, whose open
       targets are the network's own mean over the group.
    5. with ``negate``, :func:`negated_phrases` with the training-part negators ("not", "n't" and
       "never" thrice as often), on the words whose opinion lexicon and treebank polarity agree and
       that hold no held-out item.

    The texts with a negator of 2 and 5, and the negation families' sentences of 4, are taken
    ``negation_repeats`` times. With ``neutralise`` > 0, :func:`neutralise_word_vectors` first changes the network's word vectors
    (every word outside the opinion lexicon and the treebank's opinion words; the network is then
    trained with them fixed).
    """
    from sentiment_rnn.behaviour.augment import behaviour_examples, consensus_targets, holds_held_out_item
    from sentiment_rnn.behaviour.lexicon import words
    from sentiment_rnn.corpora import load_corpus
    from sentiment_rnn.corpora.nltk_corpora import objective_sentences, pros_cons_sentences
    from sentiment_rnn.text.tokenizer import tokenize

    log = log or (lambda message: None)
    rng = np.random.default_rng(seed)
    phrases = load_corpus("sst", "train", data_dir, level="phrase", classes=5)
    fine = np.asarray(phrases.labels)  # (P,)
    counts: dict = {}
    if negate or neutralise:
        from sentiment_rnn.corpora.nltk_corpora import opinion_words

        positive, negative = opinion_words(data_dir)
        leaves_positive, leaves_negative = sentiment_leaves(phrases.tokens, fine)
    if neutralise:
        counts["neutralised_words"] = neutralise_word_vectors(sentence_model, positive | leaves_positive,
                                                              negative | leaves_negative, neutralise)
    keep = np.ones(len(fine), dtype=bool)
    if neutral_phrases is not None:
        plain_neutral = np.flatnonzero((fine == 2) & ~np.array([has_negator(t) for t in phrases.tokens]))
        kept = rng.choice(plain_neutral, min(neutral_phrases, len(plain_neutral)), replace=False)
        keep[np.setdiff1d(plain_neutral, kept)] = False
    texts = [list(t) for t, k in zip(phrases.tokens, keep) if k]
    log(f"labelling {len(texts):,} treebank phrases with the network's own probabilities")
    parts = [phrase_targets(fine[keep], sentence_model.predict_proba(texts), own_weight)]
    counts["phrases"] = len(texts)

    sentences, labels = pros_cons_sentences(data_dir)
    chosen: list[list[str]] = []
    for label in (0, 1):
        side = [s for s, y in zip(sentences, labels) if y == label and 2 <= len(s) <= 40]
        negated = [s for s in side if has_negator(s)]
        others = [s for s in side if not has_negator(s)]
        picked = rng.choice(len(others), min(pros_cons, len(others)), replace=False)
        side_chosen = negated * negation_repeats + [others[i] for i in picked]
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
        examples = behaviour_examples(seed, per_template=per_template, groups_per_template=groups_per_template)
        examples += [e for e in examples if e.family in NEGATION_FAMILIES] * (negation_repeats - 1)
        tokens = [tokenize(example.text) for example in examples]
        own = sentence_model.predict_proba(tokens)[:, 1]  # (M,)
        example_p = consensus_targets([e.target for e in examples], [e.group for e in examples], own)  # (M,)
        texts += tokens
        parts.append(np.stack([1.0 - example_p, example_p], axis=1))
        counts["behaviour_examples"] = len(tokens)
    if negate:
        polar = {w: 1 for w in positive & leaves_positive if not holds_held_out_item(w)}
        polar.update({w: 0 for w in negative & leaves_negative if not holds_held_out_item(w)})
        negated, positive_share = negated_phrases(phrases.tokens, fine, polar,
                                                   [*words("negators", "train"), *["not", "n't", "never"] * 2], rng)
        texts += negated * negation_repeats
        parts += [np.stack([1.0 - positive_share, positive_share], axis=1)] * negation_repeats
        counts["negated_phrases"] = len(negated)
        counts["negated_negative_phrases"] = int((positive_share > 0.5).sum())
    counts["negation_repeats"] = negation_repeats
    log(f"training texts: {counts}")
    return texts, np.vstack(parts), counts
