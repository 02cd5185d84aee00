"""Word vectors: co-occurrence counts against a brute-force count, PPMI against its formula, shared
contexts give similar vectors, the vectors file round trip, and determinism for a fixed seed."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from sentiment_rnn.text.embeddings import (
    build_vocabulary,
    cooccurrence_counts,
    embedding_matrix,
    load_vectors,
    load_vectors_metadata,
    ppmi_matrix,
    ppmi_svd_vectors,
    pretrain_from_texts,
    save_vectors,
)
from sentiment_rnn.errors import ModelFileError


def brute_force_counts(docs, vocab, window, distance_weighting):
    """The definition, one pair at a time: (V, V) float64."""
    index = {w: i for i, w in enumerate(vocab)}
    X = np.zeros((len(vocab), len(vocab)))
    for doc in docs:
        for i, w in enumerate(doc):
            for j in range(max(0, i - window), min(len(doc), i + window + 1)):
                if j != i and w in index and doc[j] in index:
                    X[index[w], index[doc[j]]] += 1.0 / abs(i - j) if distance_weighting else 1.0
    return X


def random_corpus(rng, n_docs=30, n_types=12):
    types = [f"w{k}" for k in range(n_types)]
    return [list(rng.choice(types, size=rng.integers(0, 15))) for _ in range(n_docs)]


@pytest.mark.parametrize("window", [1, 2, 4])
@pytest.mark.parametrize("distance_weighting", [True, False])
def test_cooccurrence_counts_match_brute_force(window, distance_weighting):
    rng = np.random.default_rng(window)
    docs = random_corpus(rng)
    vocab = build_vocabulary(docs, min_count=2)[:8]  # some tokens are out of vocabulary
    X = cooccurrence_counts(docs, vocab, window=window, distance_weighting=distance_weighting)
    assert X.shape == (len(vocab), len(vocab))
    np.testing.assert_allclose(X.toarray(), brute_force_counts(docs, vocab, window, distance_weighting))
    np.testing.assert_allclose(X.toarray(), X.toarray().T)


def test_cooccurrence_windows_stop_at_document_ends():
    X = cooccurrence_counts([["a", "b"], ["c", "d"]], ["a", "b", "c", "d"], window=3)
    assert X[1, 2] == 0 and X[0, 3] == 0
    assert X[0, 1] == 1 and X[2, 3] == 1


def test_cooccurrence_counts_do_not_modify_inputs():
    docs = [["a", "b", "a"]]
    vocab = ["a", "b"]
    cooccurrence_counts(docs, vocab, window=2)
    assert docs == [["a", "b", "a"]] and vocab == ["a", "b"]


def test_build_vocabulary_order_and_limits():
    docs = [["b", "a", "c", "a"], ["b", "d", "a"]]
    assert build_vocabulary(docs) == ["a", "b", "c", "d"]
    assert build_vocabulary(docs, min_count=2) == ["a", "b"]
    assert build_vocabulary(docs, max_words=3) == ["a", "b", "c"]


def test_ppmi_matches_formula():
    rng = np.random.default_rng(0)
    docs = random_corpus(rng, n_docs=50)
    vocab = build_vocabulary(docs)
    counts = cooccurrence_counts(docs, vocab, window=3)
    X = counts.toarray()
    alpha, k = 0.75, 2.0
    p_context = X.sum(axis=0) ** alpha / (X.sum(axis=0) ** alpha).sum()
    with np.errstate(divide="ignore"):
        pmi = np.log(X) - np.log(X.sum(axis=1, keepdims=True)) - np.log(p_context)
    expected = np.maximum(pmi - np.log(k), 0.0)
    np.testing.assert_allclose(ppmi_matrix(counts, alpha, shift=k).toarray(), expected, atol=1e-12)


def test_shared_contexts_give_similar_vectors():
    # "good"/"great" share their contexts, "bad"/"awful" share others; the two groups share none
    rng = np.random.default_rng(0)
    docs = []
    for _ in range(400):
        if rng.random() < 0.5:
            adjective, other = rng.choice(["good", "great"]), rng.choice(["fun", "moving"])
            docs.append(["the", "film", "was", adjective, "and", other])
        else:
            adjective, other = rng.choice(["bad", "awful"]), rng.choice(["dull", "long"])
            docs.append(["a", "plot", "so", adjective, "but", other])
    words, vectors = pretrain_from_texts(docs, min_count=1, max_words=None, window=2, dim=4, seed=0)
    v = {w: vectors[i] for i, w in enumerate(words)}
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert v["good"] @ v["great"] > v["good"] @ v["bad"] + 0.5
    assert v["bad"] @ v["awful"] > v["great"] @ v["awful"] + 0.5


def test_pretrain_tokenizes_raw_texts():
    texts = ["This film isn't good.", "This plot isn't bad."] * 3
    words, vectors = pretrain_from_texts(texts, min_count=1, max_words=None, window=2, dim=3)
    assert "n't" in words and "is" in words and "." in words
    assert vectors.shape == (len(words), 3) and vectors.dtype == np.float32


def test_fixed_seed_is_deterministic():
    rng = np.random.default_rng(1)
    docs = random_corpus(rng, n_docs=200, n_types=40)
    vocab = build_vocabulary(docs)
    counts = cooccurrence_counts(docs, vocab, window=3)
    a = ppmi_svd_vectors(counts, dim=10, rng=np.random.default_rng(7))
    b = ppmi_svd_vectors(counts, dim=10, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    w1, v1 = pretrain_from_texts(docs, min_count=1, window=3, dim=10, seed=3)
    w2, v2 = pretrain_from_texts(docs, min_count=1, window=3, dim=10, seed=3)
    assert w1 == w2
    np.testing.assert_array_equal(v1, v2)


def test_eigenvalue_weight_and_normalize():
    rng = np.random.default_rng(2)
    docs = random_corpus(rng, n_docs=200, n_types=30)
    counts = cooccurrence_counts(docs, build_vocabulary(docs), window=2)
    U = ppmi_svd_vectors(counts, dim=5, eigenvalue_weight=0.0, normalize=False, rng=np.random.default_rng(0))
    US = ppmi_svd_vectors(counts, dim=5, eigenvalue_weight=1.0, normalize=False, rng=np.random.default_rng(0))
    np.testing.assert_allclose(U.T @ U, np.eye(5), atol=1e-5)  # orthonormal columns
    S = np.linalg.norm(US, axis=0)  # (E,) the singular values, largest first
    assert np.all(np.diff(S) <= 1e-5)
    np.testing.assert_allclose(US, U * S, atol=1e-5)
    UV = ppmi_svd_vectors(
        counts, dim=5, eigenvalue_weight=0.0, add_context_vectors=True, normalize=False,
        rng=np.random.default_rng(0),
    )
    V = UV - U  # (V, E) the right singular vectors
    np.testing.assert_allclose(V.T @ V, np.eye(5), atol=1e-5)


def test_save_load_round_trip(tmp_path):
    words = ["good", "bad", "n't", "naïve", "ok"]
    vectors = np.random.default_rng(0).standard_normal((5, 3))
    path = tmp_path / "vectors.npz"
    save_vectors(path, words, vectors, metadata={"corpus": "synthetic"})
    with np.load(path, allow_pickle=False) as data:  # nothing in the file needs pickle
        assert set(data.files) == {"words", "vectors", "metadata"}
    loaded_words, loaded = load_vectors(path)
    assert loaded_words == words
    assert loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded, vectors.astype(np.float32))
    assert load_vectors_metadata(path) == {"corpus": "synthetic", "format_version": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["vectors.npz"]  # no temporary file left
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600


def test_failed_save_keeps_old_file(tmp_path):
    path = tmp_path / "vectors.npz"
    save_vectors(path, ["a"], np.ones((1, 2)))
    with pytest.raises(TypeError):
        save_vectors(path, ["b"], np.ones((1, 2)), metadata={"bad": object()})
    assert load_vectors(path)[0] == ["a"]
    assert [p.name for p in tmp_path.iterdir()] == ["vectors.npz"]


def test_load_rejects_bad_files(tmp_path):
    with pytest.raises(ModelFileError):
        load_vectors(tmp_path / "missing.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    with pytest.raises(ModelFileError):
        load_vectors(junk)
    other = tmp_path / "other.npz"
    np.savez(other, weights=np.ones(3))
    with pytest.raises(ModelFileError):
        load_vectors(other)


def test_embedding_matrix_copies_known_words():
    words, vectors = ["good", "bad"], np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    vocab = ["<pad>", "bad", "plot", "good"]
    weight, found = embedding_matrix(vocab, words, vectors, np.random.default_rng(0))
    assert weight.shape == (4, 2) and weight.dtype == np.float32
    assert found.tolist() == [False, True, False, True]
    np.testing.assert_array_equal(weight[[1, 3]], vectors[[1, 0]])


def test_a_trained_models_tuned_vectors_seed_another_model(tmp_path):
    from sentiment_rnn.estimators.rnn import RNNClassifier
    from sentiment_rnn.io.serialization import save_model

    texts = ["a good film", "a bad film", "great fun", "dull and boring", "i loved it", "i hated it"]
    labels = np.array([1, 0, 1, 0, 1, 0])
    first = RNNClassifier(cell="gru", embedding_dim=4, hidden_size=3, epochs=3, patience=None).fit(texts, labels)
    path = save_model(first, tmp_path / "first.npz")
    words, vectors = load_vectors(path)
    assert words == first.vocab_.to_list()
    np.testing.assert_array_equal(vectors, first.params_["embedding.weight"])
    second = RNNClassifier(cell="lstm", embedding_dim=4, hidden_size=3, epochs=2, patience=None, random_state=1,
                           pretrained_vectors=str(path), freeze_embeddings=True).fit(texts, labels)
    assert second.vocab_ == first.vocab_
    np.testing.assert_array_equal(second.params_["embedding.weight"], first.params_["embedding.weight"])
