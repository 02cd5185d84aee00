"""One run of `sentiment-rnn train`: read the data, fit, score the test split, save the model.

The command line calls :func:`run_training` once; `train --seeds` calls it once per seed, in this
process or on a Dask worker (a :class:`TrainingRun` holds only plain values, so it travels).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable
from typing import Any

import numpy as np

from sentiment_rnn.estimators.rnn import RNNClassifier
from sentiment_rnn.corpora import FINE_GRAINED_LABEL_MAP, load_training_data, with_cad_pairs
from sentiment_rnn.recipes.distillation import distillation_targets
from sentiment_rnn.errors import SentimentRNNError, TrainingError
from sentiment_rnn.io.predict import predict_labels
from sentiment_rnn.io.serialization import load_model, round_for_compact_storage, save_model

__all__ = ["TrainingRun", "run_training"]

Log = Callable[[str], None]


@dataclass(frozen=True)
class TrainingRun:
    """What to train on and how: every option of `train` but the seed and the files it writes."""

    corpus: str = "sst"
    level: str = "phrase"
    fine_grained: bool = False
    mix: str | None = None  # "cad": the CAD training pairs join the training split
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
                 resume: bool = False, keep_checkpoint: bool = False, log: Log | None = None, progress=None,
                 download_progress=None, step_progress=None) -> dict:
    """Train ``run`` with ``seed``, save the model to ``output`` (atomically) and return the summary
    (output, best_epoch, dev_accuracy, train_examples, and test_accuracy when there is a test split).

    The training state goes to ``checkpoint`` (default ``<output>.ckpt.npz``) after every epoch;
    ``resume=True`` continues from it. Ctrl-C raises TrainingInterrupted with the state saved.
    ``progress(done, total)`` is told of every batch, ``download_progress`` of a corpus download, and
    ``step_progress(label)`` makes the callback of each other long step (tokenizing, scoring the test
    split). Once the model is written the checkpoint is removed, unless ``keep_checkpoint``; a run whose
    dev accuracy is no better than always predicting the most frequent class says so through ``log``.
    """
    step_progress = step_progress or (lambda label: None)

    log = log or (lambda message: None)
    output = Path(output)
    data = load_training_data(run.corpus, run.level, run.train_file, run.dev_file, run.text_column, run.label_column,
                              run.data_dir, train_classes=5 if run.fine_grained else 2, progress=download_progress)
    if run.mix == "cad":
        data = with_cad_pairs(data, run.data_dir)
    for name, split in (("training", data.train), ("dev", data.dev), ("test", data.test)):
        if split is not None:
            split.tokenize(step_progress(f"tokenizing the {name} texts"))
    texts, labels, targets = data.train.tokens, data.train.labels, None
    if run.teacher_path is not None:
        texts, labels, targets = distillation_targets(
            load_model(run.teacher_path), data.train, teacher_weight=run.teacher_weight,
            transfer_corpus=run.transfer_corpus, transfer_size=run.transfer_size, seed=seed, data_dir=run.data_dir,
            teacher_name=f"teacher {run.teacher_path}", log=log,
        )
        data.description.update(teacher=str(run.teacher_path), teacher_weight=run.teacher_weight,
                                transfer_corpus=run.transfer_corpus, transfer_sentences=len(texts) - len(data.train))
    diagnostics = _training_diagnostics(run, data.train, log)
    label_map = FINE_GRAINED_LABEL_MAP if run.fine_grained else None
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
        round_for_compact_storage(model)
    training = model.training_
    assert training is not None  # fit() has just recorded it
    summary: dict[str, Any] = {"output": str(output), "best_epoch": training.best_epoch,
                               "dev_accuracy": training.best_dev_accuracy, "train_examples": len(data.train)}
    if data.test is not None:
        predictions = predict_labels(model, data.test.tokens, step_progress("scoring the test split"))
        summary["test_accuracy"] = float(np.mean(predictions == data.test.labels))
        summary["test_examples"] = len(data.test)
    try:
        save_model(model, output, provenance={"data": data.description, **summary}, compact=run.compact)
    except OSError as error:
        raise SentimentRNNError(
            f"cannot write {output} ({error.strerror or error}); the trained weights are in {checkpoint}: "
            "fix the problem and run the same command with --resume"
        ) from None
    if not keep_checkpoint:
        checkpoint.unlink(missing_ok=True)
    chance = _chance_level(data.dev or data.train)
    if summary["dev_accuracy"] is not None and summary["dev_accuracy"] <= chance:
        log(f"Warning: the dev accuracy ({summary['dev_accuracy']:.4f}) is no better than always predicting the "
            f"most frequent class ({chance:.4f}): the model has learned nothing useful; try more epochs, another "
            "learning rate or more data")
    return summary


def _chance_level(corpus) -> float:
    """The accuracy of always predicting the most frequent label of ``corpus``."""
    _, counts = np.unique(np.asarray(corpus.labels), return_counts=True)
    return float(counts.max() / counts.sum()) if len(counts) else 0.0


def _training_diagnostics(run: TrainingRun, train, log: Log):
    """The per-epoch diagnostics writer of `train --diagnostics`, or None."""
    if run.diagnostics_dir is None:
        return None
    from sentiment_rnn.evaluation.diagnostics import TrainingDiagnostics, cell_label, plots_available

    if not plots_available():
        log("matplotlib is not installed: diagnostics are written as CSV and JSON only "
            "(pip install 'sentiment-rnn[plots]' for the plots)")
    label = cell_label(run.hyperparameters["cell"], run.hyperparameters["activation"])
    return TrainingDiagnostics(run.diagnostics_dir, train.tokens, train.labels, label=label)
