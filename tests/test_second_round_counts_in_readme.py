"""The Reliability page's table (docs/reliability.md) states how many hostile files, special paths, bounds, signals and
scikit-learn cases the second round of hardening tests; this keeps those numbers true, as
``test_robustness.test_the_reliability_page_states_the_number_of_bad_inputs`` does for the first round."""

from __future__ import annotations

import re

from test_hostile_files import CRAFTED_CHECKPOINTS, CRAFTED_METADATA, HOSTILE_MODELS
from test_memory_bounds import LONG_INPUTS
from test_robustness import ROOT
from test_signals import SIGNALS_AND_EXITS
from test_sklearn_citizen import SKLEARN_CASES
from test_special_paths import SPECIAL_PATHS
from test_training_runs import RUN_CASES

COUNTS = {"hostile model files": len(HOSTILE_MODELS), "crafted metadata": len(CRAFTED_METADATA),
          "crafted checkpoints": len(CRAFTED_CHECKPOINTS), "special paths": len(SPECIAL_PATHS),
          "signals and exits": len(SIGNALS_AND_EXITS), "long inputs": len(LONG_INPUTS),
          "training runs and downloads": len(RUN_CASES), "scikit-learn": len(SKLEARN_CASES)}


def test_the_reliability_page_states_the_number_of_second_round_cases():
    section = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8").split("\n## ", 1)[0]  # the table's part
    total = re.search(r"\*\*(\d+) more\*\*", section)
    assert total and int(total.group(1)) == sum(COUNTS.values()), COUNTS
    rows = {re.sub(r"\W+", " ", row.split("|")[1]).strip().lower(): int(row.split("|")[2])
            for row in section.splitlines() if row.startswith("| ") and row.split("|")[2].strip().isdigit()}
    for kind, count in COUNTS.items():
        matching = [number for text, number in rows.items() if text.startswith(re.sub(r"\W+", " ", kind))]
        assert matching == [count], (kind, count, rows)
