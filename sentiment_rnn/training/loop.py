"""The fit loop: length-bucketed shuffled mini-batches, clipping, early stopping on the dev split with
the best weights kept, a learning-curve log and a progress callback.

One loop, :func:`train_loop`, trains any parameters through a ``loss_and_grads(batch, rng)`` callable
and scores the dev split through an ``evaluate()`` callable; :func:`fit` is the network's use of it
(padding its id sequences, the network's loss, its dev accuracy and the checkpoint's identity).

Everything random (batch order, dropout) is drawn from one ``np.random.Generator`` made from the
seed, so the same seed and data give bit-identical weights.

Checkpoints. With ``checkpoint=PATH`` the whole training state is written to PATH, atomically, at the
end of every epoch and when Ctrl-C stops training: the parameters, the optimizer's state (Adam's
moments and step count, SGD's velocities) and learning rate, the generator's state (as JSON), the
position in the epoch (batches done and this epoch's batch order), the best weights so far with the
early-stopping counter, and the learning curve. ``fit(..., resume=True)`` continues from it and ends
with weights bit-identical to a run that was never stopped. Ctrl-C is saved at the exact batch, not
rolled back to the epoch's start: Ctrl-C is held while an update is applied, so a checkpoint never
holds half an update. A non-finite loss or gradient raises TrainingError and leaves the last
checkpoint as it was.
"""

from __future__ import annotations

import os
import signal
import time
import warnings
from dataclasses import asdict, dataclass
from collections.abc import Callable, Sequence

import numpy as np

from sentiment_rnn.errors import TrainingError, TrainingInterrupted
from sentiment_rnn.hyperparameters import DEFAULTS
from sentiment_rnn.nn.batching import bucketed_batches, pad_batch, truncate
from sentiment_rnn.nn.functional import collapse_classes, cross_entropy, softmax
from sentiment_rnn.nn.inference import predict_logits
from sentiment_rnn.memory import check_fits
from sentiment_rnn.nn.model import ModelConfig, RNNModel, training_bytes
from sentiment_rnn.nn.optim import clip_grad_norm, make_optimizer
from sentiment_rnn.training.checkpoint import data_fingerprint, resume_training_state, run_identity, save_training_state
from sentiment_rnn.training.signals import interrupts_held, termination_as_interrupt
from sentiment_rnn.training.state import EarlyStopping, EpochRecord, Position, TrainingState, TrainResult

__all__ = ["TrainConfig", "EpochRecord", "TrainResult", "LossAndGrads", "fit", "train_loop", "TRAIN_BATCH_TOKENS",
           "check_training_fits", "stratified_holdout", "large_enough_dev_split"]

TRAIN_BATCH_TOKENS = 32_768  # padded tokens of one training batch (one review at least): bounds BPTT's caches

# (batch index (B,), generator) -> (the sum of the batch's example losses, gradients of their mean)
LossAndGrads = Callable[[np.ndarray, np.random.Generator], tuple[float, dict[str, np.ndarray]]]


@dataclass(frozen=True)
class TrainConfig:
    """The fit loop's settings; defaults from :mod:`sentiment_rnn.hyperparameters`."""

    epochs: int = DEFAULTS.epochs
    batch_size: int = DEFAULTS.batch_size
    learning_rate: float = DEFAULTS.learning_rate
    optimizer: str = DEFAULTS.optimizer
    momentum: float = 0.9  # SGD only
    clip_norm: float | None = DEFAULTS.clip_norm
    patience: int | None = DEFAULTS.patience  # epochs without a better dev accuracy before stopping; None = never
    lr_decay: float = DEFAULTS.lr_decay  # learning rate multiplier applied after every epoch
    max_len: int | None = DEFAULTS.max_len
    keep: str = "end"  # which part of a review longer than max_len to keep
    frozen: tuple[str, ...] = ()  # parameters left unchanged (e.g. pretrained embeddings)
    seed: int = DEFAULTS.random_state

    def __post_init__(self):
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError("epochs and batch_size must be at least 1")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate}")


def _evaluate(model, sequences, targets, config: TrainConfig, output_map=None) -> tuple[float, float]:
    """Dev loss and accuracy; with a (K, C) ``output_map`` the network's K class probabilities are
    summed into C predicted classes first, and ``targets`` are predicted classes."""
    logits = predict_logits(model, sequences, max_len=config.max_len, keep=config.keep).astype(np.float64)
    if output_map is None:
        loss, _ = cross_entropy(logits, targets)
        return loss, float((logits.argmax(axis=1) == targets).mean())
    probabilities = collapse_classes(softmax(logits), output_map)  # (N, C)
    loss = -float(np.log(np.maximum(probabilities[np.arange(len(targets)), targets], 1e-300)).mean())
    return loss, float((probabilities.argmax(axis=1) == targets).mean())


def check_training_fits(config: ModelConfig, batch_size: int, longest: int) -> None:
    """Refuse (MemoryBudgetError) sizes, or a longest training text (``longest`` tokens, after any cut), that
    cannot fit in memory: a batch holds at most TRAIN_BATCH_TOKENS padded tokens, or one text alone when it
    is longer."""
    sizes = (f"embedding_dim {config.embedding_dim}, hidden_size {config.hidden_size}, {config.num_layers} "
             f"layer(s), {config.vocab_size:,} words")
    batch_tokens = min(TRAIN_BATCH_TOKENS, batch_size * longest)
    check_fits(training_bytes(config, batch_tokens), f"training a network of {sizes}", "choose smaller sizes")
    if longest > TRAIN_BATCH_TOKENS:  # a batch of its own
        check_fits(training_bytes(config, longest), f"training on a text of {longest:,} tokens",
                   "cut the training texts with max_len (--max-len)")


def fit(
    model: RNNModel,
    train_sequences: Sequence[np.ndarray],
    train_targets: np.ndarray,
    config: TrainConfig,
    dev_sequences: Sequence[np.ndarray] | None = None,
    dev_targets: np.ndarray | None = None,
    progress: Callable[[int, int], None] | None = None,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    *,
    checkpoint: str | os.PathLike | None = None,
    resume: bool = False,
    output_map: np.ndarray | None = None,
) -> TrainResult:
    """Train ``model.params`` in place; with a dev split, end with the weights of the best dev epoch.

    ``train_targets`` are (N,) class indices, or (N, C) target probabilities (soft targets).

    ``progress(done, total)`` is called after every batch and ``on_epoch(record)`` after every epoch.
    With ``checkpoint``, the training state is saved there after every epoch and on Ctrl-C (then
    TrainingInterrupted, a KeyboardInterrupt, is raised); ``resume=True`` continues from it, which
    needs the same data and settings (``config.epochs`` may be raised). A (K, C) ``output_map`` scores
    the dev split on C predicted classes made of the network's K classes (see RNNClassifier's
    ``train_label_map``); ``dev_targets`` are then predicted classes.
    Raises TrainingError on a non-finite loss or gradient, leaving the last good weights in place and
    the checkpoint untouched.
    """
    sequences = [truncate(s, config.max_len, config.keep) for s in train_sequences]
    targets = np.asarray(train_targets)
    if targets.ndim == 2:
        targets = targets.astype(model.dtype)  # (N, C) soft targets, in the network's precision

    def loss_and_grads(index: np.ndarray, rng: np.random.Generator):
        ids, lengths = pad_batch([sequences[i] for i in index])  # (B, T), (B,)
        loss, grads = model.loss_and_grads(ids, lengths, targets[index], train=True, rng=rng, sparse_embedding=True)
        return float(loss) * len(index), grads

    evaluate: Callable[[], tuple[float, float]] | None = None
    if dev_sequences is not None and len(dev_sequences) > 0:
        def evaluate() -> tuple[float, float]:
            return _evaluate(model, dev_sequences, np.asarray(dev_targets), config, output_map)

    identity = None
    if checkpoint is not None:
        identity = run_identity(asdict(config), model.config.to_dict(),
                                data_fingerprint(train_sequences, targets, dev_sequences, dev_targets))
    return train_loop(model.params, loss_and_grads, np.array([len(s) for s in sequences]), config, evaluate,
                      progress, on_epoch, checkpoint=checkpoint, identity=identity, resume=resume)


def train_loop(
    params: dict[str, np.ndarray],
    loss_and_grads: LossAndGrads,
    lengths: np.ndarray,
    config: TrainConfig,
    evaluate: Callable[[], tuple[float, float]] | None = None,
    progress: Callable[[int, int], None] | None = None,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    *,
    examples_weight: float | None = None,
    checkpoint: str | os.PathLike | None = None,
    identity: dict | None = None,
    resume: bool = False,
) -> TrainResult:
    """Train ``params`` in place over examples of ``lengths`` (N,) (tokens, for the batches and the speed):
    each epoch draws length-bucketed batches of ``config.batch_size``, and each batch's gradients
    (``loss_and_grads(index, rng)``) are clipped, checked and applied by ``config.optimizer``. After each
    epoch ``evaluate()`` gives the dev loss and accuracy (None: no dev split), the best weights are kept
    and training stops after ``config.patience`` epochs without a better accuracy; it ends with the best
    weights. The epoch's train loss is the sum of the batches' losses over ``examples_weight`` (N if
    None). With ``checkpoint`` (and the run's ``identity``, see
    :func:`~sentiment_rnn.training.checkpoint.run_identity`), the whole state is saved after every
    epoch and on Ctrl-C, and ``resume=True`` continues from it.
    """
    if resume and checkpoint is None:
        raise ValueError("resume=True needs a checkpoint to resume from")
    run = _Run(params, loss_and_grads, np.asarray(lengths), config, evaluate, checkpoint, identity,
               len(lengths) if examples_weight is None else examples_weight)
    if resume:
        run.resume()
    try:
        with termination_as_interrupt(), np.errstate(over="ignore", invalid="ignore"):  # non-finite: checked below
            while run.state.position.epoch < config.epochs and not run.state.stopping.stopped:
                run.train_epoch(progress)
                record = run.end_epoch()
                if on_epoch is not None:
                    on_epoch(record)
    except KeyboardInterrupt as stop:
        raise run.interrupted(getattr(stop, "signal", signal.SIGINT)) from None
    run.finish()
    return run.state.result


class _Run:
    """One training run: its :class:`TrainingState`, the generator, and the steps of :func:`train_loop`
    that change them."""

    def __init__(self, params, loss_and_grads, lengths, config, evaluate, checkpoint, identity, examples_weight):
        self.loss_and_grads, self.lengths, self.config, self.evaluate = loss_and_grads, lengths, config, evaluate
        self.checkpoint, self.identity, self.examples_weight = checkpoint, identity, examples_weight
        self.rng = np.random.default_rng(config.seed)
        optimizer = make_optimizer(config.optimizer, params, config.learning_rate, config.momentum)
        self.state = TrainingState(params, optimizer, EarlyStopping(config.patience),
                                   Position(rng_state=self.rng.bit_generator.state))
        self.saved: str | None = None  # which position the checkpoint file holds

    def resume(self) -> None:
        """Continue from the checkpoint: weights, optimizer, generator, position, best weights, curve."""
        resume_training_state(self.checkpoint, self.state, self.identity, len(self.lengths))
        rng_state = self.state.position.rng_state
        if rng_state is not None:  # always, once resumed: the checkpoint's state was checked on loading
            self.rng.bit_generator.state = rng_state
        self.saved = self.state.position.describe()

    # --- one epoch ---------------------------------------------------------------------------------
    def train_epoch(self, progress) -> None:
        """The rest of the current epoch's batches: forward, backward, clip, update (each update whole)."""
        position, config, state = self.state.position, self.config, self.state
        if position.batches is None:
            batches = bucketed_batches(self.lengths, config.batch_size, self.rng, max_tokens=TRAIN_BATCH_TOKENS)
            with interrupts_held():
                position.batches, position.rng_state = batches, self.rng.bit_generator.state
        while position.batch < len(position.batches):
            start = time.perf_counter()
            index = position.batches[position.batch]
            loss, grads = self.loss_and_grads(index, self.rng)
            grads = {name: g for name, g in grads.items() if name not in config.frozen}
            grads, norm = clip_grad_norm(grads, config.clip_norm)
            if not (np.isfinite(loss) and np.isfinite(norm)):
                what = "loss" if not np.isfinite(loss) else "gradient"
                raise self.non_finite(what, f"epoch {position.epoch + 1}, batch {position.batch + 1}")
            with interrupts_held():  # an update is applied whole, with the position that records it
                state.optimizer.step(state.params, grads)
                position.total_loss += loss
                position.tokens += int(self.lengths[index].sum())
                position.batch += 1
                position.rng_state = self.rng.bit_generator.state
            position.seconds += time.perf_counter() - start
            if progress is not None:
                progress(position.batch, len(position.batches))

    # --- the end of an epoch -----------------------------------------------------------------------
    def end_epoch(self) -> EpochRecord:
        """Check the weights, score the dev split, keep the best weights, decide on early stopping,
        decay the learning rate, start the next epoch's position and save the checkpoint."""
        state = self.state
        position = state.position
        epoch = position.epoch + 1
        if not all(np.all(np.isfinite(value)) for value in state.params.values()):
            raise self.non_finite("weights", f"epoch {epoch}")  # checked once an epoch: it reads every weight
        dev_loss, dev_accuracy = (None, None) if self.evaluate is None else self.evaluate()
        seconds = max(position.seconds, 1e-9)
        record = EpochRecord(epoch, position.total_loss / self.examples_weight, dev_loss, dev_accuracy, seconds,
                             position.tokens / seconds)
        with interrupts_held():
            state.history.append(record)
            if not state.stopping.end_epoch(epoch, dev_accuracy, state.params):
                state.optimizer.lr *= self.config.lr_decay
            state.position = Position(epoch=epoch, rng_state=position.rng_state)
        self.saved = self.save() or self.saved
        return record

    def finish(self) -> None:
        """End with the best dev epoch's weights."""
        if self.evaluate is not None:
            self.state.stopping.restore(self.state.params)

    # --- checkpoints and failures ------------------------------------------------------------------
    def save(self) -> str | None:
        """Write the checkpoint (if there is one) and say which position it holds."""
        if self.checkpoint is None:
            return None
        save_training_state(self.checkpoint, self.state, self.identity)
        return self.state.position.describe()

    def non_finite(self, what: str, where: str) -> TrainingError:
        """The error for a non-finite number, after putting the best weights so far back."""
        self.state.stopping.restore(self.state.params)
        kept = (
            "" if self.checkpoint is None
            else f"; the last good checkpoint ({self.saved}) is kept in {self.checkpoint}" if self.saved
            else "; no epoch had finished, so there is no checkpoint"
        )
        return TrainingError(f"non-finite {what} in {where}; try a smaller learning rate "
                             f"(now {self.state.optimizer.lr:g}) or clip_norm{kept}")

    def interrupted(self, signum: int = signal.SIGINT) -> TrainingInterrupted:
        """Save the exact position on Ctrl-C (or SIGTERM, SIGHUP: ``signum``) and say where training stopped."""
        saved = self.save()
        position = self.state.position
        where = (
            f"in epoch {position.epoch + 1} after batch {position.batch} of {len(position.batches or ())}" if position.batch
            else f"after epoch {position.epoch}" if position.epoch else "before the first batch"
        )
        note = f"; the training state is saved in {self.checkpoint}" if saved else ""
        by = "" if signum == signal.SIGINT else f" by {signal.Signals(signum).name}"
        return TrainingInterrupted(f"training interrupted{by} {where}{note}",
                                   None if saved is None else str(self.checkpoint), signum)


MIN_HELD_OUT = 5  # fewer dev texts than this would stop training on chance (one text: at epoch 1)


def large_enough_dev_split(n: int, model) -> bool:
    """Whether ``validation_fraction`` of ``n`` texts makes a dev split of MIN_HELD_OUT; if not, warn that all
    of them are trained on for every epoch, without early stopping."""
    if model.validation_fraction * n >= MIN_HELD_OUT:
        return True
    warnings.warn(f"{n} training texts are too few to hold out {model.validation_fraction:g} of them for early "
                  f"stopping (fewer than {MIN_HELD_OUT}): training on all of them for {model.epochs} epochs",
                  UserWarning, stacklevel=3)
    return False


def stratified_holdout(targets: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask of a stratified random ``fraction`` of the examples (at least one per class)."""
    held_out = np.zeros(len(targets), dtype=bool)
    for label in np.unique(targets):
        members = np.flatnonzero(targets == label)
        count = max(1, int(round(fraction * len(members))))
        held_out[rng.choice(members, size=min(count, len(members) - 1), replace=False)] = True
    return held_out
