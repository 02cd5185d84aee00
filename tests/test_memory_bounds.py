"""Memory and time bounds on long inputs, measured in real processes: ``predict --input`` of long lines,
``evaluate --file`` of long rows, ``explain`` of a long text with a bidirectional model. Memory must stay
bounded by batch × length cap, whatever the input. Each case is a row of LONG_INPUTS (counted in the
Reliability page's table (docs/reliability.md)).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time

import numpy as np
import pytest

from sentiment_rnn.nn.batching import sequential_batches
from sentiment_rnn.nn.inference import predict_logits
from sentiment_rnn.io.serialization import load_model
from test_robustness import _env

INPUT_PEAK_LIMIT_MB = 500  # the bound for long inputs
WORDS = "good bad film story acting fun dull great awful plot cast music the a and of it is not".split()

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="resource.getrusage measures the peak")


def _text(rng: random.Random, chars: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(chars // 3))[:chars]


# A small parent that runs the command and reports its peak: a child forked from the test process itself
# would count the test process's own memory (a forked child starts with its parent's resident pages).
_PEAK = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL).returncode
open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def run_measured(command: list[str]) -> tuple[int, float, float, str, str]:
    """Exit code, peak resident MB of ``command`` alone, seconds, stdout and stderr."""
    import tempfile

    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        report = os.path.join(folder, "peak")
        with open(os.path.join(folder, "out"), "w+b") as out, open(os.path.join(folder, "err"), "w+b") as err:
            code = subprocess.run([sys.executable, "-c", _PEAK, report, *command], stdout=out, stderr=err,
                                  env=_env(), timeout=600).returncode
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read().decode(), err.read().decode()
        with open(report) as peak:
            kilobytes = int(peak.read())
    return code, kilobytes / 1024, time.perf_counter() - start, stdout, stderr


COMMAND = [sys.executable, "-m", "sentiment_rnn"]


def test_predict_256_lines_of_20000_characters(tmp_path):
    rng = random.Random(0)
    path = tmp_path / "long.txt"
    path.write_text("".join(_text(rng, 20_000) + "\n" for _ in range(256)))
    code, peak, seconds, stdout, stderr = run_measured([*COMMAND, "predict", "--input", str(path)])
    print(f"predict --input 256 x 20,000 characters: peak {peak:.0f} MB, {seconds:.1f} s")
    assert code == 0, stderr
    assert len(stdout.splitlines()) == 256
    assert peak < INPUT_PEAK_LIMIT_MB


def test_evaluate_8_rows_of_130000_characters(tmp_path):
    rng = random.Random(1)
    path = tmp_path / "long.tsv"
    path.write_text("text\tlabel\n" + "".join(f"{_text(rng, 130_000)}\t{('negative', 'positive')[i % 2]}\n"
                                              for i in range(8)))
    code, peak, seconds, _stdout, stderr = run_measured([*COMMAND, "evaluate", "--file", str(path), "--json"])
    print(f"evaluate --file 8 x 130,000 characters: peak {peak:.0f} MB, {seconds:.1f} s")
    assert code == 0, stderr
    assert "8 review(s) longer than 20,000 characters; predicted from its last 20,000" in stderr
    assert peak < INPUT_PEAK_LIMIT_MB


@pytest.fixture(scope="module")
def bidirectional(tmp_path_factory):
    from sentiment_rnn.estimators.rnn import RNNClassifier
    from sentiment_rnn.io.serialization import save_model

    rng = random.Random(2)
    texts = [" ".join(rng.choice(WORDS) for _ in range(6)) for _ in range(60)]
    labels = [int("good" in t or "great" in t) for t in texts]
    model = RNNClassifier(cell="gru", bidirectional=True, embedding_dim=8, hidden_size=8, epochs=1,
                          patience=None).fit(texts, labels)
    return save_model(model, tmp_path_factory.mktemp("bi") / "bi.npz")


def test_explain_8000_tokens_with_a_bidirectional_model(bidirectional):
    rng = random.Random(3)
    text = " ".join(rng.choice(WORDS) for _ in range(8_000))
    code, peak, seconds, stdout, stderr = run_measured(
        [*COMMAND, "explain", "--model", str(bidirectional), "--no-baseline", "--json", text])
    print(f"explain 8,000 tokens, bidirectional: peak {peak:.0f} MB, {seconds:.1f} s")
    assert code == 0, stderr
    assert "TEXT is longer than 20,000 characters; predicted from its last 20,000" in stderr
    import json

    report = json.loads(stdout)
    assert len(report["trajectory"]) == 1_000 and report["skipped_tokens"] > 0
    assert peak < INPUT_PEAK_LIMIT_MB and seconds < 15


def test_inference_batches_hold_a_bounded_number_of_tokens():
    lengths = np.array([3, 5000, 20, 7000, 1, 4000, 60] * 40)
    batches = sequential_batches(lengths, 256, max_tokens=32_768)
    assert sorted(np.concatenate(batches).tolist()) == list(range(len(lengths)))
    assert all(len(b) == 1 or len(b) * lengths[b].max() <= 32_768 for b in batches)
    assert all(len(b) <= 256 for b in batches)


def test_a_token_budget_changes_no_prediction():
    model = load_model()
    rng = np.random.default_rng(0)
    sequences = [rng.integers(2, model.model_.config.vocab_size, size=n) for n in (5, 900, 40, 1200, 3)]
    np.testing.assert_allclose(predict_logits(model.model_, sequences, max_tokens=1_000),
                               predict_logits(model.model_, sequences, max_tokens=10**9), atol=1e-5)


LONG_INPUTS = ["predict --input, 256 lines of 20,000 characters", "evaluate --file, 8 rows of 130,000 characters",
               "explain, 8,000 tokens with a bidirectional model"]


# Third round: input shapes that cost far more memory than their size suggests (not in LONG_INPUTS,
# which the README's second-round table counts).

@pytest.mark.parametrize("kind", ["sparse 3 GB .tsv", "/dev/zero as .csv"])
def test_a_csv_or_tsv_row_without_a_line_end_is_read_only_up_to_the_row_limit(tmp_path, kind):
    if kind.startswith("sparse"):
        path = tmp_path / "huge.tsv"
        with open(path, "wb") as out:
            out.write(b"text\tlabel\na good film\t1\n")
            out.truncate(3 << 30)  # 3 GB of NUL bytes after the first row, on no disk
        limit_line = 3
    else:
        path = tmp_path / "zero.csv"
        path.symlink_to("/dev/zero")
        limit_line = 1
    code, peak, seconds, stdout, stderr = run_measured(COMMAND + ["predict", "--input", str(path)])
    print(f"predict --input {kind}: peak {peak:.0f} MB, {seconds:.1f} s")
    assert code == 1 and "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1].startswith(f"Error: {path}:{limit_line}: a row is longer than 1,048,576 characters")
    assert peak < INPUT_PEAK_LIMIT_MB


def test_rows_of_a_million_columns_stop_the_file_at_the_row_limit(tmp_path):
    path = tmp_path / "wide.csv"
    columns = 1_000_000
    with open(path, "w") as out:
        out.write("text," + ",".join(f"c{i}" for i in range(columns)) + "\n")  # 6.9 MB
        for row in range(8):
            out.write("a good film," + ",".join(["7"] * columns) + "\n")  # 2 MB
    code, peak, seconds, stdout, stderr = run_measured(COMMAND + ["predict", "--input", str(path), "--format", "tsv"])
    print(f"predict --input 8 rows x 1,000,000 columns ({path.stat().st_size / 1e6:.0f} MB): peak {peak:.0f} MB, "
          f"{seconds:.1f} s")
    assert code == 1 and "Traceback" not in stderr
    assert stderr.strip().splitlines() == [f"Error: {path}:1: a row is longer than 1,048,576 characters, the most a "
                                           "CSV row may hold here (one review a line has no such limit)"]
    assert peak < INPUT_PEAK_LIMIT_MB


def test_jsonl_lines_packed_with_empty_objects_are_predicted_a_few_at_a_time(tmp_path):
    path = tmp_path / "packed.jsonl"
    line = '{"text": "a good film", "x": [' + ",".join(["{}"] * 26_000) + "]}\n"  # 78 KB, under the line limit
    path.write_text(line * 400)
    code, peak, seconds, stdout, stderr = run_measured(COMMAND + ["predict", "--input", str(path), "--format", "tsv"])
    print(f"predict --input 400 JSONL lines of 26,000 {{}} ({path.stat().st_size / 1e6:.0f} MB): peak {peak:.0f} MB, "
          f"{seconds:.1f} s")
    assert code == 0, stderr[-500:]
    assert len(stdout.splitlines()) == 401
    assert peak < INPUT_PEAK_LIMIT_MB


def test_lines_that_grow_under_normalisation_or_hold_thousands_of_sentences_are_read_within_the_bound(tmp_path):
    from sentiment_rnn.io.predict import MAX_REVIEW_SENTENCES, TOO_MUCH

    path = tmp_path / "grow.txt"
    path.write_text(("\ufdfa" * 20_000 + "\n" + "ab! " * 5_000 + "\n") * 12)  # 60,000 tokens; 5,000 sentences
    code, peak, seconds, stdout, stderr = run_measured(COMMAND + ["predict", "--input", str(path), "--format", "jsonl"])
    print(f"predict --input 12 x (U+FDFA x 20,000 and 'ab! ' x 5,000): peak {peak:.0f} MB, {seconds:.1f} s")
    assert code == 0, stderr[-500:]
    import json

    records = [json.loads(line) for line in stdout.splitlines()]
    assert len(records) == 24 and all(record["truncated"] for record in records)
    assert all(record["text"] == "ab! " * (MAX_REVIEW_SENTENCES - 1) + "ab!" for record in records[1::2])
    assert stderr.count(TOO_MUCH) == 24
    assert peak < INPUT_PEAK_LIMIT_MB
