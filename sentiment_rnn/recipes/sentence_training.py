"""Fine-tuning a two-class sentence network for behaviour: soft targets from the treebank's five labels,
real text with negated complaints and neutral statements, and the seeded data of
:mod:`sentiment_rnn.behaviour.augment` (``sentiment-rnn tune-sentence``).

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "NEGATED_TARGET",
    "SOFT_TARGETS",
    "behaviour_training_data",
    "finetune_sentence_network",
    "has_negator",
    "negated_phrases",
    "neutral_leaves",
    "neutralise_word_vectors",
    "phrase_targets",
    "sentiment_leaves",
    "sharpen_negated_targets",
    "soft_targets",
]

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


def sharpen_negated_targets(phrases: Sequence[Sequence[str]], fine_labels, targets: np.ndarray,
                            negated_positive: float) -> np.ndarray:
    """Targets (N, 2) where every phrase holding a negator and labelled negative (0 or 1) is taught
    P(positive) = the lower of its soft label and ``negated_positive``, without the network's own
    probabilities blended in ("not good" is a complaint, not a shrug); the other rows are ``targets``.

    >>> blended = np.array([[0.6, 0.4], [0.6, 0.4], [0.6, 0.4]])
    >>> sharpen_negated_targets([["not", "good"], ["dull"], ["no", "fun", "at", "all"]], [1, 1, 0], blended, 0.1).tolist()
    [[0.9, 0.1], [0.6, 0.4], [0.95, 0.05]]
    """
    fine_labels = np.asarray(fine_labels, dtype=np.intp)  # (N,)
    sharpened = (fine_labels <= 1) & np.array([has_negator(t) for t in phrases], dtype=bool)  # (N,)
    positive = np.minimum(soft_targets(fine_labels)[:, 1], negated_positive)  # (N,)
    return np.where(sharpened[:, None], np.stack([1.0 - positive, positive], axis=1), targets)  # (N, 2)


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
    for tokens, label in zip(phrases, fine_labels, strict=True):
        if len(tokens) == 1:
            sums.setdefault(tokens[0], []).append(float(label))
    means = {word: float(np.mean(labels)) for word, labels in sums.items()}
    return (frozenset(w for w, m in means.items() if m >= 2.5), frozenset(w for w, m in means.items() if m <= 1.5))


def neutral_leaves(phrases: Sequence[Sequence[str]], fine_labels, min_count: int) -> frozenset[str]:
    """Words whose one-token phrases are all labelled neutral (2), at least ``min_count`` of them
    (0: none): the treebank's own word labels say they hold no opinion.

    >>> sorted(neutral_leaves([["blind"], ["blind"], ["dull"], ["odd"], ["blind", "date"]], [2, 2, 1, 2, 1], 2))
    ['blind']
    """
    labels: dict[str, list[int]] = {}
    for tokens, label in zip(phrases, fine_labels, strict=True):
        if len(tokens) == 1:
            labels.setdefault(tokens[0], []).append(int(label))
    return frozenset(w for w, ys in labels.items() if min_count and len(ys) >= min_count and set(ys) == {2})


def negated_phrases(phrases: Sequence[Sequence[str]], fine_labels, polar: dict[str, int], negators: Sequence[str],
                    rng: np.random.Generator, max_len: int = 20,
                    targets: dict[int, float] = NEGATED_TARGET) -> tuple[list[list[str]], np.ndarray]:
    """Treebank phrases negated after their copula: a phrase of at most ``max_len`` tokens, without a
    negator, where a copula is followed (up to three articles or degree words between) by a word of
    ``polar`` (word -> 0 negative / 1 positive) that agrees with the phrase's label gets a negator of
    ``negators`` (drawn by ``rng``) after the copula. Returns (token lists, target P(positive) (n,)):
    ``targets`` (default ``NEGATED_TARGET``) of the word's polarity.

    >>> negated_phrases([["the", "plot", "is", "a", "bit", "dull"], ["it", "is", "very", "dull"]], [1, 1],
    ...                 {"dull": 0}, ["not"], np.random.default_rng(0))
    ([['it', 'is', 'not', 'very', 'dull']], array([0.65]))
    """
    out, shares = [], []
    for tokens, label in zip(phrases, fine_labels, strict=True):
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
                shares.append(targets[polarity])
                break
    return out, np.array(shares, dtype=np.float64)


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
                            neutralise: float = 0.0, negation_repeats: int = 1,
                            negated_positive_target: float = NEGATED_TARGET[1], sharpen_negated: bool = False,
                            neutral_leaf_count: int = 0, seed: int = 0, log: Callable[[str], None] | None = None) -> tuple[list[list[str]], np.ndarray, dict]:
    """The training texts (token lists), targets (N, 2) and their counts, in this order:

    1. the treebank's training phrases with :func:`phrase_targets` (the network's own probabilities
       blended in); of the neutral phrases without a negator, ``neutral_phrases`` drawn with ``seed``
       (None: all), every neutral phrase with a negator; with ``sharpen_negated``, the phrases with a
       negator labelled negative go through :func:`sharpen_negated_targets` (``negated_positive_target``);
    2. pros_cons sentences of 2-40 tokens: every one with a negator, and ``pros_cons`` others per side
       drawn with ``seed``; pros 0.9, cons 0.1;
    3. the first ``objective`` objective sentences of the subjectivity corpus at 0.5;
    4. :func:`sentiment_rnn.behaviour.augment.behaviour_examples` (training part only) with
       ``per_template`` sentences per template and ``groups_per_template`` swap groups, whose open
       targets are the network's own mean over the group.
    5. with ``negate``, :func:`negated_phrases` with the training-part negators ("not", "n't" and
       "never" thrice as often), on the words whose opinion lexicon and treebank polarity agree and
       that hold no held-out item; a negated positive is taught ``negated_positive_target``.

    The texts with a negator of 2 and 5, and the negation families' sentences of 4, are taken
    ``negation_repeats`` times. With ``neutralise`` > 0, :func:`neutralise_word_vectors` first changes the network's word vectors
    (every word outside the opinion lexicon and the treebank's opinion words, and, with
    ``neutral_leaf_count`` > 0, the lexicon's words of :func:`neutral_leaves`; the network is then
    trained with them fixed).
    """
    from sentiment_rnn.corpora import load_corpus

    log = log or (lambda message: None)
    rng = np.random.default_rng(seed)
    phrases = load_corpus("sst", "train", data_dir, level="phrase", classes=5)
    fine = np.asarray(phrases.labels)  # (P,)
    counts: dict = {}
    opinions = _OpinionWords.read(phrases.tokens, fine, data_dir) if negate or neutralise else None
    if neutralise:
        assert opinions is not None  # read above whenever neutralise is set
        overruled = neutral_leaves(phrases.tokens, fine, neutral_leaf_count)
        counts["neutralised_words"] = neutralise_word_vectors(
            sentence_model, (opinions.positive | opinions.leaves_positive) - overruled,
            (opinions.negative | opinions.leaves_negative) - overruled, neutralise)
        if neutral_leaf_count:
            counts["neutral_leaves_overruling_the_lexicon"] = len((opinions.positive | opinions.negative) & overruled)
    sharpened = negated_positive_target if sharpen_negated else None
    parts = [_treebank_part(sentence_model, phrases.tokens, fine, neutral_phrases, own_weight, sharpened, rng, log),
             _pros_cons_part(data_dir, pros_cons, negation_repeats, rng),
             _objective_part(data_dir, objective)]
    if per_template:
        parts.append(_template_part(sentence_model, seed, per_template, groups_per_template, negation_repeats))
    if negate:
        assert opinions is not None  # read above whenever negate is set
        parts.append(_negated_part(phrases.tokens, fine, opinions, negation_repeats, negated_positive_target, rng))
    texts: list[list[str]] = []
    for part_texts, _, part_counts in parts:
        texts += part_texts
        counts.update(part_counts)
    counts["negation_repeats"] = negation_repeats
    log(f"training texts: {counts}")
    return texts, np.vstack([part_targets for _, part_targets, _ in parts]), counts


_Part = tuple  # (texts: list[list[str]], targets (n, 2), counts: dict)


@dataclass(frozen=True)
class _OpinionWords:
    """The opinion lexicon's words and the treebank's own opinion words (:func:`sentiment_leaves`)."""

    positive: frozenset[str]
    negative: frozenset[str]
    leaves_positive: frozenset[str]
    leaves_negative: frozenset[str]

    @classmethod
    def read(cls, phrases: Sequence[Sequence[str]], fine_labels, data_dir) -> _OpinionWords:
        from sentiment_rnn.corpora.nltk_corpora import opinion_words

        return cls(*opinion_words(data_dir), *sentiment_leaves(phrases, fine_labels))


def _as_targets(positive) -> np.ndarray:
    """The (n, 2) targets [P(negative), P(positive)] of P(positive) (n,)."""
    positive = np.asarray(positive, dtype=np.float64)  # (n,)
    return np.stack([1.0 - positive, positive], axis=1)  # (n, 2)


def _treebank_part(sentence_model, phrases, fine: np.ndarray, neutral_phrases: int | None, own_weight: float,
                   sharpened: float | None, rng: np.random.Generator, log: Callable[[str], None]) -> _Part:
    """Step 1: the treebank's phrases (plain neutral ones drawn) with :func:`phrase_targets`, and
    :func:`sharpen_negated_targets` when ``sharpened`` (a negated positive's P(positive)) is given."""
    keep = np.ones(len(fine), dtype=bool)  # (P,)
    if neutral_phrases is not None:
        plain_neutral = np.flatnonzero((fine == 2) & ~np.array([has_negator(t) for t in phrases]))
        kept = rng.choice(plain_neutral, min(neutral_phrases, len(plain_neutral)), replace=False)
        keep[np.setdiff1d(plain_neutral, kept)] = False
    texts = [list(t) for t, k in zip(phrases, keep, strict=True) if k]
    log(f"labelling {len(texts):,} treebank phrases with the network's own probabilities")
    targets = phrase_targets(fine[keep], sentence_model.predict_proba(texts), own_weight)  # (n, 2)
    counts = {"phrases": len(texts)}
    if sharpened is not None:
        targets = sharpen_negated_targets(texts, fine[keep], targets, sharpened)
        counts["sharpened_negated_phrases"] = sum(1 for t, y in zip(texts, fine[keep], strict=True)
                                                  if y <= 1 and has_negator(t))
    return texts, targets, counts


def _pros_cons_part(data_dir, pros_cons: int, negation_repeats: int, rng: np.random.Generator) -> _Part:
    """Step 2: pros_cons sentences, every one with a negator (repeated) and ``pros_cons`` others per side."""
    from sentiment_rnn.corpora.nltk_corpora import pros_cons_sentences

    sentences, labels = pros_cons_sentences(data_dir)
    chosen: list[list[str]] = []
    targets, counts = [], {}
    for label in (0, 1):
        side = [s for s, y in zip(sentences, labels, strict=True) if y == label and 2 <= len(s) <= 40]
        negated = [s for s in side if has_negator(s)]
        others = [s for s in side if not has_negator(s)]
        picked = rng.choice(len(others), min(pros_cons, len(others)), replace=False)
        side_chosen = negated * negation_repeats + [others[i] for i in picked]
        chosen += side_chosen
        targets.append(np.tile([0.9, 0.1] if label == 0 else [0.1, 0.9], (len(side_chosen), 1)))
        counts[("cons" if label == 0 else "pros") + "_with_negator"] = len(negated)
    return chosen, np.vstack(targets), {**counts, "pros_cons": len(chosen)}


def _objective_part(data_dir, objective: int) -> _Part:
    """Step 3: the first ``objective`` objective sentences of the subjectivity corpus at 0.5."""
    from sentiment_rnn.corpora.nltk_corpora import objective_sentences

    statements = objective_sentences(data_dir)[:objective]
    return statements, np.full((len(statements), 2), 0.5), {"objective": len(statements)}


def _template_part(sentence_model, seed: int, per_template: int, groups_per_template: int,
                   negation_repeats: int) -> _Part:
    """Step 4: training-part template sentences; swap groups get the network's own mean over the group."""
    from sentiment_rnn.behaviour.augment import behaviour_examples, consensus_targets
    from sentiment_rnn.text.tokenizer import tokenize

    examples = behaviour_examples(seed, per_template=per_template, groups_per_template=groups_per_template)
    examples += [e for e in examples if e.family in NEGATION_FAMILIES] * (negation_repeats - 1)
    tokens = [tokenize(example.text) for example in examples]
    own = sentence_model.predict_proba(tokens)[:, 1]  # (M,)
    example_p = consensus_targets([e.target for e in examples], [e.group for e in examples], own)  # (M,)
    return tokens, _as_targets(example_p), {"behaviour_examples": len(tokens)}


def _negated_part(phrases, fine: np.ndarray, opinions: _OpinionWords, negation_repeats: int,
                  negated_positive_target: float, rng: np.random.Generator) -> _Part:
    """Step 5: :func:`negated_phrases` on the words both sources agree on and no held-out item holds."""
    from sentiment_rnn.behaviour.augment import holds_held_out_item
    from sentiment_rnn.behaviour.lexicon import words

    polar = {w: 1 for w in opinions.positive & opinions.leaves_positive if not holds_held_out_item(w)}
    polar.update({w: 0 for w in opinions.negative & opinions.leaves_negative if not holds_held_out_item(w)})
    negated, positive_share = negated_phrases(phrases, fine, polar,
                                               [*words("negators", "train"), *["not", "n't", "never"] * 2], rng,
                                               targets={**NEGATED_TARGET, 1: negated_positive_target})
    return (negated * negation_repeats, np.vstack([_as_targets(positive_share)] * negation_repeats),
            {"negated_phrases": len(negated), "negated_negative_phrases": int((positive_share > 0.5).sum())})
