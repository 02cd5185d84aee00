"""Running the behavioural suite on scorers, and its report: a failure rate per test and part, the
worst failing cases, as a table, Markdown or JSON.

>>> from sentiment_rnn.behaviour.scorers import Scorer
>>> from sentiment_rnn.behaviour.suite import build_suite
>>> tests = build_suite(parts=("heldout",), capabilities=["neutral_statement"], cases={"mft": 5})
>>> result = run_check(tests, Scorer("always-half", lambda texts: np.full(len(texts), 0.5)))
>>> result["tests"][0]["parts"]["heldout"]["fail_rate"]
0.0
>>> print(format_table([result], parts=("heldout",), markdown=True))
| capability | test | kind | expected | n held-out | always-half held-out |
| --- | --- | --- | --- | ---: | ---: |
| neutral | neutral_statement | mft | neutral | 5 | 0.0 |
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from sentiment_rnn.behaviour.scorers import Scorer
from sentiment_rnn.behaviour.suite import PROTOCOL, BehaviourTest, case_failures

__all__ = ["check_dict", "format_examples", "format_protocol", "format_table", "run_check"]

PART_TITLES = {"heldout": "held-out", "train": "train", "all": "all"}
BATCH = 512


def run_check(tests: Sequence[BehaviourTest], scorer: Scorer, examples: int = 3,
              progress: Callable[[int, int], None] | None = None) -> dict:
    """Score every text of ``tests`` once with ``scorer`` and judge every case by the protocol.

    Returns ``{"model", "seconds", "texts", "tests": [{"name", "capability", "kind", "expect",
    "description", "parts": {part: {"n", "failed", "fail_rate", "examples"}}}]}``; the examples are the
    ``examples`` failing cases that miss by most, each ``{"texts", "p", "off"}``.
    """
    start = time.perf_counter()
    texts = list(dict.fromkeys(text for test in tests for case in test.cases for text in case.texts))
    p_of: dict[str, float] = {}
    for begin in range(0, len(texts), BATCH):
        batch = texts[begin:begin + BATCH]
        p_of.update(zip(batch, np.asarray(scorer.p_positive(batch), dtype=np.float64).tolist(), strict=True))
        if progress is not None:
            progress(begin + len(batch), len(texts))
    by_name: dict[str, dict] = {}
    for test in tests:
        judged = []
        for case in test.cases:
            p = [p_of[text] for text in case.texts]
            fails, off = case_failures(test.kind, test.expect, p)
            judged.append((fails, off, case, p))
        failing = sorted((item for item in judged if item[0]), key=lambda item: -item[1])
        entry = by_name.setdefault(test.name, {
            "name": test.name, "capability": test.capability, "kind": test.kind, "expect": test.expect,
            "description": test.description, "parts": {}})
        entry["parts"][test.part] = {
            "n": len(judged), "failed": len(failing),
            "fail_rate": round(100.0 * len(failing) / len(judged), 1) if judged else None,
            "examples": [{"texts": list(case.texts), "p": [round(q, 3) for q in p], "off": off}
                         for _, off, case, p in failing[:examples]],
        }
    return {"model": scorer.name, "seconds": round(time.perf_counter() - start, 2), "texts": len(texts),
            "tests": list(by_name.values())}


def check_dict(results: Sequence[dict], seed: int, parts: Sequence[str]) -> dict:
    """Everything ``check --json`` prints."""
    return {"protocol": PROTOCOL, "seed": seed, "parts": list(parts), "models": list(results)}


def format_protocol(seed: int) -> str:
    return (f"Protocol (seed {seed}): P(positive) in [1/3, 2/3] is neutral; 'not negative' passes with "
            f"P >= 1/3, 'not positive' with P <= 2/3; an invariance case fails when a variant changes the "
            f"3-way verdict and moves P by > 0.1; a direction case fails when a variant moves P the wrong way "
            f"by > 0.05. Cells: % of cases failing.")


def format_table(results: Sequence[dict], parts: Sequence[str], markdown: bool = False) -> str:
    """One row per test; the number of cases of each part, then each model's failure rate (%) on
    each part."""
    header = ["capability", "test", "kind", "expected"]
    header += [f"n {PART_TITLES[part]}" for part in parts]
    header += [f"{result['model']} {PART_TITLES[part]}" for result in results for part in parts]
    rows = []
    for i, test in enumerate(results[0]["tests"]):
        row = [test["capability"], test["name"], test["kind"], test["expect"].replace("_", " ")]
        row += [str(test["parts"][part]["n"]) for part in parts]
        for result in results:
            cells = result["tests"][i]["parts"]
            row += ["-" if cells[part]["fail_rate"] is None else f"{cells[part]['fail_rate']:.1f}" for part in parts]
        rows.append(row)
    numeric = len(header) - 4
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "| --- | --- | --- | --- |" + " ---: |" * numeric]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return "  ".join(c.ljust(w) if i < 4 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    return "\n".join(line(cells).rstrip() for cells in [header, *rows])


def format_examples(results: Sequence[dict], parts: Sequence[str], markdown: bool = False) -> str:
    """The failing examples of every model, test and part: P(positive) of each text, the first text
    first."""
    lines = []
    for result in results:
        lines.append(f"{'### ' if markdown else ''}Failing examples: {result['model']}")
        for test in result["tests"]:
            for part in parts:
                for example in test["parts"][part]["examples"]:
                    shown = " | ".join(f"{p:.2f} {text}" for text, p in zip(example["texts"], example["p"], strict=True))
                    lines.append(f"{'- ' if markdown else '  '}{test['name']} [{PART_TITLES[part]}]: {shown}")
        lines.append("")
    return "\n".join(lines).rstrip()
