"""Knowledge distillation: training targets made of a trained model's probabilities.

A teacher (for example an ensemble of several seeds) labels the training texts and, optionally,
unlabeled transfer sentences; a student trained on those targets learns to predict like the teacher
in one network (``train --teacher``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sentiment_rnn.estimators.rnn import BaseClassifier
from sentiment_rnn.corpora import Corpus, unlabeled_sentences
from sentiment_rnn.errors import SentimentRNNError

__all__ = ["distillation_targets"]


def distillation_targets(
    teacher: BaseClassifier,
    train: Corpus,
    *,
    teacher_weight: float = 0.5,
    transfer_corpus: str | None = None,
    transfer_size: int = 150_000,
    seed: int = 0,
    data_dir=None,
    log: Callable[[str], None] = lambda message: None,
    teacher_name: str = "teacher",
) -> tuple[list, np.ndarray, np.ndarray]:
    """(texts, labels (N,), target probabilities (N, C)) for training on ``teacher``'s predictions.

    First the training texts, whose targets are ``teacher_weight`` × the teacher's probabilities +
    the rest × their one-hot labels; then, with ``transfer_corpus``, ``transfer_size`` unlabeled
    sentences of it (3-60 tokens, drawn with ``seed``), whose targets are the teacher's probabilities
    and whose labels its predictions. Raises SentimentRNNError when the teacher predicts other classes.
    """
    labels = np.asarray(train.labels)  # (N,)
    classes = np.unique(labels)  # (C,)
    names = tuple(train.label_names[c] for c in classes)
    if not np.array_equal(np.asarray(teacher.classes_), classes) or tuple(teacher.label_names_) != names:
        raise SentimentRNNError(f"the {teacher_name} predicts the classes {list(teacher.label_names_)}, "
                                f"the training labels are {list(names)}")
    texts = list(train.tokens)
    log(f"{teacher_name}: labelling {len(texts):,} training texts")
    one_hot = (labels[:, None] == classes[None, :]).astype(np.float64)  # (N, C)
    targets = teacher_weight * teacher.predict_proba(texts) + (1 - teacher_weight) * one_hot  # (N, C)
    if transfer_corpus is None:
        return texts, labels, targets
    log(f"reading {transfer_corpus} sentences for the teacher to label")
    sentences = unlabeled_sentences(transfer_corpus, transfer_size, seed=seed, data_dir=data_dir, n_jobs=2)
    log(f"{teacher_name}: labelling {len(sentences):,} {transfer_corpus} sentences")
    transfer = teacher.predict_proba(sentences)  # (M, C)
    return texts + sentences, np.concatenate([labels, classes[transfer.argmax(axis=1)]]), np.vstack([targets, transfer])
