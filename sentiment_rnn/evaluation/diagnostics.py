"""Training diagnostics: how far back the error signal reaches, learning curves, and their plots.

**Gradient flow.** For every example b of a fixed sample and every step t, take the norm of the
gradient of the example's own loss with respect to the state after token t, ``‖dℓ_b/dh_t‖``
(the top layer's forward direction; the cells record it during BPTT), and group it by the distance
from the last token, ``d = length_b - 1 - t``. ``GradientFlow.mean_norm[d]`` is the mean over every
(example, step) pair at distance d. ``relative_norm[d]`` compares each example with itself: the
geometric mean over examples of ``‖dℓ_b/dh_{T_b - 1 - d}‖ / ‖dℓ_b/dh_{T_b - 1}‖``, the factor by which
the signal has shrunk (or grown) d tokens back. Each example is its own reference because only
long examples reach large d: dividing mean_norm[d] by mean_norm[0] would compare long reviews with
short phrases. The geometric mean suits a factor that compounds step by step, and one exploding
example cannot outweigh the rest. A vanishing signal falls off exponentially with d, a straight
line on a log axis. No dropout is applied.

For an LSTM, ``h_t`` is half of the state: the cell state ``c_t`` has its own gradient, which this
does not include. For a bidirectional model only the forward direction (reading left to right,
whose last token is the text's last token) is measured.

**Writing.** :class:`TrainingDiagnostics` is called after every epoch of ``sentiment-rnn train
--diagnostics DIR`` and rewrites, in DIR:

    history.csv          epoch, train_loss, dev_loss, dev_accuracy
    gradient_flow.csv    epoch, distance, count, mean_norm, relative_norm
    diagnostics.json     all of the above
    learning_curves.png  train / dev loss and dev accuracy by epoch        (with matplotlib)
    gradient_flow.png    relative gradient norm by distance, one line per epoch

matplotlib is an optional extra (``pip install "sentiment-rnn[plots]"``) imported only to plot.

**A toy task.** :func:`first_token_task` makes sequences whose label is their first token, followed
by 20-30 random filler tokens: a model can only learn it if the error signal reaches back to the
first token. :func:`compare_cells` measures Elman (tanh), Elman (relu) and LSTM on it
(``bench/gradient_flow.py`` draws the README's figure from it).
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Sequence

import numpy as np

from sentiment_rnn.nn.batching import pad_batch, sequential_batches, truncate
from sentiment_rnn.nn.functional import cross_entropy
from sentiment_rnn.nn.model import ModelConfig, RNNModel
from sentiment_rnn.training.loop import EpochRecord, TrainConfig, fit

__all__ = [
    "GradientFlow",
    "EpochDiagnostics",
    "DiagnosticsLog",
    "TrainingDiagnostics",
    "gradient_flow",
    "sample_indices",
    "cell_label",
    "first_token_task",
    "run_cell",
    "compare_cells",
    "plots_available",
    "plot_run",
    "plot_comparison",
]

TOY_CELLS = (("elman", "tanh"), ("elman", "relu"), ("lstm", "tanh"))


@dataclass(frozen=True)
class GradientFlow:
    """The gradient norm by distance from the last token (index = distance 0 .. D - 1)."""

    mean_norm: np.ndarray  # (D,) mean ‖dℓ/dh_t‖ over the (example, step) pairs at each distance
    relative_norm: np.ndarray  # (D,) geometric mean of each example's norm over its own norm at d = 0
    count: np.ndarray  # (D,) (example, step) pairs at each distance

    def to_dict(self) -> dict:
        return {
            "mean_norm": [float(v) for v in self.mean_norm],
            "relative_norm": [None if np.isnan(v) else float(v) for v in self.relative_norm],
            "count": [int(v) for v in self.count],
        }


def gradient_flow(model: RNNModel, sequences: Sequence[np.ndarray], targets, batch_size: int = 64) -> GradientFlow:
    """The gradient norm ``‖dℓ_b/dh_t‖`` grouped by distance ``length_b - 1 - t``, over id sequences
    and their (N,) class indices, without dropout. ℓ_b is example b's own cross-entropy (not divided
    by the batch size), so the numbers do not depend on ``batch_size``. Examples whose gradient at
    the last token is exactly 0 (a float32 certainty) are left out of ``relative_norm``."""
    targets = np.asarray(targets)
    lengths = np.array([len(s) for s in sequences])  # (N,)
    D = int(lengths.max())
    norm_sums, log_sums = np.zeros(D), np.zeros(D)  # (D,), (D,)
    counts, log_counts = np.zeros(D, dtype=np.int64), np.zeros(D, dtype=np.int64)  # (D,), (D,)
    for index in sequential_batches(lengths, batch_size):
        ids, batch_lengths = pad_batch([sequences[i] for i in index])  # (B, T), (B,)
        B, T = ids.shape
        logits, cache = model.forward(ids, batch_lengths)  # (B, C)
        _, dlogits = cross_entropy(logits, targets[index])  # (B, C) of the batch mean
        state_grads = np.zeros((T, B, model.config.hidden_size), dtype=model.dtype)  # (T, B, H)
        model.backward(dlogits * B, cache, state_grads=state_grads)  # into each example's own loss
        norms = np.linalg.norm(state_grads.astype(np.float64), axis=-1)  # (T, B)
        distance = batch_lengths[None, :] - 1 - np.arange(T)[:, None]  # (T, B)
        real = distance >= 0  # (T, B) padding steps carry the state and are left out
        norm_sums += np.bincount(distance[real], weights=norms[real], minlength=D)
        counts += np.bincount(distance[real], minlength=D)

        last = norms[batch_lengths - 1, np.arange(B)]  # (B,) each example's norm at distance 0
        usable = real & (last > 0)[None, :]  # (T, B)
        with np.errstate(divide="ignore"):  # a norm of exactly 0 is a factor of 0: log -inf, exp 0
            log_ratio = np.log(norms / np.where(last > 0, last, 1.0)[None, :])  # (T, B)
        log_sums += np.bincount(distance[usable], weights=log_ratio[usable], minlength=D)
        log_counts += np.bincount(distance[usable], minlength=D)
    mean_norm = norm_sums / np.maximum(counts, 1)  # (D,)
    relative_norm = np.where(log_counts > 0, np.exp(log_sums / np.maximum(log_counts, 1)), np.nan)  # (D,)
    return GradientFlow(mean_norm, relative_norm, counts)


def sample_indices(n: int, size: int, seed: int = 0) -> np.ndarray:
    """A fixed random sample of ``min(size, n)`` indices out of ``n``, in increasing order."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.permutation(n)[: min(size, n)])


def cell_label(cell: str, activation: str = "tanh") -> str:
    """'elman (tanh)', 'elman (relu)', 'gru', 'lstm'."""
    return f"{cell} ({activation})" if cell == "elman" else cell


# ---------------------------------------------------------------------------------------------------
# A run's log and its files
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EpochDiagnostics:
    epoch: int  # 0 = before training
    train_loss: float | None
    dev_loss: float | None
    dev_accuracy: float | None
    flow: GradientFlow

    def to_dict(self) -> dict:
        return {
            "epoch": self.epoch,
            "train_loss": self.train_loss,
            "dev_loss": self.dev_loss,
            "dev_accuracy": self.dev_accuracy,
            "gradient_flow": self.flow.to_dict(),
        }


@dataclass
class DiagnosticsLog:
    """The diagnostics of one training run, one entry per measured epoch."""

    label: str
    epochs: list[EpochDiagnostics] = field(default_factory=list)
    sample_size: int | None = None
    seed: int | None = None

    def to_dict(self) -> dict:
        return {
            "label": self.label,
            "sample_size": self.sample_size,
            "seed": self.seed,
            "epochs": [e.to_dict() for e in self.epochs],
        }

    def history_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["epoch", "train_loss", "dev_loss", "dev_accuracy"])
        for e in self.epochs:
            writer.writerow([e.epoch, _cell(e.train_loss), _cell(e.dev_loss), _cell(e.dev_accuracy)])
        return out.getvalue()

    def gradient_flow_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["epoch", "distance", "count", "mean_norm", "relative_norm"])
        for e in self.epochs:
            for d, (count, norm, relative) in enumerate(zip(e.flow.count, e.flow.mean_norm, e.flow.relative_norm, strict=True)):
                writer.writerow([e.epoch, d, int(count), f"{norm:.6g}", _cell(relative)])
        return out.getvalue()

    def write(self, folder: str | os.PathLike, *, plots: bool = True) -> list[Path]:
        """Write the CSV and JSON files (and the plots when ``plots`` and matplotlib is installed)
        into ``folder``, each atomically; returns the paths written."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        files = {
            "history.csv": self.history_csv(),
            "gradient_flow.csv": self.gradient_flow_csv(),
            "diagnostics.json": json.dumps(self.to_dict(), indent=1),
        }
        written = [_write_atomic(folder / name, text.encode("utf-8")) for name, text in files.items()]
        if plots and plots_available():
            written += plot_run(self, folder)
        return written


def _cell(value: float | None) -> str:
    """A CSV cell: empty for a missing value (None or NaN)."""
    return "" if value is None or np.isnan(value) else f"{value:.6g}"


def _write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` through a temporary file in the same folder, then ``os.replace``."""
    from sentiment_rnn.files import atomic_write

    with atomic_write(path) as out:
        out.write(data)
    return path


class TrainingDiagnostics:
    """Measures a classifier's gradient flow after each epoch and rewrites the files in ``folder``.

    ``texts`` and ``labels`` are the training data; a fixed sample of ``sample_size`` of them
    (drawn with ``seed``) is measured every epoch. Call :meth:`record` from the ``on_epoch``
    callback of :meth:`RNNClassifier.fit`, passing the classifier being trained.
    """

    def __init__(self, folder, texts: Sequence, labels, *, label: str = "", sample_size: int = 512,
                 seed: int = 0, plots: bool = True):
        index = sample_indices(len(texts), sample_size, seed)
        self.folder = Path(folder)
        self.texts = [texts[i] for i in index]
        self.labels = np.asarray(labels)[index]
        self.plots = plots
        self.log = DiagnosticsLog(label, sample_size=len(index), seed=seed)

    def record(self, classifier, record: EpochRecord) -> list[Path]:
        """Measure ``classifier`` (after epoch ``record.epoch``), append to the log, rewrite the files."""
        sequences = [truncate(ids, classifier.max_len) for ids in classifier.encode(self.texts)]
        targets = classifier.training_targets(self.labels)
        flow = gradient_flow(classifier.model_, sequences, targets)
        self.log.epochs.append(
            EpochDiagnostics(record.epoch, record.train_loss, record.dev_loss, record.dev_accuracy, flow)
        )
        return self.log.write(self.folder, plots=self.plots)


# ---------------------------------------------------------------------------------------------------
# The toy task: the label is the first token
# ---------------------------------------------------------------------------------------------------


def first_token_task(n: int, rng: np.random.Generator, *, min_length: int = 20, max_length: int = 30,
                     fillers: int = 20) -> tuple[list[np.ndarray], np.ndarray]:
    """``n`` id sequences whose first token is the label (id 1 -> class 0, id 2 -> class 1) followed
    by random filler tokens (ids 3 .. fillers + 2); lengths uniform in [min_length, max_length].
    Returns (sequences, (n,) targets); the vocabulary size is ``fillers + 3`` (id 0 is unused).

    >>> sequences, targets = first_token_task(2, np.random.default_rng(0), min_length=4, max_length=4)
    >>> [int(s[0]) - 1 for s in sequences] == targets.tolist(), [len(s) for s in sequences]
    (True, [4, 4])
    """
    targets = rng.integers(0, 2, n)  # (n,)
    lengths = rng.integers(min_length, max_length + 1, n)  # (n,)
    sequences = []
    for target, length in zip(targets, lengths, strict=True):
        sequence = rng.integers(3, 3 + fillers, length)  # (T,)
        sequence[0] = 1 + target
        sequences.append(sequence)
    return sequences, targets


def run_cell(cell: str, activation: str, train, dev, *, epochs: int = 6, seed: int = 0,
             embedding_scale: float | None = None, embedding_dim: int = 16, hidden_size: int = 32,
             learning_rate: float = 2e-3, batch_size: int = 32) -> DiagnosticsLog:
    """Train one cell on ``train`` = (sequences, targets) and measure its gradient flow on the
    training sequences before training (epoch 0) and after every epoch; ``dev`` is scored.

    ``embedding_scale`` redraws the word vectors from N(0, scale²) (the model's own init uses 0.1);
    a scale near 1 drives tanh units into saturation from the start.
    """
    sequences, targets = train
    vocab_size = 1 + max(int(s.max()) for s in [*sequences, *dev[0]])
    config = ModelConfig(vocab_size=vocab_size, embedding_dim=embedding_dim, hidden_size=hidden_size, cell=cell,
                         activation=activation)
    rng = np.random.default_rng(seed)
    model = RNNModel.initialize(config, rng)
    if embedding_scale is not None:
        weight = model.params["embedding.weight"]
        weight[...] = embedding_scale * rng.standard_normal(weight.shape)  # (V, E)
    log = DiagnosticsLog(cell_label(cell, activation), sample_size=len(sequences), seed=seed)
    log.epochs.append(EpochDiagnostics(0, None, None, None, gradient_flow(model, sequences, targets)))

    def on_epoch(record: EpochRecord) -> None:
        flow = gradient_flow(model, sequences, targets)
        log.epochs.append(EpochDiagnostics(record.epoch, record.train_loss, record.dev_loss, record.dev_accuracy, flow))

    if epochs > 0:
        settings = TrainConfig(epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, patience=None,
                               seed=seed)
        fit(model, sequences, targets, settings, dev[0], dev[1], on_epoch=on_epoch)
    return log


def compare_cells(cells: Sequence[tuple[str, str]] = TOY_CELLS, *, n_train: int = 400, n_dev: int = 200,
                  data_seed: int = 0, **options) -> dict[str, DiagnosticsLog]:
    """:func:`run_cell` for each (cell, activation) on the same first-token data."""
    rng = np.random.default_rng(data_seed)
    train = first_token_task(n_train, rng)
    dev = first_token_task(n_dev, rng)
    return {cell_label(cell, activation): run_cell(cell, activation, train, dev, **options)
            for cell, activation in cells}


# ---------------------------------------------------------------------------------------------------
# Plots (matplotlib is optional and imported here only)
# ---------------------------------------------------------------------------------------------------


def plots_available() -> bool:
    """True when matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _figure(width: float, height: float):
    """A matplotlib Figure without pyplot: no global state, no GUI backend."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _save_png(figure, path: Path) -> Path:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return _write_atomic(path, buffer.getvalue())


def _integer_ticks(axes) -> None:
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))


def _flow_axes(axes, title: str) -> None:
    _integer_ticks(axes)
    axes.set_yscale("log")
    axes.set_xlabel("distance from the last token")
    axes.set_ylabel("‖dLoss/dh_t‖ relative to the last token")
    axes.set_title(title, fontsize=10)
    axes.grid(True, which="major", alpha=0.3)


def _plot_flow(axes, flow: GradientFlow, **style) -> None:
    relative = flow.relative_norm
    shown = relative > 0  # a log axis cannot show zeros (or NaN: no example to measure)
    axes.plot(np.flatnonzero(shown), relative[shown], **style)


def plot_run(log: DiagnosticsLog, folder: str | os.PathLike) -> list[Path]:
    """learning_curves.png and gradient_flow.png of one run, written into ``folder``."""
    folder = Path(folder)
    trained = [e for e in log.epochs if e.train_loss is not None]
    figure = _figure(9, 3.2)
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    epochs = [e.epoch for e in trained]
    loss_axes.plot(epochs, [e.train_loss for e in trained], marker="o", label="train")
    dev = [e for e in trained if e.dev_loss is not None]
    if dev:
        loss_axes.plot([e.epoch for e in dev], [e.dev_loss for e in dev], marker="o", label="dev")
        accuracy_axes.plot([e.epoch for e in dev], [e.dev_accuracy for e in dev], marker="o", color="C1")
    loss_axes.set(xlabel="epoch", ylabel="cross-entropy", title=f"{log.label}: loss")
    loss_axes.legend()
    accuracy_axes.set(xlabel="epoch", ylabel="accuracy", title=f"{log.label}: dev accuracy")
    for axes in (loss_axes, accuracy_axes):
        axes.grid(True, alpha=0.3)
        _integer_ticks(axes)
    written = [_save_png(figure, folder / "learning_curves.png")]

    figure = _figure(6, 4)
    axes = figure.subplots()
    from matplotlib import colormaps

    palette = colormaps["viridis"]  # early epochs dark, late epochs light
    last = max(1, len(log.epochs) - 1)
    for i, e in enumerate(log.epochs):
        _plot_flow(axes, e.flow, color=palette(i / last), label=f"epoch {e.epoch}")
    _flow_axes(axes, f"{log.label}: how far back the error signal reaches")
    axes.legend(fontsize=8, ncols=2)
    written.append(_save_png(figure, folder / "gradient_flow.png"))
    return written


def plot_comparison(runs: dict[str, list[DiagnosticsLog]], path: str | os.PathLike, *,
                    saturated: dict[str, DiagnosticsLog] | None = None) -> Path:
    """The README's figure: for each cell (one colour; one thin line per seed), the relative gradient
    norm by distance before training and after the last epoch, and dev accuracy by epoch.

    ``runs`` maps a cell's label to its runs (one per seed, each with epoch 0); ``saturated``
    optionally adds, dashed in the first panel, epoch 0 of runs with saturating inputs.
    """
    figure = _figure(12, 3.6)
    init_axes, trained_axes, accuracy_axes = figure.subplots(1, 3)
    for colour, (label, logs) in enumerate(runs.items()):
        style = {"color": f"C{colour}", "linewidth": 1.2, "alpha": 0.8}
        for i, log in enumerate(logs):
            name = {"label": label} if i == 0 else {}
            _plot_flow(init_axes, log.epochs[0].flow, **style, **name)
            _plot_flow(trained_axes, log.epochs[-1].flow, **style, **name)
            trained = [e for e in log.epochs if e.dev_accuracy is not None]
            accuracy_axes.plot([e.epoch for e in trained], [e.dev_accuracy for e in trained], **style, **name)
        if saturated and label in saturated:
            _plot_flow(init_axes, saturated[label].epochs[0].flow, color=f"C{colour}", linestyle="--",
                       linewidth=1.2, label=f"{label}, inputs ×10")
    epochs = max(log.epochs[-1].epoch for logs in runs.values() for log in logs)
    _flow_axes(init_axes, "before training")
    _flow_axes(trained_axes, f"after {epochs} epochs")
    trained_axes.set_ylabel("")
    accuracy_axes.set(xlabel="epoch", ylabel="dev accuracy", title="learning the first-token task", ylim=(0.3, 1.05))
    accuracy_axes.title.set_fontsize(10)
    _integer_ticks(accuracy_axes)
    accuracy_axes.grid(True, alpha=0.3)
    init_axes.legend(fontsize=7)
    trained_axes.legend(fontsize=7)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return _save_png(figure, path)
