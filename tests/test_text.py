"""Tokenization, normalization and negation marking (sentiment_rnn.text.tokenizer)."""

from __future__ import annotations

import doctest

import pytest

import sentiment_rnn.text.tokenizer
from sentiment_rnn.text.tokenizer import NEGATORS, mark_negation, normalize, split_sentences, tokenize, unescape_ptb


def test_module_doctests_pass():
    result = doctest.testmod(sentiment_rnn.text.tokenizer)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("I didn't like it.", ["i", "did", "n't", "like", "it", "."]),
        ("Can't stop, won't stop", ["ca", "n't", "stop", ",", "wo", "n't", "stop"]),
        ("It's fine", ["it", "'s", "fine"]),
    ],
)
def test_tokenize_splits_contractions_the_treebank_way(text, tokens):
    assert tokenize(text) == tokens


def test_final_period_is_detached_in_every_sentence():
    assert tokenize("good.") == ["good", "."]
    # Each sentence is tokenized on its own, so the inner period is split off too.
    assert tokenize("It was bad. Really bad!") == ["it", "was", "bad", ".", "really", "bad", "!"]


def test_brackets_are_separate_tokens():
    assert tokenize("The end (really) [sic] {x}.") == [
        "the", "end", "(", "really", ")", "[", "sic", "]", "{", "x", "}", ".",
    ]


def test_double_quotes_become_treebank_quotes():
    assert tokenize('He said "great" film') == ["he", "said", "``", "great", "''", "film"]


def test_tokenize_lowercases_unless_told_not_to():
    assert tokenize("NOT Bad") == ["not", "bad"]
    assert tokenize("NOT Bad", lowercase=False) == ["NOT", "Bad"]


def test_tokenize_of_blank_text_is_empty():
    assert tokenize("") == []
    assert tokenize(" <br /> \n ") == []


def test_abbreviations_do_not_end_sentences():
    assert split_sentences("Mr. Smith is great. The plot isn't!") == ["Mr. Smith is great.", "The plot isn't!"]


@pytest.mark.parametrize(
    "escaped, plain",
    [("-LRB-", "("), ("-RRB-", ")"), ("-LSB-", "["), ("-RSB-", "]"), ("-LCB-", "{"), ("-RCB-", "}"),
     ("1\\/2", "1/2"), ("\\*", "*"), ("and\\/or", "and/or"), ("film", "film"), ("``", "``")],
)
def test_unescape_ptb(escaped, plain):
    assert unescape_ptb(escaped) == plain


def test_normalize_replaces_html_breaks_and_collapses_space():
    assert normalize("Great<br /><br />film<BR>really<br/>good  ") == "Great film really good"


def test_normalize_maps_windows_1252_c1_characters():
    # IMDB carries U+0096 (en dash), U+0097 (em dash), U+0085 (ellipsis), U+0091-U+0094 (quotes).
    assert normalize("a\x96b") == "a-b"
    assert normalize("wait\x85") == "wait..."
    assert normalize("\x93quoted\x94 \x91it\x92") == "\"quoted\" 'it'"
    assert normalize("x\x97y") == "x--y"


def test_normalize_drops_other_control_characters_and_applies_nfkc():
    assert normalize("a\x00b\x9fc") == "a b c"
    assert normalize("\ufb01ne x\u00a0y") == "fine x y"  # ligature fi, no-break space
    assert normalize("caf\u0065\u0301") == "caf\u00e9"  # combining accent composed


def test_mark_negation_scope_ends_at_clause_punctuation():
    tokens = ["not", "good", ",", "but", "never", "boring", "!", "no", "way"]
    assert mark_negation(tokens) == ["not", "good_NEG", ",", "but", "never", "boring_NEG", "!", "no", "way_NEG"]


def test_mark_negation_counts_split_nt_and_spans_to_the_dash():
    tokens = tokenize("I don't think it is bad -- it is great")
    assert mark_negation(tokens) == [
        "i", "do", "n't", "think_NEG", "it_NEG", "is_NEG", "bad_NEG", "--", "it", "is", "great",
    ]


def test_mark_negation_is_case_insensitive_and_leaves_input_alone():
    tokens = ["Not", "good", "."]
    assert mark_negation(tokens) == ["Not", "good_NEG", "."]
    assert tokens == ["Not", "good", "."]


def test_mark_negation_without_negator_changes_nothing():
    tokens = tokenize("A fun, lovely film.")
    assert mark_negation(tokens) == tokens


def test_negators_include_the_split_contraction():
    assert {"not", "n't", "never", "no"} <= NEGATORS
