"""Per-token sentiment: the running prediction after every token, beside a bag-of-words model's
word weights for the same text, as a terminal chart or a JSON-ready dict.

**The running sentiment** after token t is the model's prediction for the prefix ``tokens[:t + 1]``:

* a unidirectional model reads left to right, so that prediction is the output layer applied to the
  state after token t, and one forward pass gives all of them: ``softmax(fc.weight @ h_t + fc.bias)``
  (method ``"running-state"``);
* a bidirectional model's backward direction starts from the text's end, so it has no running
  state; each prefix is run as a text of its own, in batches (method ``"prefixes"``): the
  prediction the model would give had the text stopped there.

Either way the last value is the model's prediction for the whole text. A model with ``max_len``
reads only the last ``max_len`` tokens; the trajectory covers those (``skipped`` counts the rest).

**The bag-of-words side** is a unigram logistic regression (the ``bow-logreg`` baseline) trained on
the treebank's phrases, the data of the shipped model. Its score for a text is
``intercept + Σ coef[token]``, so each token's weight is its own coefficient whatever its context:
"good" weighs the same in "good" and in "not good", which is the contrast the chart shows.

>>> bow = LinearBaseline("bow-logreg", ["good", "not"], np.array([1.5, -0.5]), 0.25, (1, 1))
>>> bow.word_weights(["not", "good", "film"]).tolist(), bow.decision(["not", "good"])
([-0.5, 1.5, 0.0], 1.25)
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sentiment_rnn.errors import ModelFileError, SentimentRNNError
from sentiment_rnn.estimators.rnn import as_tokens
from sentiment_rnn.evaluation.stored_baselines import LinearBaseline
from sentiment_rnn.nn.batching import UNK_ID, truncate
from sentiment_rnn.nn.functional import softmax
from sentiment_rnn.nn.inference import predict_logits
from sentiment_rnn.nn.model import RNNModel

__all__ = [
    "BOW_BASELINE",
    "BOW_FILE",
    "Trajectory",
    "explanation_dict",
    "fit_bow_weights",
    "load_bow_weights",
    "prefix_probabilities",
    "render_chart",
    "running_probabilities",
    "shipped_bow_path",
    "shown",
    "trajectory",
]

BOW_BASELINE = "bow-logreg"
BOW_FILE = "bow-logreg.npz"  # shipped in models/ beside the default model; else cached after training


# ---------------------------------------------------------------------------------------------------
# The RNN's trajectory
# ---------------------------------------------------------------------------------------------------


def running_probabilities(model: RNNModel, ids: np.ndarray) -> np.ndarray:
    """ids (T,) -> (T, C) class probabilities from the top layer's state after each token, in one
    forward pass. Unidirectional models only."""
    if model.config.bidirectional:
        raise ValueError("a bidirectional model has no running state; use prefix_probabilities")
    ids = np.asarray(ids)
    _, cache = model.forward(ids[None, :], np.array([len(ids)]))
    states = cache.top_states[0][1:, 0]  # (T, H) the state after each token
    logits = states @ model.params["fc.weight"].T + model.params["fc.bias"]  # (T, C)
    return softmax(logits.astype(np.float64))  # (T, C)


MAX_PREFIX_TOKENS = 1_000  # a bidirectional model's trajectory: 500,000 token steps, about a second


def prefix_probabilities(model: RNNModel, ids: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """ids (T,) -> (T, C) class probabilities of each prefix ids[:t + 1] run as a text of its own.
    Works for every architecture; costs T runs (batched) instead of one."""
    ids = np.asarray(ids)
    prefixes = [ids[: t + 1] for t in range(len(ids))]
    return softmax(predict_logits(model, prefixes, batch_size).astype(np.float64))  # (T, C)


@dataclass(frozen=True)
class Trajectory:
    """The running prediction of a classifier over one text."""

    tokens: tuple[str, ...]  # the tokens the model read, in order
    known: tuple[bool, ...]  # in the model's vocabulary (else read as <unk>)
    probabilities: np.ndarray  # (T, C) class probabilities after each token
    label_names: tuple[str, ...]  # (C,)
    method: str  # "running-state" or "prefixes"
    skipped: int = 0  # leading tokens left out (max_len, or MAX_PREFIX_TOKENS for a bidirectional model)

    @property
    def prediction(self) -> int:
        """Index of the class predicted for the whole text."""
        return int(self.probabilities[-1].argmax())

    @property
    def focus(self) -> int:
        """The class the chart follows: 'positive' when there is one, else the predicted class."""
        return self.label_names.index("positive") if "positive" in self.label_names else self.prediction

    @property
    def scores(self) -> np.ndarray:
        """(T,) probability of the focus class after each token."""
        return self.probabilities[:, self.focus]


def trajectory(classifier, text) -> Trajectory:
    """The running sentiment of a fitted RNNClassifier over ``text`` (a string or a token list).

    Raises SentimentRNNError when the text has no tokens.
    """
    tokens = as_tokens(text)
    if not tokens:
        raise SentimentRNNError("nothing to explain: the text has no tokens")
    networks = classifier.networks  # a review model reads a sentence with its sentence network
    if len(networks) > 1:  # an ensemble: the mean of its members' running sentiments
        members = [trajectory(member, tokens) for member in networks]
        return dataclasses.replace(members[0], probabilities=np.mean([m.probabilities for m in members], axis=0))
    (classifier,) = networks
    ids = classifier.encode([tokens])[0]  # (T,)
    read = truncate(ids, classifier.max_len)  # what predict() reads
    model = classifier.model_
    if model.config.bidirectional:  # every prefix is a text of its own: T²/2 steps, so the last tokens only
        read = truncate(read, MAX_PREFIX_TOKENS)
    skipped = len(ids) - len(read)
    if model.config.bidirectional:
        probabilities, method = prefix_probabilities(model, read), "prefixes"
    else:
        probabilities, method = running_probabilities(model, read), "running-state"
    probabilities = classifier.collapse_probabilities(probabilities)  # finer training classes, if any
    return Trajectory(
        tokens=tuple(tokens[skipped:]),
        known=tuple(bool(i != UNK_ID) for i in read),
        probabilities=probabilities,
        label_names=tuple(classifier.label_names_),
        method=method,
        skipped=skipped,
    )


# ---------------------------------------------------------------------------------------------------
# The bag-of-words side
# ---------------------------------------------------------------------------------------------------


def fit_bow_weights(data_dir=None) -> LinearBaseline:
    """Train ``bow-logreg`` on the treebank's training phrases (C chosen on the dev sentences), the
    data of the shipped model. Needs the treebank (downloaded to the cache when missing)."""
    from sentiment_rnn.corpora import load_corpus
    from sentiment_rnn.evaluation.baselines import fit_baseline

    train = load_corpus("sst", "train", data_dir, level="phrase")
    dev = load_corpus("sst", "dev", data_dir)
    fitted = fit_baseline(BOW_BASELINE, train.tokens, train.labels, dev.tokens, dev.labels)
    return LinearBaseline.from_fitted(fitted, trained_on="sst train phrases (binary)", train_examples=len(train))


def shipped_bow_path() -> Path:
    """Where the shipped weights live: beside the default model (package data, or models/)."""
    from sentiment_rnn.io.serialization import default_model_path

    return default_model_path().parent / BOW_FILE


def load_bow_weights(data_dir=None, *, on_training: Callable[[str], None] | None = None) -> LinearBaseline:
    """The bag-of-words model the chart shows: the shipped file, else the cached one, else trained
    now (about ten seconds; ``on_training`` is told first) and cached for next time."""
    from sentiment_rnn.corpora import cache_dir

    cached = cache_dir() / BOW_FILE
    if shipped_bow_path().is_file():
        return LinearBaseline.load(shipped_bow_path())
    if cached.is_file():
        with contextlib.suppress(ModelFileError):  # a damaged or older file is trained again and replaced
            return LinearBaseline.load(cached)
    if on_training is not None:
        on_training(f"training the bag-of-words baseline on the treebank's phrases (once; cached in {cached})")
    weights = fit_bow_weights(data_dir)
    with contextlib.suppress(OSError):  # a read-only cache only costs the training next time
        weights.save(cached)
    return weights


# ---------------------------------------------------------------------------------------------------
# Output: a dict for --json, a chart for the terminal
# ---------------------------------------------------------------------------------------------------


def _probabilities_dict(names: Sequence[str], p: np.ndarray) -> dict[str, float]:
    return {name: round(float(q), 6) for name, q in zip(names, p, strict=True)}


def explanation_dict(traj: Trajectory, bow: LinearBaseline | None = None, *, text: str | None = None) -> dict:
    """Everything the chart shows, as plain JSON types."""
    names = traj.label_names
    has_positive = "positive" in names
    weights = None if bow is None else bow.word_weights(traj.tokens)
    steps = []
    for t, (token, known, p) in enumerate(zip(traj.tokens, traj.known, traj.probabilities, strict=True)):
        step = {"token": token, "in_vocabulary": known, "label": names[int(p.argmax())]}
        if has_positive:
            step["p_positive"] = round(float(p[names.index("positive")]), 6)
        step["probabilities"] = _probabilities_dict(names, p)
        if weights is not None:
            step["bow_weight"] = round(float(weights[t]), 6)
        steps.append(step)
    final = traj.probabilities[-1]
    prediction: dict[str, Any] = {"label": names[traj.prediction], "probabilities": _probabilities_dict(names, final)}
    if has_positive:
        prediction["p_positive"] = round(float(final[names.index("positive")]), 6)
    result: dict[str, Any] = {
        "text": text,
        "tokens": list(traj.tokens),
        "skipped_tokens": traj.skipped,
        "method": traj.method,
        "label_names": list(names),
        "prediction": prediction,
        "trajectory": steps,
        "baseline": None,
    }
    if bow is not None:
        p = bow.p_positive(traj.tokens)
        result["baseline"] = {
            "name": bow.name,
            "trained_on": bow.metadata.get("trained_on"),
            "intercept": round(bow.intercept, 6),
            "decision": round(bow.decision(traj.tokens), 6),
            "p_positive": round(p, 6),
            "label": "positive" if p > 0.5 else "negative",
        }
    return result


TOKEN_WIDTH = 14
HALF_BAR = 16  # cells on each side of the 0.5 mark
HALF_BOW_BAR = 5  # cells on each side of 0 for a word weight
BOW_PER_CELL = 0.4  # log-odds per cell of the word-weight bar


@dataclass(frozen=True)
class _Glyphs:
    full: str
    axis: str
    more: str  # marks a clipped word-weight bar or a cut token
    rule: str


_UNICODE = _Glyphs("█", "│", "…", "─")
_ASCII = _Glyphs("#", "|", "~", "-")


def _diverging_bar(value: float, half: int, glyphs: _Glyphs, clipped: bool = False) -> str:
    """A bar of |value| · half cells, left of the axis when negative, right when positive
    (value in [-1, 1]); a clipped bar ends in ``glyphs.more``."""
    cells = min(half, int(round(abs(value) * half)))  # noqa: RUF046 (value may be a NumPy scalar, whose round() may not be an int)
    bar = glyphs.full * cells
    if clipped and cells:
        bar = bar[:-1] + glyphs.more
    left = bar[::-1].rjust(half) if value < 0 else " " * half
    right = bar.ljust(half) if value > 0 else " " * half
    return left + glyphs.axis + right


def _short(token: str, width: int, glyphs: _Glyphs) -> str:
    token = shown(token)
    return token if len(token) <= width else token[: width - 1] + glyphs.more


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def shown(text: str) -> str:
    r"""``text`` safe to print on a terminal: control characters (an ESC that starts a colour or moves
    the cursor, a bell) and the marks that reorder or break lines become visible escapes.

    >>> shown("good \x1b[2J film\x07 \u202eom")
    'good \\x1b[2J film\\x07 \\u202eom'
    """
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


def render_chart(traj: Trajectory, bow: LinearBaseline | None = None, *, text: str | None = None,
                 ascii_only: bool = False) -> str:
    """The trajectory as a chart of at most 80 columns: one row per token with the probability of the
    focus class (P(positive)) after it, a bar from the 0.5 mark (left: negative, right: positive)
    and, with ``bow``, the token's bag-of-words weight with its own bar."""
    glyphs = _ASCII if ascii_only else _UNICODE
    names = traj.label_names
    focus = names[traj.focus]
    short = "pos" if focus == "positive" else focus[:3]
    lines = []
    if text is not None:
        quoted = shown(" ".join(text.split()))
        lines.append(f'"{quoted}"' if len(quoted) <= 76 else f'"{quoted[:75]}{glyphs.more}"')
    final = traj.probabilities[-1]
    lines.append(f"RNN  {names[traj.prediction]:<9s} P({focus}) = {final[traj.focus]:.3f}"
                 + ("   (each row: prediction for the text up to that token)" if traj.method == "prefixes" else ""))
    weights = None
    if bow is not None:
        weights = bow.word_weights(traj.tokens)  # (T,)
        p = bow.p_positive(traj.tokens)
        lines.append(f"BoW  {'positive' if p > 0.5 else 'negative':<9s} P(positive) = {p:.3f}"
                     f"   (intercept {bow.intercept:+.2f}, {bow.name})")
    if traj.skipped:
        lines.append(f"(the first {traj.skipped} tokens are not shown: the model keeps the last {len(traj.tokens)}"
                     + (f"; a bidirectional model is explained on at most {MAX_PREFIX_TOKENS:,}"
                        if traj.method == "prefixes" else "") + ")")
    lines.append("")

    axis = "0".ljust(HALF_BAR - 1) + "0.5" + "1".rjust(HALF_BAR - 1)  # 0.5 centred on the axis
    header = f"{'token':<{TOKEN_WIDTH}} P({short}) {axis}"
    if weights is not None:
        header += "  " + "BoW weight".rjust(6 + 1 + HALF_BOW_BAR)
    lines.append(header)
    lines.append(glyphs.rule * len(header))
    for t, (token, known, score) in enumerate(zip(traj.tokens, traj.known, traj.scores, strict=True)):
        name = _short(token, TOKEN_WIDTH - 1, glyphs) if known else _short(token, TOKEN_WIDTH - 2, glyphs) + "?"
        row = f"{name:<{TOKEN_WIDTH}} {score:6.3f} {_diverging_bar(2 * (score - 0.5), HALF_BAR, glyphs)}"
        if weights is not None:
            w = weights[t]
            scaled = w / (BOW_PER_CELL * HALF_BOW_BAR)
            bar = _diverging_bar(max(-1.0, min(1.0, scaled)), HALF_BOW_BAR, glyphs, clipped=abs(scaled) > 1)
            row += f"  {w:+6.2f} {bar}"
        lines.append(row.rstrip())
    lines.append("")
    lines.append(f"bar: P({focus}) - 0.5 after each token (left: lower, right: higher)")
    if weights is not None:
        lines.append(f"BoW weight: the word's log-odds, the same in every context ({BOW_PER_CELL:g} a cell)")
    if not all(traj.known):
        lines.append("?: a word the RNN does not know (read as <unk>)")
    return "\n".join(lines)
