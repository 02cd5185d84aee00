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
    rows = [*_rows(127, rng), f"{' '.join(rng.choice(WORDS) for _ in range(26000))}\tpositive"]
    (tmp_path / "train.tsv").write_text("text\tlabel\n" + "\n".join(rows) + "\n")
    code, peak, seconds, _stdout, stderr = run_measured([*COMMAND, "train", "--train-file", str(tmp_path / "train.tsv"), "--epochs", "1", "-o", str(tmp_path / "m.npz")])
    print(f"train, one row of 26,000 words among 128: peak {peak:.0f} MB, {seconds:.1f} s")
    assert code == 0, stderr
    assert (tmp_path / "m.npz").exists()
    assert peak < INPUT_PEAK_LIMIT_MB


LIMITED = ["prlimit", "--as=3000000000", "--"]  # a process allowed 3 GB of address space


def _train(tmp_path, *options):
    rng = random.Random(1)
    (tmp_path / "train.tsv").write_text("text\tlabel\n" + "\n".join(_rows(40, rng)) + "\n")
    return run_measured(LIMITED + COMMAND + ["train", "--train-file", str(tmp_path / "train.tsv"), "--epochs", "1",
                                   "-o", str(tmp_path / "m.npz"), *options])


@pytest.mark.parametrize("options", [["--hidden-size", "1000000"], ["--embedding-dim", "1000000"]])
def test_train_refuses_sizes_that_cannot_fit_with_the_memory_they_need(tmp_path, options):
    code, peak, seconds, _stdout, stderr = _train(tmp_path, *options)
    print(f"train {' '.join(options)}: peak {peak:.0f} MB, {seconds:.1f} s")
    assert code == 1 and "Traceback" not in stderr, stderr
    assert len(stderr.strip().splitlines()) == 1 and "GiB of memory" in stderr and "smaller sizes" in stderr
    assert not (tmp_path / "m.npz").exists() and peak < INPUT_PEAK_LIMIT_MB


_FIT_ONE_LONG_TEXT = """
import sys
from sentiment_rnn import RNNClassifier
words = "good bad film story acting fun dull great awful plot cast music".split()
texts = [words[i % 12 : i % 12 + 4] for i in range(39)] + [words * 40_000]  # token lists; one of 480,000
max_len = None if sys.argv[1] == "none" else int(sys.argv[1])
RNNClassifier(epochs=1, max_len=max_len).fit(texts, [i % 2 for i in range(40)])
"""


def test_a_training_text_that_cannot_fit_is_refused_and_max_len_cuts_it():
    command = [*LIMITED, sys.executable, "-c", _FIT_ONE_LONG_TEXT]
    code, peak, seconds, _stdout, stderr = run_measured([*command, "none"])
    print(f"fit, one text of 480,000 words under a 3 GB limit: peak {peak:.0f} MB, {seconds:.1f} s")
    assert code == 1 and stderr.strip().splitlines()[-1].startswith("sentiment_rnn.memory.MemoryBudgetError: "
                                                                     "training on a text of 480,000 tokens"), stderr
    assert "--max-len" in stderr and peak < INPUT_PEAK_LIMIT_MB
    code, peak, seconds, _stdout, stderr = run_measured([*command, "2000"])
    print(f"... with max_len=2000: peak {peak:.0f} MB, {seconds:.1f} s")
    assert code == 0, stderr
    assert peak < INPUT_PEAK_LIMIT_MB


@pytest.mark.parametrize("options, advice", [
    (["pretrain", "--corpus", "movie-reviews", "--window", "1000000000"], "--window"),
    (["pretrain", "--corpus", "movie-reviews", "--dim", "1000000"], "--dim"),
    (["pretrain", "--corpus", "movie-reviews", "--dim", "29000"], "--dim"),
])
def test_pretraining_sizes_that_cannot_fit_are_refused_up_front(tmp_path, options, advice):
    code, peak, seconds, _stdout, stderr = run_measured(LIMITED + COMMAND + options + ["-o", str(tmp_path / "out.npz")])
    print(f"{' '.join(options)}: peak {peak:.0f} MB, {seconds:.1f} s")
    assert code == 1 and "Traceback" not in stderr, stderr
    assert stderr.strip().splitlines()[-1].startswith("Error: ") and advice in stderr
    assert not (tmp_path / "out.npz").exists() and peak < INPUT_PEAK_LIMIT_MB
