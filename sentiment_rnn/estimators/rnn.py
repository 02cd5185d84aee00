"""``RNNClassifier``: the network as a scikit-learn style estimator over raw texts.

The constructor only stores hyperparameters; ``fit(texts, y)`` tokenizes, builds the vocabulary and
trains, and returns ``self``; ``predict``, ``predict_proba`` (n, C) and ``score`` follow scikit-learn.
Learned state ends in ``_`` (``vocab_``, ``model_``, ``classes_``, ``params_``). The estimator works
with ``sklearn.base.clone``, ``Pipeline``, ``cross_val_score``, ``roc_auc`` scoring and
``CalibratedClassifierCV`` (``decision_function`` is (n,) for two classes, as scikit-learn's are); it
imports scikit-learn only when it must (``fit`` checks the labels as scikit-learn does; an unfitted model
raises its ``NotFittedError``), so loading a model for ``predict`` stays fast.

Texts may be raw strings (tokenized with :func:`sentiment_rnn.text.tokenizer.tokenize`) or lists of tokens
(used as they are, e.g. a treebank's own tokens).
"""

from __future__ import annotations

import functools
import inspect
import os
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from sentiment_rnn.errors import SentimentRNNError
from sentiment_rnn.hyperparameters import DEFAULTS, HYPERPARAMETERS
from sentiment_rnn.nn.batching import pad_batch
from sentiment_rnn.nn.functional import collapse_classes, softmax
from sentiment_rnn.nn.inference import predict_logits
from sentiment_rnn.nn.model import ModelConfig, RNNModel
from sentiment_rnn.text.tokenizer import tokenize
from sentiment_rnn.text.vocab import Vocab

if TYPE_CHECKING:
    from sentiment_rnn.training.loop import TrainConfig, TrainResult

__all__ = ["BaseClassifier", "RNNClassifier", "as_tokens", "check_texts", "in_chunks"]

BINARY_LABEL_NAMES = ("negative", "positive")


def as_tokens(text) -> list[str]:
    """A raw string is tokenized; a list or tuple of tokens is taken as it is (lowercased)."""
    if isinstance(text, str):
        return tokenize(text)
    if isinstance(text, (list, tuple)):
        return [str(token).lower() for token in text]
    raise TypeError(f"expected a string or a list of tokens, got {type(text).__name__}")


def check_texts(X) -> None:
    """TypeError unless ``X`` is a collection of texts: a bare string (or bytes) is refused, not read as one
    text per character."""
    if isinstance(X, (str, bytes)):
        raise TypeError(f"expected a list of texts, got a single {type(X).__name__}: pass [text]")


PREDICT_CHUNK_TEXTS = 1000  # texts tokenized and scored at a time: memory bounded by the chunk, not by len(X)


def in_chunks(method):
    """``method(self, X)`` -> (n, ...) array, checked by :func:`check_texts` and run PREDICT_CHUNK_TEXTS texts at
    a time (the rows concatenated), so that scoring 20,000 long reviews holds one chunk's tokens at once."""

    @functools.wraps(method)
    def chunked(self, X, *args, **kwargs):
        check_texts(X)
        if not hasattr(X, "__len__") or not hasattr(X, "__getitem__"):  # a generator, a set
            X = list(X)
        if len(X) <= PREDICT_CHUNK_TEXTS:
            return method(self, X, *args, **kwargs)
        return np.concatenate([method(self, X[start : start + PREDICT_CHUNK_TEXTS], *args, **kwargs)
                               for start in range(0, len(X), PREDICT_CHUNK_TEXTS)])

    return chunked


def binary_scores(scores: np.ndarray) -> np.ndarray:
    """(n, C) scores as ``decision_function`` returns them: for two classes the (n,) margin of the second
    class over the first, else unchanged."""
    return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores


@functools.cache
def _not_fitted_type() -> type:
    """scikit-learn's NotFittedError that is also one of this library's errors (made on first use, so
    that scikit-learn is imported only when a model is used unfitted)."""
    from sklearn.exceptions import NotFittedError

    return type("NotFittedError", (NotFittedError, SentimentRNNError), {"__module__": __name__})


def not_fitted_error(message: str) -> Exception:
    """The error of a classifier used before it is fitted: a ``sklearn.exceptions.NotFittedError`` (so a
    ValueError and an AttributeError) and a SentimentRNNError."""
    return _not_fitted_type()(message)


def _classification_targets(y) -> np.ndarray:
    """``y`` as an array of class labels, refused as scikit-learn's classifiers refuse it: None, NaN or
    infinite values, continuous numbers (0.5, 1.7), several columns."""
    if y is None:
        raise ValueError("RNNClassifier requires y to be passed, but the target y is None")
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be one label per text (1-d), got shape {y.shape}")
    if len(y) == 0:
        raise ValueError("fit needs at least one text: 0 samples given")
    if y.dtype.kind == "c":
        raise ValueError("Complex data not supported as labels")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError("Input y contains NaN or infinity.")
    if y.dtype.kind == "f" and np.any(y != np.round(y)):
        raise ValueError("Unknown label type: continuous. Labels must be classes (integers or strings), "
                         "not numbers such as 0.5")
    if y.dtype.kind == "O" and not all(isinstance(v, (str, int, np.integer)) for v in y):
        raise ValueError("Unknown label type: labels must be strings or integers")
    return y


class BaseClassifier:
    """What every fitted classifier offers, a single network (:class:`RNNClassifier`) or an average of
    several (:class:`~sentiment_rnn.estimators.ensemble.EnsembleClassifier`):

    * ``kind``: "network" or "ensemble" (the model file's ``kind``);
    * ``networks``: the fitted single-network classifiers it is made of (itself, for a network);
    * ``reads_by_sentence(text)``: whether it reads ``text`` sentence by sentence (a review model, on a text
      of several sentences), and can then ``explain_review(text)``;
    * ``classes_`` and ``label_names_``; ``predict_proba(X)`` (n, C); ``decision_function(X)`` (n,) for two
      classes, (n, C) for more;
      ``predict`` and ``score``, defined here from ``predict_proba``.
    """

    kind: str

    @property
    def networks(self) -> list["RNNClassifier"]:
        raise NotImplementedError

    def predict_proba(self, X: Sequence) -> np.ndarray:
        raise NotImplementedError

    def _check_fitted(self) -> None:
        raise NotImplementedError

    def reads_by_sentence(self, text) -> bool:
        """Whether ``text`` is read sentence by sentence; a network reads every text as one sequence."""
        return False

    def predict(self, X: Sequence) -> np.ndarray:
        """The most probable class of each text (n,), from ``classes_``."""
        self._check_fitted()
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def score(self, X: Sequence, y) -> float:
        """Mean accuracy."""
        return float(np.mean(self.predict(X) == np.asarray(y)))


class RNNClassifier(BaseClassifier):
    """Many-to-one recurrent sentiment classifier trained by backpropagation through time.

    Parameters mirror the command line: ``cell`` ('elman', 'gru', 'lstm'), ``activation`` (Elman:
    'tanh', 'relu', 'sigmoid'), sizes, dropout, the optimizer and its schedule, early stopping
    (``patience`` epochs on the dev split, or on a ``validation_fraction`` held out of the training
    data when no dev split is given), vocabulary limits, optional pretrained word vectors
    (``pretrained_vectors``: a path written by :func:`sentiment_rnn.text.embeddings.save_vectors`) and
    ``random_state``.

    ``train_label_map`` trains on finer labels than it predicts: training label k (an int) is a class
    of the network's softmax that counts towards predicted class ``train_label_map[k]`` (None: towards
    none). ``(0, 0, None, 1, 1)`` trains on the treebank's five sentiment labels, neutral phrases
    included, and predicts negative (0) or positive (1) from P(0) + P(1) against P(3) + P(4). The dev
    labels are then predicted classes, and early stopping watches the predicted classes' accuracy.
    """

    kind = "network"
    _estimator_type = "classifier"  # scikit-learn before 1.6 reads this; later versions __sklearn_tags__

    def __init__(
        self,
        cell: str = DEFAULTS.cell,
        activation: str = DEFAULTS.activation,
        embedding_dim: int = DEFAULTS.embedding_dim,
        hidden_size: int = DEFAULTS.hidden_size,
        num_layers: int = DEFAULTS.num_layers,
        bidirectional: bool = DEFAULTS.bidirectional,
        dropout: float = DEFAULTS.dropout,
        embedding_dropout: float = DEFAULTS.embedding_dropout,
        word_dropout: float = DEFAULTS.word_dropout,
        epochs: int = DEFAULTS.epochs,
        batch_size: int = DEFAULTS.batch_size,
        learning_rate: float = DEFAULTS.learning_rate,
        optimizer: str = DEFAULTS.optimizer,
        clip_norm: float | None = DEFAULTS.clip_norm,
        lr_decay: float = DEFAULTS.lr_decay,
        patience: int | None = DEFAULTS.patience,
        validation_fraction: float = DEFAULTS.validation_fraction,
        min_count: int = DEFAULTS.min_count,
        max_vocab: int | None = DEFAULTS.max_vocab,
        max_len: int | None = DEFAULTS.max_len,
        pretrained_vectors: str | None = DEFAULTS.pretrained_vectors,
        freeze_embeddings: bool = DEFAULTS.freeze_embeddings,
        train_label_map: Sequence[int | None] | None = DEFAULTS.train_label_map,
        random_state: int = DEFAULTS.random_state,
    ):
        self.cell = cell
        self.activation = activation
        self.embedding_dim = embedding_dim
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.embedding_dropout = embedding_dropout
        self.word_dropout = word_dropout
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
        self.train_label_map = train_label_map
        self.random_state = random_state

    @property
    def networks(self) -> list["RNNClassifier"]:
        return [self]

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
        """The network's config: sizes from the data, the rest from the hyperparameters of scope "model"."""
        network = {h.name: getattr(self, h.name) for h in HYPERPARAMETERS.values() if h.scope == "model"}
        return ModelConfig(vocab_size=vocab_size, num_classes=num_classes, **network)

    def train_config(self) -> TrainConfig:
        from sentiment_rnn.training.loop import TrainConfig  # the fit loop loads only when training (predict starts faster)

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
        target_probabilities=None,
    ) -> "RNNClassifier":
        """Train on texts ``X`` with labels ``y``; early-stop on (``X_dev``, ``y_dev``) when given.

        With ``checkpoint`` the training state is saved there after every epoch and on Ctrl-C;
        ``resume=True`` continues from it (same data and hyperparameters, ``epochs`` may be raised) and
        gives the weights an uninterrupted run would have. See :func:`sentiment_rnn.training.loop.fit`.

        ``target_probabilities`` (n, C), columns in the order of ``np.unique(y)``, are trained on
        instead of the labels (knowledge distillation: a teacher's ``predict_proba``, which can also
        label unlabeled texts); ``y`` still names the classes and the held-out split's labels.
        """
        from sentiment_rnn.training.loop import large_enough_dev_split, stratified_holdout

        check_texts(X)
        y = _classification_targets(y)
        self._check_training_fits(vocab_size=3, longest=1)  # the sizes alone, before reading the texts
        tokens = [as_tokens(x) for x in X]
        if len(tokens) != len(y):
            raise ValueError(f"{len(tokens)} texts but {len(y)} labels")
        if target_probabilities is not None and self.train_label_map is not None:
            raise SentimentRNNError("target_probabilities cannot be combined with train_label_map")
        if self.train_label_map is None:
            self.classes_ = np.unique(y)
            targets = np.searchsorted(self.classes_, y)  # (N,) network classes = predicted classes
        else:
            self.classes_ = np.array(sorted({c for c in self.train_label_map if c is not None}))
            targets = self.training_targets(y)  # (N,) the finer training labels
        soft = None if target_probabilities is None else _probability_rows(target_probabilities, len(tokens),
                                                                          len(self.classes_))
        if len(np.unique(self._predicted_index(targets))) < 2:
            raise SentimentRNNError(f"training needs at least two classes, found only {np.unique(y).tolist()}")
        self.label_names_ = tuple(label_names) if label_names is not None else self._default_label_names()
        rng = np.random.default_rng(self.random_state)

        if X_dev is not None:
            dev_tokens = [as_tokens(x) for x in X_dev]
            dev_targets = self._encode_labels(y_dev)
        elif self.patience is not None and self.validation_fraction > 0 and large_enough_dev_split(len(tokens), self):
            held_out = stratified_holdout(targets, self.validation_fraction, rng)
            held_out_rows = np.flatnonzero(held_out)
            dev_targets = self._predicted_index(targets[held_out])  # scored as predicted classes
            dev_tokens = [tokens[i] for i, t in zip(held_out_rows, dev_targets) if t >= 0]
            dev_targets = dev_targets[dev_targets >= 0]
            tokens = [tokens[i] for i in np.flatnonzero(~held_out)]
            targets = targets[~held_out]
            soft = None if soft is None else soft[~held_out]
        else:
            dev_tokens, dev_targets = None, None

        self.vocab_, embedding = self._build_vocab_and_embedding(tokens, rng)
        num_outputs = len(self.classes_) if self.train_label_map is None else len(self.train_label_map)
        self._check_training_fits(len(self.vocab_), max(map(len, tokens), default=1), num_outputs)
        self.model_ = RNNModel.initialize(self.model_config(len(self.vocab_), num_outputs), rng)
        if embedding is not None:
            self.model_.params["embedding.weight"][...] = embedding
        train_ids = [self.vocab_.encode(t) for t in tokens]
        dev_ids = None if dev_tokens is None else [self.vocab_.encode(t) for t in dev_tokens]
        from sentiment_rnn.training.loop import fit

        self.training_: TrainResult = fit(
            self.model_, train_ids, targets if soft is None else soft, self.train_config(), dev_ids, dev_targets,
            progress, on_epoch,
            checkpoint=checkpoint, resume=resume, output_map=self._output_map(),
        )
        return self

    # --- training labels and predicted classes ----------------------------------------------------
    def training_targets(self, y) -> np.ndarray:
        """The network's class index (N,) of each training label."""
        y = np.asarray(y)
        if self.train_label_map is None:
            return self._encode_labels(y)
        K = len(self.train_label_map)
        if y.dtype.kind not in "iu" or (len(y) and (y.min() < 0 or y.max() >= K)):
            raise SentimentRNNError(f"with train_label_map, training labels must be integers 0..{K - 1}")
        return y.astype(np.int64)

    def _predicted_index(self, targets: np.ndarray) -> np.ndarray:
        """Index into ``classes_`` of the class each network class counts towards (-1: none)."""
        if self.train_label_map is None:
            return targets
        lookup = np.array([-1 if c is None else int(np.searchsorted(self.classes_, c)) for c in self.train_label_map])
        return lookup[targets]

    def _output_map(self) -> np.ndarray | None:
        """(K, C) 0/1 matrix summing the network's K class probabilities into the C predicted classes."""
        if self.train_label_map is None:
            return None
        K, C = len(self.train_label_map), len(self.classes_)
        rows = self._predicted_index(np.arange(K))
        output_map = np.zeros((K, C))
        output_map[rows >= 0, rows[rows >= 0]] = 1.0
        return output_map

    def probabilities_from_logits(self, logits: np.ndarray) -> np.ndarray:
        """(n, K) network logits -> (n, C) probabilities of the predicted classes."""
        return self.collapse_probabilities(softmax(np.asarray(logits, dtype=np.float64)))

    def collapse_probabilities(self, probabilities: np.ndarray) -> np.ndarray:
        """(n, K) probabilities of the network's classes -> (n, C) of the predicted classes (the same
        array when the network's classes are the predicted ones)."""
        output_map = self._output_map()
        return probabilities if output_map is None else collapse_classes(probabilities, output_map)

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

    def _check_training_fits(self, vocab_size: int, longest: int, num_outputs: int = 2) -> None:
        from sentiment_rnn.training.loop import check_training_fits  # MemoryBudgetError for what cannot fit

        check_training_fits(self.model_config(vocab_size, num_outputs), self.batch_size,
                            longest if self.max_len is None else min(longest, self.max_len))

    def _build_vocab_and_embedding(self, tokens, rng):
        vocab = Vocab.build(tokens, min_count=self.min_count, max_size=self.max_vocab)
        if self.pretrained_vectors is None:
            return vocab, None
        from sentiment_rnn.text.embeddings import embedding_matrix, load_vectors

        words, vectors = load_vectors(self.pretrained_vectors)
        if vectors.shape[1] != self.embedding_dim:
            raise SentimentRNNError(
                f"pretrained vectors have {vectors.shape[1]} dimensions but embedding_dim is {self.embedding_dim}"
            )
        # Words with a pretrained vector keep their meaning even when the training data never shows them:
        # they join the vocabulary after the training words, most frequent first, up to max_vocab.
        extra = [w for w in words if w not in vocab]
        room = len(extra) if self.max_vocab is None else max(0, self.max_vocab - len(vocab))
        vocab = Vocab.from_list(vocab.to_list() + extra[:room])
        weight, _ = embedding_matrix(vocab.to_list(), words, vectors.astype(np.float32), rng)
        return vocab, weight

    # --- prediction --------------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise not_fitted_error("this RNNClassifier is not fitted yet; call fit() or load_model()")

    def encode(self, X: Sequence) -> list[np.ndarray]:
        """Token ids of each text (unknown words -> UNK)."""
        self._check_fitted()
        return [self.vocab_.encode(as_tokens(x)) for x in X]

    @in_chunks
    def decision_function(self, X: Sequence) -> np.ndarray:
        """Scores as scikit-learn's classifiers give them: (n,) for two classes, the positive class's
        (``classes_[1]``) log-odds, so that ``roc_auc`` and ``CalibratedClassifierCV`` work; (n, C) logits
        for more classes. With ``train_label_map``, from the log-probabilities of the predicted classes."""
        ids = self.encode(X)  # checks that the model is fitted
        logits = predict_logits(self.model_, ids, max_len=self.max_len)
        if self.train_label_map is not None:
            logits = np.log(np.maximum(self.probabilities_from_logits(logits), 1e-300))
        return binary_scores(logits)

    @in_chunks
    def predict_proba(self, X: Sequence) -> np.ndarray:
        """Class probabilities (n, C), columns in the order of ``classes_``."""
        ids = self.encode(X)  # checks that the model is fitted
        return self.probabilities_from_logits(predict_logits(self.model_, ids, max_len=self.max_len))

    # --- parameters and gradients ------------------------------------------------------------------
    @property
    def params_(self) -> dict[str, np.ndarray]:
        """The network's parameters, keyed by PyTorch's names; assign into them to set weights."""
        self._check_fitted()
        return self.model_.params

    def loss_and_gradients(self, X: Sequence, y) -> tuple[float, dict[str, np.ndarray]]:
        """Mean cross-entropy on (X, y) and its gradient for every parameter (same keys), no dropout;
        ``y`` are training labels (the finer ones with ``train_label_map``)."""
        ids, lengths = pad_batch(self.encode(X))
        return self.model_.loss_and_grads(ids, lengths, self.training_targets(y))


def _probability_rows(values, n: int, C: int) -> np.ndarray:
    """``values`` as an (n, C) float64 array of rows of probabilities, or ValueError."""
    rows = np.asarray(values, dtype=np.float64)  # (n, C)
    if rows.shape != (n, C) or not np.all(np.isfinite(rows)) or rows.min(initial=0) < 0 \
            or not np.allclose(rows.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError(f"target_probabilities must be ({n}, {C}) rows of probabilities")
    return rows
