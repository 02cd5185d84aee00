"""Comparing models on one benchmark: the RNNs and the bag-of-words baselines, side by side in a table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from collections.abc import Callable, Mapping, Sequence

from sentiment_rnn.evaluation.negation import ContrastItem, load_contrast_set, negation_benchmark

__all__ = ["format_table", "Benchmark", "load_benchmark", "compare_models"]


# (slice, metric, the metric's count, column title)
_COLUMNS = (
    ("sst2_test", "accuracy", "n", "SST-2 test"),
    ("negation_phrases", "accuracy", "n", "neg. phrases"),
    ("negation_phrases_flipped", "accuracy", "n", "flipped"),
    ("negated_sentences", "accuracy", "n", "negated sent."),
    ("contrast_minimal", "accuracy", "n", "minimal"),
    ("contrast_minimal", "pair_accuracy", "pairs", "minimal pairs"),
    ("contrast_minimal_negated_negative", "pair_accuracy", "pairs", "to-neg pairs"),
    ("contrast_minimal_negated_positive", "pair_accuracy", "pairs", "to-pos pairs"),
    ("contrast_hard", "accuracy", "n", "hard"),
    ("contrast_hard", "pair_accuracy", "pairs", "hard pairs"),
)


def format_table(
    results_by_model: Mapping[str, Mapping[str, Mapping[str, Any]]], markdown: bool = False,
    columns: Sequence[tuple[str, str, str, str]] = _COLUMNS,
) -> str:
    """A table with one row per model and one column per slice (accuracies to 3 decimals); the
    first row gives each column's count (sentences, phrases or pairs). ``columns`` lists
    (slice, metric, the metric's count, title).

    results_by_model: ``{model name: negation_benchmark(...)}``.

    >>> result = {"sst2_test": {"n": 4, "accuracy": 0.75},
    ...           "contrast_hard": {"pairs": 2, "pair_accuracy": 0.5}}
    >>> print(format_table({"bow": result}, markdown=True))
    | model | SST-2 test | hard pairs |
    | --- | ---: | ---: |
    | n | 4 | 2 |
    | bow | 0.750 | 0.500 |
    """
    models = list(results_by_model)
    columns = [c for c in columns if any(c[1] in results_by_model[m].get(c[0], {}) for m in models)]
    header = ["model"] + [title for *_, title in columns]
    counts = ["n"]
    for slice_name, _, count, _ in columns:
        values: set[Any] = {results_by_model[m].get(slice_name, {}).get(count) for m in models} - {None}
        counts.append("/".join(str(v) for v in sorted(values)))
    rows = [counts]
    for m in models:
        row = [m]
        for slice_name, metric, _, _ in columns:
            value = results_by_model[m].get(slice_name, {}).get(metric)
            row.append("-" if value is None or value != value else f"{value:.3f}")
        rows.append(row)

    if markdown:
        lines = ["| " + " | ".join(header) + " |", "| --- |" + " ---: |" * len(columns)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    def line(cells):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
    return "\n".join(line(cells).rstrip() for cells in [header, *rows])


@dataclass(frozen=True)
class Benchmark:
    """What every model is scored on: SST-2 test sentences, the test trees and the contrast set."""

    test_corpus: Any
    trees_test: Sequence
    contrast_items: Sequence[ContrastItem]


def load_benchmark(data_dir=None, contrast_path=None, progress=None) -> Benchmark:
    """The SST-2 test split, the treebank's test trees and the curated contrast set (a treebank
    download, if one is needed, reports to ``progress``)."""
    from sentiment_rnn.corpora import load_corpus, sst_trees

    test = load_corpus("sst", "test", data_dir, progress=progress)
    return Benchmark(test, sst_trees("test", data_dir), load_contrast_set(contrast_path))


def compare_models(
    rnn_models: Mapping[str, Any],
    baseline_names: Sequence[str],
    benchmark: Benchmark,
    train_corpus=None,
    dev_corpus=None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, dict[str, dict[str, Any]]]:
    """``{model name: negation_benchmark(...)}`` for every fitted RNN classifier and every baseline.

    Baselines are fitted on ``train_corpus`` (the RNN's training data: the treebank's phrases) with
    their regularisation tuned on ``dev_corpus``; each result also records the baseline's chosen
    parameter and fit time under ``"model"``.
    """
    from sentiment_rnn.evaluation.baselines import fit_baseline

    results: dict[str, dict[str, dict[str, Any]]] = {}
    for name in baseline_names:
        if progress:
            progress(f"fitting baseline {name}")
        fitted = fit_baseline(name, train_corpus.tokens, train_corpus.labels, dev_corpus.tokens, dev_corpus.labels)
        results[name] = negation_benchmark(fitted.predict, benchmark.trees_test, benchmark.contrast_items,
                                           benchmark.test_corpus)
        results[name]["model"] = {"kind": "baseline", "param": f"{fitted.param_name}={fitted.param}",
                                  "fit_seconds": round(fitted.fit_seconds, 2)}
    for name, model in rnn_models.items():
        if progress:
            progress(f"scoring {name}")
        results[name] = negation_benchmark(model.predict, benchmark.trees_test, benchmark.contrast_items,
                                           benchmark.test_corpus)
        networks = [network.model_ for network in model.networks]
        config = networks[0].config
        results[name]["model"] = {"kind": "rnn", "cell": config.cell, "bidirectional": config.bidirectional,
                                  "members": len(networks)}
    return results
