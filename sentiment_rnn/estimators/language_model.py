"""Pretraining a language model (``sentiment_rnn.nn.language_model``) through the fit loop: token streams cut
into segments, truncated BPTT with the state carried from segment to segment (and through checkpoints),
held-out perplexity, the LM file.

    stream (L,) ids  ->  B rows of L // B consecutive tokens  (B, L')     the tail of L % B tokens left out
    segment k: inputs rows[:, kT : kT + T], targets rows[:, kT + 1 : kT + T + 1]    (B, T) each, the last shorter
    an epoch reads the segments in order; each starts from the state the one before ended in (zeros at
    the epoch's start), which the fit loop keeps as ``carried`` arrays and saves in its checkpoints, so a
    resumed run ends with the weights of a run never stopped.

An LM file is one npz: ``metadata`` JSON (format ``sentiment-rnn-language-model``, the config, training
provenance), ``vocab`` (the words, id order) and ``param/*``; read with ``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from sentiment_rnn.errors import ModelFileError, SentimentRNNError
from sentiment_rnn.files import json_default, open_npz, read_json_metadata, write_npz_atomic
from sentiment_rnn.memory import check_fits
from sentiment_rnn.nn.language_model import LanguageModel, LMConfig, lm_training_bytes
from sentiment_rnn.nn.sampled_softmax import draw_samples
from sentiment_rnn.training.checkpoint import run_identity
from sentiment_rnn.training.loop import TrainConfig, train_loop
from sentiment_rnn.version import __version__

__all__ = [
    "LM_FORMAT",
    "LMTrainConfig",
    "check_language_model_fits",
    "load_language_model",
    "perplexity",
    "pretrain_language_model",
    "save_language_model",
    "segment_starts",
    "stream_rows",
]

LM_FORMAT = "sentiment-rnn-language-model"
LM_VERSION = 1
EVAL_SEGMENT = 200  # steps per segment when scoring a held-out stream


@dataclass(frozen=True)
class LMTrainConfig:
    """How a language model is trained."""

    epochs: int = 1
    streams: int = 32  # B: the stream is read as B parallel rows
    bptt: int = 35  # T: steps per segment, how far back the gradient runs
    samples: int = 1024  # S words of the sampled softmax per segment; 0: the full softmax
    learning_rate: float = 2e-3
    clip_norm: float = 1.0
    lr_decay: float = 1.0
    seed: int = 0


def stream_rows(stream: np.ndarray, streams: int) -> np.ndarray:
    """(L,) ids -> (B, L // B): row b holds tokens b L' ... (b + 1) L' - 1.

    >>> stream_rows(np.arange(7), 2).tolist()
    [[0, 1, 2], [3, 4, 5]]
    """
    width = len(stream) // streams
    return np.asarray(stream[: width * streams]).reshape(streams, width)


def segment_starts(width: int, bptt: int) -> np.ndarray:
    """The first step of every segment of rows ``width`` long (each segment needs its next words).

    >>> segment_starts(8, 3).tolist()
    [0, 3, 6]
    """
    return np.arange(0, width - 1, bptt)


def perplexity(model: LanguageModel, stream: np.ndarray, progress=None) -> tuple[float, int]:
    """exp(mean -log p) of every token of ``stream`` but the first, each given all before it, by the full
    softmax -> (perplexity, tokens predicted). One row, read EVAL_SEGMENT steps at a time."""
    rows = np.asarray(stream)[None, :]  # (1, L)
    state, total = model.zero_state(1), 0.0
    starts = segment_starts(rows.shape[1], EVAL_SEGMENT)
    for i, start in enumerate(starts):
        end = min(start + EVAL_SEGMENT, rows.shape[1] - 1)
        nll, state = model.negative_log_likelihood(rows[:, start:end], rows[:, start + 1:end + 1], state)
        total += nll
        if progress is not None:
            progress(i + 1, len(starts))
    count = rows.shape[1] - 1
    return float(np.exp(total / count)), count


def _state_names(model: LanguageModel) -> list[list[str]]:
    """The carried arrays' names, per layer: state/l0/h (and state/l0/c for the LSTM) ..."""
    return [[f"state/l{layer}/{part}" for part in "hc"[:len(arrays)]]
            for layer, arrays in enumerate(model.zero_state(1))]


def check_language_model_fits(cfg: LMConfig, config: LMTrainConfig) -> None:
    """MemoryBudgetError, before any work, when a training step of these sizes cannot fit in memory."""
    samples = config.samples if 0 < config.samples < cfg.vocab_size - 1 else cfg.vocab_size
    check_fits(lm_training_bytes(cfg, config.streams * config.bptt, samples),
               f"training a language model of {cfg.hidden_size} hidden units over {cfg.vocab_size:,} words",
               "choose smaller sizes, fewer streams or fewer samples")


def pretrain_language_model(model: LanguageModel, train_stream: np.ndarray, held_out_stream: np.ndarray | None,
                            config: LMTrainConfig, progress=None, on_epoch=None, *, checkpoint=None,
                            resume: bool = False):
    """Train ``model.params`` in place on ``train_stream`` (L,) by truncated BPTT; after every epoch the
    held-out stream's mean -log p (by the full softmax) is the epoch's dev loss. Returns the TrainResult.

    With ``checkpoint`` the whole state (weights, Adam, generator, segment, carried recurrent state) is
    saved after every epoch and on Ctrl-C; ``resume=True`` continues from it.
    """
    cfg = model.config
    samples = config.samples if 0 < config.samples < cfg.vocab_size - 1 else 0  # else the full softmax
    rows = stream_rows(train_stream, config.streams)  # (B, L')
    if rows.shape[1] < 2:
        raise SentimentRNNError(f"the training text ({len(train_stream):,} tokens) is too short for "
                                f"{config.streams} streams")
    check_language_model_fits(cfg, config)
    starts = segment_starts(rows.shape[1], config.bptt)  # (K,)
    ends = np.minimum(starts + config.bptt, rows.shape[1] - 1)  # (K,)
    names = _state_names(model)
    carried = {name: np.zeros((config.streams, cfg.hidden_size), model.dtype) for layer in names for name in layer}

    def loss_and_grads(index, rng):
        k = int(index[0])
        state = (model.zero_state(config.streams) if k == 0 else  # an epoch starts from zeros
                 tuple(tuple(carried[name] for name in layer) for layer in names))
        start, end = starts[k], ends[k]
        drawn = draw_samples(rng, cfg.vocab_size, samples) if samples else None
        loss, grads, new_state = model.loss_and_grads(rows[:, start:end], rows[:, start + 1:end + 1], state, drawn,
                                                      train=True, rng=rng, sparse=True)
        new_values = {name: array for layer, arrays in zip(names, new_state, strict=True)
                      for name, array in zip(layer, arrays, strict=True)}
        return loss, grads, new_values  # the loop writes the new state into ``carried`` with the update

    def held_out_log_perplexity():
        assert held_out_stream is not None  # evaluated only when there is a held-out stream
        return float(np.log(perplexity(model, held_out_stream)[0])), None

    evaluate = held_out_log_perplexity if held_out_stream is not None and len(held_out_stream) > 1 else None

    train_config = TrainConfig(epochs=config.epochs, batch_size=1, learning_rate=config.learning_rate,
                               optimizer="adam", clip_norm=config.clip_norm, patience=None, lr_decay=config.lr_decay,
                               max_len=None, seed=config.seed, in_order=True)
    identity = None
    if checkpoint is not None:
        digest = hashlib.sha256(np.asarray(train_stream, np.int64).tobytes())
        held_out: list | np.ndarray = [] if held_out_stream is None else held_out_stream
        digest.update(b"held-out" + np.asarray(held_out, np.int64).tobytes())
        identity = run_identity(asdict(config), cfg.to_dict(), digest.hexdigest())
    lengths = config.streams * (ends - starts)  # (K,) tokens predicted per segment
    return train_loop(model.params, loss_and_grads, lengths, train_config, evaluate, progress, on_epoch,
                      examples_weight=len(starts), checkpoint=checkpoint, identity=identity, resume=resume,
                      carried=carried)


def save_language_model(path: str | os.PathLike, model: LanguageModel, words: list[str], provenance: dict) -> Path:
    """Write the LM file atomically: metadata JSON, the vocabulary and the parameters."""
    if len(words) != model.config.vocab_size:
        raise ValueError(f"{len(words)} words for a model of {model.config.vocab_size}")
    metadata = {"format": LM_FORMAT, "format_version": LM_VERSION, "sentiment_rnn_version": __version__,
                "config": model.config.to_dict(), "provenance": provenance}
    arrays = {"metadata": np.array(json.dumps(metadata, default=json_default)), "vocab": np.array(words, dtype=str)}
    arrays.update({f"param/{name}": value for name, value in model.params.items()})
    return write_npz_atomic(path, arrays)


def load_language_model(path: str | os.PathLike) -> tuple[LanguageModel, list[str], dict]:
    """(model, words, metadata) of an LM file; ModelFileError for anything that is not one."""
    path = Path(path)
    with open_npz(path, "language model") as data:
        metadata = read_json_metadata(path, data, LM_FORMAT, LM_VERSION, "language model")
        try:
            config = LMConfig(**metadata["config"])
            params = {key.removeprefix("param/"): data[key] for key in data.files if key.startswith("param/")}
            words = [str(word) for word in data["vocab"]]
            model = LanguageModel(config, params)
        except (KeyError, TypeError, ValueError) as error:
            raise ModelFileError(f"{path}: damaged language model file ({error})") from None
    if len(words) != config.vocab_size:
        raise ModelFileError(f"{path}: damaged language model file ({len(words)} words for {config.vocab_size})")
    return model, words, metadata
