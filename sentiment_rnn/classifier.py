"""``RNNClassifier``: the network as a scikit-learn style estimator over raw texts.

The constructor only stores hyperparameters; ``fit(texts, y)`` tokenizes, builds the vocabulary and
trains, and returns ``self``; ``predict``, ``predict_proba`` (n, C) and ``score`` follow scikit-learn.
Learned state ends in ``_`` (``vocab_``, ``model_``, ``classes_``, ``params_``). The estimator works
with ``sklearn.base.clone``, ``Pipeline`` and ``cross_val_score`` through scikit-learn's duck typing;
it does not import scikit-learn itself, so loading a model for ``predict`` stays fast.

Texts may be raw strings (tokenized with :func:`sentiment_rnn.text.tokenize`) or lists of tokens
(used as they are, e.g. a treebank's own tokens).
"""

from __future__ import annotations

import inspect
import os
from typing import Callable, Sequence

import numpy as np

from sentiment_rnn.errors import SentimentRNNError
from sentiment_rnn.functional import softmax
from sentiment_rnn.model import ModelConfig, RNNModel
from sentiment_rnn.text import tokenize
from sentiment_rnn.train import TrainConfig, TrainResult, fit, predict_logits
from sentiment_rnn.vocab import Vocab

__all__ = ["RNNClassifier", "as_tokens"]

BINARY_LABEL_NAMES = ("negative", "positive")


def as_tokens(text) -> list[str]:
    """A raw string is tokenized; a list or tuple of tokens is taken as it is (lowercased)."""
    if isinstance(text, str):
        return tokenize(text)
    if isinstance(text, (list, tuple)):
        return [str(token).lower() for token in text]
    raise TypeError(f"expected a string or a list of tokens, got {type(text).__name__}")


class RNNClassifier:
    """Many-to-one recurrent sentiment classifier trained by backpropagation through time.

    Parameters mirror the command line: ``cell`` ('elman', 'gru', 'lstm'), ``activation`` (Elman:
    'tanh', 'relu', 'sigmoid'), sizes, dropout, the optimizer and its schedule, early stopping
    (``patience`` epochs on the dev split, or on a ``validation_fraction`` held out of the training
    data when no dev split is given), vocabulary limits, optional pretrained word vectors
    (``pretrained_vectors``: a path written by :func:`sentiment_rnn.embeddings.save_vectors`) and
    ``random_state``.
    """

    def __init__(
        self,
        cell: str = "lstm",
        activation: str = "tanh",
        embedding_dim: int = 128,
        hidden_size: int = 128,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.5,
        embedding_dropout: float = 0.2,
        epochs: int = 10,
        batch_size: int = 64,
        learning_rate: float = 2e-3,
        optimizer: str = "adam",
        clip_norm: float | None = 5.0,
        lr_decay: float = 1.0,
        patience: int | None = 3,
        validation_fraction: float = 0.1,
        min_count: int = 1,
        max_vocab: int | None = None,
        max_len: int | None = None,
        pretrained_vectors: str | None = None,
        freeze_embeddings: bool = False,
        random_state: int = 0,
    ):
        self.cell = cell
        self.activation = activation
        self.embedding_dim = embedding_dim
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.embedding_dropout = embedding_dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.clip_norm = clip_norm
        self.lr_decay = lr_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.max_len = max_len
        self.pretrained_vectors = pretrained_vectors
        self.freeze_embeddings = freeze_embeddings
        self.random_state = random_state

    # --- scikit-learn's estimator protocol ---------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params) -> "RNNClassifier":
        for name, value in params.items():
            if name not in self._param_names():
                raise ValueError(f"invalid parameter {name!r} for RNNClassifier")
            setattr(self, name, value)
        return self

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(
            estimator_type="classifier",
            target_tags=TargetTags(required=True),
            classifier_tags=ClassifierTags(),
            input_tags=InputTags(one_d_array=True, two_d_array=False, string=True),
        )

    def __repr__(self) -> str:
        defaults = type(self)().get_params()
        changed = {k: v for k, v in self.get_params().items() if v != defaults[k]}
        return f"RNNClassifier({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    # --- training ----------------------------------------------------------------------------------
    def model_config(self, vocab_size: int, num_classes: int) -> ModelConfig:
        return ModelConfig(
            vocab_size=vocab_size,
            embedding_dim=self.embedding_dim,
            hidden_size=self.hidden_size,
            num_classes=num_classes,
            cell=self.cell,
            activation=self.activation,
            num_layers=self.num_layers,
            bidirectional=self.bidirectional,
            dropout=self.dropout,
            embedding_dropout=self.embedding_dropout,
        )

    def train_config(self) -> TrainConfig:
        return TrainConfig(
            epochs=self.epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            optimizer=self.optimizer,
            clip_norm=self.clip_norm,
            patience=self.patience,
            lr_decay=self.lr_decay,
            max_len=self.max_len,
            seed=self.random_state,
            frozen=("embedding.weight",) if self.freeze_embeddings else (),
        )

    def fit(
        self,
        X: Sequence,
        y,
        *,
        X_dev: Sequence | None = None,
        y_dev=None,
        label_names: Sequence[str] | None = None,
        progress: Callable[[int, int], None] | None = None,
        on_epoch: Callable | None = None,
        checkpoint: str | os.PathLike | None = None,
        resume: bool = False,
    ) -> "RNNClassifier":
        """Train on texts ``X`` with labels ``y``; early-stop on (``X_dev``, ``y_dev``) when given.

        With ``checkpoint`` the training state is saved there after every epoch and on Ctrl-C;
        ``resume=True`` continues from it (same data and hyperparameters, ``epochs`` may be raised) and
        gives the weights an uninterrupted run would have. See :func:`sentiment_rnn.train.fit`.
        """
        tokens = [as_tokens(x) for x in X]
        y = np.asarray(y)
        if len(tokens) != len(y):
            raise ValueError(f"{len(tokens)} texts but {len(y)} labels")
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise SentimentRNNError(f"training needs at least two classes, found only {self.classes_.tolist()}")
        targets = np.searchsorted(self.classes_, y)
        self.label_names_ = tuple(label_names) if label_names is not None else self._default_label_names()
        rng = np.random.default_rng(self.random_state)

        if X_dev is not None:
            dev_tokens = [as_tokens(x) for x in X_dev]
            dev_targets = self._encode_labels(y_dev)
        elif self.patience is not None and self.validation_fraction > 0:
            held_out = _stratified_holdout(targets, self.validation_fraction, rng)
            dev_tokens = [tokens[i] for i in np.flatnonzero(held_out)]
            dev_targets = targets[held_out]
            tokens = [tokens[i] for i in np.flatnonzero(~held_out)]
            targets = targets[~held_out]
        else:
            dev_tokens, dev_targets = None, None

        self.vocab_, embedding = self._build_vocab_and_embedding(tokens, rng)
        self.model_ = RNNModel.initialize(self.model_config(len(self.vocab_), len(self.classes_)), rng)
        if embedding is not None:
            self.model_.params["embedding.weight"][...] = embedding
        train_ids = [self.vocab_.encode(t) for t in tokens]
        dev_ids = None if dev_tokens is None else [self.vocab_.encode(t) for t in dev_tokens]
        self.training_: TrainResult = fit(
            self.model_, train_ids, targets, self.train_config(), dev_ids, dev_targets, progress, on_epoch,
            checkpoint=checkpoint, resume=resume,
        )
        return self

    def _default_label_names(self) -> tuple[str, ...]:
        if len(self.classes_) == 2 and set(self.classes_.tolist()) == {0, 1}:
            return BINARY_LABEL_NAMES
        return tuple(str(c) for c in self.classes_)

    def _encode_labels(self, y) -> np.ndarray:
        y = np.asarray(y)
        index = np.searchsorted(self.classes_, y)
        index = np.minimum(index, len(self.classes_) - 1)
        if not np.all(self.classes_[index] == y):
            unknown = sorted(set(np.asarray(y).tolist()) - set(self.classes_.tolist()))
            raise ValueError(f"labels {unknown} were not seen in training")
        return index

    def _build_vocab_and_embedding(self, tokens, rng):
        vocab = Vocab.build(tokens, min_count=self.min_count, max_size=self.max_vocab)
        if self.pretrained_vectors is None:
            return vocab, None
        from sentiment_rnn.embeddings import embedding_matrix, load_vectors

        words, vectors = load_vectors(self.pretrained_vectors)
        if vectors.shape[1] != self.embedding_dim:
            raise SentimentRNNError(
                f"pretrained vectors have {vectors.shape[1]} dimensions but embedding_dim is {self.embedding_dim}"
            )
        # Words with a pretrained vector keep their meaning even when the training data never shows them.
        vocab = Vocab.from_list(vocab.to_list() + [w for w in words if w not in vocab])
        weight, _ = embedding_matrix(vocab.to_list(), words, vectors.astype(np.float32), rng)
        return vocab, weight

    # --- prediction --------------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise SentimentRNNError("this RNNClassifier is not fitted yet; call fit() or load_model()")

    def encode(self, X: Sequence) -> list[np.ndarray]:
        """Token ids of each text (unknown words -> UNK)."""
        self._check_fitted()
        return [self.vocab_.encode(as_tokens(x)) for x in X]

    def decision_function(self, X: Sequence) -> np.ndarray:
        """Logits (n, C)."""
        return predict_logits(self.model_, self.encode(X), max_len=self.max_len)

    def predict_proba(self, X: Sequence) -> np.ndarray:
        """Class probabilities (n, C), columns in the order of ``classes_``."""
        return softmax(self.decision_function(X).astype(np.float64))

    def predict(self, X: Sequence) -> np.ndarray:
        self._check_fitted()
        return self.classes_[self.decision_function(X).argmax(axis=1)]

    def score(self, X: Sequence, y) -> float:
        """Mean accuracy."""
        return float(np.mean(self.predict(X) == np.asarray(y)))

    # --- parameters and gradients ------------------------------------------------------------------
    @property
    def params_(self) -> dict[str, np.ndarray]:
        """The network's parameters, keyed by PyTorch's names; assign into them to set weights."""
        self._check_fitted()
        return self.model_.params

    def loss_and_gradients(self, X: Sequence, y) -> tuple[float, dict[str, np.ndarray]]:
        """Mean cross-entropy on (X, y) and its gradient for every parameter (same keys), no dropout."""
        from sentiment_rnn.batching import pad_batch

        ids, lengths = pad_batch(self.encode(X))
        return self.model_.loss_and_grads(ids, lengths, self._encode_labels(y))


def _stratified_holdout(targets: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask of a stratified random ``fraction`` of the examples (at least one per class)."""
    held_out = np.zeros(len(targets), dtype=bool)
    for label in np.unique(targets):
        members = np.flatnonzero(targets == label)
        count = max(1, int(round(fraction * len(members))))
        held_out[rng.choice(members, size=min(count, len(members) - 1), replace=False)] = True
    return held_out
