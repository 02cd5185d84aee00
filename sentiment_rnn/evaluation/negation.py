"""The negation benchmark: the treebank's negation slices and the project's contrast set.

A model enters the benchmark as ``predict_fn``: a function from a list of token lists (lowercase
treebank tokens) to labels 0 = negative, 1 = positive. It is scored on

* the SST-2 test sentences (all 1,821 non-neutral roots);
* **negation phrases**: treebank nodes "negator + phrase" (see :func:`negation_phrases`), all of
  them and the subset whose polarity is *flipped* with respect to the negated phrase;
* **negated sentences**: SST-2 test sentences containing a negator (:func:`negated_sentences`);
* the project's **contrast set** (``data/negation/contrast_set.tsv``): minimal pairs such as
  "The plot is boring." / "The plot is never boring." and a hard section ("not only ... but also",
  "nothing short of", "could n't be better", ...), scored per sentence and per pair (a pair counts
  only when both members are right).

Trees are ``nltk.Tree`` objects with integer (or integer-string) labels 0..4 on every node, as the
Stanford Sentiment Treebank gives them; this module never reads treebank files itself.
"""

from __future__ import annotations

import csv
import importlib.resources
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import numpy.typing as npt

from sentiment_rnn.errors import DataError
from sentiment_rnn.evaluation.metrics import accuracy, classification_report_dict, pair_consistency
from sentiment_rnn.text.tokenizer import NEGATORS, tokenize, unescape_ptb

__all__ = [
    "NEGATION_AUXILIARIES",
    "MAX_NEGATOR_TOKENS",
    "CONTRAST_SET",
    "NegationPhrase",
    "LabelledSentence",
    "ContrastItem",
    "binary_label",
    "tree_tokens",
    "is_negator_phrase",
    "negation_phrases",
    "negated_sentences",
    "load_contrast_set",
    "pair_accuracy",
    "negation_benchmark",
]

# Auxiliaries and modals that may stand beside a negator in a negator phrase ("does n't",
# "ca n't", "'s not", "may never"); "ca", "wo", "ai", "sha" are the treebank's halves of
# "can't", "won't", "ain't", "shan't".
NEGATION_AUXILIARIES = frozenset(
    "do does did is are was were am be been being 's 're 'm 've 'd "
    "can ca could will wo would shall sha should may might must need have has had ai".split()
)
MAX_NEGATOR_TOKENS = 3

CONTRAST_SET = "contrast_set.tsv"
_CONTRAST_LABELS = {"negative": 0, "positive": 1}
_CONTRAST_COLUMNS = ("pair_id", "label", "text")

PredictFn = Callable[[list[list[str]]], npt.ArrayLike]


# ---------------------------------------------------------------------------------------------
# Treebank slices


def binary_label(fine: int | str) -> int | None:
    """SST-2 label of a 5-class treebank label: 0, 1 -> 0 (negative); 3, 4 -> 1; 2 -> None.

    >>> [binary_label(label) for label in (0, 1, 2, 3, "4")]
    [0, 0, None, 1, 1]
    """
    fine = int(fine)
    if not 0 <= fine <= 4:
        raise ValueError(f"treebank labels are 0..4, got {fine}")
    return None if fine == 2 else int(fine > 2)


def tree_tokens(tree) -> list[str]:
    """The leaves of ``tree`` as model tokens: treebank escapes undone, lowercase.

    >>> from nltk import Tree
    >>> tree_tokens(Tree.fromstring("(3 (2 It) (3 (2 -LRB-) (3 rocks)))"))
    ['it', '(', 'rocks']
    """
    return [unescape_ptb(leaf).lower() for leaf in tree.leaves()]


def is_negator_phrase(tokens: Sequence[str]) -> bool:
    """True when ``tokens`` (lowercase) is a short negator phrase: 1 to ``MAX_NEGATOR_TOKENS``
    tokens, at least one in ``text.NEGATORS``, the others negators or ``NEGATION_AUXILIARIES``.

    >>> [is_negator_phrase(p.split()) for p in ["not", "does n't", "may never", "without"]]
    [True, True, True, True]
    >>> [is_negator_phrase(p.split()) for p in ["does", "really not", "not good", "is n't it"]]
    [False, False, False, False]
    """
    return (
        0 < len(tokens) <= MAX_NEGATOR_TOKENS
        and any(t in NEGATORS for t in tokens)
        and all(t in NEGATORS or t in NEGATION_AUXILIARIES for t in tokens)
    )


@dataclass(frozen=True)
class NegationPhrase:
    """A treebank node "negator + phrase".

    tokens: the node's tokens; label: the node's SST-2 label; negator: the left child's tokens;
    child_label: the SST-2 label of the negated (right) child; sentence: index of its tree.
    """

    tokens: tuple[str, ...]
    label: int
    negator: tuple[str, ...]
    child_label: int
    sentence: int

    @property
    def flipped(self) -> bool:
        """The negation reversed the polarity of the phrase it applies to."""
        return self.label != self.child_label


@dataclass(frozen=True)
class LabelledSentence:
    """A treebank sentence: its tokens, SST-2 label and index among the given trees."""

    tokens: tuple[str, ...]
    label: int
    sentence: int


def negation_phrases(trees: Iterable) -> list[NegationPhrase]:
    """Nodes where a negator applies to a phrase with a polarity, in tree order.

    A node is picked when
    1. it has exactly two children and its own label is not neutral;
    2. its **left** child is a negator phrase (:func:`is_negator_phrase`: "not", "n't", "never",
       "no", "nothing", "without", "does n't", "'s not", ...): negation precedes what it scopes
       over; a negator as right child ("uplifting but / not") does not negate its sibling;
    3. its right child is not itself a negator phrase and its label is not neutral.

    >>> from nltk import Tree
    >>> trees = [Tree.fromstring(s) for s in [
    ...     "(1 (2 not) (3 good))",                           # picked, flipped
    ...     "(3 (2 (2 is) (2 n't)) (1 (2 too) (1 bad)))",     # picked: "is n't" + "too bad", flipped
    ...     "(1 (2 Nothing) (1 (2 but) (1 cliches)))",        # picked, not flipped
    ...     "(2 (2 not) (3 great))",                          # neutral node
    ...     "(1 (2 no) (2 plot))",                            # neutral child
    ...     "(1 (3 fun) (2 not))",                            # negator on the right
    ...     "(1 (2 (2 really) (2 not)) (3 good))",            # "really not" is not a negator phrase
    ... ]]
    >>> [(" ".join(p.tokens), p.label, p.child_label, p.flipped) for p in negation_phrases(trees)]
    [('not good', 0, 1, True), ("is n't too bad", 1, 0, True), ('nothing but cliches', 0, 0, False)]
    """
    phrases: list[NegationPhrase] = []
    for index, tree in enumerate(trees):
        for node in tree.subtrees():
            if len(node) != 2 or isinstance(node[0], str) or isinstance(node[1], str):
                continue
            label, child_label = binary_label(node.label()), binary_label(node[1].label())
            if label is None or child_label is None:
                continue
            negator, rest = tree_tokens(node[0]), tree_tokens(node[1])
            if is_negator_phrase(negator) and not is_negator_phrase(rest):
                phrase = NegationPhrase(tuple(negator + rest), label, tuple(negator), child_label, index)
                phrases.append(phrase)
    return phrases


def negated_sentences(trees: Iterable) -> list[LabelledSentence]:
    """Sentences with a non-neutral root that contain at least one token of ``text.NEGATORS``.

    >>> from nltk import Tree
    >>> trees = [Tree.fromstring(s) for s in [
    ...     "(1 (2 It) (1 (2 (2 is) (2 n't)) (3 good)))",
    ...     "(2 (2 Not) (2 yet))",                            # neutral root
    ...     "(3 (2 Knotty) (3 fun))",                         # no negator token
    ... ]]
    >>> [(" ".join(s.tokens), s.label, s.sentence) for s in negated_sentences(trees)]
    [("it is n't good", 0, 0)]
    """
    sentences: list[LabelledSentence] = []
    for index, tree in enumerate(trees):
        label = binary_label(tree.label())
        tokens = tree_tokens(tree)
        if label is not None and any(t in NEGATORS for t in tokens):
            sentences.append(LabelledSentence(tuple(tokens), label, index))
    return sentences


# ---------------------------------------------------------------------------------------------
# Contrast set


@dataclass(frozen=True)
class ContrastItem:
    """One sentence of the contrast set.

    pair_id: the two members of a pair share it; section: "minimal" (affirmative / negated
    minimal pairs) or "hard"; kind: "affirmative" / "negated" in the minimal section, the
    construction ("not_only", "but_scope", ...) in the hard one; negator: the negator(s) involved;
    label: 0 negative, 1 positive; text: the raw sentence; tokens: ``text.tokenize(text)``.
    """

    pair_id: str
    section: str
    kind: str
    negator: str
    label: int
    text: str
    tokens: tuple[str, ...]


def _default_contrast_path():
    """The packaged contrast set (``sentiment_rnn.resources/negation``), or the checkout's
    ``data/negation`` when the package data is not installed."""
    try:
        resource = importlib.resources.files("sentiment_rnn.resources") / "negation" / CONTRAST_SET
        if resource.is_file():
            return resource
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parents[2] / "data" / "negation" / CONTRAST_SET


def load_contrast_set(path: str | Path | None = None) -> list[ContrastItem]:
    """Read a contrast set: a UTF-8 TSV with a header naming at least ``pair_id``, ``label``
    (``positive`` / ``negative``) and ``text``; ``section``, ``kind`` and ``negator`` are optional.
    Defaults to the project's own set. Raises ``DataError`` naming the file and line on a
    malformed file.

    >>> items = load_contrast_set()
    >>> for item in items[2:4]:
    ...     print(item.pair_id, item.kind, item.label, item.tokens)
    m02 affirmative 1 ('the', 'acting', 'is', 'convincing', '.')
    m02 negated 0 ('the', 'acting', 'is', "n't", 'convincing', '.')
    """
    source = _default_contrast_path() if path is None else Path(path)
    name = str(source)
    try:
        with source.open("r", encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"cannot read the contrast set ({error})", name) from error
    if not rows:
        raise DataError("the contrast set is empty", name)
    header = [column.strip() for column in rows[0]]
    missing = [column for column in _CONTRAST_COLUMNS if column not in header]
    if missing:
        raise DataError(f"the header lacks the column(s) {', '.join(missing)}", name, 1)

    items: list[ContrastItem] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise DataError(f"expected {len(header)} tab-separated fields, found {len(row)}", name, line)
        record = dict(zip(header, (cell.strip() for cell in row), strict=True))
        if record["label"] not in _CONTRAST_LABELS:
            raise DataError(f"label must be positive or negative, not {record['label']!r}", name, line)
        if not record["pair_id"] or not record["text"]:
            raise DataError("pair_id and text must not be empty", name, line)
        items.append(
            ContrastItem(
                pair_id=record["pair_id"],
                section=record.get("section", ""),
                kind=record.get("kind", ""),
                negator=record.get("negator", ""),
                label=_CONTRAST_LABELS[record["label"]],
                text=record["text"],
                tokens=tuple(tokenize(record["text"])),
            )
        )
    return items


def pair_accuracy(pred: npt.ArrayLike, items: Sequence[ContrastItem]) -> float:
    """Fraction of pairs (items sharing a ``pair_id``) whose members are all predicted right.

    pred: (N,) labels aligned with the N items.

    >>> items = [ContrastItem(p, "minimal", "", "", y, "", ()) for p, y in
    ...          [("a", 1), ("a", 0), ("b", 0), ("b", 1), ("c", 1), ("c", 0)]]
    >>> pair_accuracy([1, 0, 0, 0, 1, 0], items)   # a right, b half right, c right
    0.6666666666666666
    """
    pred = np.asarray(pred, dtype=np.int64)  # (N,)
    if pred.shape != (len(items),):
        raise ValueError(f"{len(items)} items but predictions of shape {pred.shape}")
    return pair_consistency([item.label for item in items], pred, [item.pair_id for item in items])


# ---------------------------------------------------------------------------------------------
# The benchmark


def _contrast_scores(pred: np.ndarray, items: Sequence[ContrastItem]) -> dict[str, Any]:
    labels = [item.label for item in items]
    return {
        "n": len(items),
        "accuracy": accuracy(labels, pred),
        "pairs": len({item.pair_id for item in items}),
        "pair_accuracy": pair_accuracy(pred, items),
    }


def negation_benchmark(
    predict_fn: PredictFn,
    trees_test: Sequence,
    contrast_items: Sequence[ContrastItem],
    test_corpus,
) -> dict[str, dict[str, Any]]:
    """Score ``predict_fn`` on the SST-2 test set and every negation slice.

    predict_fn: list of N token lists -> N labels in {0, 1}; it is called once, on all the texts.
    trees_test: the test trees (5-class node labels); contrast_items: from ``load_contrast_set``;
    test_corpus: the SST-2 test sentences, any object with ``tokens`` (list of token lists) and
    ``labels`` (N,) such as ``data.load_corpus("sst", "test")``.

    Returns ``{slice: {"n", "accuracy", ...}}`` with the slices ``sst2_test`` (plus ``macro_f1``
    and ``confusion``), ``negation_phrases``, ``negation_phrases_flipped``, ``negated_sentences``,
    ``contrast``, ``contrast_minimal``, ``contrast_minimal_negated_positive`` (pairs like
    "boring" / "never boring"), ``contrast_minimal_negated_negative`` ("good" / "not good") and
    ``contrast_hard`` (the contrast slices also with ``pairs`` and ``pair_accuracy``).
    """
    phrases = negation_phrases(trees_test)
    sentences = negated_sentences(trees_test)
    groups: dict[str, list[list[str]]] = {
        "sst2_test": [list(t) for t in test_corpus.tokens],
        "negation_phrases": [list(p.tokens) for p in phrases],
        "negated_sentences": [list(s.tokens) for s in sentences],
        "contrast": [list(item.tokens) for item in contrast_items],
    }
    docs = [doc for group in groups.values() for doc in group]
    pred_all = np.asarray(predict_fn(docs), dtype=np.int64).reshape(-1)  # (N,)
    if pred_all.shape[0] != len(docs):
        raise ValueError(f"predict_fn returned {pred_all.shape[0]} labels for {len(docs)} texts")
    pred: dict[str, np.ndarray] = {}
    start = 0
    for name, group in groups.items():
        pred[name] = pred_all[start : start + len(group)]
        start += len(group)

    results: dict[str, dict[str, Any]] = {}
    results["sst2_test"] = classification_report_dict(np.asarray(test_corpus.labels), pred["sst2_test"])

    phrase_labels = np.array([p.label for p in phrases], dtype=np.int64)  # (P,)
    flipped = np.array([p.flipped for p in phrases], dtype=bool)  # (P,)
    results["negation_phrases"] = {
        "n": len(phrases),
        "accuracy": accuracy(phrase_labels, pred["negation_phrases"]),
    }
    results["negation_phrases_flipped"] = {
        "n": int(flipped.sum()),
        "accuracy": accuracy(phrase_labels[flipped], pred["negation_phrases"][flipped]),
    }
    results["negated_sentences"] = {
        "n": len(sentences),
        "accuracy": accuracy([s.label for s in sentences], pred["negated_sentences"]),
    }

    # Minimal pairs split by the direction of the negation: "never boring" (the negated member is
    # positive) against "not good" (it is negative), where "a negator means negative" is right.
    negated_label = {item.pair_id: item.label for item in contrast_items if item.kind == "negated"}
    subsets = {
        "contrast": lambda item: True,
        "contrast_minimal": lambda item: item.section == "minimal",
        "contrast_minimal_negated_positive": lambda item: (
            item.section == "minimal" and negated_label.get(item.pair_id) == 1
        ),
        "contrast_minimal_negated_negative": lambda item: (
            item.section == "minimal" and negated_label.get(item.pair_id) == 0
        ),
        "contrast_hard": lambda item: item.section == "hard",
    }
    for name, belongs in subsets.items():
        keep = np.array([belongs(item) for item in contrast_items], dtype=bool)  # (K,)
        chosen = [item for item, k in zip(contrast_items, keep, strict=True) if k]
        results[name] = _contrast_scores(pred["contrast"][keep], chosen)
    return results
