"""What the server computes, as plain functions of a loaded model: predictions, explanations and
the model's description. They run in the model thread (see ``batcher.py``) and return JSON-ready dicts.

This is the one module of the server that imports the explain modules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sentiment_rnn.evaluation import explain, review_explain
from sentiment_rnn.evaluation.stored_baselines import LinearBaseline
from sentiment_rnn.io.predict import MAX_REVIEW_CHARS, read_review
from sentiment_rnn.text.tokenizer import tokenize

__all__ = [
    "TextRejected",
    "explain_text",
    "load_bow_weights",
    "model_description",
    "predict_tokens",
    "score_texts",
    "tokenize_texts",
]


def tokenize_texts(texts: Sequence[str]) -> list[tuple[list[str], bool]]:
    """(tokens, truncated) for each text, read as ``sentiment-rnn predict`` reads it: a text over
    MAX_REVIEW_CHARS characters, or over the sentences or tokens :func:`read_review` allows once its
    Unicode is normalised, is read from its end (so no text holds the model thread longer than the
    longest ordinary review)."""
    return [(tokens, why is not None) for _, tokens, why in map(read_review, texts)]


def predict_tokens(model, tokenized: Sequence[tuple[list[str], bool]]) -> list[dict | None]:
    """One prediction per (tokens, truncated) pair, from one ``predict_proba`` call for all of them;
    None for a text with no tokens."""
    names = list(model.label_names_)
    max_len = getattr(model, "max_len", None)
    scored = [i for i, (tokens, _) in enumerate(tokenized) if tokens]
    probabilities = model.predict_proba([tokenized[i][0] for i in scored]) if scored else np.zeros((0, len(names)))
    results: list[dict | None] = [None] * len(tokenized)
    for i, p in zip(scored, probabilities, strict=True):  # p (C,)
        tokens, truncated = tokenized[i]
        read = len(tokens) if max_len is None else min(len(tokens), max_len)
        result = {"label": names[int(p.argmax())]}
        if "positive" in names:
            result["p_positive"] = round(float(p[names.index("positive")]), 6)
        result["probabilities"] = {name: round(float(q), 6) for name, q in zip(names, p, strict=True)}
        result["tokens_read"] = read
        result["truncated"] = truncated or read < len(tokens)
        results[i] = result
    return results


def score_texts(model, texts: Sequence[str]) -> list[dict | None]:
    """Tokenize and predict a batch of texts (what the micro-batcher runs)."""
    return predict_tokens(model, tokenize_texts(texts))


class TextRejected(ValueError):
    """A text this server will not score; ``status`` and ``code`` say how to answer."""

    def __init__(self, message: str, status: int, code: str, **details):
        super().__init__(message)
        self.status, self.code, self.details = status, code, details


def explain_text(model, bow, text: str, max_tokens: int) -> dict:
    """What ``sentiment-rnn explain --json`` prints: for a review model (the shipped one) the composition
    of its verdict (``review``: the bias and each sentence's share in log-odds), the n-gram part of it
    (``bag_of_words``) and the sentence network's running P(positive) sentence by sentence; for a network,
    its per-token trajectory; both with the bag-of-words weights.

    Raises TextRejected when the text has no tokens or more than ``max_tokens`` of them (the
    explanation has one step per token; long reviews are explained token by token too).
    """
    tokens = tokenize(text)
    if not tokens:
        raise TextRejected("'text' has no words to explain", 422, "no_words")
    if len(tokens) > max_tokens:
        raise TextRejected(f"'text' has {len(tokens):,} tokens; explanations are limited to {max_tokens:,}",
                           413, "too_many_tokens", limit=max_tokens)
    if model.reads_by_sentence(tokens):  # the review model: every text, by sentence
        return {"text": text, "level": "review", **review_explain.review_explanation(model, tokens, bow)}
    return explain.explanation_dict(explain.trajectory(model, tokens), bow, text=text)


def load_bow_weights():
    """The shipped bag-of-words weights, or None when the package has none (explanations then have
    no baseline; the server does not train one)."""
    path = explain.shipped_bow_path()
    return LinearBaseline.load(path) if path.is_file() else None


_FOLDERS = re.compile(r"(?:[A-Za-z]:)?(?:[/\\][^/\\\s;,'\"]+)+[/\\]")  # /home/x/ or C:\\x\\ before a file name


def without_paths(value):
    """``value`` (JSON: dicts, lists, strings) with the folders of every path in its strings removed, so that a
    response never shows where files were on the machine that trained a model.

    >>> without_paths({"data": ["sst; teacher /home/ann/models/teacher.npz", 3]})
    {'data': ['sst; teacher teacher.npz', 3]}
    """
    if isinstance(value, str):
        return _FOLDERS.sub("", value)
    if isinstance(value, dict):
        return {key: without_paths(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_paths(item) for item in value]
    return value


def model_description(model, model_path: str | None, metadata: dict) -> dict:
    """Name, classes, provenance and recorded accuracy of a model, from its file's metadata (no paths)."""
    return without_paths(_description(model, model_path, metadata))


def _description(model, model_path: str | None, metadata: dict) -> dict:
    path = Path(model_path) if model_path else Path("default.npz")  # the shipped model
    training = metadata.get("training") or {}
    accuracy = {key: training[key] for key in ("dev_accuracy", "test_accuracy", "best_dev_accuracy")
                if isinstance(training.get(key), (int, float))}
    return {
        "name": path.stem,
        "file": path.name,
        "shipped": not model_path,
        "kind": metadata.get("kind", "network"),
        "classes": [str(name) for name in model.label_names_],
        "class_ids": np.asarray(model.classes_).tolist(),
        "created": metadata.get("created"),
        "sentiment_rnn_version": metadata.get("sentiment_rnn_version"),
        "config": metadata.get("config"),
        "tokenizer": metadata.get("tokenizer"),
        "training": {
            "data": training.get("data"),
            "train_examples": training.get("train_examples"),
            "test_examples": training.get("test_examples"),
            "best_epoch": training.get("best_epoch"),
            "epochs_run": len(training.get("history") or []),
        },
        "accuracy": accuracy,
        "max_text_chars_read": MAX_REVIEW_CHARS,
    }
