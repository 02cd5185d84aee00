"""The many-to-one network: embedding -> recurrent layers -> state at the last real token -> linear.

    ids (B, T), lengths (B,)
      -> X = embedding.weight[ids]                     (T, B, E)   one-hot times a matrix = a row gather
      -> recurrent layers (stacked, optionally both directions)   (T, B, H·dirs)
      -> features = final state of each direction      (B, H·dirs)
      -> logits = features @ fc.weight.T + fc.bias     (B, C)      softmax / cross-entropy outside

Parameters live in one flat dict keyed by PyTorch's names (``embedding.weight``, ``rnn.weight_ih_l0``,
``rnn.weight_hh_l0_reverse``, ``fc.weight`` ...), and gradients use the same keys, so weights can be
compared one to one with ``torch.nn.Embedding`` + ``torch.nn.GRU``/``LSTM``/``RNN`` + ``torch.nn.Linear``.
"""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass, field

import numpy as np

from sentiment_rnn.nn.batching import PAD_ID, UNK_ID, reversed_time_index
from sentiment_rnn.nn.cells import LayerWeights, make_cell
from sentiment_rnn.nn.embedding import EmbeddingGrad, distinct_words, embedding_grad
from sentiment_rnn.nn.functional import cross_entropy
from sentiment_rnn.nn.inference import Inference
from sentiment_rnn.nn.init import orthogonal, xavier_uniform
from sentiment_rnn.nn.stacked import backward_stacked, run_stacked

__all__ = ["ModelConfig", "RNNModel", "init_params", "param_shapes", "training_bytes"]


@dataclass(frozen=True)
class ModelConfig:
    """Sizes and choices that define the network (its hyperparameters, not its weights)."""

    vocab_size: int
    embedding_dim: int = 128
    hidden_size: int = 128
    num_classes: int = 2
    cell: str = "lstm"
    activation: str = "tanh"  # Elman only
    num_layers: int = 1
    bidirectional: bool = False
    dropout: float = 0.5  # on the final features and between stacked layers
    embedding_dropout: float = 0.2
    word_dropout: float = 0.0  # in training, this fraction of words is read as the unknown word (id 1)

    def __post_init__(self):
        make_cell(self.cell, self.activation)  # validates cell and activation names
        for name in ("vocab_size", "embedding_dim", "hidden_size", "num_classes", "num_layers"):
            if not isinstance(getattr(self, name), numbers.Integral) or isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be an integer, got {getattr(self, name)!r}")
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not isinstance(self.bidirectional, (bool, np.bool_)):
            raise ValueError(f"bidirectional must be true or false, got {self.bidirectional!r}")
        for name in ("dropout", "embedding_dropout", "word_dropout"):
            if not isinstance(getattr(self, name), numbers.Real) or not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)}")

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def suffixes(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    def to_dict(self) -> dict:
        return asdict(self)


def param_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """The name and shape of every parameter, in a fixed order."""
    V, E, H, C = config.vocab_size, config.embedding_dim, config.hidden_size, config.num_classes
    G = make_cell(config.cell, config.activation).gates * H
    shapes: dict[str, tuple[int, ...]] = {"embedding.weight": (V, E)}
    for layer in range(config.num_layers):
        D = E if layer == 0 else H * config.directions
        for suffix in config.suffixes:
            shapes[f"rnn.weight_ih_l{layer}{suffix}"] = (G, D)
            shapes[f"rnn.weight_hh_l{layer}{suffix}"] = (G, H)
            shapes[f"rnn.bias_ih_l{layer}{suffix}"] = (G,)
            shapes[f"rnn.bias_hh_l{layer}{suffix}"] = (G,)
    shapes["fc.weight"] = (C, H * config.directions)
    shapes["fc.bias"] = (C,)
    return shapes


def training_bytes(config: ModelConfig, batch_tokens: int, itemsize: int = 4) -> int:
    """About the memory of training: the parameters four times (weights, gradients and Adam's two moments)
    and, for each of ``batch_tokens`` padded tokens of the largest batch, every layer's cached inputs, states
    and gates with their gradients: 2 (E or H·dirs + G + 3H) numbers per layer and direction.

    >>> training_bytes(ModelConfig(vocab_size=10, embedding_dim=4, hidden_size=2, num_classes=2), 1)
    1904
    """
    params = sum(int(np.prod(shape, dtype=np.float64)) for shape in param_shapes(config).values())
    H, E = config.hidden_size, config.embedding_dim
    G = make_cell(config.cell, config.activation).gates * H
    per_token = sum(2 * ((E if layer == 0 else H * config.directions) + G + 3 * H) * config.directions
                    for layer in range(config.num_layers))
    return itemsize * (4 * params + batch_tokens * per_token)


def init_params(config: ModelConfig, rng: np.random.Generator, dtype=np.float32) -> dict[str, np.ndarray]:
    """Xavier for input and output weights, orthogonal for each gate's recurrent block, zero biases
    except the LSTM forget gate's (+1, so the cell remembers by default), N(0, 0.1²) embeddings."""
    H = config.hidden_size
    params: dict[str, np.ndarray] = {}
    for name, shape in param_shapes(config).items():
        if name == "embedding.weight":
            params[name] = (0.1 * rng.standard_normal(shape)).astype(dtype)
        elif "weight_hh" in name:
            blocks = [orthogonal(rng, (H, H), dtype) for _ in range(shape[0] // H)]
            params[name] = np.concatenate(blocks, axis=0)
        elif "weight" in name:
            params[name] = xavier_uniform(rng, shape, dtype)
        else:
            params[name] = np.zeros(shape, dtype=dtype)
            if config.cell == "lstm" and name.startswith("rnn.bias_hh"):
                params[name][H : 2 * H] = 1.0
    return params


@dataclass(frozen=True)
class LayerCache:
    caches: tuple  # one cell cache per direction
    dropout_mask: np.ndarray | None  # (T, B, H·dirs) on this layer's output, or None


@dataclass(frozen=True)
class ForwardCache:
    ids: np.ndarray  # (T, B) time-major word ids
    mask: np.ndarray  # (T, B, 1)
    reverse_index: np.ndarray  # (T, B) time index of each step in its review's reversed order
    embedding_dropout_mask: np.ndarray | None  # (T, B, E)
    layers: tuple[LayerCache, ...]
    features: np.ndarray  # (B, H·dirs) after dropout
    feature_dropout_mask: np.ndarray | None  # (B, H·dirs)
    top_states: tuple[np.ndarray, ...] = field(repr=False)  # per direction (T + 1, B, H), cell time order
    words: np.ndarray | None = None  # (U,) distinct ids, when the first layer read plain embedding rows
    positions: np.ndarray | None = None  # (T, B) each position's index into words


def _dropout_mask(rng: np.random.Generator, shape, rate: float, dtype) -> np.ndarray | None:
    """Inverted dropout: keep with probability 1 - rate and scale by 1 / (1 - rate)."""
    if rate <= 0.0:
        return None
    keep = (rng.random(shape) >= rate).astype(dtype)
    return keep / np.asarray(1.0 - rate, dtype=dtype)


class RNNModel:
    """The network: a config, a dict of parameters, and forward / backward passes over a batch."""

    def __init__(self, config: ModelConfig, params: dict[str, np.ndarray]):
        self.config = config
        self.cell = make_cell(config.cell, config.activation)
        self.params = params
        self.check_params()
        self._inference_cache = None  # the prediction pass's per-model preparation (nn/inference.py)

    @classmethod
    def initialize(cls, config: ModelConfig, rng: np.random.Generator, dtype=np.float32) -> "RNNModel":
        return cls(config, init_params(config, rng, dtype))

    @property
    def dtype(self):
        return self.params["fc.weight"].dtype

    def check_params(self) -> None:
        """Raise ValueError unless every expected parameter is present with its shape."""
        expected = param_shapes(self.config)
        missing = sorted(set(expected) - set(self.params))
        unknown = sorted(set(self.params) - set(expected))
        if missing or unknown:
            raise ValueError(f"parameters do not match the config: missing {missing}, unexpected {unknown}")
        for name, shape in expected.items():
            if self.params[name].shape != shape:
                raise ValueError(f"parameter {name} has shape {self.params[name].shape}, expected {shape}")

    def layer_weights(self, layer: int, suffix: str) -> LayerWeights:
        """The four arrays (views, not copies) of recurrent ``layer`` in direction ``suffix`` ("" or "_reverse")."""
        p = self.params
        return LayerWeights(
            p[f"rnn.weight_ih_l{layer}{suffix}"],
            p[f"rnn.weight_hh_l{layer}{suffix}"],
            p[f"rnn.bias_ih_l{layer}{suffix}"],
            p[f"rnn.bias_hh_l{layer}{suffix}"],
        )

    # ------------------------------------------------------------------------------------------------
    def forward(self, ids, lengths, *, train: bool = False, rng: np.random.Generator | None = None):
        """ids (B, T) int, lengths (B,) int >= 1 -> (logits (B, C), cache).

        With ``train=True`` dropout is applied, drawing its masks from ``rng``.
        """
        cfg, dtype = self.config, self.dtype
        if train and (cfg.dropout > 0 or cfg.embedding_dropout > 0 or cfg.word_dropout > 0) and rng is None:
            raise ValueError("training with dropout needs an rng")
        ids = np.asarray(ids).T  # (T, B) time-major
        if train and cfg.word_dropout > 0:  # word dropout: forget some words, keep the padding
            ids = np.where((rng.random(ids.shape) < cfg.word_dropout) & (ids != PAD_ID), UNK_ID, ids)  # (T, B)
        lengths = np.asarray(lengths)
        T, B = ids.shape
        H = cfg.hidden_size
        mask = (np.arange(T)[:, None] < lengths[None, :]).astype(dtype)[:, :, None]  # (T, B, 1)
        reverse_index = reversed_time_index(lengths, T)  # (T, B)
        batch = np.arange(B)[None, :]  # (1, B)
        h0 = np.zeros((B, H), dtype=dtype)

        table = self.params["embedding.weight"]  # (V, E)
        E = table.shape[1]
        embedding_mask = _dropout_mask(rng, (T, B, E), cfg.embedding_dropout, dtype) if train else None
        # Plain embedding rows (no embedding dropout): the first layer projects each distinct word once
        # and the backward pass sums each word's gradients before its matmuls (the cell's backward_words).
        by_word = embedding_mask is None
        words, positions = distinct_words(ids) if by_word else (None, None)  # (U,), (T, B)
        inputs = None if by_word else table[ids] * embedding_mask  # (T, B, E)

        caches = [[] for _ in range(cfg.num_layers)]  # [layer][direction] the cell caches
        states = [[] for _ in range(cfg.num_layers)]  # [layer][direction] Hs (T + 1, B, H), cell time order
        dropout_masks = []  # per layer below the top: (T, B, H·dirs) on its outputs, or None

        def run_direction(layer, d, x):  # x (T, B, D) in the direction's time order, or None: the words
            weights = self.layer_weights(layer, cfg.suffixes[d])
            if x is None:  # x = embedding rows: each word projected once, gathered
                cell_positions = positions[reverse_index, batch] if d == 1 else positions  # (T, B)
                Hs, cell_cache = self.cell.forward_words(table[words], cell_positions, mask, weights, h0)
            else:
                Hs, cell_cache = self.cell.forward(x, mask, weights, h0)  # (T + 1, B, H)
            caches[layer].append(cell_cache)
            states[layer].append(Hs)
            return Hs[1:], Hs[T]  # (T, B, H) outputs, (B, H) state at the last real token

        def dropout_between(layer, outputs):  # (T, B, H·dirs)
            layer_mask = _dropout_mask(rng, outputs.shape, cfg.dropout, dtype) if train else None
            dropout_masks.append(layer_mask)
            return outputs if layer_mask is None else outputs * layer_mask

        finals = run_stacked(cfg.num_layers, cfg.directions, reverse_index, run_direction, dropout_between, inputs)
        layers = [LayerCache(tuple(c), m) for c, m in zip(caches, dropout_masks + [None])]
        top_states = states[-1]  # per direction (T + 1, B, H)
        features = np.concatenate(finals, axis=-1)  # (B, H·dirs) each direction's state at the last real token
        feature_mask = _dropout_mask(rng, features.shape, cfg.dropout, dtype) if train else None
        if feature_mask is not None:
            features = features * feature_mask
        logits = np.matmul(features, self.params["fc.weight"].T) + self.params["fc.bias"]  # (B, C)
        cache = ForwardCache(
            ids, mask, reverse_index, embedding_mask, tuple(layers), features, feature_mask, tuple(top_states),
            words, positions,
        )
        return logits, cache

    # ------------------------------------------------------------------------------------------------
    def backward(self, dlogits: np.ndarray, cache: ForwardCache, *, sparse_embedding: bool = False,
                 state_grads: np.ndarray | None = None):
        """dlogits (B, C) -> gradients of every parameter, keyed like the parameters.

        The embedding gradient is an ``EmbeddingGrad`` of the rows seen when ``sparse_embedding`` is
        true, else a dense (V, E) array. A (T, B, H) ``state_grads`` array is filled with dLoss/dh_t of
        the top layer's forward direction (how far back the error signal reaches).
        """
        cfg = self.config
        H = cfg.hidden_size
        T, B = cache.ids.shape
        batch = np.arange(B)[None, :]
        grads: dict[str, np.ndarray] = {}

        # into the linear layer: logits = features @ W.T + b
        grads["fc.weight"] = np.matmul(dlogits.T, cache.features)  # (C, H·dirs)
        grads["fc.bias"] = dlogits.sum(axis=0)  # (C,)
        dfeatures = np.matmul(dlogits, self.params["fc.weight"])  # (B, H·dirs)
        if cache.feature_dropout_mask is not None:
            dfeatures = dfeatures * cache.feature_dropout_mask  # through dropout

        # into the recurrent layers, top to bottom; the features are each direction's final state
        def backward_direction(layer, d, dHs):  # dHs (T, B, H) in the direction's time order
            suffix = cfg.suffixes[d]
            cell_cache = cache.layers[layer].caches[d]
            record = state_grads if (layer == cfg.num_layers - 1 and d == 0) else None
            if layer == 0 and cache.words is not None:  # dx (U, E): each word's gradient
                positions = cache.positions[cache.reverse_index, batch] if d == 1 else cache.positions
                rows = self.params["embedding.weight"][cache.words]  # (U, E)
                dx, layer_grads = self.cell.backward_words(dHs, cell_cache, rows, positions, record)
            else:  # dx (T, B, D)
                dx, layer_grads, _ = self.cell.backward(dHs, cell_cache, record)
            grads[f"rnn.weight_ih_l{layer}{suffix}"] = layer_grads.weight_ih
            grads[f"rnn.weight_hh_l{layer}{suffix}"] = layer_grads.weight_hh
            grads[f"rnn.bias_ih_l{layer}{suffix}"] = layer_grads.bias_ih
            grads[f"rnn.bias_hh_l{layer}{suffix}"] = layer_grads.bias_hh
            return dx

        def dropout_between(layer, doutputs):  # (T, B, H·dirs)
            layer_mask = cache.layers[layer].dropout_mask
            return doutputs if layer_mask is None else doutputs * layer_mask  # through dropout between layers

        dfinals = [dfeatures[:, d * H : (d + 1) * H] for d in range(cfg.directions)]  # (B, H) each
        doutputs = backward_stacked(cfg.num_layers, cfg.directions, cache.reverse_index, dfinals,
                                    backward_direction, dropout_between, inputs_given=cache.words is None)

        # into the embedding rows: X = embedding.weight[ids]
        if cache.words is not None:  # already summed per word
            dembedding = EmbeddingGrad(cache.words, doutputs, cfg.vocab_size)
        else:
            doutputs = doutputs * cache.embedding_dropout_mask  # through dropout
            E = cfg.embedding_dim
            dembedding = embedding_grad(cache.ids.reshape(-1), doutputs.reshape(T * B, E), cfg.vocab_size)
        grads["embedding.weight"] = dembedding if sparse_embedding else dembedding.to_dense()
        return {name: grads[name] for name in param_shapes(cfg)}

    # ------------------------------------------------------------------------------------------------
    def loss_and_grads(self, ids, lengths, targets, *, train=False, rng=None, sparse_embedding=False):
        """Mean cross-entropy of the batch and the gradient of every parameter (same keys)."""
        logits, cache = self.forward(ids, lengths, train=train, rng=rng)
        loss, dlogits = cross_entropy(logits, np.asarray(targets))
        return loss, self.backward(dlogits, cache, sparse_embedding=sparse_embedding)

    def logits(self, ids, lengths) -> np.ndarray:
        """Inference logits (B, C), no dropout: ``forward``'s numbers by the faster prediction pass."""
        return Inference(self, np.unique(ids)).logits(ids, lengths)
