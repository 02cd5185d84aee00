"""The forward pass for prediction only: ``RNNModel.forward``'s logits without the caches BPTT needs,
arranged for speed (``tests/test_inference.py`` checks that the two agree for every cell and shape).

    Inference(model, words)            weights rearranged, and the first layer's input projection of
                                       each distinct word of the texts to predict (kept per model)
      .logits(ids, lengths)            (B, T), (B,) -> (B, C), any number of batches

What makes it faster than the training pass (BENCHMARKS.md has the measurements):

* **Gate-major layout.** A step's pre-activations are a (k, B, H) array, one contiguous (B, H) block per
  gate, made by one matmul per gate (``h @ weight_hh[j]``). In PyTorch's layout a gate is a strided
  (B, H) view of the (B, k·H) rows, and NumPy's elementwise loops run about half as fast on those
  (the training pass computes gate-major too: ``sentiment_rnn.nn.layout``).
* **One tanh for all gates.** The sigmoid gates' weights are halved once (exact in floating point), so
  σ(a) = (1 + tanh(a / 2)) / 2 is a single tanh over every gate plus an affine map, and the LSTM's
  gates are reordered o, i, f, g so the three sigmoid gates are one block.
* **A batch that shrinks.** The batch is sorted by length, longest first; step t computes only the
  reviews still being read (a prefix of the rows, like PyTorch's packed sequences) and a review's row
  keeps its final state once it has ended — no mask, no padded work.
* **Each word projected once per model.** The first layer's input projection ``embedding[w] @ W_ih.T +
  b`` is computed once for every distinct word, not per position or per batch, and kept with the
  rearranged weights in a per-vocabulary (k, V, H) table per model (``_ModelCache``; filled on demand,
  up to ``WORD_TABLE_LIMIT`` bytes: 51 MB for the shipped LSTM, V = 25,000, H = 128, float32; a larger
  vocabulary projects each call's words instead). Every call compares the weights the table was made
  from with the model's current ones (training changes them in place), so it is never stale. Each step
  gathers the rows of its words into a small buffer that stays in the cache (``np.take(...,
  mode="clip")`` into a contiguous ``out``, which it writes directly); gathering a whole batch first
  (tens of MB written, then read back by the steps) made the LSTM's pass about 15 % slower.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from sentiment_rnn.nn.batching import PAD_ID, pad_batch, reversed_time_index, sequential_batches, truncate
from sentiment_rnn.nn.stacked import run_stacked

if TYPE_CHECKING:  # the network it runs; imported for type names only (model.py builds on this module)
    from sentiment_rnn.nn.model import RNNModel

__all__ = ["Inference", "predict_logits", "MAX_BATCH_TOKENS", "WORD_TABLE_LIMIT"]

WORD_TABLE_LIMIT = 64 * 2**20  # bytes: the largest per-vocabulary table of word projections kept per model


class _ModelCache:
    """What a model's prediction pass derives from its weights alone, kept across calls: the weights
    rearranged, and the first layer's projection of every word seen so far, in a (k, V, H) table per
    direction (rows filled on demand, so a one-sentence call projects only its own words).

    Nothing tells the cache that the weights changed (training updates them in place), so every use
    compares the weights it was built from with the model's current ones, exactly: the recurrent
    arrays each time (a few hundred KB), and the embedding rows of the call's words that the table
    already holds. Any difference rebuilds what depends on it; a stale projection is never used.
    """

    def __init__(self, model: "RNNModel"):
        cfg = model.config
        self.recurrent = {k: v.copy() for k, v in model.params.items() if k.startswith("rnn.")}
        self.weights = [  # [layer][direction] -> GateMajorWeights
            [model.cell.gate_major_weights(model.layer_weights(layer, suffix)) for suffix in cfg.suffixes]
            for layer in range(cfg.num_layers)
        ]
        k, V, H = model.cell.gates, cfg.vocab_size, cfg.hidden_size
        self.table_shape, self.dtype = (k, V, H), model.dtype
        self.table_fits = cfg.directions * k * V * H * np.dtype(model.dtype).itemsize <= WORD_TABLE_LIMIT
        self.tables: list[np.ndarray] | None = None  # per direction (k, V, H), from the second call on
        self.filled = self.rows = None
        self.calls = 0

    def keep_tables(self, directions: int, embedding_dim: int) -> bool:
        """Whether this call reads the kept tables: a model's first call projects its own words only, so
        a model predicted once (each member of a large ensemble, a one-off ``predict``) never holds a
        table; the second call makes them, when they fit in WORD_TABLE_LIMIT."""
        self.calls += 1
        if self.tables is None and self.calls >= 2 and self.table_fits:
            V = self.table_shape[1]
            self.tables = [np.empty(self.table_shape, dtype=self.dtype) for _ in range(directions)]
            self.filled = np.zeros(V, dtype=bool)  # (V,) rows of the tables computed
            self.rows = np.empty((V, embedding_dim), dtype=self.dtype)  # (V, E) their inputs
        return self.tables is not None

    def matches(self, model: "RNNModel") -> bool:
        return all(np.array_equal(value, model.params[name]) for name, value in self.recurrent.items())

    def project(self, embedding: np.ndarray, words: np.ndarray) -> None:
        """Make the tables hold ``words`` (sorted distinct ids) for the current embedding rows."""
        seen = words[self.filled[words]]  # (S,) already in the tables: check their inputs
        changed = seen[np.any(embedding[seen] != self.rows[seen], axis=1)] if len(seen) else seen
        todo = np.union1d(words[~self.filled[words]], changed)  # (n,)
        if len(todo):
            rows = embedding[todo]  # (n, E)
            for table, weights in zip(self.tables, self.weights[0]):
                table[:, todo] = weights.project(rows)  # (k, n, H)
            self.rows[todo] = rows
            self.filled[todo] = True


def _model_cache(model: "RNNModel") -> _ModelCache:
    cache = getattr(model, "_inference_cache", None)
    if cache is None or not cache.matches(model):
        cache = _ModelCache(model)
        model._inference_cache = cache
    return cache


class Inference:
    """``model``'s prediction pass, prepared for texts made of the word ids ``words`` (a sorted array
    of distinct ids; every id given to ``logits`` must be one of them, padding excepted)."""

    def __init__(self, model: "RNNModel", words: np.ndarray):
        cfg = model.config
        self.model = model
        self.words = np.asarray(words)  # (U,)
        cache = _model_cache(model)  # the weights rearranged once per model (while they do not change)
        self.weights = cache.weights
        embedding = model.params["embedding.weight"]  # (V, E)
        if cache.keep_tables(cfg.directions, cfg.embedding_dim):  # the model's per-vocabulary table, by word id
            cache.project(embedding, self.words)
            self.word_projections = cache.tables  # per direction (k, V, H)
            self.position = None
        else:  # too large a vocabulary to keep: this call's words only
            rows = embedding[self.words]  # (U, E)
            self.word_projections = [weights.project(rows) for weights in self.weights[0]]  # per direction (k, U, H)
            self.position = np.zeros(cfg.vocab_size, dtype=np.intp)  # (V,) word id -> its row in word_projections
            self.position[self.words] = np.arange(len(self.words))

    def logits(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """ids (B, T) padded word ids, lengths (B,) -> logits (B, C), as ``RNNModel.logits``."""
        params = self.model.params
        return np.matmul(self.features(ids, lengths), params["fc.weight"].T) + params["fc.bias"]  # (B, C)

    def features(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """ids (B, T) padded word ids, lengths (B,) -> the top layer's final states (B, H·dirs), the
        features the linear layer reads (a review model reads them as sentence states)."""
        cfg = self.model.config
        lengths = np.asarray(lengths)
        order = np.argsort(-lengths, kind="stable")  # (B,) longest first
        lengths = lengths[order]
        positions = np.asarray(ids)[order].T  # (T, B) time-major, sorted rows: each position's word ...
        if self.position is not None:
            positions = self.position[positions]  # ... as its row in word_projections
        T, B = positions.shape
        active = (lengths[None, :] > np.arange(T)[:, None]).sum(axis=1).tolist()  # reviews read at step t
        reverse_index = reversed_time_index(lengths, T) if cfg.bidirectional else None  # (T, B)
        batch = np.arange(B)[None, :]  # (1, B)

        def run_direction(layer, d, x):  # x (T, B, D) in the direction's time order, or None: the words
            weights = self.weights[layer][d]
            if x is None:  # each step gathers its words' projections
                XW = self.word_projections[d]  # (k, U, H)
                words = positions[reverse_index, batch] if d == 1 else positions  # (T, B) cell time order
            else:
                XW = weights.project(x.reshape(T * B, -1)).reshape(-1, T, B, cfg.hidden_size)  # (k, T, B, H)
                words = None
            keep_states = layer < cfg.num_layers - 1  # the outputs only feed a layer above
            states = np.zeros((T, B, cfg.hidden_size), dtype=XW.dtype) if keep_states else None
            return states, self.model.cell.infer(XW, active, weights, states, words)  # (T, B, H), (B, H)

        finals = run_stacked(cfg.num_layers, cfg.directions, reverse_index, run_direction)
        features = np.concatenate(finals, axis=-1) if len(finals) > 1 else finals[0]  # (B, H·dirs) sorted rows
        unsorted = np.empty_like(features)
        unsorted[order] = features
        return unsorted


MAX_BATCH_TOKENS = 32_768  # padded tokens of one batch: bounds the (k, T, B, H) buffers whatever the lengths


def predict_logits(model: "RNNModel", sequences: Sequence[np.ndarray], batch_size: int = 256, max_len=None,
                   keep="end", max_tokens: int = MAX_BATCH_TOKENS) -> np.ndarray:
    """Logits (N, C) for id sequences, in their original order, batched by similar length, at most
    ``batch_size`` reviews and ``max_tokens`` padded tokens (one review at least) a batch."""
    sequences = [truncate(s, max_len, keep) for s in sequences]
    lengths = np.array([len(s) for s in sequences])
    present = np.zeros(model.config.vocab_size, dtype=bool)  # (V,)
    present[np.concatenate([np.asarray(s, dtype=np.int64) for s in sequences] + [[PAD_ID]])] = True
    words = np.flatnonzero(present)  # (U,) the distinct words, sorted
    inference = Inference(model, words)  # each distinct word projected once for all batches
    logits = np.empty((len(sequences), model.config.num_classes), dtype=model.dtype)  # (N, C)
    for index in sequential_batches(lengths, batch_size, max_tokens):
        ids, batch_lengths = pad_batch([sequences[i] for i in index])
        logits[index] = inference.logits(ids, batch_lengths)
    return logits
