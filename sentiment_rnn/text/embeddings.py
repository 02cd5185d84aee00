"""Word vectors pretrained by the project itself: windowed co-occurrence counts -> PPMI -> truncated SVD.

The recipe is the count-based one of Levy, Goldberg & Dagan (2015), "Improving Distributional
Similarity with Lessons Learned from Word Embeddings", with GloVe's 1/distance weighting of the
window:

    X[w, c]  = sum over occurrences of c at distance d <= window from w of 1/d      (symmetric)
    PMI(w,c) = log( X[w,c] * sum(X) / (X[w,:].sum() * P_a(c) * sum(X)) ),  P_a(c) ∝ X[:,c].sum() ** a
    M        = max(PMI - log(shift), 0)                                              (shifted PPMI)
    M       ~= U S V^T (rank E),   W = U * S ** p  (+ V * S ** p),   rows scaled to unit length

with context smoothing ``a = 0.75`` and eigenvalue weight ``p = 0.5`` by default; adding the context
vectors ``V S^p`` to the word vectors ("w + c") is an option. Everything is sparse
and vectorized: the corpus becomes one id array, and each window distance is one shifted slice of it.

The vectors file is one ``.npz`` holding ``words`` (V,) str, ``vectors`` (V, E) float32 and
``metadata`` (a JSON string), read with ``allow_pickle=False``.

>>> docs = [["good", "film"], ["bad", "film"], ["good", "plot"], ["bad", "plot"]]
>>> words = build_vocabulary(docs)
>>> words
['bad', 'film', 'good', 'plot']
>>> cooccurrence_counts(docs, words, window=1).toarray()
array([[0., 1., 0., 1.],
       [1., 0., 1., 0.],
       [0., 1., 0., 1.],
       [1., 0., 1., 0.]])
"""

from __future__ import annotations

import collections
import itertools
import json
import os
import zipfile
from pathlib import Path
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import randomized_svd

from sentiment_rnn.errors import ModelFileError, SentimentRNNError
from sentiment_rnn.files import loads_bounded, open_npz, write_npz_atomic
from sentiment_rnn.memory import check_fits
from sentiment_rnn.text.tokenizer import tokenize_many

__all__ = [
    "check_pretraining_fits",
    "FORMAT_VERSION",
    "build_vocabulary",
    "cooccurrence_counts",
    "ppmi_matrix",
    "ppmi_svd_vectors",
    "pretrain_from_texts",
    "save_vectors",
    "load_vectors",
    "load_vectors_metadata",
    "embedding_matrix",
    "nearest_neighbours",
]

FORMAT_VERSION = 1


def build_vocabulary(
    token_lists: Iterable[Sequence[str]], min_count: int = 1, max_words: int | None = None
) -> list[str]:
    """The words seen at least ``min_count`` times, most frequent first (ties alphabetical), at most
    ``max_words`` of them. The order is deterministic.

    >>> build_vocabulary([["a", "b", "a"], ["c", "a", "b"]], min_count=2)
    ['a', 'b']
    """
    counts = collections.Counter(itertools.chain.from_iterable(token_lists))
    ranked = sorted((w for w, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
    return ranked if max_words is None else ranked[:max_words]


def _corpus_ids(token_lists: Iterable[Sequence[str]], index: dict[str, int], gap: int) -> np.ndarray:
    """All documents as one id array, out-of-vocabulary tokens as -1 and ``gap`` -1s after every
    document, so that no window of width <= ``gap`` spans two documents. Returns (N,) int32."""
    get = index.get
    chunks = []
    separator = [-1] * gap
    for tokens in token_lists:
        chunks.append(np.fromiter((get(t, -1) for t in tokens), dtype=np.int32, count=len(tokens)))
        chunks.append(np.array(separator, dtype=np.int32))
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int32)  # (N,)


def cooccurrence_counts(
    token_lists: Iterable[Sequence[str]],
    vocab_words: Sequence[str],
    window: int = 5,
    distance_weighting: bool = True,
) -> sp.csr_matrix:
    """Symmetric word-word co-occurrence counts within ``window`` tokens, inside each document.

    A pair at distance d adds ``1/d`` (GloVe's weighting) or 1 if ``distance_weighting`` is False,
    to both ``X[w, c]`` and ``X[c, w]``. Tokens outside ``vocab_words`` keep their place in the
    window but are not counted (the window is not widened around them).

    Args:
        token_lists: documents, each a sequence of tokens.
        vocab_words: (V,) the words to count; row/column i is ``vocab_words[i]``.
        window: largest distance counted, >= 1.
        distance_weighting: weight a pair by 1/distance.
    Returns:
        (V, V) float64 CSR matrix, symmetric, canonical (sorted indices, no duplicates).
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    V = len(vocab_words)
    index = {w: i for i, w in enumerate(vocab_words)}
    if len(index) != V:
        raise ValueError("vocab_words contains duplicates")
    ids = _corpus_ids(token_lists, index, gap=window)  # (N,)
    upper = sp.csr_matrix((V, V), dtype=np.float64)  # pairs (w at i, c at i + d)
    for d in range(1, window + 1):
        left, right = ids[:-d], ids[d:]  # (N - d,) each
        keep = (left >= 0) & (right >= 0)  # (N - d,)
        rows, cols = left[keep], right[keep]  # (P,) each
        weight = 1.0 / d if distance_weighting else 1.0
        # codes sort and merge the duplicate pairs of this distance before they reach scipy
        codes, n = np.unique(rows.astype(np.int64) * V + cols, return_counts=True)  # (U,) each
        pairs = sp.csr_matrix(
            (n * weight, (codes // V, codes % V)), shape=(V, V), dtype=np.float64
        )  # (V, V)
        upper = upper + pairs
    counts = (upper + upper.T).tocsr()  # (V, V)
    counts.sum_duplicates()
    counts.sort_indices()
    return counts


def ppmi_matrix(
    counts: sp.spmatrix, context_smoothing: float = 0.75, shift: float = 1.0
) -> sp.csr_matrix:
    """Shifted positive PMI of a co-occurrence matrix, with context-distribution smoothing.

    ``PMI(w, c) = log X[w,c] - log X[w,:].sum() - log P_a(c)`` where
    ``P_a(c) = X[:,c].sum()**a / sum_c' X[:,c'].sum()**a``; entries ``max(PMI - log(shift), 0)``.
    Only the stored (nonzero) entries of ``counts`` can be positive, so the result stays sparse.

    Args:
        counts: (V, V) nonnegative co-occurrence counts (rows: words, columns: contexts).
        context_smoothing: the exponent ``a`` (1.0 is plain PMI).
        shift: ``k`` in ``log k``, the SGNS negative-sample count; 1.0 means no shift.
    Returns:
        (V, V) float64 CSR matrix with only positive entries stored.
    """
    X = sp.csr_matrix(counts, dtype=np.float64, copy=True)  # (V, V)
    X.sum_duplicates()
    X.eliminate_zeros()
    row_sums = np.asarray(X.sum(axis=1)).ravel()  # (V,)
    col_sums = np.asarray(X.sum(axis=0)).ravel()  # (V,)
    smoothed = col_sums**context_smoothing  # (V,)
    log_p_context = np.log(smoothed, where=smoothed > 0, out=np.zeros_like(smoothed)) - np.log(
        smoothed.sum()
    )  # (V,)
    log_rows = np.log(row_sums, where=row_sums > 0, out=np.zeros_like(row_sums))  # (V,)
    row_of_entry = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))  # (nnz,)
    X.data = np.log(X.data) - log_rows[row_of_entry] - log_p_context[X.indices] - np.log(shift)
    X.data = np.maximum(X.data, 0.0)  # (nnz,)
    X.eliminate_zeros()
    return X


def ppmi_svd_vectors(
    counts: sp.spmatrix,
    dim: int = 300,
    context_smoothing: float = 0.75,
    eigenvalue_weight: float = 0.5,
    shift: float = 1.0,
    add_context_vectors: bool = False,
    normalize: bool = True,
    n_iter: int = 5,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Word vectors from a truncated SVD of the (shifted, smoothed) PPMI matrix.

    ``PPMI ~= U S V^T`` (rank ``dim``, randomized SVD with ``n_iter`` power iterations), then
    ``W = U * S ** eigenvalue_weight``, plus ``V * S ** eigenvalue_weight`` if ``add_context_vectors``,
    and, if ``normalize``, every nonzero row scaled to length 1.

    Args:
        counts: (V, V) co-occurrence counts, e.g. from :func:`cooccurrence_counts`.
        dim: E, the number of dimensions; at most V - 1.
        context_smoothing, shift: see :func:`ppmi_matrix`.
        eigenvalue_weight: p in ``S ** p``; 0 gives U, 1 gives U S.
        add_context_vectors: add the context vectors V S^p to the word vectors (w + c).
        normalize: scale rows to unit length.
        n_iter: power iterations of the randomized SVD.
        rng: the source of the SVD's random test matrix; the result is a function of its state.
    Returns:
        (V, E) float32 vectors, row i for word i of ``counts``.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    V = counts.shape[0]
    if not 1 <= dim < V:
        raise ValueError(f"dim must be in [1, {V - 1}] for {V} words, got {dim}")
    M = ppmi_matrix(counts, context_smoothing=context_smoothing, shift=shift)  # (V, V)
    seed = int(rng.integers(2**31 - 1))
    U, S, Vt = randomized_svd(M, dim, n_iter=n_iter, random_state=seed)  # (V, E), (E,), (E, V)
    W = U * S**eigenvalue_weight  # (V, E)
    if add_context_vectors:
        W = W + Vt.T * S**eigenvalue_weight  # (V, E)
    if normalize:
        norms = np.linalg.norm(W, axis=1, keepdims=True)  # (V, 1)
        W = W / np.where(norms > 0, norms, 1.0)  # (V, E)
    return W.astype(np.float32)


def _tokenize_all(documents: Sequence[str | Sequence[str]], n_jobs: int) -> list[Sequence[str]]:
    """Tokenize the documents that are strings (with :func:`sentiment_rnn.text.tokenizer.tokenize`); lists of
    tokens pass through unchanged."""
    texts = [i for i, doc in enumerate(documents) if isinstance(doc, str)]
    token_lists: list[Sequence[str]] = list(documents)
    if not texts:
        return token_lists
    tokenized = tokenize_many([doc for doc in documents if isinstance(doc, str)], n_jobs)  # documents[texts]
    for i, tokens in zip(texts, tokenized, strict=True):
        token_lists[i] = tokens
    return token_lists


def pretrain_from_texts(
    documents: Sequence[str | Sequence[str]],
    min_count: int = 5,
    max_words: int | None = 50_000,
    window: int = 5,
    distance_weighting: bool = True,
    dim: int = 300,
    context_smoothing: float = 0.75,
    eigenvalue_weight: float = 0.5,
    shift: float = 1.0,
    add_context_vectors: bool = False,
    normalize: bool = True,
    n_iter: int = 5,
    seed: int = 0,
    n_jobs: int = 1,
) -> tuple[list[str], np.ndarray]:
    """One call from unlabeled documents to word vectors: tokenize, choose the vocabulary, count
    co-occurrences, PPMI, SVD.

    Args:
        documents: raw texts (tokenized with :func:`sentiment_rnn.text.tokenizer.tokenize`) or token lists.
        min_count, max_words: the vocabulary, see :func:`build_vocabulary`.
        window, distance_weighting: see :func:`cooccurrence_counts`.
        dim, context_smoothing, eigenvalue_weight, shift, add_context_vectors, normalize, n_iter: see
            :func:`ppmi_svd_vectors`.
        seed: seeds the SVD; the same documents and arguments give the same vectors.
        n_jobs: processes used to tokenize raw texts.
    Returns:
        words (V,) most frequent first, and vectors (V, E) float32.
    """
    check_pretraining_fits(len(documents), max_words, window, dim)
    token_lists = _tokenize_all(documents, n_jobs)
    words = build_vocabulary(token_lists, min_count=min_count, max_words=max_words)
    if dim >= len(words):
        raise SentimentRNNError(f"dim {dim} needs more than {dim} words; the vocabulary has {len(words):,}: "
                                "choose a smaller dim (--dim)")
    counts = cooccurrence_counts(token_lists, words, window=window, distance_weighting=distance_weighting)
    vectors = ppmi_svd_vectors(
        counts,
        dim=dim,
        context_smoothing=context_smoothing,
        eigenvalue_weight=eigenvalue_weight,
        shift=shift,
        add_context_vectors=add_context_vectors,
        normalize=normalize,
        n_iter=n_iter,
        rng=np.random.default_rng(seed),
    )
    return words, vectors


def check_pretraining_fits(documents: int, max_words: int | None, window: int, dim: int) -> None:
    """Before any work (``documents``: their number, or 1 before they are read), refuse a dim the vocabulary cannot have and sizes that cannot fit in memory: the
    co-occurrence pass holds about six arrays of the ``window`` separators after each document (int32 and
    int64), the SVD about four (V, dim + 10) float64 arrays."""
    if max_words is not None and dim >= max_words:
        raise SentimentRNNError(f"dim {dim} needs more than {dim} words but at most {max_words:,} are kept: "
                                "choose a smaller dim (--dim)")
    check_fits(6 * 8 * documents * window, f"a window of {window:,} tokens around {documents:,} documents",
               "choose a smaller window (--window)")
    if max_words is not None:
        check_fits(4 * 8 * max_words * (dim + 10), f"{dim:,} dimensions of {max_words:,} words",
                   "choose a smaller dim (--dim) or fewer words (--max-words)")


def save_vectors(
    path: str | os.PathLike, words: Sequence[str], vectors: np.ndarray, metadata: dict | None = None
) -> None:
    """Write ``words`` (V,) and ``vectors`` (V, E) (stored as float32) to one ``.npz``, atomically:
    a temporary file in the same folder, then ``os.replace``. ``metadata`` (JSON-serializable)
    records provenance."""
    vectors = np.asarray(vectors, dtype=np.float32)  # (V, E)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ValueError(f"vectors must be (V, E) with V = {len(words)}, got {vectors.shape}")
    if len(set(words)) != len(words):
        raise ValueError("words contains duplicates")
    meta = {"format_version": FORMAT_VERSION, **(metadata or {})}

    arrays = {
        "words": np.array(list(words), dtype=str),
        "vectors": vectors,
        "metadata": np.array(json.dumps(meta, sort_keys=True)),
    }
    write_npz_atomic(path, arrays, compress=False)


def _open_vectors(path: str | os.PathLike):
    return open_npz(Path(path), "vectors")


def load_vectors(path: str | os.PathLike) -> tuple[list[str], np.ndarray]:
    """Read a file written by :func:`save_vectors`, or the word vectors a trained model (one network,
    from :func:`~sentiment_rnn.io.serialization.save_model`) has tuned: its vocabulary and its
    ``embedding.weight``. Never unpickles anything. Returns words (V,) and vectors (V, E) float32."""
    with _open_vectors(path) as data:
        if {"vocab", "param/embedding.weight"} <= set(data.files):  # a trained model's tuned vectors
            names = "vocab", "param/embedding.weight"
        elif {"words", "vectors"} <= set(data.files):
            names = "words", "vectors"
        else:
            raise ModelFileError(f"{os.fspath(path)}: needs the arrays 'words' and 'vectors' (or be a model "
                                 "file of one network)")
        try:
            words = [str(w) for w in data[names[0]]]
            vectors = data[names[1]].astype(np.float32, copy=False)  # (V, E)
        except (ValueError, TypeError, OSError, EOFError, zipfile.BadZipFile) as error:
            raise ModelFileError(f"{os.fspath(path)}: damaged vectors file ({error})") from None
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ModelFileError(f"{os.fspath(path)}: {len(words)} words but vectors of shape {vectors.shape}")
    if not all(words) or len(set(words)) != len(words):
        repeated = [w for w, n in collections.Counter(words).items() if n > 1]
        raise ModelFileError(f"{os.fspath(path)}: " + (f"the word {repeated[0]!r} is listed twice" if repeated
                                                       else "a word is empty"))
    return words, vectors


def load_vectors_metadata(path: str | os.PathLike) -> dict:
    """The metadata dict stored by :func:`save_vectors` (empty if the file has none)."""
    with _open_vectors(path) as data:
        return loads_bounded(str(data["metadata"])) if "metadata" in data.files else {}


def embedding_matrix(
    vocab_words: Sequence[str],
    words: Sequence[str],
    vectors: np.ndarray,
    rng: np.random.Generator,
    scale: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """An ``embedding.weight`` for a model vocabulary from pretrained vectors.

    Row i is the pretrained vector of ``vocab_words[i]`` if there is one, otherwise drawn from
    N(0, scale^2) (``scale`` defaults to the standard deviation of the pretrained entries).

    Args:
        vocab_words: (V,) the model's vocabulary, in id order.
        words, vectors: (V', ), (V', E) pretrained vectors, e.g. from :func:`load_vectors`.
        rng: source of the random rows.
    Returns:
        weight (V, E) in ``vectors``' dtype, and found (V,) bool.
    """
    index = {w: i for i, w in enumerate(words)}
    E = vectors.shape[1]
    scale = float(vectors.std()) if scale is None else scale
    weight = (rng.standard_normal((len(vocab_words), E)) * scale).astype(vectors.dtype)  # (V, E)
    rows = np.array([index.get(w, -1) for w in vocab_words], dtype=np.int64)  # (V,)
    found = rows >= 0  # (V,)
    weight[found] = vectors[rows[found]]
    return weight, found


def nearest_neighbours(
    query: str, words: Sequence[str], vectors: np.ndarray, k: int = 10
) -> list[tuple[str, float]]:
    """The ``k`` words with the highest cosine similarity to ``query`` (itself excluded).

    >>> nearest_neighbours("a", ["a", "b", "c"], np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]), k=1)
    [('b', 0.99)]
    """
    i = list(words).index(query)
    norms = np.linalg.norm(vectors, axis=1)  # (V,)
    cosine = vectors @ vectors[i] / np.maximum(norms * norms[i], 1e-12)  # (V,)
    cosine[i] = -np.inf
    top = np.argsort(-cosine, kind="stable")[:k]  # (k,)
    return [(words[j], round(float(cosine[j]), 2)) for j in top]
