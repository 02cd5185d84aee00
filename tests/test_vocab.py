"""Vocabulary building, encoding and the plain-list round trip (sentiment_rnn.text.vocab)."""

from __future__ import annotations

import doctest
import io

import numpy as np
import pytest

import sentiment_rnn.text.vocab
from sentiment_rnn.text.vocab import PAD, PAD_ID, UNK, UNK_ID, Vocab

DOCS = [["the", "film", "is", "good"], ["the", "film", "is", "bad"], ["the", "end"]]


def test_module_doctests_pass():
    result = doctest.testmod(sentiment_rnn.text.vocab)
    assert result.attempted > 0
    assert result.failed == 0


def test_specials_come_first():
    vocab = Vocab.build(DOCS)
    assert (PAD_ID, UNK_ID) == (0, 1)
    assert vocab.id_to_token(PAD_ID) == PAD == "<pad>"
    assert vocab.id_to_token(UNK_ID) == UNK == "<unk>"


def test_order_is_count_descending_then_alphabetical():
    vocab = Vocab.build(DOCS)
    # counts: the 3; film 2, is 2; bad 1, end 1, good 1
    assert vocab.to_list() == [PAD, UNK, "the", "film", "is", "bad", "end", "good"]


def test_build_does_not_depend_on_input_order():
    assert Vocab.build(DOCS) == Vocab.build(list(reversed([list(reversed(d)) for d in DOCS])))


def test_min_count_and_max_size():
    assert Vocab.build(DOCS, min_count=2).to_list() == [PAD, UNK, "the", "film", "is"]
    assert Vocab.build(DOCS, max_size=4).to_list() == [PAD, UNK, "the", "film"]
    assert len(Vocab.build(DOCS, max_size=2)) == 2


@pytest.mark.parametrize("kwargs", [{"min_count": 0}, {"max_size": 1}])
def test_build_rejects_bad_limits(kwargs):
    with pytest.raises(ValueError):
        Vocab.build(DOCS, **kwargs)


def test_specials_in_the_data_are_not_counted_twice():
    vocab = Vocab.build([["<unk>", "<pad>", "a"]])
    assert vocab.to_list() == [PAD, UNK, "a"]


def test_encode_maps_unknown_words_to_unk():
    vocab = Vocab.build(DOCS)
    ids = vocab.encode(["the", "movie", "is", "good"])
    assert ids.dtype == np.int64 and ids.shape == (4,)
    assert ids.tolist() == [vocab.token_to_id("the"), UNK_ID, vocab.token_to_id("is"), vocab.token_to_id("good")]
    assert vocab.token_to_id("movie") == UNK_ID


def test_encode_empty_gives_empty_int64_array():
    ids = Vocab.build(DOCS).encode([])
    assert ids.shape == (0,) and ids.dtype == np.int64


def test_decode_inverts_encode_for_known_tokens():
    vocab = Vocab.build(DOCS)
    tokens = ["the", "end", "is", "bad"]
    assert vocab.decode(vocab.encode(tokens)) == tokens
    assert vocab.decode(np.array([0, 1], dtype=np.int64)) == [PAD, UNK]


def test_decode_rejects_ids_outside_the_vocabulary():
    vocab = Vocab.build(DOCS)
    with pytest.raises(IndexError):
        vocab.decode([len(vocab)])
    with pytest.raises(IndexError):
        vocab.decode([-1])


def test_len_and_contains():
    vocab = Vocab.build(DOCS)
    assert len(vocab) == 8
    assert "film" in vocab and PAD in vocab
    assert "movie" not in vocab


def test_round_trip_through_a_numpy_string_array_in_an_npz():
    vocab = Vocab.build([*DOCS, ["café", "naïve"]])
    buffer = io.BytesIO()
    np.savez(buffer, vocab=np.array(vocab.to_list()))
    buffer.seek(0)
    stored = np.load(buffer, allow_pickle=False)["vocab"]
    restored = Vocab.from_list(stored)
    assert restored == vocab
    assert all(type(token) is str for token in restored.to_list())
    assert restored.encode(["naïve"]).tolist() == vocab.encode(["naïve"]).tolist()


def test_to_list_returns_a_copy():
    vocab = Vocab.build(DOCS)
    tokens = vocab.to_list()
    tokens.append("extra")
    assert "extra" not in vocab.to_list()


def test_equality_depends_on_order():
    assert Vocab.from_list([PAD, UNK, "a", "b"]) != Vocab.from_list([PAD, UNK, "b", "a"])
    assert Vocab.from_list([PAD, UNK, "a"]) == Vocab.from_list([PAD, UNK, "a"])


@pytest.mark.parametrize(
    "tokens, message",
    [
        (["a", PAD, UNK], "must start with"),
        ([UNK, PAD, "a"], "must start with"),
        ([PAD], "must start with"),
        ([PAD, UNK, "a", "b", "a"], "repeats the token 'a'"),
        ([PAD, UNK, ""], "empty string"),
        ([PAD, UNK, 3], "not a string"),
    ],
)
def test_from_list_validates(tokens, message):
    with pytest.raises(ValueError, match=message):
        Vocab.from_list(tokens)
