"""One run of `sentiment-rnn train`: read the data, fit, score the test split, save the model.

The command line calls :func:`run_training` once; `train --seeds` calls it once per seed, in this
process or on a Dask worker (a :class:`TrainingRun` holds only plain values, so it travels).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from sentiment_rnn.errors import SentimentRNNError, TrainingError

__all__ = ["TrainingRun", "run_training"]

Log = Callable[[str], None]


@dataclass(frozen=True)
class TrainingRun:
    """What to train on and how: every option of `train` but the seed and the files it writes."""

    corpus: str = "sst"
    level: str = "phrase"
    fine_grained: bool = False
    train_file: str | None = None
    dev_file: str | None = None
    text_column: str = "text"
    label_column: str = "label"
    data_dir: str | None = None
    teacher_path: str | None = None
    teacher_weight: float = 0.5
    transfer_corpus: str | None = None
    transfer_size: int = 150000
    compact: bool = False
    diagnostics_dir: str | None = None
    hyperparameters: dict = field(default_factory=dict)  # RNNClassifier's, but random_state and train_label_map


def run_training(run: TrainingRun, seed: int, output: str | os.PathLike, *, checkpoint: str | os.PathLike | None = None,
                 resume: bool = False, log: Log | None = None, progress=None) -> dict:
    """Train ``run`` with ``seed``, save the model to ``output`` (atomically) and return the summary
    (output, best_epoch, dev_accuracy, train_examples, and test_accuracy when there is a test split).

    The training state goes to ``checkpoint`` (default ``<output>.ckpt.npz``) after every epoch;
    ``resume=True`` continues from it. Ctrl-C raises TrainingInterrupted with the state saved.
    """
    from sentiment_rnn.classifier import RNNClassifier
    from sentiment_rnn.data import load_training_data
    from sentiment_rnn.serialization import save_model

    log = log or (lambda message: None)
    output = Path(output)
    data = load_training_data(run.corpus, run.level, run.train_file, run.dev_file, run.text_column, run.label_column,
                              run.data_dir, train_classes=5 if run.fine_grained else 2)
    texts, labels, targets = data.train.tokens, data.train.labels, None
    if run.teacher_path is not None:
        texts, labels, targets = _distillation_targets(run, seed, data, log)
        data.description.update(teacher=str(run.teacher_path), teacher_weight=run.teacher_weight,
                                transfer_corpus=run.transfer_corpus, transfer_sentences=len(texts) - len(data.train))
    diagnostics = _training_diagnostics(run, data.train, log)
    label_map = (0, 0, None, 1, 1) if run.fine_grained else None  # very negative .. very positive -> neg / pos
    model = RNNClassifier(random_state=seed, train_label_map=label_map, **run.hyperparameters)

    def log_epoch(record):
        dev = "" if record.dev_accuracy is None else f"  dev loss {record.dev_loss:.4f}  dev acc {record.dev_accuracy:.4f}"
        log(f"epoch {record.epoch:3d}  train loss {record.train_loss:.4f}{dev}  {record.tokens_per_second:,.0f} tokens/s")
        if diagnostics is not None:
            diagnostics.record(model, record)

    checkpoint = Path(checkpoint or output.with_suffix(".ckpt.npz"))
    try:
        model.fit(texts, labels, X_dev=data.dev.tokens if data.dev else None,
                  y_dev=data.dev.labels if data.dev else None, label_names=(data.dev or data.train).label_names,
                  progress=progress, on_epoch=log_epoch, checkpoint=checkpoint, resume=resume,
                  target_probabilities=targets)
    except TrainingError as error:
        raise TrainingError(f"{error}; {output} was not written") from None
    if run.compact:  # score exactly the weights the file will hold
        embedding = model.params_["embedding.weight"]
        embedding[...] = embedding.astype("float16")
    summary = {"output": str(output), "best_epoch": model.training_.best_epoch,
               "dev_accuracy": model.training_.best_dev_accuracy, "train_examples": len(data.train)}
    if data.test is not None:
        summary["test_accuracy"] = model.score(data.test.tokens, data.test.labels)
        summary["test_examples"] = len(data.test)
    try:
        save_model(model, output, provenance={"data": data.description, **summary}, compact=run.compact)
    except OSError as error:
        raise SentimentRNNError(
            f"cannot write {output} ({error.strerror or error}); the trained weights are in {checkpoint}: "
            "fix the problem and run the same command with --resume"
        ) from None
    return summary


def _distillation_targets(run: TrainingRun, seed: int, data, log: Log):
    """Texts, labels and target probabilities for training on the teacher's predictions: the
    training texts (targets: ``teacher_weight`` × the teacher's probabilities + the rest × one-hot
    labels), then the transfer sentences (targets: the teacher's probabilities, labels: its predictions)."""
    from sentiment_rnn.data import unlabeled_sentences
    from sentiment_rnn.serialization import load_model

    teacher = load_model(run.teacher_path)
    labels = np.asarray(data.train.labels)
    classes = np.unique(labels)
    names = tuple(data.train.label_names[c] for c in classes)
    if not np.array_equal(np.asarray(teacher.classes_), classes) or tuple(teacher.label_names_) != names:
        raise SentimentRNNError(f"the teacher {run.teacher_path} predicts the classes {list(teacher.label_names_)}, "
                                f"the training labels are {list(names)}")
    texts = list(data.train.tokens)
    log(f"teacher {run.teacher_path}: labelling {len(texts):,} training texts")
    one_hot = (labels[:, None] == classes[None, :]).astype(np.float64)  # (N, C)
    targets = run.teacher_weight * teacher.predict_proba(texts) + (1 - run.teacher_weight) * one_hot  # (N, C)
    if run.transfer_corpus is None:
        return texts, labels, targets
    log(f"reading {run.transfer_corpus} sentences for the teacher to label")
    sentences = unlabeled_sentences(run.transfer_corpus, run.transfer_size, seed=seed, data_dir=run.data_dir, n_jobs=2)
    log(f"teacher {run.teacher_path}: labelling {len(sentences):,} {run.transfer_corpus} sentences")
    transfer = teacher.predict_proba(sentences)  # (M, C)
    return texts + sentences, np.concatenate([labels, classes[transfer.argmax(axis=1)]]), np.vstack([targets, transfer])


def _training_diagnostics(run: TrainingRun, train, log: Log):
    """The per-epoch diagnostics writer of `train --diagnostics`, or None."""
    if run.diagnostics_dir is None:
        return None
    from sentiment_rnn.diagnostics import TrainingDiagnostics, cell_label, plots_available

    if not plots_available():
        log("matplotlib is not installed: diagnostics are written as CSV and JSON only "
            "(pip install 'sentiment-rnn[plots]' for the plots)")
    label = cell_label(run.hyperparameters["cell"], run.hyperparameters["activation"])
    return TrainingDiagnostics(run.diagnostics_dir, train.tokens, train.labels, label=label)
