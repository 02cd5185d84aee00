"""Training and pretraining on inputs and sizes that do not fit (issue 22, items 11 and 12): a long training
text is trained in a batch of its own, bounded in memory; a text or a size that cannot fit in memory is
refused before any work, with the memory it would need. Peaks are measured in a wrapper process."""

from __future__ import annotations

import random
import sys

import pytest

from test_memory_bounds import COMMAND, INPUT_PEAK_LIMIT_MB, WORDS, run_measured

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="resource.getrusage measures the peak")


def _rows(count: int, rng: random.Random) -> list[str]:
    return [f"{' '.join(rng.choice(WORDS) for _ in range(8))}\t{('negative', 'positive')[i % 2]}" for i in range(count)]


def test_a_training_row_of_26000_words_trains_in_bounded_memory(tmp_path):
    rng = random.Random(0)
    rows = _rows(127, rng) + [f"{' '.join(rng.choice(WORDS) for _ in range(26_000))}\tpositive"]
    (tmp_path / "train.tsv").write_text("text\tlabel\n" + "\n".join(rows) + "\n")
    code, peak, seconds, stdout, stderr = run_measured(COMMAND + [
        "train", "--train-file", str(tmp_path / "train.tsv"), "--epochs", "1", "-o", str(tmp_path / "m.npz")])
    print(f"train, one row of 26,000 words among 128: peak {peak:.0f} MB, {seconds:.1f} s")
    assert code == 0, stderr
    assert (tmp_path / "m.npz").exists()
    assert peak < INPUT_PEAK_LIMIT_MB
