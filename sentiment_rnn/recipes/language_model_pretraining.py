"""One run of `sentiment-rnn pretrain-lm`: read unlabeled review text, build the vocabulary and the token
streams, hold out a slice for perplexity, train the language model and write the LM file.

Only training text is read: IMDB's 25,000 official *training* reviews (and, if asked, the movie_reviews
corpus), never a test or dev split (:func:`~sentiment_rnn.corpora.unlabeled_texts`). The held-out slice
for perplexity is made of whole reviews of that same training text, drawn with the seed and never
trained on. Each review ends with the word ``<eos>``, so the model learns where reviews end.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from sentiment_rnn.corpora import unlabeled_texts
from sentiment_rnn.errors import SentimentRNNError
from sentiment_rnn.estimators.language_model import (
    LMTrainConfig,
    perplexity,
    pretrain_language_model,
    save_language_model,
)
from sentiment_rnn.nn.language_model import LanguageModel, LMConfig
from sentiment_rnn.text.tokenizer import tokenize_many
from sentiment_rnn.text.vocab import Vocab

__all__ = [
    "EOS",
    "LMText",
    "held_out_split",
    "language_model_text",
    "read_review_text",
    "review_token_lists",
    "run_lm_pretraining",
]

EOS = "<eos>"
TOKENIZE_CHUNK = 1000  # documents tokenized at a time, until the token budget is reached


@dataclass(frozen=True)
class LMText:
    """The vocabulary and the two token streams of a pretraining run."""

    words: list[str]
    train_stream: np.ndarray  # (L,) ids
    held_out_stream: np.ndarray  # (held_out_tokens + 1,) ids: every token but the first is predicted
    description: dict


def review_token_lists(documents: list, token_budget: int | None = None, *, seed: int = 0, n_jobs: int = 2,
                       progress=None) -> list[list[str]]:
    """``documents`` (raw texts or token lists) shuffled with ``seed`` and tokenized, each ending in ``<eos>``,
    until ``token_budget`` tokens (None: all)."""
    order = np.random.default_rng(seed).permutation(len(documents))
    token_lists, count = [], 0
    for start in range(0, len(order), TOKENIZE_CHUNK):
        chunk = [documents[i] for i in order[start:start + TOKENIZE_CHUNK]]
        tokenized = iter(tokenize_many([d for d in chunk if isinstance(d, str)], n_jobs))
        for d in chunk:
            tokens = next(tokenized) if isinstance(d, str) else [str(t).lower() for t in d]
            token_lists.append([*tokens, EOS])
            count += len(tokens) + 1
        if progress is not None:
            progress(min(len(order), start + TOKENIZE_CHUNK), len(order))
        if token_budget is not None and count >= token_budget:
            break
    return token_lists


def held_out_split(token_lists: list[list[str]], held_out_tokens: int) -> tuple[list, list]:
    """The first whole reviews holding ``held_out_tokens`` + 1 tokens at least, and the rest (to train on)."""
    held_out: list[list[str]] = []
    train: list[list[str]] = []
    seen = 0
    for tokens in token_lists:
        (held_out if seen < held_out_tokens + 1 else train).append(tokens)
        seen += len(tokens)
    return held_out, train


def language_model_text(documents: list, *, max_words: int = 20000, min_count: int = 2,
                        train_tokens: int | None = None, held_out_tokens: int = 20000, seed: int = 0,
                        n_jobs: int = 2, progress=None) -> LMText:
    """Shuffle ``documents`` (raw texts or token lists) with ``seed``, hold out the first whole reviews for
    ``held_out_tokens`` tokens, train on the next ones up to ``train_tokens`` (None: all)."""
    budget = None if train_tokens is None else train_tokens + held_out_tokens + 1
    held_out, train = held_out_split(review_token_lists(documents, budget, seed=seed, n_jobs=n_jobs,
                                                        progress=progress), held_out_tokens)
    if not train:
        raise SentimentRNNError(f"{sum(map(len, held_out)):,} tokens of text leave nothing to train on after "
                                f"holding out {held_out_tokens:,}")
    train_text = [token for tokens in train for token in tokens][:train_tokens]  # exactly what is trained on
    vocab = Vocab.build([train_text], min_count=min_count, max_size=max_words)
    train_stream = vocab.encode(train_text)  # (L,)
    held_out_stream = np.concatenate([vocab.encode(t) for t in held_out])[:held_out_tokens + 1]
    description = {"documents": len(train) + len(held_out), "train_tokens": len(train_stream),
                   "held_out_tokens": int(len(held_out_stream) - 1), "held_out_documents": len(held_out),
                   "vocabulary": len(vocab), "min_count": min_count, "seed": seed,
                   "held_out_unknown_share": round(float(np.mean(held_out_stream == 1)), 4)}
    return LMText(vocab.to_list(), train_stream, held_out_stream, description)


def run_lm_pretraining(text: LMText, model_config: dict, train_config: LMTrainConfig, output: str | os.PathLike, *,
                       checkpoint: str | os.PathLike | None = None, resume: bool = False,
                       keep_checkpoint: bool = False, corpora=("imdb",), log=None, progress=None) -> dict:
    """Train a language model of ``model_config`` (LMConfig's fields but the vocabulary size) on ``text``,
    write it to ``output`` and return the summary: held-out perplexity, tokens, time."""
    log = log or (lambda message: None)
    config = LMConfig(vocab_size=len(text.words), **model_config)
    model = LanguageModel.initialize(config, np.random.default_rng(train_config.seed))
    started = time.perf_counter()

    def log_epoch(record):
        log(f"epoch {record.epoch}  train loss {record.train_loss:.4f}  held-out perplexity "
            f"{math.exp(record.dev_loss):.2f}  {record.tokens_per_second:,.0f} tokens/s")

    result = pretrain_language_model(model, text.train_stream, text.held_out_stream, train_config, progress, log_epoch,
                                     checkpoint=checkpoint, resume=resume)
    held_out_perplexity, predicted = perplexity(model, text.held_out_stream)
    summary = {"output": str(output), "held_out_perplexity": round(held_out_perplexity, 3),
               "held_out_tokens": predicted, "train_tokens": len(text.train_stream),
               "vocabulary": len(text.words), "epochs": len(result.history),
               "train_seconds": round(sum(r.seconds for r in result.history), 1),
               "tokens_per_second": round(result.history[-1].tokens_per_second) if result.history else None}
    provenance = {"corpora": list(corpora), "text": text.description, "training": asdict(train_config),
                  "seconds_this_run": round(time.perf_counter() - started, 1), **summary}
    try:
        save_language_model(output, model, text.words, provenance)
    except OSError as error:
        raise SentimentRNNError(f"cannot write {output} ({error.strerror or error})") from None
    if checkpoint is not None and not keep_checkpoint:
        Path(checkpoint).unlink(missing_ok=True)
    return summary


def read_review_text(corpora, data_dir, progress=None) -> list:
    """The unlabeled training documents of ``corpora`` (imdb: its training reviews only)."""
    return unlabeled_texts(tuple(corpora), data_dir, progress=progress)
