"""Every hyperparameter of the estimator, declared once: name, type, default, range and help.

``RNNClassifier.__init__`` takes its defaults from here, ``ModelConfig`` and ``TrainConfig`` take
theirs from here, and the command line's ``train`` options are built from here (choices read from the
registries ``CELLS``, ``ACTIVATIONS`` and ``OPTIMIZERS``), so the four can no longer disagree;
``tests/test_hyperparameters.py`` checks that they do not.

>>> DEFAULTS.dropout, DEFAULTS.cell
(0.5, 'lstm')
>>> HYPERPARAMETERS["learning_rate"].option
'--lr'
>>> [h.name for h in HYPERPARAMETERS.values() if h.scope == "model"][:3]
['cell', 'activation', 'embedding_dim']
"""

from __future__ import annotations

import math
import numbers
import os
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

from sentiment_rnn.nn.cells import CELLS
from sentiment_rnn.nn.functional import ACTIVATIONS
from sentiment_rnn.nn.optim import OPTIMIZERS

__all__ = ["Hyperparameter", "HYPERPARAMETERS", "DEFAULTS", "check_hyperparameters", "range_problem"]


@dataclass(frozen=True)
class Hyperparameter:
    """One hyperparameter of ``RNNClassifier``.

    ``kind`` is ``int``, ``float``, ``bool``, ``str`` (free text or one of ``choices``) or ``"path"``;
    ``low``/``high`` bound a number (``open`` names the bounds excluded: "low", "high" or "both");
    ``scope`` says which config it belongs to ("model": the network, "train": the fit loop, "data":
    vocabulary and input); ``option`` is its command-line flag, None when it is not on the command line
    (``nullable``: None is also a value, meaning "off" or "no limit").
    """

    name: str
    kind: Any
    default: Any
    help: str
    scope: str
    choices: tuple[str, ...] | None = None
    low: float | None = None
    high: float | None = None
    open: str = ""
    option: str | None = "auto"
    negative_option: str | None = None  # "--unidirectional" for "--bidirectional"
    nullable: bool = False  # None is a valid value (off / no limit)

    def __post_init__(self):
        if self.option == "auto":
            object.__setattr__(self, "option", "--" + self.name.replace("_", "-"))

    def check(self, value) -> None:
        """Raise ValueError unless ``value`` is of this hyperparameter's type, range and choices.

        >>> HYPERPARAMETERS["max_len"].check(0)
        Traceback (most recent call last):
        ...
        ValueError: max_len must be at least 1, got 0
        """
        if value is None and (self.nullable or self.default is None):
            return
        if not _is_kind(value, self.kind):
            kind = self.kind if isinstance(self.kind, str) else self.kind.__name__
            raise ValueError(f"{self.name} must be {'a' if kind != 'int' else 'an'} {kind}, got {value!r}")
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"{self.name} must be one of {', '.join(self.choices)}, got {value!r}")
        problem = range_problem(value, self.low, self.high, self.open) if self.kind in (int, float) else None
        if problem:
            raise ValueError(f"{self.name} must be {problem}, got {value!r}")


def range_problem(value, low: float | None, high: float | None, open: str = "") -> str | None:
    """What is wrong with the number ``value`` for the range low..high (``open``: "low", "high" or "both"
    excluded), or None: the one check of every number the estimator and the command line take. NaN and
    infinity are never in range.

    >>> range_problem(float("nan"), 0, 1), range_problem(1.0, 0, 1, open="high"), range_problem(0.5, 0, 1)
    ('a finite number', 'below 1', None)
    """
    if not isinstance(value, numbers.Integral) and not math.isfinite(value):
        return "a finite number"
    if low is not None and (value < low or (value == low and open in ("low", "both"))):
        return f"{'above' if open in ('low', 'both') else 'at least'} {low:g}"
    if high is not None and (value > high or (value == high and open in ("high", "both"))):
        return f"{'below' if open in ('high', 'both') else 'at most'} {high:g}"
    return None


def _is_kind(value, kind) -> bool:
    if kind is int:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if kind is bool:
        return isinstance(value, (bool, np.bool_))
    if kind is str:
        return isinstance(value, str)
    if kind == "path":
        return isinstance(value, (str, os.PathLike))
    if kind is tuple:  # a label map: network class -> predicted class (an int) or None
        return isinstance(value, (list, tuple)) and len(value) > 0 and all(
            v is None or (isinstance(v, numbers.Integral) and not isinstance(v, bool)) for v in value)
    return isinstance(value, kind)


def check_hyperparameters(values: dict) -> None:
    """Raise ValueError for a name that is not a hyperparameter or the first value that does not fit
    its declaration (type, range, choices)."""
    unknown = sorted(set(values) - set(HYPERPARAMETERS))
    if unknown:
        raise ValueError(f"unknown hyperparameter {unknown[0]!r}")
    for name, value in values.items():
        HYPERPARAMETERS[name].check(value)


_ALL = (
    # the network (ModelConfig)
    Hyperparameter("cell", str, "lstm", "Recurrent cell.", "model", choices=tuple(CELLS)),
    Hyperparameter("activation", str, "tanh", "Elman activation.", "model", choices=tuple(ACTIVATIONS)),
    Hyperparameter("embedding_dim", int, 128, "Word vector size E.", "model", low=1),
    Hyperparameter("hidden_size", int, 128, "Hidden state size H.", "model", low=1),
    Hyperparameter("num_layers", int, 1, "Stacked recurrent layers.", "model", low=1),
    Hyperparameter("bidirectional", bool, False, "Read the text in both directions.", "model",
                   negative_option="--unidirectional"),
    Hyperparameter("dropout", float, 0.5, "Dropout on the final state and between layers.", "model",
                   low=0, high=1, open="high"),
    Hyperparameter("embedding_dropout", float, 0.2, "Dropout on the word vectors.", "model",
                   low=0, high=1, open="high"),
    Hyperparameter("word_dropout", float, 0.0, "In training, read this fraction of words as unknown.", "model",
                   low=0, high=1, open="high"),
    # the fit loop (TrainConfig)
    Hyperparameter("epochs", int, 10, "Maximum number of epochs.", "train", low=1),
    Hyperparameter("batch_size", int, 64, "Reviews per mini-batch.", "train", low=1),
    Hyperparameter("learning_rate", float, 2e-3, "Learning rate.", "train", low=0, open="low", option="--lr"),
    Hyperparameter("lr_decay", float, 1.0, "Multiply the learning rate by this after every epoch.", "train",
                   low=0, high=1, open="low"),
    Hyperparameter("optimizer", str, "adam", "Optimizer.", "train", choices=tuple(OPTIMIZERS)),
    Hyperparameter("clip_norm", float, 5.0, "Clip gradients to this global norm.", "train", low=0, open="low",
                   nullable=True),
    Hyperparameter("patience", int, 3, "Stop after this many epochs without a better dev accuracy.", "train",
                   low=1, nullable=True),
    Hyperparameter("validation_fraction", float, 0.1,
                   "Share of the training data held out for early stopping when no dev split is given.", "train",
                   low=0, high=1, open="both", option=None),
    # vocabulary and input
    Hyperparameter("min_count", int, 1, "Drop words seen fewer times.", "data", low=1),
    Hyperparameter("max_vocab", int, None, "Keep at most this many words.", "data", low=3, nullable=True),
    Hyperparameter("max_len", int, None, "Keep only the last N tokens of a review.", "data", low=1, nullable=True),
    Hyperparameter("pretrained_vectors", "path", None,
                   "Initialise word vectors from this file: from `sentiment-rnn pretrain`, or a trained model "
                   "(the word vectors it tuned).", "data", nullable=True),
    Hyperparameter("freeze_embeddings", bool, False, "Keep the word vectors fixed during training.", "data"),
    Hyperparameter("train_label_map", tuple, None,
                   "Train on finer labels than are predicted: training label k counts towards predicted class "
                   "train_label_map[k] (None: towards none).", "data", nullable=True, option=None),
    Hyperparameter("random_state", int, 0, "Random seed; the same seed gives identical weights.", "train",
                   low=0, option="--seed"),
)

HYPERPARAMETERS: dict[str, Hyperparameter] = {h.name: h for h in _ALL}
DEFAULTS = SimpleNamespace(**{h.name: h.default for h in _ALL})
