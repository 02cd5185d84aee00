"""The sentence network's behaviour training: soft targets from the treebank's five labels, the
augmentation from the training part of check's lists (never a held-out word or sentence), the two
NLTK sentence sources, and `sentiment-rnn tune-sentence` end to end on tiny corpora."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fixtures_data import SST_NODE_LABELS, write_sst
from sentiment_rnn.behaviour.augment import EXPECTED_TARGET, behaviour_examples, consensus_targets, holds_held_out_item
from sentiment_rnn.behaviour.lexicon import is_heldout, list_names, words
from sentiment_rnn.recipes.sentence_training import (NEGATED_TARGET, SOFT_TARGETS, has_negator, negated_phrases,
                                             neutralise_word_vectors, phrase_targets, sentiment_leaves, soft_targets)

PROS = ["Easy to use, no flaws", "Not very expensive", "Great zoom"]
CONS = ["No viewfinder", "Heavy and slow"]
LEXICON_POSITIVE = ["cool", "great", "good", "fun"]
LEXICON_NEGATIVE = ["awful", "bad", "dull"]
PLOT = ["the movie begins in the past where a young boy named sam meets a hunter .",
        "a family moves to a new town ."]


def write_nltk_sentences(nltk_data: Path) -> None:
    folder = nltk_data / "corpora" / "pros_cons"
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in (("Pros", PROS), ("Cons", CONS)):
        (folder / f"Integrated{name}.txt").write_text("".join(f"<{name}>{line}</{name}>\n" for line in lines),
                                                       encoding="ISO-8859-2")
    folder = nltk_data / "corpora" / "subjectivity"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plot.tok.gt9.5000").write_text("".join(f"{line} \n" for line in PLOT), encoding="latin-1")
    (folder / "quote.tok.gt9.5000").write_text("an opinion , surely .\n", encoding="latin-1")
    folder = nltk_data / "corpora" / "opinion_lexicon"
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in (("positive", LEXICON_POSITIVE), ("negative", LEXICON_NEGATIVE)):
        (folder / f"{name}-words.txt").write_text(";;; fixture\n\n" + "".join(f"{w}\n" for w in lines),
                                                 encoding="ISO-8859-2")


@pytest.fixture()
def tiny_data(tmp_path):
    write_sst(tmp_path)
    write_nltk_sentences(tmp_path / "nltk_data")
    return tmp_path


def test_soft_targets_follow_the_table_and_sum_to_one():
    targets = soft_targets(np.arange(5))
    assert np.allclose(targets[:, 1], SOFT_TARGETS)
    assert np.allclose(targets.sum(axis=1), 1.0)
    assert list(SOFT_TARGETS) == sorted(SOFT_TARGETS) and SOFT_TARGETS[2] == 0.5


def test_phrase_targets_put_neutral_phrases_at_one_half_whatever_the_network_says():
    own = np.array([[0.99, 0.01], [0.01, 0.99], [0.6, 0.4], [0.6, 0.4]])
    targets = phrase_targets([2, 2, 1, 3], own, own_weight=0.5)
    assert np.allclose(targets[:2], 0.5)
    assert np.allclose(targets[2, 1], 0.5 * 0.4 + 0.5 * SOFT_TARGETS[1])
    assert np.allclose(targets[3, 1], 0.5 * 0.4 + 0.5 * SOFT_TARGETS[3])
    assert np.allclose(phrase_targets([0, 4], own[:2], own_weight=0.0)[:, 1], [SOFT_TARGETS[0], SOFT_TARGETS[4]])


def test_augmentation_never_uses_a_held_out_word_and_is_seeded():
    examples = behaviour_examples(seed=3, per_template=5, groups_per_template=2)
    values = {value for example in examples for value in example.values}
    assert values and not any(is_heldout(value) for value in values)
    again = behaviour_examples(seed=3, per_template=5, groups_per_template=2)
    assert [(e.text, e.group, e.values) for e in examples] == [(e.text, e.group, e.values) for e in again]
    assert np.array_equal([e.target for e in examples], [e.target for e in again], equal_nan=True)
    assert [e.text for e in examples] != [e.text for e in behaviour_examples(seed=4, per_template=5,
                                                                              groups_per_template=2)]
    held_out = {word.lower() for name in list_names() for item in words(name, "heldout") for word in [item]
                if " " not in item}
    assert not any(set(value.lower().split()) & held_out for value in values)  # "South Asian" holds "Asian"
    assert holds_held_out_item(f"South {sorted(held_out)[0]}") and not holds_held_out_item("not")


def test_augmentation_shares_no_sentence_with_the_held_out_suite_or_the_contrast_set():
    from sentiment_rnn.behaviour.suite import build_suite
    from sentiment_rnn.evaluation.negation import load_contrast_set

    held_out = {text for test in build_suite(parts=("heldout",)) for case in test.cases for text in case.texts}
    contrast = {item.text for item in load_contrast_set()}
    texts = {example.text for example in behaviour_examples(seed=0, per_template=20, groups_per_template=4)}
    assert not texts & held_out
    assert not texts & contrast


def test_expected_verdicts_map_inside_their_bands_and_swap_groups_are_left_open():
    examples = behaviour_examples(seed=0, per_template=3, groups_per_template=1)
    for example in examples:
        if example.group < 0:
            assert 0.0 < example.target < 1.0
        else:
            assert np.isnan(example.target)
    assert EXPECTED_TARGET["not_negative"] >= 1 / 3 and EXPECTED_TARGET["not_positive"] <= 2 / 3
    assert 1 / 3 <= EXPECTED_TARGET["neutral"] <= 2 / 3
    assert {e.family for e in examples if e.group >= 0} >= {"names", "identity_religion", "urls"}
    one_group = [e for e in examples if e.group == examples[-1].group]
    assert len({e.text for e in one_group}) == len(one_group) > 1  # one sentence, its slot swapped


def test_consensus_targets_average_the_network_over_each_group_only():
    targets = consensus_targets([np.nan, np.nan, 0.2, np.nan], [5, 5, -1, 7], [0.1, 0.5, 0.9, 0.8])
    assert np.allclose(targets, [0.3, 0.3, 0.2, 0.8])


def test_negators_are_found_as_words():
    assert has_negator(["it", "is", "n't", "bad"]) and has_negator(["no", "flaws"])
    assert not has_negator(["nothingness", "note", "good"])


def test_negated_phrases_put_the_negator_after_the_copula_and_flip_the_target():
    phrases = [["the", "film", "is", "very", "dull"], ["it", "'s", "a", "great", "ride"], ["sam", "'s", "dull", "son"],
               ["it", "is", "not", "dull"], ["it", "is", "dull"], ["the", "plot", "was", "fun"]]
    labels = [1, 4, 1, 1, 3, 3]  # the fifth disagrees with its word; the third is a possessive; the fourth is negated
    out, targets = negated_phrases(phrases, labels, {"dull": 0, "great": 1, "fun": 1}, ["never"],
                                   np.random.default_rng(0))
    assert out == [["the", "film", "is", "never", "very", "dull"], ["it", "'s", "never", "a", "great", "ride"],
                   ["the", "plot", "was", "never", "fun"]]
    assert targets.tolist() == [NEGATED_TARGET[0], NEGATED_TARGET[1], NEGATED_TARGET[1]]
    assert NEGATED_TARGET[0] >= 1 / 3 and NEGATED_TARGET[1] < 1 / 3


def test_sentiment_leaves_read_the_one_word_phrases_only():
    positive, negative = sentiment_leaves([["fun"], ["dull", "fun"], ["dull"], ["odd"], ["odd"]], [4, 0, 1, 1, 3])
    assert positive == {"fun"} and negative == {"dull"}


def test_neutralising_shrinks_only_the_words_without_an_opinion_along_the_direction(toy):
    import copy

    model = copy.deepcopy(toy[0])
    tokens = model.vocab_.to_list()
    E = model.model_.params["embedding.weight"]
    before = E.copy()
    positive, negative = frozenset({"good", "great", "wonderful"}), frozenset({"bad", "awful", "boring"})
    changed = neutralise_word_vectors(model, positive, negative, 0.75)
    is_polar = np.array([t in positive or t in negative for t in tokens])
    direction = before[[t in positive for t in tokens]].mean(0) - before[[t in negative for t in tokens]].mean(0)
    direction /= np.linalg.norm(direction)
    moved = np.any(E != before, axis=1)
    assert changed == moved.sum() > 0 and not moved[is_polar].any() and not moved[:2].any()
    assert not moved[tokens.index("not")] if "not" in tokens else True
    along_before, along_after = (before[moved] - before.mean(0)) @ direction, (E[moved] - before.mean(0)) @ direction
    assert np.allclose(along_after, 0.25 * along_before, atol=1e-5)
    rest = lambda X: X - np.outer(X @ direction, direction)  # noqa: E731
    assert np.allclose(rest(E[moved]), rest(before[moved]), atol=1e-5)


def test_the_nltk_sentence_sources_read_their_files(tiny_data):
    from sentiment_rnn.corpora.nltk_corpora import objective_sentences, opinion_words, pros_cons_sentences

    assert opinion_words(tiny_data, download=False) == (frozenset(LEXICON_POSITIVE), frozenset(LEXICON_NEGATIVE))

    tokens, labels = pros_cons_sentences(tiny_data, download=False)
    assert labels.tolist() == [0] * len(CONS) + [1] * len(PROS)
    assert tokens[len(CONS) + 1] == ["not", "very", "expensive"]
    assert objective_sentences(tiny_data, download=False) == [line.split() for line in PLOT]


def test_training_data_counts_and_targets(tiny_data, toy):
    from sentiment_rnn.recipes.sentence_training import behaviour_training_data

    model, _ = toy
    texts, targets, counts = behaviour_training_data(model, tiny_data, neutral_phrases=None, pros_cons=10,
                                                     objective=1, per_template=2, groups_per_template=1, seed=0)
    assert len(texts) == len(targets) == sum(counts[k] for k in ("phrases", "pros_cons", "objective",
                                                                "behaviour_examples", "negated_phrases"))
    # "paul bettany is cool ." and "is cool ." (label 3); "is cool" is labelled neutral in the fixture
    assert counts["negated_phrases"] == 2 and counts["negated_negative_phrases"] == 0
    assert texts[-2][:3] == ["paul", "bettany", "is"] and texts[-2][-2:] == ["cool", "."] and len(texts[-2]) > 5
    assert np.allclose(targets[-2:, 1], NEGATED_TARGET[1])
    assert counts["phrases"] == len(SST_NODE_LABELS)
    assert np.allclose(targets.sum(axis=1), 1.0)
    neutral = np.array(SST_NODE_LABELS) == 2
    assert np.allclose(targets[: counts["phrases"]][neutral, 1], 0.5)
    pros_cons = targets[counts["phrases"]: counts["phrases"] + counts["pros_cons"], 1]
    assert sorted(set(pros_cons.round(2))) == [0.1, 0.9]
    assert counts["cons_with_negator"] == 1 and counts["pros_with_negator"] == 2


def test_tune_sentence_writes_a_model_that_loads(tiny_data, toy, tmp_path):
    from click.testing import CliRunner

    from sentiment_rnn import load_model
    from sentiment_rnn.cli import main

    _, toy_path = toy
    output = tmp_path / "tuned.npz"
    result = CliRunner().invoke(main, ["tune-sentence", "--sentence-model", str(toy_path), "--per-template", "1",
                                       "--neutral-phrases", "2", "--pros-cons", "1", "--objective", "1",
                                       "-o", str(output), "--data-dir", str(tiny_data)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["output"] == str(output) and 0.0 <= summary["sst2_test"] <= 1.0
    assert load_model(output).predict_proba(["a good film"]).shape == (1, 2)
    bad = CliRunner().invoke(main, ["tune-sentence", "--sentence-model", str(tmp_path / "missing.npz"), "-o",
                                    str(tmp_path / "x.npz"), "--data-dir", str(tiny_data)])
    assert bad.exit_code != 0 and "Traceback" not in bad.output
