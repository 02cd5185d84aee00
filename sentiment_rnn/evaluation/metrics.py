"""Metrics of predicted labels: accuracy, macro-F1 and the confusion matrix."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

__all__ = ["accuracy", "classification_report_dict"]


def classification_report_dict(
    y_true: Sequence[int], y_pred: Sequence[int], classes: int | None = None
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


def accuracy(y_true: Sequence[int], y_pred: Sequence[int]) -> float:
    """Fraction of labels predicted right (nan for no labels).

    >>> accuracy([0, 1, 1], [0, 1, 0])
    0.6666666666666666
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return float(np.mean(y_true == y_pred)) if y_true.size else float("nan")
