"""Metrics, the treebank negation slices, the contrast set and the benchmark table."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from nltk import Tree

from sentiment_rnn.errors import DataError
from sentiment_rnn.evaluation.comparison import format_table
from sentiment_rnn.evaluation.metrics import classification_report_dict
from sentiment_rnn.evaluation.negation import (
    ContrastItem,
    binary_label,
    is_negator_phrase,
    load_contrast_set,
    negated_sentences,
    negation_benchmark,
    negation_phrases,
    pair_accuracy,
)
from sentiment_rnn.text.tokenizer import NEGATORS

CONTRAST_FILE = Path(__file__).resolve().parent.parent / "data" / "negation" / "contrast_set.tsv"

# Hand-made treebank sentences (5-class labels on every node, binarized like the treebank).
TREES = [
    # 0: "not" + positive child -> negative node (flipped); the root too.
    "(1 (2 It) (1 (2 (2 is) (2 not)) (3 (2 very) (3 good))))",
    # 1: "never" + negative child -> positive node (flipped); "does n't" + positive -> negative.
    "(3 (3 (2 never) (1 boring)) (1 (2 (2 does) (2 n't)) (3 (2 feel) (3 fresh))))",
    # 2: "no" + negative child, node stays negative (not flipped); neutral root (a phrase still counts).
    "(2 (2 But) (1 (2 no) (1 (2 cheap) (1 thrills))))",
    # 3: a negator on the right does not negate its sibling; neutral node; neutral child.
    "(1 (1 (3 uplifting) (2 not)) (2 (2 not) (3 great)))",
    # 4: neutral child under a negator; "really not" is not a negator phrase; no negator elsewhere.
    "(3 (1 (2 nothing) (2 here)) (3 (2 (2 really) (2 not)) (3 fun)))",
    # 5: no negator at all.
    "(4 (2 A) (4 (4 wonderful) (2 film)))",
    # 6: "without" + negative child -> positive node; escaped leaf and capitals.
    "(4 (2 Without) (0 (2 -LRB-) (0 (0 awful) (2 -RRB-))))",
]


@pytest.fixture(scope="module")
def trees():
    return [Tree.fromstring(s) for s in TREES]


# --- metrics -----------------------------------------------------------------------------------


def test_classification_report_dict():
    report = classification_report_dict([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 0])
    assert report["n"] == 6
    assert report["accuracy"] == pytest.approx(4 / 6)
    assert report["confusion"] == [[2, 1], [1, 2]]
    assert report["macro_f1"] == pytest.approx(2 / 3)  # both classes: P = R = 2/3


def test_classification_report_dict_one_class_predicted():
    report = classification_report_dict(np.array([0, 1, 1, 1]), np.array([1, 1, 1, 1]))
    assert report["confusion"] == [[0, 1], [0, 3]]
    assert report["macro_f1"] == pytest.approx((0 + 6 / 7) / 2)


def test_classification_report_dict_more_classes():
    report = classification_report_dict([0, 2, 4], [0, 2, 3])
    assert len(report["confusion"]) == 5 and report["accuracy"] == pytest.approx(2 / 3)
    assert report["macro_f1"] == pytest.approx(2 / 4)  # classes 0, 2 right; 3, 4 wrong; 1 absent
    assert classification_report_dict([1, 1], [1, 1], classes=2)["confusion"] == [[0, 0], [0, 2]]


def test_classification_report_dict_shape_mismatch():
    with pytest.raises(ValueError):
        classification_report_dict([0, 1], [0])


def test_binary_label():
    assert [binary_label(v) for v in range(5)] == [0, 0, None, 1, 1]
    with pytest.raises(ValueError):
        binary_label(5)


def test_is_negator_phrase():
    for phrase in ["not", "n't", "never", "no", "nothing", "without", "does n't", "ca n't", "'s not", "may never"]:
        assert is_negator_phrase(phrase.split()), phrase
    for phrase in ["", "does", "not good", "really not", "is n't it", "did n't do it"]:
        assert not is_negator_phrase(phrase.split()), phrase


# --- treebank slices ---------------------------------------------------------------------------


def test_negation_phrases_picks_the_right_nodes(trees):
    picked = [(" ".join(p.tokens), p.negator, p.label, p.child_label, p.flipped, p.sentence) for p in negation_phrases(trees)]
    assert picked == [
        ("is not very good", ("is", "not"), 0, 1, True, 0),
        ("never boring", ("never",), 1, 0, True, 1),
        ("does n't feel fresh", ("does", "n't"), 0, 1, True, 1),
        ("no cheap thrills", ("no",), 0, 0, False, 2),
        ("without ( awful )", ("without",), 1, 0, True, 6),
    ]


def test_negation_phrases_counts(trees):
    phrases = negation_phrases(trees)
    assert len(phrases) == 5
    assert sum(p.flipped for p in phrases) == 4
    assert negation_phrases(trees[3:6]) == []


def test_negation_phrases_accepts_string_labels():
    tree = Tree.fromstring("(1 (2 not) (3 good))")  # labels read as strings
    assert isinstance(tree.label(), str)
    (phrase,) = negation_phrases([tree])
    assert (phrase.label, phrase.child_label, phrase.flipped) == (0, 1, True)


def test_negated_sentences(trees):
    sentences = negated_sentences(trees)
    # Tree 2 has a neutral root, tree 5 has no negator; tree 3 has only a right-hand "not" but
    # contains a negator token all the same.
    assert [s.sentence for s in sentences] == [0, 1, 3, 4, 6]
    assert [s.label for s in sentences] == [0, 1, 0, 1, 1]
    assert sentences[-1].tokens == ("without", "(", "awful", ")")
    assert all(any(t in NEGATORS for t in s.tokens) for s in sentences)


# --- contrast set ------------------------------------------------------------------------------


def read_rows():
    with CONTRAST_FILE.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_contrast_file_is_well_formed():
    rows = read_rows()
    assert list(rows[0]) == ["pair_id", "section", "kind", "negator", "label", "text"]
    pairs = defaultdict(list)
    for row in rows:
        assert None not in row and all(value and value == value.strip() for value in row.values()), row
        assert row["label"] in {"positive", "negative"}
        assert row["section"] in {"minimal", "hard"}
        pairs[row["pair_id"]].append(row)
    for pair_id, members in pairs.items():
        assert len(members) == 2, pair_id
        assert {m["label"] for m in members} == {"positive", "negative"}, pair_id
        assert len({m["section"] for m in members}) == 1, pair_id
    texts = [row["text"] for row in rows]
    assert len(set(texts)) == len(texts)


def test_contrast_minimal_pairs():
    rows = [row for row in read_rows() if row["section"] == "minimal"]
    pairs = defaultdict(dict)
    for row in rows:
        pairs[row["pair_id"]][row["kind"]] = row
    assert len(pairs) >= 60
    directions = defaultdict(int)
    for pair_id, members in pairs.items():
        assert set(members) == {"affirmative", "negated"}, pair_id
        directions[members["negated"]["label"]] += 1
    # Both directions ("not good" and "never boring"), in equal numbers.
    assert directions["negative"] == directions["positive"]
    negators = {row["negator"] for row in rows}
    assert {"not", "n't", "never", "no", "nothing", "hardly", "without"} <= negators


def test_load_contrast_set_matches_the_file():
    items = load_contrast_set()
    rows = read_rows()
    assert len(items) == len(rows)
    assert all(isinstance(item, ContrastItem) for item in items)
    assert [item.label for item in items] == [int(row["label"] == "positive") for row in rows]
    for item in items:
        if item.section == "minimal" and item.kind == "negated":
            assert any(t in NEGATORS for t in item.tokens), item.text
        if item.section == "minimal" and item.kind == "affirmative":
            assert not any(t in NEGATORS for t in item.tokens), item.text
        if item.section == "hard":  # a rule that only spots negators gets no hard pair right
            assert any(t in NEGATORS for t in item.tokens), item.text
    assert {item.section for item in items} == {"minimal", "hard"}
    assert load_contrast_set(CONTRAST_FILE) == items


def test_load_contrast_set_errors(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("pair_id\tlabel\ttext\na\tpositive\tgood\na\tgreat\tnot good\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad\.tsv:3: label must be positive or negative"):
        load_contrast_set(path)
    path.write_text("pair_id\ttext\na\tgood\n", encoding="utf-8")
    with pytest.raises(DataError, match="lacks the column"):
        load_contrast_set(path)
    with pytest.raises(DataError, match="cannot read"):
        load_contrast_set(tmp_path / "missing.tsv")


def test_load_contrast_set_minimal_columns(tmp_path):
    path = tmp_path / "mine.tsv"
    path.write_text("text\tlabel\tpair_id\nIt isn't good.\tnegative\t1\n\nIt's good.\tpositive\t1\n", encoding="utf-8")
    items = load_contrast_set(path)
    assert [(i.pair_id, i.label, i.tokens, i.section) for i in items] == [
        ("1", 0, ("it", "is", "n't", "good", "."), ""),
        ("1", 1, ("it", "'s", "good", "."), ""),
    ]


def test_pair_accuracy():
    items = [ContrastItem(pid, "minimal", "", "", label, "", ()) for pid, label in
             [("a", 1), ("a", 0), ("b", 0), ("b", 1), ("c", 1), ("c", 0), ("d", 0), ("d", 1)]]
    # a: both right; b: one wrong; c: both wrong; d: both right.
    assert pair_accuracy([1, 0, 0, 0, 0, 1, 0, 1], items) == pytest.approx(0.5)
    assert pair_accuracy([item.label for item in items], items) == 1.0
    assert pair_accuracy([1] * 8, items) == 0.0  # one constant answer never gets a pair right
    with pytest.raises(ValueError):
        pair_accuracy([1, 0], items)


# --- the benchmark -----------------------------------------------------------------------------


def lexicon_predict(docs):
    """A toy model: positive unless the text has a negative word or a negator."""
    negative = {"boring", "awful", "thrills"} | NEGATORS
    return [0 if any(t in negative for t in doc) else 1 for doc in docs]


def test_negation_benchmark(trees):
    items = [
        ContrastItem("p1", "minimal", "affirmative", "not", 1, "It is good.", ("it", "is", "good", ".")),
        ContrastItem("p1", "minimal", "negated", "not", 0, "It is not good.", ("it", "is", "not", "good", ".")),
        ContrastItem("p2", "minimal", "affirmative", "never", 0, "It is boring.", ("it", "is", "boring", ".")),
        ContrastItem("p2", "minimal", "negated", "never", 1, "Never boring.", ("never", "boring", ".")),
        ContrastItem("h1", "hard", "could_not_be", "n't", 1, "", ("could", "n't", "be", "better")),
        ContrastItem("h1", "hard", "could_not_be", "n't", 0, "", ("could", "n't", "be", "worse")),
    ]
    corpus = SimpleNamespace(
        tokens=[["a", "wonderful", "film"], ["so", "boring"], ["not", "fun"], ["fine"]],
        labels=np.array([1, 0, 1, 1]),
    )
    calls = []

    def predict_fn(docs):
        calls.append(len(docs))
        return lexicon_predict(docs)

    results = negation_benchmark(predict_fn, trees, items, corpus)
    assert calls == [4 + 5 + 5 + 6]  # one call for everything
    assert results["sst2_test"]["n"] == 4 and results["sst2_test"]["accuracy"] == 0.75
    assert results["sst2_test"]["confusion"] == [[1, 0], [1, 2]]
    # Phrases: the negator rule is right on "is not very good", "does n't feel fresh" and
    # "no cheap thrills" (negative), wrong on "never boring" and "without ( awful )" (positive).
    assert results["negation_phrases"] == {"n": 5, "accuracy": pytest.approx(3 / 5)}
    assert results["negation_phrases_flipped"] == {"n": 4, "accuracy": pytest.approx(2 / 4)}
    # Negated sentences: labels 0, 1, 0, 1, 1, all predicted 0.
    assert results["negated_sentences"] == {"n": 5, "accuracy": pytest.approx(2 / 5)}
    assert results["contrast"] == {"n": 6, "accuracy": pytest.approx(4 / 6), "pairs": 3, "pair_accuracy": pytest.approx(1 / 3)}
    assert results["contrast_minimal"]["pair_accuracy"] == 0.5
    assert results["contrast_minimal_negated_negative"] == {"n": 2, "accuracy": 1.0, "pairs": 1, "pair_accuracy": 1.0}
    assert results["contrast_minimal_negated_positive"] == {"n": 2, "accuracy": 0.5, "pairs": 1, "pair_accuracy": 0.0}
    assert results["contrast_hard"] == {"n": 2, "accuracy": 0.5, "pairs": 1, "pair_accuracy": 0.0}


def test_negation_benchmark_checks_the_number_of_predictions(trees):
    corpus = SimpleNamespace(tokens=[["good"]], labels=np.array([1]))
    with pytest.raises(ValueError, match="returned 1 labels"):
        negation_benchmark(lambda docs: [1], trees, [], corpus)


def test_format_table(trees):
    corpus = SimpleNamespace(tokens=[["good"], ["bad"]], labels=np.array([1, 0]))
    items = load_contrast_set()
    results = {
        "lexicon": negation_benchmark(lexicon_predict, trees, items, corpus),
        "always-positive": negation_benchmark(lambda docs: [1] * len(docs), trees, items, corpus),
    }
    plain = format_table(results).splitlines()
    assert plain[0].split()[:3] == ["model", "SST-2", "test"]
    assert plain[1].split()[:4] == ["n", "2", "5", "4"]
    assert plain[2].startswith("lexicon") and plain[3].startswith("always-positive")
    assert plain[3].split()[1:4] == ["0.500", "0.400", "0.500"]
    assert len({len(line) for line in plain[:2]}) == 1  # columns line up
    markdown = format_table(results, markdown=True).splitlines()
    assert markdown[0].startswith("| model | SST-2 test |") and markdown[1].startswith("| --- | ---: |")
    assert len(markdown) == 5 and all(line.count("|") == markdown[0].count("|") for line in markdown)
