"""The many-to-many network: a recurrent language model predicting every next word of a token stream.

    inputs (B, T) word ids, targets (B, T) the next words, state: per layer the carried (h,) or (h, c)
      -> X = embedding.weight[inputs] ⊙ m_emb               (T, B, E)   m_emb one mask per stream (B, E)
      -> per layer: Hs = cell(X, state)                      (T + 1, B, H), started from the carried state
                    X = Hs[1:] ⊙ m_layer                     (T, B, H)   one mask per stream (B, H)
      -> the top X: every step's output h_t                  (T·B, H)
      -> next-word loss: sampled softmax (training) or full softmax (evaluation, small vocabularies)
         (``sentiment_rnn.nn.sampled_softmax``)
      -> new state: each layer's last (h, c), detached: a segment's gradient stops at its first step

Truncated BPTT: a long stream is read in segments of T tokens; each segment starts from the state the
previous one ended in, so the model conditions on everything before, while the gradient runs back T steps
only. Reading a stream in segments gives exactly the outputs of reading it at once (tests).

Dropout suited to language models is "locked" (variational, Gal & Ghahramani 2016; Merity et al. 2018):
one mask per stream and segment, the same at every time step, on the word vectors (``embedding_dropout``)
and on every layer's outputs, the top one's before the softmax (``dropout``): a unit is dropped for the
whole segment, not re-drawn at each word, which would blur what the recurrence carries.

The parameters are those of the classifier (``sentiment_rnn.nn.model``: ``embedding.weight``,
``rnn.weight_ih_l0`` ...) plus ``decoder.weight (V, H)`` and ``decoder.bias (V,)``; with ``tied`` the
decoder reads ``embedding.weight`` (E = H) and has a bias only. The classifier starts from the shared names.
"""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass

import numpy as np

from sentiment_rnn.nn.embedding import EmbeddingGrad, embedding_grad
from sentiment_rnn.nn.init import xavier_uniform
from sentiment_rnn.nn.model import ModelConfig, RNNModel, init_params, param_shapes
from sentiment_rnn.nn.sampled_softmax import Samples, full_softmax_loss, full_softmax_nll, sampled_softmax_loss

__all__ = ["LMConfig", "LanguageModel", "lm_param_shapes", "lm_training_bytes"]


@dataclass(frozen=True)
class LMConfig:
    """Sizes and choices of a language model."""

    vocab_size: int
    embedding_dim: int = 128
    hidden_size: int = 128
    cell: str = "lstm"
    activation: str = "tanh"  # Elman only
    num_layers: int = 1
    dropout: float = 0.1  # locked dropout on every layer's outputs (the top one's before the softmax)
    embedding_dropout: float = 0.1  # locked dropout on the word vectors
    tied: bool = False  # the decoder reads embedding.weight (needs embedding_dim == hidden_size)

    def __post_init__(self):
        self.recurrent_config()  # checks sizes, cell and activation as the classifier's config does
        for name in ("dropout", "embedding_dropout"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Real) or not 0.0 <= float(value) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {value}")
        if self.tied and self.embedding_dim != self.hidden_size:
            raise ValueError(f"tied embeddings need embedding_dim == hidden_size, got {self.embedding_dim} "
                             f"and {self.hidden_size}")

    def recurrent_config(self) -> ModelConfig:
        """The classifier's config with the same embedding and recurrent layers (its parameters' names)."""
        return ModelConfig(vocab_size=self.vocab_size, embedding_dim=self.embedding_dim, hidden_size=self.hidden_size,
                           num_classes=1, cell=self.cell, activation=self.activation, num_layers=self.num_layers,
                           dropout=0.0, embedding_dropout=0.0)

    def to_dict(self) -> dict:
        return asdict(self)


def lm_param_shapes(config: LMConfig) -> dict[str, tuple[int, ...]]:
    """Every parameter's name and shape: the classifier's embedding and recurrent layers, then the decoder."""
    shapes = {k: v for k, v in param_shapes(config.recurrent_config()).items() if not k.startswith("fc.")}
    if not config.tied:
        shapes["decoder.weight"] = (config.vocab_size, config.hidden_size)
    shapes["decoder.bias"] = (config.vocab_size,)
    return shapes


def lm_training_bytes(config: LMConfig, batch_tokens: int, num_samples: int, itemsize: int = 4) -> int:
    """About the memory of a training step: the parameters four times (weights, gradients, Adam's moments)
    and per token of a segment every layer's cached inputs, states and gates with their gradients, plus
    the (1 + S) candidate logits and their gradient.

    >>> lm_training_bytes(LMConfig(vocab_size=10, embedding_dim=4, hidden_size=2), 1, 3)  # 4 (4·134 + 36 + 2·4)
    2320
    """
    params = sum(int(np.prod(shape, dtype=np.float64)) for shape in lm_param_shapes(config).values())
    H, E = config.hidden_size, config.embedding_dim
    G = {"lstm": 4, "gru": 3}.get(config.cell, 1) * H
    per_token = sum(2 * ((E if layer == 0 else H) + G + 3 * H) for layer in range(config.num_layers))
    return itemsize * (4 * params + batch_tokens * (per_token + 2 * (1 + num_samples)))


def _locked_mask(rng: np.random.Generator, B: int, D: int, rate: float, dtype) -> np.ndarray | None:
    """Inverted dropout mask (1, B, D), one per stream, broadcast over the segment's T steps."""
    if rate <= 0.0:
        return None
    keep = (rng.random((1, B, D)) >= rate).astype(dtype)
    return keep / np.asarray(1.0 - rate, dtype=dtype)


@dataclass(frozen=True)
class LMCache:
    ids: np.ndarray  # (T, B) time-major input ids
    embedding_mask: np.ndarray | None  # (1, B, E)
    cells: tuple  # per layer, the cell's cache
    layer_masks: tuple  # per layer, (1, B, H) or None
    top: np.ndarray  # (T, B, H) the top layer's outputs after dropout: the decoder's rows


class LanguageModel:
    """A config and a flat dict of parameters; forward and backward over one segment of B streams."""

    def __init__(self, config: LMConfig, params: dict[str, np.ndarray]):
        expected = lm_param_shapes(config)
        wrong = sorted(set(params) ^ set(expected)) or [k for k, s in expected.items() if params[k].shape != s]
        if wrong:
            raise ValueError(f"parameters do not match the language model's config: {', '.join(wrong)}")
        self.config = config
        self.params = params
        dtype = params["embedding.weight"].dtype
        shared = {k: v for k, v in params.items() if not k.startswith("decoder.")}
        placeholder = {"fc.weight": np.zeros((1, config.hidden_size), dtype), "fc.bias": np.zeros(1, dtype)}
        self.recurrent = RNNModel(config.recurrent_config(), {**shared, **placeholder})  # serves the layers' weights
        self.cell = self.recurrent.cell

    @classmethod
    def initialize(cls, config: LMConfig, rng: np.random.Generator, dtype=np.float32) -> LanguageModel:
        """The classifier's initialisation for the shared parameters; Xavier decoder, zero decoder bias."""
        shared = init_params(config.recurrent_config(), rng, dtype)
        params = {k: v for k, v in shared.items() if not k.startswith("fc.")}
        if not config.tied:
            params["decoder.weight"] = xavier_uniform(rng, (config.vocab_size, config.hidden_size), dtype)
        params["decoder.bias"] = np.zeros(config.vocab_size, dtype=dtype)
        return cls(config, params)

    @property
    def dtype(self):
        return self.params["embedding.weight"].dtype

    @property
    def decoder_weight(self) -> np.ndarray:
        return self.params["embedding.weight" if self.config.tied else "decoder.weight"]  # (V, H)

    def zero_state(self, B: int) -> tuple:
        """The state before any word: per layer (h,) or (h, c), zeros (B, H) each."""
        arrays = 2 if self.config.cell == "lstm" else 1
        return tuple(tuple(np.zeros((B, self.config.hidden_size), self.dtype) for _ in range(arrays))
                     for _ in range(self.config.num_layers))

    # ------------------------------------------------------------------------------------------------
    def forward(self, inputs: np.ndarray, state: tuple, *, train: bool = False, rng=None):
        """inputs (B, T) ids, state from ``zero_state`` or the previous segment -> (top (T, B, H), cache,
        new state). With ``train`` the locked dropout masks are drawn from ``rng``."""
        cfg, dtype = self.config, self.dtype
        ids = np.asarray(inputs).T  # (T, B)
        T, B = ids.shape
        mask = np.ones((T, B, 1), dtype=dtype)  # every step is a real word: a stream has no padding
        embedding_mask = _locked_mask(rng, B, cfg.embedding_dim, cfg.embedding_dropout, dtype) if train else None
        X = self.params["embedding.weight"][ids]  # (T, B, E)
        if embedding_mask is not None:
            X = X * embedding_mask
        cells, layer_masks, new_state = [], [], []
        for layer in range(cfg.num_layers):
            h0, *c0 = state[layer]  # (B, H) each
            Hs, cell_cache = self.cell.forward(X, mask, self.recurrent.layer_weights(layer, ""), h0, *c0)
            cells.append(cell_cache)
            new_state.append((Hs[T].copy(), cell_cache.Cs[T].copy()) if c0 else (Hs[T].copy(),))  # detached
            layer_mask = _locked_mask(rng, B, cfg.hidden_size, cfg.dropout, dtype) if train else None
            layer_masks.append(layer_mask)
            X = Hs[1:] if layer_mask is None else Hs[1:] * layer_mask  # (T, B, H)
        return X, LMCache(ids, embedding_mask, tuple(cells), tuple(layer_masks), X), tuple(new_state)

    def backward(self, dtop: np.ndarray, cache: LMCache, *, sparse_embedding: bool = False) -> dict:
        """dtop (T, B, H) into the top layer's outputs -> gradients of the embedding and recurrent layers."""
        cfg = self.config
        T, B = cache.ids.shape
        grads: dict = {}
        dX = dtop  # (T, B, H)
        for layer in reversed(range(cfg.num_layers)):
            if cache.layer_masks[layer] is not None:
                dX = dX * cache.layer_masks[layer]  # through the locked dropout
            dX, layer_grads, _ = self.cell.backward(dX, cache.cells[layer])  # (T, B, D); no gradient into the state
            grads[f"rnn.weight_ih_l{layer}"] = layer_grads.weight_ih
            grads[f"rnn.weight_hh_l{layer}"] = layer_grads.weight_hh
            grads[f"rnn.bias_ih_l{layer}"] = layer_grads.bias_ih
            grads[f"rnn.bias_hh_l{layer}"] = layer_grads.bias_hh
        if cache.embedding_mask is not None:
            dX = dX * cache.embedding_mask  # through the locked dropout
        # X = embedding.weight[ids]: rows of repeated words summed
        grads["embedding.weight"] = embedding_grad(cache.ids.reshape(-1), dX.reshape(T * B, -1), cfg.vocab_size)
        return grads

    # ------------------------------------------------------------------------------------------------
    def loss_and_grads(self, inputs, targets, state, samples: Samples | None = None, *, train: bool = False,
                       rng=None, sparse: bool = False):
        """Mean next-word loss of one segment, inputs and targets (B, T), from ``state`` -> (loss, grads,
        new state). ``samples`` gives the sampled softmax's words (``draw_samples``); None: the full softmax.
        The embedding and decoder gradients are row-sparse ``EmbeddingGrad`` with ``sparse``, else dense."""
        top, cache, new_state = self.forward(inputs, state, train=train, rng=rng)
        T, B, H = top.shape
        h = top.reshape(T * B, H)  # (N, H) time-major rows
        y = np.asarray(targets).T.reshape(-1)  # (N,) the next words in the same order
        W, b = self.decoder_weight, self.params["decoder.bias"]
        if samples is None:
            loss, dh, dW, db = full_softmax_loss(h, y, W, b)
        else:
            loss, dh, dW, db = sampled_softmax_loss(h, y, W, b, samples)
        grads = self.backward(dh.reshape(T, B, H), cache)
        grads["decoder.bias"] = db
        if self.config.tied:  # the decoder's rows are the embedding's: both gradients go to it
            dE = grads["embedding.weight"]
            dW = embedding_grad(np.concatenate([dE.rows, dW.rows]), np.concatenate([dE.values, dW.values]),
                                self.config.vocab_size)
            grads["embedding.weight"] = dW
        else:
            grads["decoder.weight"] = dW
        if not sparse:
            grads = {k: g.to_dense() if isinstance(g, EmbeddingGrad) else g for k, g in grads.items()}
        return loss, {name: grads[name] for name in lm_param_shapes(self.config)}, new_state

    def negative_log_likelihood(self, inputs, targets, state) -> tuple[float, tuple]:
        """Sum of -log p(next word) over a segment by the full softmax, no dropout -> (sum, new state)."""
        top, _, new_state = self.forward(inputs, state)
        T, B, H = top.shape
        y = np.asarray(targets).T.reshape(-1)  # (N,)
        return full_softmax_nll(top.reshape(T * B, H), y, self.decoder_weight, self.params["decoder.bias"]), new_state
