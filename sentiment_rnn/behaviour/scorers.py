"""What ``check`` scores: a function from texts to P(positive), for a model file, the bag-of-words
baselines and NLTK's rule-based VADER.

* a model file (through ``load_model``): P(positive) from ``predict_proba``; a model with a neutral class
  counts half of P(neutral) as positive;
* ``bow-logreg``: the unigram logistic regression shipped beside the default model (else fitted once on
  the treebank's phrases and cached, as ``explain`` does): sigmoid of its log-odds;
* ``bow-bigram-logreg``, ``negation-logreg``, ``nb``: the baselines ``compare`` fits on the treebank's
  training phrases (C or alpha tuned on the dev sentences), fitted once and cached; sigmoid of the
  log-odds (naive Bayes: of the two classes' log-odds). ``tfidf-svm`` is left out: its score is a margin,
  not log-odds, so it has no P(positive) to put in the neutral band;
* ``vader``: NLTK's VADER with the lexicon from the NLTK data (``sentiment/vader_lexicon``):
  P(positive) = (compound + 1) / 2.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from sentiment_rnn.errors import DataError
from sentiment_rnn.nn.functional import sigmoid

__all__ = ["Scorer", "BASELINE_SCORERS", "model_scorer", "bow_scorer", "fitted_baseline_scorer", "vader_scorer",
           "has_vader_lexicon", "baseline_scorers", "VADER_RESOURCE"]

VADER_RESOURCE = "sentiment/vader_lexicon.zip/vader_lexicon/vader_lexicon.txt"
FITTED_BASELINES = ("bow-bigram-logreg", "negation-logreg", "nb")
BASELINE_SCORERS = ("bow-logreg", *FITTED_BASELINES, "vader")


@dataclass(frozen=True)
class Scorer:
    """A named function from N texts to P(positive) (N,)."""

    name: str
    p_positive: Callable[[list[str]], np.ndarray]


def model_scorer(model, name: str = "sentiment-rnn") -> Scorer:
    """A fitted classifier (``load_model``'s result) as a scorer."""
    names = list(model.label_names_)
    if "positive" not in names:
        raise DataError(f"model {name!r} has no 'positive' class (its classes: {', '.join(names)})")
    positive, neutral = names.index("positive"), names.index("neutral") if "neutral" in names else None

    def p_positive(texts: list[str]) -> np.ndarray:
        probabilities = np.asarray(model.predict_proba(list(texts)), dtype=np.float64)  # (N, C)
        p = probabilities[:, positive]  # (N,)
        return p + 0.5 * probabilities[:, neutral] if neutral is not None else p

    return Scorer(name, p_positive)


@functools.lru_cache(maxsize=1 << 16)
def _tokens(text: str) -> tuple[str, ...]:
    from sentiment_rnn.text.tokenizer import tokenize

    return tuple(tokenize(text))


def _tokenized(texts: Sequence[str]) -> list[list[str]]:
    """Treebank tokens of each text, remembered, so the baselines tokenize a suite's texts once."""
    return [list(_tokens(text)) for text in texts]


def bow_scorer(data_dir=None, on_training: Callable[[str], None] | None = None) -> Scorer:
    """The shipped unigram bag of words (``bow-logreg``) as a scorer."""
    from sentiment_rnn.evaluation.explain import load_bow_weights

    weights = load_bow_weights(data_dir, on_training=on_training)
    return Scorer("bow-logreg", lambda texts: np.array([weights.p_positive(t) for t in _tokenized(texts)]))


def fitted_baseline_scorer(name: str, data_dir=None, on_training: Callable[[str], None] | None = None) -> Scorer:
    """Baseline ``name`` fitted on the treebank's training phrases (tuned on dev), cached after the
    first fit, as a scorer."""
    from sentiment_rnn.corpora import load_corpus
    from sentiment_rnn.evaluation.stored_baselines import baseline_cache_key, load_or_fit_baseline
    from sentiment_rnn.corpora import cache_dir

    train = load_corpus("sst", "train", data_dir, level="phrase")
    dev = load_corpus("sst", "dev", data_dir)
    key = baseline_cache_key(name, train, dev)
    if on_training is not None and not (cache_dir() / "baselines" / f"{name}-{key[:20]}.npz").is_file():
        on_training(f"fitting the {name} baseline on the treebank's phrases (once; cached)")
    baseline, _ = load_or_fit_baseline(name, train, dev)
    return Scorer(name, lambda texts: sigmoid(np.asarray(baseline.decision_function(_tokenized(texts)), dtype=np.float64)))


def _vader_roots(data_dir) -> list[Path]:
    """The nltk_data folders that hold VADER's lexicon, in search order: <data>/nltk_data,
    <cache>/nltk_data, then NLTK's own path (which holds $NLTK_DATA)."""
    import nltk

    from sentiment_rnn.corpora.sources import search_roots

    roots = [root / "nltk_data" for root in search_roots(data_dir)] + [Path(p) for p in nltk.data.path]
    return [root for root in roots
            if (root / "sentiment" / "vader_lexicon.zip").is_file() or (root / "sentiment" / "vader_lexicon").is_dir()]


def has_vader_lexicon(data_dir=None) -> bool:
    return bool(_vader_roots(data_dir))


def _vader_root(data_dir) -> Path:
    roots = _vader_roots(data_dir)
    if roots:
        return roots[0]
    raise DataError("VADER needs NLTK's vader_lexicon (sentiment/vader_lexicon.zip in an nltk_data folder: "
                    "put it under --data-dir/nltk_data or $NLTK_DATA, e.g. python -m nltk.downloader vader_lexicon)")


def vader_scorer(data_dir=None) -> Scorer:
    """NLTK's VADER as a scorer: P(positive) = (compound + 1) / 2."""
    import nltk
    from nltk.sentiment.vader import SentimentIntensityAnalyzer

    root = _vader_root(data_dir)
    resource = VADER_RESOURCE if (root / "sentiment" / "vader_lexicon.zip").is_file() else \
        "sentiment/vader_lexicon/vader_lexicon.txt"
    added = str(root) not in nltk.data.path
    if added:
        nltk.data.path.insert(0, str(root))
    try:
        analyzer = SentimentIntensityAnalyzer(lexicon_file=resource)
    except (LookupError, OSError, ValueError) as error:
        raise DataError(f"NLTK cannot read the VADER lexicon in {root} ({type(error).__name__})") from None
    finally:
        if added:
            nltk.data.path.remove(str(root))
    return Scorer("vader", lambda texts: np.array([(analyzer.polarity_scores(t)["compound"] + 1) / 2 for t in texts]))


def baseline_scorers(names: Sequence[str] = BASELINE_SCORERS, data_dir=None,
                     on_training: Callable[[str], None] | None = None) -> list[Scorer]:
    """The scorers of ``names`` (of ``BASELINE_SCORERS``), in that order."""
    scorers = []
    for name in names:
        if name == "bow-logreg":
            scorers.append(bow_scorer(data_dir, on_training))
        elif name == "vader":
            scorers.append(vader_scorer(data_dir))
        elif name in FITTED_BASELINES:
            scorers.append(fitted_baseline_scorer(name, data_dir, on_training))
        else:
            raise ValueError(f"no baseline scorer {name!r}; choose from {', '.join(BASELINE_SCORERS)}")
    return scorers
