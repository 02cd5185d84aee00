"""What training changes, as one object: the weights, the optimizer, the position in the epoch, the early
stopper and the learning curve. The fit loop updates a :class:`TrainingState`; a checkpoint saves it and
loads it whole (:mod:`sentiment_rnn.training.checkpoint`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sentiment_rnn.nn.optim import SGD, Adam

__all__ = ["EpochRecord", "TrainResult", "Position", "EarlyStopping", "TrainingState"]


@dataclass(frozen=True)
class EpochRecord:
    epoch: int
    train_loss: float
    dev_loss: float | None
    dev_accuracy: float | None
    seconds: float
    tokens_per_second: float


@dataclass
class TrainResult:
    history: list[EpochRecord] = field(default_factory=list)
    best_epoch: int = 0
    best_dev_accuracy: float | None = None
    stopped_early: bool = False

    def to_dict(self) -> dict:
        return {
            "history": [asdict(r) for r in self.history],
            "best_epoch": self.best_epoch,
            "best_dev_accuracy": self.best_dev_accuracy,
            "stopped_early": self.stopped_early,
        }


@dataclass
class Position:
    """Where the current epoch stands: what a resumed run needs beyond the weights and the optimizer."""

    epoch: int = 0  # epochs finished
    batch: int = 0  # batches of the current epoch finished
    batches: list[np.ndarray] | None = None  # the current epoch's batch order, once drawn
    rng_state: Mapping[str, Any] | None = None  # the generator's state after the last finished step
    total_loss: float = 0.0  # sum of the examples' losses over the finished batches of this epoch
    tokens: int = 0
    seconds: float = 0.0

    def describe(self) -> str:
        return f"end of epoch {self.epoch}" if self.batch == 0 else f"epoch {self.epoch + 1}, batch {self.batch}"


@dataclass
class EarlyStopping:
    """Keeps a copy of the weights of the best dev score so far and says stop after ``patience`` epochs
    without a better one (never with ``patience=None``). Without a dev score every epoch is the best."""

    patience: int | None
    best_epoch: int = 0
    best_score: float | None = None
    without_gain: int = 0  # epochs since the best one
    best_params: dict[str, np.ndarray] | None = None
    stopped: bool = False

    def end_epoch(self, epoch: int, score: float | None, params: dict[str, np.ndarray]) -> bool:
        """Record epoch ``epoch``'s dev ``score`` (None: no dev split); True when training should stop."""
        if score is None or self.best_score is None or score > self.best_score:
            self.best_epoch, self.best_score, self.without_gain = epoch, score, 0
            self.best_params = {name: value.copy() for name, value in params.items()}
        else:
            self.without_gain += 1
            self.stopped = self.patience is not None and self.without_gain >= self.patience
        return self.stopped

    def restore(self, params: dict[str, np.ndarray]) -> None:
        """Write the best weights so far back into ``params`` (nothing before the first epoch ends)."""
        for name, value in (self.best_params or {}).items():
            params[name][...] = value


@dataclass
class TrainingState:
    """Everything the fit loop changes. ``params`` are the weights, updated in place by ``optimizer``
    (which holds its moments or velocities and its learning rate)."""

    params: dict[str, np.ndarray]
    optimizer: SGD | Adam
    stopping: EarlyStopping
    position: Position = field(default_factory=Position)
    history: list[EpochRecord] = field(default_factory=list)

    @property
    def result(self) -> TrainResult:
        """The learning curve and the early stopper's verdict so far."""
        return TrainResult(list(self.history), self.stopping.best_epoch, self.stopping.best_score,
                           self.stopping.stopped)
