"""Metrics of predicted labels: accuracy, macro-F1 and the confusion matrix; pair consistency.

**Pair consistency** is the share of pairs whose two members are both right: on the counterfactual pairs
of CAD a model that only counts words must move its score across the boundary with the few words an
editor changed.

>>> pair_consistency([1, 0, 1, 0], [1, 0, 1, 1], pair_ids=[4, 4, 9, 9])
0.5
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["accuracy", "classification_report_dict", "pair_consistency", "pair_scores"]


def classification_report_dict(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, classes: int | None = None
) -> dict[str, Any]:
    """Accuracy, macro-F1 and the (C, C) confusion matrix (rows true, columns predicted) of labels
    0..C-1; C = ``classes``, by default 2 or more if a larger label occurs.

    >>> classification_report_dict([0, 0, 1, 1], [0, 1, 1, 1])
    {'accuracy': 0.75, 'macro_f1': 0.7333333333333334, 'confusion': [[1, 1], [0, 2]], 'n': 4}
    """
    y_true = np.asarray(y_true, dtype=np.int64).reshape(-1)  # (N,)
    y_pred = np.asarray(y_pred, dtype=np.int64).reshape(-1)  # (N,)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has {y_pred.shape}")
    if classes is None:
        classes = max(2, int(y_true.max(initial=0)) + 1, int(y_pred.max(initial=0)) + 1)
    confusion = np.zeros((classes, classes), dtype=np.int64)  # (C, C)
    np.add.at(confusion, (y_true, y_pred), 1)
    tp = np.diag(confusion)  # (C,)
    denominator = confusion.sum(axis=0) + confusion.sum(axis=1)  # (C,) predicted + true
    f1 = np.divide(2 * tp, denominator, out=np.zeros(classes), where=denominator > 0)  # (C,)
    n = int(y_true.size)
    return {
        "accuracy": float(tp.sum() / n) if n else float("nan"),
        # Averaged over the classes that occur in y_true or y_pred, as scikit-learn does.
        "macro_f1": float(f1[denominator > 0].mean()) if n else float("nan"),
        "confusion": confusion.tolist(),
        "n": n,
    }


def accuracy(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float:
    """Fraction of labels predicted right (nan for no labels).

    >>> accuracy([0, 1, 1], [0, 1, 0])
    0.6666666666666666
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return float(np.mean(y_true == y_pred)) if y_true.size else float("nan")


def pair_consistency(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, pair_ids: npt.ArrayLike) -> float:
    """Fraction of pairs (examples sharing a pair id) whose members are all predicted right.

    y_true, y_pred, pair_ids: (n,). Returns nan when there are no pairs.

    >>> pair_consistency([1, 0, 0, 1, 1, 0], [1, 0, 0, 0, 0, 1], [1, 1, 2, 2, 3, 3])   # pair 1 right
    0.3333333333333333
    """
    y_true = np.asarray(y_true, dtype=np.int64).reshape(-1)  # (n,)
    y_pred = np.asarray(y_pred, dtype=np.int64).reshape(-1)  # (n,)
    pair_ids = np.asarray(pair_ids).reshape(-1)  # (n,)
    if not y_true.shape == y_pred.shape == pair_ids.shape:
        raise ValueError(f"shapes differ: y_true {y_true.shape}, y_pred {y_pred.shape}, pair_ids {pair_ids.shape}")
    if not len(pair_ids):
        return float("nan")
    ids, inverse = np.unique(pair_ids, return_inverse=True)  # (P,), (n,)
    wrong = np.bincount(inverse, weights=y_true != y_pred, minlength=len(ids))  # (P,)
    return float(np.mean(wrong == 0))


def pair_scores(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, pair_ids: npt.ArrayLike) -> dict[str, Any]:
    """Member accuracy beside pair consistency: ``{"n", "accuracy", "pairs", "pair_consistency"}``.

    >>> pair_scores([1, 0, 1, 0], [1, 0, 1, 1], [4, 4, 9, 9])
    {'n': 4, 'accuracy': 0.75, 'pairs': 2, 'pair_consistency': 0.5}
    """
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)  # (n,), (n,)
    return {
        "n": int(y_true.size),
        "accuracy": float(np.mean(y_true == y_pred)) if y_true.size else float("nan"),
        "pairs": len(np.unique(pair_ids)),
        "pair_consistency": pair_consistency(y_true, y_pred, pair_ids),
    }
