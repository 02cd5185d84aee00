"""Training sentences drawn from the **training part** of the behavioural word lists and template
families (never the held-out part that ``sentiment-rnn check`` reports on).

Each family gives sentences with a target probability of positive:

* an expected verdict (``mft``) maps to a target: positive 0.85, negative 0.15, neutral 0.5, "not
  negative" 0.65, "not positive" 0.35 (see ``EXPECTED_TARGET``);
* the intensifier families teach an order: "very good" 0.9, "somewhat good" 0.65, and the mirror;
* an invariance family (names, places, numbers, URLs, handles, identity words) gives *groups*: one
  filled sentence with its varied slot swapped through every training value. A group's target is left
  open (NaN) and set later to the mean of the network's own probabilities over the group
  (:func:`consensus_targets`), so swapping a name or an identity word teaches "no change" without
  a label invented for it.

Families of whole-text changes (punctuation, typos, casing, contractions) and of appended sentences
(several sentences: the review model's concern) give nothing.

>>> examples = behaviour_examples(seed=0, per_template=2, groups_per_template=1)
>>> any(holds_held_out_item(value) for example in examples for value in example.values)
False
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from sentiment_rnn.behaviour.lexicon import WORD_LISTS, is_heldout, words
from sentiment_rnn.behaviour.templates import SLOT_LISTS, draw_values, render, template_families

__all__ = [
    "EXPECTED_TARGET",
    "INTENSITY_TARGET",
    "PART",
    "Example",
    "behaviour_examples",
    "consensus_targets",
    "holds_held_out_item",
]

PART = "train"  # the only part training reads
EXPECTED_TARGET = {"positive": 0.85, "negative": 0.15, "neutral": 0.5, "not_negative": 0.65, "not_positive": 0.35}
INTENSITY_TARGET = {"intensified_positive": 0.9, "intensified_negative": 0.1, "reduced_positive": 0.65,
                    "reduced_negative": 0.35}
_SKIPPED_CAPABILITIES = ("composition",)  # several sentences; but the "but" clauses below are one
_MFT_COMPOSITION = ("but_clause_positive", "but_clause_negative")


@dataclass(frozen=True)
class Example:
    """One training sentence: its text, target P(positive) (NaN: the group's consensus), the group
    it shares a consensus with (-1: none), its family and the word-list values it was filled with."""

    text: str
    target: float
    group: int
    family: str
    values: tuple[str, ...]


def _held_out_phrases() -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(item.lower().split()) for items in WORD_LISTS.values() for item in items if is_heldout(item))


_HELD_OUT = _held_out_phrases()


def holds_held_out_item(value: str) -> bool:
    """True when ``value`` holds a held-out item as whole words: a training item may contain one
    ("South Asian" holds the held-out "Asian"), and such values are never used.

    >>> holds_held_out_item("not"), holds_held_out_item("good")
    (False, False)
    """
    tokens = tuple(value.lower().split())
    return any(tokens[i:i + len(item)] == item for item in _HELD_OUT for i in range(len(tokens) - len(item) + 1))


def _family_rng(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


def _draw(template: str, rng: np.random.Generator, group: str | None, fixed: dict | None = None) -> dict[str, str]:
    """Slot values for ``template`` from the training part, drawn again while one holds a held-out item."""
    while True:
        values = draw_values(template, PART, rng, group=group, fixed=fixed)
        if not any(holds_held_out_item(value) for value in values.values()):
            return values


def _example(template: str, values: dict[str, str], target: float, group: int, family: str) -> Example:
    return Example(render(template, values), target, group, family, tuple(values.values()))


def behaviour_examples(seed: int = 0, per_template: int = 200, groups_per_template: int = 40) -> list[Example]:
    """Seeded training sentences of every usable training-part family: ``per_template`` sentences
    per template of an expected-verdict or intensifier family, ``groups_per_template`` swap groups per
    template of an invariance family (each group: the sentence with every training value of its
    varied slot). The same seed gives the same list."""
    examples: list[Example] = []
    group_id = 0
    for family in template_families(PART):
        rng = _family_rng(seed, family.name)
        if family.kind == "mft" and (family.capability not in _SKIPPED_CAPABILITIES
                                      or family.name in _MFT_COMPOSITION):
            target = EXPECTED_TARGET[family.expect]
            for template in family.templates:
                examples += [_example(template, _draw(template, rng, family.group), target, -1, family.name)
                             for _ in range(per_template)]
        elif family.name in INTENSITY_TARGET:
            for template in family.templates:
                examples += [_example(template, _draw(template, rng, family.group), INTENSITY_TARGET[family.name],
                                      -1, family.name) for _ in range(per_template)]
        elif family.kind == "inv" and family.vary is not None:
            slot_list = f"identity_{family.group}" if family.vary == "identity" else SLOT_LISTS[family.vary]
            swaps = [value for value in words(slot_list, PART) if not holds_held_out_item(value)]
            for template in family.templates:
                for _ in range(groups_per_template):
                    base = _draw(template, rng, family.group)
                    examples += [_example(template, {**base, family.vary: value}, float("nan"), group_id, family.name)
                                 for value in swaps]
                    group_id += 1
    return examples


def consensus_targets(targets, groups, own_positive) -> np.ndarray:
    """Targets (N,) with every NaN replaced by the mean of ``own_positive`` (N,) (the network's
    P(positive)) over its group (``groups`` (N,), -1: no group).

    >>> consensus_targets([0.9, np.nan, np.nan, np.nan], [-1, 0, 0, 1], [0.5, 0.2, 0.6, 0.7]).round(2).tolist()
    [0.9, 0.4, 0.4, 0.7]
    """
    targets = np.array(targets, dtype=np.float64)  # (N,)
    groups = np.asarray(groups, dtype=np.int64)  # (N,)
    own_positive = np.asarray(own_positive, dtype=np.float64)  # (N,)
    open_rows = np.isnan(targets) & (groups >= 0)
    if open_rows.any():
        _, inverse = np.unique(groups[open_rows], return_inverse=True)
        means = np.bincount(inverse, weights=own_positive[open_rows]) / np.bincount(inverse)  # (G,)
        targets[open_rows] = means[inverse]
    return targets
