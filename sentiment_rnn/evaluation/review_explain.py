"""A review model's explanation: the composition of its verdict (the bias and each sentence's share in
log-odds, split into the sentence network's part and the n-grams' part) and the sentence network's running
P(positive) sentence by sentence, as a JSON-ready dict (``review_explanation``) or a terminal chart
(``render_review_chart``). The per-token pieces are :mod:`sentiment_rnn.evaluation.explain`'s."""

from __future__ import annotations

import numpy as np

from sentiment_rnn.evaluation.explain import (
    _ASCII,
    _UNICODE,
    HALF_BOW_BAR,
    Trajectory,
    _diverging_bar,
    _probabilities_dict,
    _short,
    explanation_dict,
    render_chart,
    shown,
    trajectory,
)
from sentiment_rnn.evaluation.stored_baselines import LinearBaseline

__all__ = ["render_review_chart", "review_explanation"]

REVIEW_SENTENCE_WIDTH = 30


def review_explanation(model, text, bow: LinearBaseline | None = None) -> dict:
    """What a review model computes for ``text`` (a string or tokens), as plain JSON types:

    * ``review``: :meth:`ReviewClassifier.explain_review`, the composition as it is computed (the bias and
      each sentence's weights, network log-odds, the network's and the n-grams' parts and share, in log-odds);
    * ``trajectory``: the sentence network's running P(positive) after each token, sentence by sentence
      (each step says its ``sentence``), the same network that gives each sentence's log-odds, so every
      sentence's last step is its ``sentence_p_positive`` in the list; with ``bow``, each word's weight;
    * ``prediction``: the review model's verdict; ``bag_of_words``: the n-gram part of that verdict.
    """
    review = model.explain_review(text)
    (sentences,) = model.sentences([text])
    steps: list[dict] = []
    tokens: list[str] = []
    for index, sentence in enumerate(sentences):
        part = explanation_dict(trajectory(model.sentence_, sentence), bow)
        steps.extend({**step, "sentence": index} for step in part["trajectory"])
        tokens.extend(part["tokens"])
    p = review["p_positive"]
    label = "positive" if p > 0.5 else "negative"
    names = list(model.label_names_)
    ngram = review["ngram_log_odds"]
    return {
        "tokens": tokens,
        "method": "running-state by sentence",
        "label_names": names,
        "prediction": {"label": label, "p_positive": round(p, 6),
                       "probabilities": _probabilities_dict(names, np.array([1.0 - p, p]))},
        "trajectory": steps,
        "bag_of_words": {"name": "the review model's n-gram part", "log_odds": round(ngram, 6),
                         "label": "positive" if ngram > 0 else "negative" if ngram < 0 else "neutral"},
        "review": review,
    }


def render_review_chart(explanation: dict, bow: LinearBaseline | None = None, *, text: str | None = None,
                        ascii_only: bool = False) -> str:
    """``review_explanation``'s result as a chart: the composition (one row per sentence with its share of
    the verdict in log-odds = a x network log-odds + n-gram part, the bias, the total), then each
    sentence's token chart, which ends at that sentence's P(pos) alone in the list."""
    glyphs = _ASCII if ascii_only else _UNICODE
    review = explanation["review"]
    rows = review["sentences"]
    lines = []
    if text is not None:
        quoted = shown(" ".join(text.split()))
        lines.append(f'"{quoted}"' if len(quoted) <= 76 else f'"{quoted[:75]}{glyphs.more}"')
    p = review["p_positive"]
    lines.append(f"review model  {'positive' if p > 0.5 else 'negative':<9s} P(positive) = {p:.3f}   "
                 f"log-odds {review['log_odds']:+.2f} = bias {review['bias']:+.2f} + the shares below")
    lines.append(f"(of which the n-grams {review['ngram_log_odds']:+.2f}, the network {review['network_log_odds']:+.2f})")
    lines.append("")
    scale = max([abs(r["log_odds"]) for r in rows] + [1e-9])
    header = (f"{'sentence':<{REVIEW_SENTENCE_WIDTH}} {'share':>6} {'':{2 * HALF_BOW_BAR + 1}} "
              f"{'= a':>4} x {'net':>5} + {'ngram':>6}  P(pos) alone")
    lines.append(header)
    lines.append(glyphs.rule * len(header))
    for r in rows:
        bar = _diverging_bar(r["log_odds"] / scale, HALF_BOW_BAR, glyphs)
        held = r["guarded"] and r["log_odds"] == 0 and r["network_log_odds"] != 0  # the n-grams would turn it
        lines.append(f"{_short(r['sentence'], REVIEW_SENTENCE_WIDTH - 1, glyphs):<{REVIEW_SENTENCE_WIDTH}} "
                     f"{r['log_odds']:+6.2f} {bar:{2 * HALF_BOW_BAR + 1}} {r['weight']:4.2f} x "
                     f"{r['network_log_odds']:+5.2f} + {r['ngram_log_odds']:+6.2f}  {r['sentence_p_positive']:.3f}"
                     + ("  (held at 0 by the guard)" if held else ""))
    lines.append("")
    lines.append("share: what the sentence adds to the review's log-odds: a weight a (>= 0) times the sentence network's")
    lines.append("log-odds, plus its n-gram part (b >= 0 times its n-gram score; in a guarded sentence it may weaken the")
    lines.append("network's verdict, never turn it); P(pos) alone: the sentence network on the sentence by itself")
    steps = explanation["trajectory"]
    for index, r in enumerate(rows):
        mine = [s for s in steps if s["sentence"] == index]
        traj = Trajectory(tokens=tuple(s["token"] for s in mine), known=tuple(s["in_vocabulary"] for s in mine),
                          probabilities=np.array([[1.0 - s["p_positive"], s["p_positive"]] for s in mine]),
                          label_names=tuple(explanation["label_names"]), method="running-state")
        lines.append("")
        lines.append(f"sentence {index + 1}: " + _short(r["sentence"], 66, glyphs))
        lines.append(render_chart(traj, bow, ascii_only=ascii_only))
    return "\n".join(line.rstrip() for line in lines)
