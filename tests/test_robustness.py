"""Robustness: bad text, bad streams, bad corpora, bad model files and faults during training.

Every bad input is a row of one of the tables below (BAD_TEXTS, BAD_STREAMS, BAD_CORPORA, BAD_MODELS,
FAULTS); the docs' Reliability page (docs/reliability.md) states how many there are, and
``test_the_reliability_page_states_the_number_of_bad_inputs`` keeps that number true. For each one the tests check a
defined answer (a prediction, or a one-line error naming the file and line) and that nothing is lost:
the other lines are still predicted, an existing model or checkpoint is left as it was, and an
interrupted or killed run resumes to the very weights of a run that never stopped.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentiment_rnn.cli import main
from sentiment_rnn.errors import ModelFileError, TrainingError, TrainingInterrupted
from sentiment_rnn.estimators.rnn import RNNClassifier
from sentiment_rnn.io.predict import MAX_REVIEW_CHARS, NO_WORDS, NOT_UTF8, format_record, iter_lines, predict_records
from sentiment_rnn.io.serialization import FORMAT_VERSION, load_model, save_model
from sentiment_rnn.text.tokenizer import tokenize
from sentiment_rnn.training.checkpoint import load_checkpoint

ROOT = Path(__file__).resolve().parents[1]
POSITIVE = ["a good film", "great acting", "i loved it", "wonderful and fun", "a great story", "good fun"]
NEGATIVE = ["a bad film", "awful acting", "i hated it", "boring and dull", "a terrible story", "bad and dull"]


def _env() -> dict:
    """The environment of a child process: this checkout importable, one BLAS thread."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONHASHSEED="0")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def _assert_one_line_failure(result, *words):
    """Exit 1 through click (no traceback), one line on stderr holding every word (after any
    progress lines of training epochs)."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.stderr.strip().splitlines() if not re.match(r"epoch +\d+ ", line)]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and "Traceback" not in result.output
    for word in words:
        assert word in lines[0], (word, lines[0])


# ----------------------------------------------------------------------------------------------------
# Bad text to predict: (name, text, outcome) with outcome "prediction" or the error message.

BAD_TEXTS = [
    ("empty string", "", NO_WORDS),
    ("spaces only", "     ", NO_WORDS),
    ("tabs and newlines only", "\t\n\r\n\t", NO_WORDS),
    ("no-break and ideographic spaces only", "\u00a0\u3000\u2003", NO_WORDS),
    ("control characters only", "\x00\x01\x1b\x7f", NO_WORDS),
    ("html line breaks only", "<br /><br/>", NO_WORDS),
    ("only unknown words", "zorglub quux blorf", "prediction"),
    ("emoji", "\U0001F600\U0001F3AC\U0001F44D\U0001F3FD", "prediction"),
    ("chinese", "\u8fd9\u90e8\u7535\u5f71\u5f88\u597d", "prediction"),
    ("arabic, right to left", "\u0641\u064a\u0644\u0645 \u062c\u064a\u062f", "prediction"),
    ("mixed scripts", "good \u0444\u0438\u043b\u044c\u043c \u092b\u093c\u093f\u0932\u094d\u092e", "prediction"),
    ("NUL and control characters inside", "a good\x00film\x07 really\x1b", "prediction"),
    ("bidi overrides and zero-width characters", "\u202egood\u202c \u200bfilm\u200d", "prediction"),
    ("lone combining marks", "\u0301\u0308 good", "prediction"),
    ("byte-order mark", "\ufeffa good film", "prediction"),
    ("command-line argument that is not UTF-8", "\udcff a bad film", NOT_UTF8),
    ("punctuation only", "!!!???...,,,;;;" * 10, "prediction"),
    ("1 MB single review", "a good film , i loved it . " * 38_462, "prediction"),
    ("1 MB single word", "x" * 1_000_000, "prediction"),
    ("1 MB of emoji", "\U0001F600" * 250_000, "prediction"),
]


@pytest.mark.parametrize("name, text, outcome", BAD_TEXTS, ids=[case[0] for case in BAD_TEXTS])
def test_bad_text_gets_a_defined_answer(toy, name, text, outcome):
    model, _ = toy
    start = time.perf_counter()
    [record] = predict_records(model, [(1, text)])
    assert time.perf_counter() - start < 10  # a 1 MB review is cut to its end: well under a second
    if outcome == "prediction":
        assert record["label"] in model.label_names_ and 0.0 <= record["p_positive"] <= 1.0
        assert record.get("truncated", False) == (len(text) > MAX_REVIEW_CHARS)
        for output_format in ("text", "tsv", "jsonl"):
            assert len(format_record(record, output_format).splitlines()) == 1
    else:
        assert record == {"line": 1, "error": outcome}


def test_bad_texts_through_the_command_line_keep_the_good_ones(toy):
    _, path = toy
    texts = [text for _, text, _ in BAD_TEXTS if "\x00" not in text]  # argv cannot hold NUL
    texts = ["a great story", *texts, "i hated it"]
    result = CliRunner().invoke(main, ["predict", "--model", str(path), "--format", "jsonl", *texts])
    failures = sum(outcome != "prediction" for _, text, outcome in BAD_TEXTS if text in texts)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record["line"] for record in records] == list(range(1, len(texts) + 1))  # one record per text
    assert sum("error" in record for record in records) == failures  # every other text was predicted
    assert records[0]["label"] == "positive" and records[-1]["label"] == "negative"
    assert f"{failures} of {len(texts)} lines could not be predicted (said above); {len(texts) - failures} lines were" in (
        result.stderr)


def test_a_1mb_review_from_the_command_line_is_predicted_from_its_end(toy, tmp_path):
    _, path = toy
    review = tmp_path / "long.txt"
    review.write_text("i hated it , boring and dull . " * 10_000 + "a good film , i loved it . " * 40_000 + "\n")
    start = time.perf_counter()
    result = CliRunner().invoke(main, ["predict", "--model", str(path), "--input", str(review), "--format", "jsonl"])
    seconds = time.perf_counter() - start
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["truncated"] is True and record["label"] == "positive"
    assert len(record["text"]) <= MAX_REVIEW_CHARS
    assert "predicted from its last" in result.stderr
    assert seconds < 10, seconds


def test_a_command_line_argument_that_is_not_utf8_is_reported_in_a_real_process(toy):
    _, path = toy
    done = subprocess.run(
        [sys.executable, "-m", "sentiment_rnn", "predict", "--model", str(path), "--format", "jsonl",
         b"\xff\xfe a bad film", "good\x07film"],
        capture_output=True, env=_env(), timeout=120,
    )
    assert done.returncode == 1 and b"Traceback" not in done.stderr
    bad, good = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert bad == {"line": 1, "error": "not valid UTF-8; line skipped"} and good["text"] == "good\x07film"
    assert "line 1: not valid UTF-8" in done.stderr.decode()


# ----------------------------------------------------------------------------------------------------
# Bad streams for predict --input: (name, bytes, outcome of each line: "p" prediction, "e" error)

BAD_STREAMS = [
    ("invalid UTF-8 line", b"a good film\n\xff\xfe broken\ni hated it\n", "pep"),
    ("latin-1 line among UTF-8 ones", b"a good film\n" + "caf\u00e9 awful\n".encode("latin-1") + b"fun\n", "pep"),
    ("truncated multi-byte character at the end", b"a good film\n" + "caf\u00e9".encode()[:-1], "pe"),
    ("blank and white-space lines between reviews", b"a good film\n\n   \ni hated it\n", "peep"),
    ("NUL bytes in a line", b"a good\x00film\n\x00\x00\n", "pe"),
    ("CRLF line endings", b"a good film\r\ni hated it\r\n", "pp"),
    ("no final newline", b"a good film\ni hated it", "pp"),
    ("empty input", b"", ""),
    ("only newlines: blank lines at the end are not reviews", b"\n\n\n", ""),
    ("blank lines after the last review", b"a good film\n\n  \r\n", "p"),
    ("CR-only line endings (old Mac)", b"a good film\ri hated it\r\rfun\r", "ppep"),
    ("mixed line endings", b"a good film\r\ni hated it\rfun\n", "ppp"),
    ("a 2 MB line whose start is not UTF-8", b"\xff\xfe" + b"a good film " * 180_000 + b"\nbad\n", "pp"),
]


@pytest.mark.parametrize("name, data, outcomes", BAD_STREAMS, ids=[case[0] for case in BAD_STREAMS])
def test_bad_stream_lines_get_their_own_answer(toy, name, data, outcomes):
    _, path = toy
    result = CliRunner().invoke(main, ["predict", "--model", str(path), "--input", "-", "--format", "tsv"],
                                input=data)
    header, *rows = [row.split("\t") for row in result.stdout.splitlines()]
    assert [int(row[0]) for row in rows] == list(range(1, len(outcomes) + 1))  # one record per line
    assert "".join("e" if row[header.index("error")] else "p" for row in rows) == outcomes
    errors = [line for line in result.stderr.splitlines() if re.match(r"line \d+: ", line)]
    errors = [line for line in errors if "predicted from its last" not in line]
    assert len(errors) == outcomes.count("e")
    assert [int(re.match(r"line (\d+)", line).group(1)) for line in errors] == [
        i for i, outcome in enumerate(outcomes, 1) if outcome == "e"]
    assert result.exit_code == (1 if "e" in outcomes else 0) and isinstance(result.exception, (SystemExit, type(None)))
    assert "Traceback" not in result.output


def test_a_long_line_is_read_in_bounded_pieces():
    lines = list(iter_lines(io.BytesIO(b"x" * 1000 + b"\xc3\xa9" * 300 + b"\nshort\n"), 10, 100))
    assert lines == [[(1, "\u00e9" * 50), (2, "short")]]  # the last 100 bytes of line 1, whole characters


PEAK_RSS = """
import atexit, runpy, sys

def report(path):  # VmHWM is this program's own peak (wait4's ru_maxrss would count the forking parent's too)
    with open("/proc/self/status") as status:
        peak = next(line for line in status if line.startswith("VmHWM:"))
    with open(path, "w") as out:
        out.write(peak.split()[1])  # kB

atexit.register(report, sys.argv[1])
sys.argv = ["sentiment-rnn", *sys.argv[2:]]
runpy.run_module("sentiment_rnn", run_name="__main__")
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak RSS is read from /proc")
def test_streaming_100k_lines_on_stdin_keeps_memory_bounded(toy, tmp_path):
    """Peak RSS of `predict --input -` on 100,000 lines is within a few MB of that on 10,000 lines.

    A messy stream: one line in eight is a review, the others are blank, white space or not UTF-8
    (which keeps the test fast: tokenizing takes about 0.1 ms a review). Every line is answered.
    """
    _, path = toy
    words = "good bad film story acting fun dull great awful loved hated plot".split()
    rng = random.Random(0)
    noise = [b"", b"   \t", b"\xff\xfe not utf-8"]
    runs = {}
    for count in (10_000, 100_000):
        lines = tmp_path / f"{count}.txt"
        with open(lines, "wb") as out:
            for i in range(count):
                review = f"{' '.join(rng.choices(words, k=6))} {i}".encode()
                out.write((review if i % 8 == 0 else noise[i % 3]) + b"\n")
        with open(lines, "rb") as stdin, open(tmp_path / f"{count}.out", "wb") as stdout, \
                open(tmp_path / f"{count}.err", "wb") as stderr:
            runs[count] = subprocess.Popen(
                [sys.executable, "-c", PEAK_RSS, str(tmp_path / f"{count}.rss"), "predict", "--model", str(path),
                 "--input", "-", "--format", "tsv"], stdin=stdin, stdout=stdout, stderr=stderr, env=_env())
    peak = {}
    for count, process in runs.items():
        assert process.wait(timeout=300) == 1  # some lines could not be predicted: said at the end
        peak[count] = int((tmp_path / f"{count}.rss").read_text()) / 1024  # MiB
        rows = (tmp_path / f"{count}.out").read_bytes().split(b"\n")[1:-1]  # after the header
        reported = (tmp_path / f"{count}.err").read_bytes().count(b"\n") - 1  # the last line sums up
        assert noise[(count - 1) % 3] == b""  # the last line is blank, which is not a review
        assert len(rows) == count - 1 and sum(not row.endswith(b"\t") for row in rows) == reported  # all answered
        assert len(rows) - reported == count // 8
    print(f"peak RSS: {peak[10_000]:.1f} MiB for 10,000 lines, {peak[100_000]:.1f} MiB for 100,000 lines")
    assert peak[100_000] < peak[10_000] + 20, peak


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak RSS is read from /proc")
def test_a_csv_of_100k_rows_is_streamed_in_bounded_memory(toy, tmp_path):
    """Peak RSS of `predict --input FILE.csv` on 100,000 rows (quoted, two lines each, every column kept)
    is within a few MB of that on 10,000 rows, and every row is answered in order."""
    _, path = toy
    words = "good bad film story acting fun dull great awful loved hated plot".split()
    rng = random.Random(1)
    runs = {}
    for count in (10_000, 100_000):
        rows = tmp_path / f"{count}.csv"
        with open(rows, "w", encoding="utf-8") as out:
            out.write("id,review,stars\n")
            for i in range(count):
                review = " ".join(rng.choices(words, k=6)) if i % 8 == 0 else ""  # most rows: fast error records
                out.write(f'r{i},"{review}\n",{i % 5}\n')
        with open(tmp_path / f"{count}.out", "wb") as stdout, open(tmp_path / f"{count}.err", "wb") as stderr:
            runs[count] = subprocess.Popen(
                [sys.executable, "-c", PEAK_RSS, str(tmp_path / f"{count}.rss"), "predict", "--model", str(path),
                 "--input", str(rows), "--text-column", "review", "--id-column", "id", "--format", "jsonl"],
                stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, env=_env())
    peak = {}
    for count, process in runs.items():
        assert process.wait(timeout=300) == 1  # the empty reviews: said at the end
        peak[count] = int((tmp_path / f"{count}.rss").read_text()) / 1024  # MiB
        records = [json.loads(line) for line in (tmp_path / f"{count}.out").read_text().splitlines()]
        assert [record["id"] for record in records] == [f"r{i}" for i in range(count)]
        assert [record["line"] for record in records[:3]] == [2, 4, 6]  # each row spans two lines
        assert sum("label" in record for record in records) == (count + 7) // 8
    print(f"peak RSS: {peak[10_000]:.1f} MiB for 10,000 CSV rows, {peak[100_000]:.1f} MiB for 100,000")
    assert peak[100_000] < peak[10_000] + 20, peak


# ----------------------------------------------------------------------------------------------------
# Property-based: the tokenizer, line reading and prediction on arbitrary text

TRICKY = st.sampled_from([*"ab .,!?'\"()-/\\*", "\u00a0", "\u2028", "\u200b", "\x00", "\t", "\n", "\r",
                          "\x85", "\x97", "n't", "<br />", "\ufeff", "\u0301"])
TEXTS = st.one_of(st.text(), st.lists(TRICKY, max_size=40).map("".join),
                  st.text(alphabet=st.characters(codec="utf-8"), max_size=200))


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_tokenize_never_raises_and_gives_clean_tokens(text):
    tokens = tokenize(text)
    assert isinstance(tokens, list)
    for token in tokens:
        assert isinstance(token, str) and token
        assert not any(c.isspace() for c in token), repr(token)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(TEXTS, min_size=1, max_size=5))
def test_predict_on_arbitrary_text_gives_a_probability_or_says_why_not(toy, texts):
    model, _ = toy
    records = predict_records(model, list(enumerate(texts, start=1)))
    assert [r["line"] for r in records] == list(range(1, len(texts) + 1))
    for text, record in zip(texts, records, strict=True):
        if not tokenize(text):
            assert record["error"] == NO_WORDS
            continue
        assert record["label"] in model.label_names_
        assert 0.0 <= record["p_positive"] <= 1.0
        assert abs(sum(record["probabilities"].values()) - 1.0) < 1e-5
        for output_format in ("text", "tsv", "jsonl"):
            assert len(format_record(record, output_format).splitlines()) == 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=20), st.sampled_from([b"\n", b"\r\n", b"\r"]), st.integers(1, 8),
       st.integers(1, 7))
def test_iter_lines_answers_every_line_of_arbitrary_bytes(lines, end, chunk_size, block_size):
    lines = [re.sub(rb"[\r\n]", b"", line) for line in lines]
    data = end.join(lines)
    chunks = list(iter_lines(io.BytesIO(data), chunk_size, block_size=block_size))
    expected = list(lines)
    while expected and not expected[-1].strip():  # blank lines at the end are not reviews
        expected.pop()
    assert [number for chunk in chunks for number, _ in chunk] == list(range(1, len(expected) + 1))
    read = [text if isinstance(text, bytes) else text.encode() for chunk in chunks for _, text in chunk]
    assert read == [line if line.strip() else b"" for line in expected]  # blank lines inside are answered
    assert all(0 < len(chunk) <= chunk_size for chunk in chunks)


# ----------------------------------------------------------------------------------------------------
# Bad corpora for train and evaluate: (name, files, command, words the one error line must hold)

GOOD_TREES = "(3 (2 (2 Paul) (2 Bettany)) (3 (2 (2 is) (3 cool)) (2 .)))\n(1 (2 A) (0 (2 dull) (2 film)))\n"


def _tsv(repeat=1) -> str:
    rows = [f"{t} {i}\tpositive\n" for t in POSITIVE for i in range(repeat)]
    rows += [f"{t} {i}\tnegative\n" for t in NEGATIVE for i in range(repeat)]
    return "text\tlabel\n" + "".join(rows)



def _sst(train=GOOD_TREES, dev=GOOD_TREES, test=GOOD_TREES) -> dict:
    return {"data/sst/train.txt": train, "data/sst/dev.txt": dev, "data/sst/test.txt": test}


TRAIN_SST = ["train", "--data-dir", "{dir}/data", "--epochs", "1", "--embedding-dim", "4", "--hidden-size", "4"]
TRAIN_FILE = ["train", "--train-file", "{dir}/train.{ext}", "--epochs", "1", "--embedding-dim", "4", "--hidden-size", "4"]
EVALUATE_FILE = ["evaluate", "--model", "{model}", "--file", "{dir}/train.{ext}"]
EVALUATE_SST = ["evaluate", "--model", "{model}", "--data-dir", "{dir}/data", "--split", "test"]

BAD_CORPORA = [
    ("unknown label", {"train.csv": "text,label\ngood,positive\nbad,maybe\n"}, TRAIN_FILE, ["train.csv:3", "'maybe'"]),
    ("missing label", {"train.csv": "text,label\ngood,positive\nbad,\n"}, TRAIN_FILE, ["train.csv:3", "missing label"]),
    ("row without a label field", {"train.csv": "text,label\ngood,positive\nbad\n"}, TRAIN_FILE, ["train.csv:3", "1 fields"]),
    ("JSON line without a label", {"train.jsonl": '{"text": "good", "label": 1}\n{"text": "bad"}\n'}, TRAIN_FILE,
     ["train.jsonl:2", "no field 'label'"]),
    ("single class", {"train.csv": "text,label\ngood,positive\ngreat,pos\n"}, TRAIN_FILE, ["train.csv", "two classes"]),
    ("one latin-1 line (mixed encodings)", {"train.csv": "text,label\ngood,pos\ncaf\u00e9 awful,neg\n".encode("latin-1")},
     TRAIN_FILE, ["train.csv:3", "not valid UTF-8"]),
    ("duplicated header row", {"train.csv": "text,label\ngood,pos\ntext,label\nbad,neg\n"}, TRAIN_FILE,
     ["train.csv:3", "header row is repeated"]),
    ("empty file", {"train.csv": ""}, TRAIN_FILE, ["train.csv", "empty"]),
    ("header only", {"train.csv": "text,label\n"}, TRAIN_FILE, ["train.csv", "no rows"]),
    ("unclosed quote", {"train.csv": 'text,label\ngood,pos\n"bad,neg\n'}, TRAIN_FILE, ["train.csv:", "malformed CSV"]),
    ("invalid JSON line", {"train.jsonl": '{"text": "good", "label": 1}\n{"text": "bad", "label": }\n'}, TRAIN_FILE,
     ["train.jsonl:2", "not valid JSON"]),
    ("gzip bytes named .csv", {"train.csv": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb\x48\xcd\xc9\xc9\x07\x00"},
     TRAIN_FILE, ["train.csv:1", "not valid UTF-8"]),
    ("review that is only markup", {"train.csv": "text,label\ngood,pos\n<br />,neg\n"}, TRAIN_FILE,
     ["train.csv:3", "empty text"]),
    ("empty dev file", {"train.tsv": _tsv(), "dev.tsv": ""}, [*TRAIN_FILE[:3], "--dev-file", "{dir}/dev.tsv", *TRAIN_FILE[3:]],
     ["dev.tsv", "empty"]),
    ("treebank: unbalanced brackets", _sst(train=GOOD_TREES + "(3 (2 broken)\n"), TRAIN_SST, ["sst/train.txt:3", "bracket"]),
    ("treebank: label out of range", _sst(train=GOOD_TREES + "(7 (2 x) (2 y))\n"), TRAIN_SST, ["sst/train.txt:3", "'7'"]),
    ("treebank: blank line", _sst(train=GOOD_TREES + "\n" + GOOD_TREES), TRAIN_SST, ["sst/train.txt:3", "empty line"]),
    ("treebank: word outside brackets", _sst(train="stray " + GOOD_TREES), TRAIN_SST, ["sst/train.txt:1", "outside"]),
    ("treebank: empty file", _sst(train=""), TRAIN_SST, ["sst/train.txt", "empty"]),
    ("treebank: latin-1 line in dev", _sst(dev=GOOD_TREES.encode() + "(1 (2 caf\u00e9) (1 bad))\n".encode("latin-1")),
     TRAIN_SST, ["sst/dev.txt:3", "not valid UTF-8"]),
    ("treebank: one class only", _sst(train="(4 (4 great) (2 film))\n(3 (3 good) (2 one))\n"), TRAIN_SST,
     ["sst/train.txt", "two classes"]),
    ("treebank: neutral sentences only", _sst(test="(2 (2 a) (2 film))\n"), TRAIN_SST, ["sst/test.txt", "no examples"]),
    ("evaluate: unknown label", {"train.tsv": "text\tlabel\ngood\tpos\nbad\tsoso\n"}, EVALUATE_FILE,
     ["train.tsv:3", "'soso'"]),
    ("evaluate: treebank with a bad tree", _sst(test=GOOD_TREES + "(1 (1 a) (1 b) (1 c))\n"), EVALUATE_SST,
     ["sst/test.txt:3", "3 subtree"]),
    ("evaluate: treebank with neutral sentences only", _sst(test="(2 (2 a) (2 film))\n"), EVALUATE_SST,
     ["sst/test.txt", "no examples"]),
]


@pytest.mark.parametrize("name, files, command, words", BAD_CORPORA, ids=[case[0] for case in BAD_CORPORA])
def test_bad_corpus_gives_one_line_naming_file_and_line(toy, tmp_path, monkeypatch, name, files, command, words):
    monkeypatch.setenv("SENTIMENT_RNN_CACHE", str(tmp_path / "cache"))  # no corpus is looked up elsewhere
    monkeypatch.setenv("SENTIMENT_RNN_MIRROR", "http://127.0.0.1:9")  # and nothing is downloaded
    for relative, content in files.items():
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
    ext = next((Path(f).suffix[1:] for f in files if f.startswith("train.")), "csv")
    args = [a.format(dir=tmp_path, ext=ext, model=toy[1]) for a in command]
    output = tmp_path / "out.npz"
    result = CliRunner().invoke(main, args + (["-o", str(output)] if args[0] == "train" else []))
    _assert_one_line_failure(result, *words)
    assert not output.exists() and not output.with_suffix(".ckpt.npz").exists()


# ----------------------------------------------------------------------------------------------------
# Bad model files: (name, how to make one from a good file). Each is refused with one line, left
# unchanged, and never runs code.


class _Exploit:
    marker = None

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _rewrite(change):
    def make(good: Path, bad: Path):
        with np.load(good, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        change(arrays)
        np.savez(bad, **arrays)

    return make


def _metadata(change):
    def edit(arrays):
        metadata = json.loads(str(arrays["metadata"]))
        change(metadata)
        arrays["metadata"] = np.array(json.dumps(metadata))

    return _rewrite(edit)


def _flip_middle(good: Path, bad: Path):
    data = bytearray(good.read_bytes())
    for i in range(len(data) // 3, len(data) // 3 + 64):
        data[i] ^= 0xFF
    bad.write_bytes(bytes(data))


def _pickle_exploit(good: Path, bad: Path):
    _Exploit.marker = str(bad.parent / "code-ran")
    bad.write_bytes(pickle.dumps(_Exploit()))


BAD_MODELS = [
    ("truncated file", lambda good, bad: bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2]), "truncated"),
    ("corrupted bytes", _flip_middle, "bad.npz"),
    ("empty file", lambda good, bad: bad.write_bytes(b""), "bad.npz"),
    ("text file named .npz", lambda good, bad: bad.write_text("hello\n"), "bad.npz"),
    ("pickle renamed to .npz (would run code)", _pickle_exploit, "pickle"),
    ("npz holding pickled object arrays", _rewrite(lambda a: a.update(vocab=np.array(list(a["vocab"]), dtype=object))),
     "pickle"),
    ("newer format version", _metadata(lambda m: m.update(format_version=FORMAT_VERSION + 1)), "newer"),
    ("format version that is not a number", _metadata(lambda m: m.update(format_version="2")), "format version"),
    ("wrong array shape", _rewrite(lambda a: a.update({"param/fc.weight": a["param/fc.weight"][:, :-1]})), "fc.weight"),
    ("missing parameter", _rewrite(lambda a: a.pop("param/fc.bias")), "missing"),
    ("non-finite parameters", _rewrite(lambda a: a["param/fc.bias"].fill(np.nan)), "finite"),
    ("metadata that is not JSON", _rewrite(lambda a: a.update(metadata=np.array("{not json"))), "metadata"),
    ("no metadata (a foreign npz)", _rewrite(lambda a: a.pop("metadata")), "not a sentiment-rnn model"),
    ("a training checkpoint instead of a model", None, "not a sentiment-rnn model"),
]


@pytest.mark.parametrize("name, make, words", BAD_MODELS, ids=[case[0] for case in BAD_MODELS])
def test_bad_model_file_is_refused_and_left_alone(toy, tmp_path, name, make, words):
    _, good = toy
    bad = tmp_path / "bad.npz"
    if make is None:  # a checkpoint: a real file of another kind
        texts, labels = (POSITIVE + NEGATIVE), [1] * 6 + [0] * 6
        RNNClassifier(embedding_dim=4, hidden_size=4, epochs=1, patience=None).fit(texts, labels, checkpoint=bad)
    else:
        make(good, bad)
    before = bad.read_bytes()
    with pytest.raises(ModelFileError):
        load_model(bad)
    result = CliRunner().invoke(main, ["predict", "--model", str(bad), "a good film"])
    _assert_one_line_failure(result, str(bad) if words == "bad.npz" else words)
    assert bad.read_bytes() == before
    assert not (tmp_path / "code-ran").exists()


# ----------------------------------------------------------------------------------------------------
# Faults during training


def _toy_data(repeat=5):
    texts = [f"{t} {i}" for i in range(repeat) for t in POSITIVE + NEGATIVE]
    labels = np.array(([1] * len(POSITIVE) + [0] * len(NEGATIVE)) * repeat)
    return texts, labels


def _classifier(**overrides):
    settings = dict(cell="lstm", embedding_dim=8, hidden_size=8, epochs=6, batch_size=4, learning_rate=0.02,
                    dropout=0.3, embedding_dropout=0.1, patience=3, random_state=3)
    return RNNClassifier(**{**settings, **overrides})


def _same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


# Ctrl-C (KeyboardInterrupt) after this many batches, or in the on_epoch callback of this epoch;
# sgd and adam keep different optimizer state.
INTERRUPTS = [
    ("adam", "batch", 1), ("adam", "batch", 8), ("adam", "batch", 14), ("adam", "batch", 15),
    ("adam", "batch", 40), ("adam", "epoch", 1), ("adam", "epoch", 4), ("sgd", "batch", 20),
]


@pytest.fixture(scope="module")
def uninterrupted():
    texts, labels = _toy_data()
    return {name: _classifier(optimizer=name).fit(texts, labels) for name in ("adam", "sgd")}


@pytest.mark.parametrize("optimizer, where, count", INTERRUPTS)
def test_ctrl_c_then_resume_gives_the_uninterrupted_weights(uninterrupted, tmp_path, optimizer, where, count):
    texts, labels = _toy_data()
    checkpoint = tmp_path / "run.ckpt.npz"
    calls = {"batch": 0, "epoch": 0}

    def tick(kind):
        calls[kind] += 1
        if kind == where and calls[kind] == count:
            raise KeyboardInterrupt

    with pytest.raises(TrainingInterrupted) as stopped:
        _classifier(optimizer=optimizer).fit(texts, labels, checkpoint=checkpoint,
                                             progress=lambda done, total: tick("batch"),
                                             on_epoch=lambda record: tick("epoch"))
    assert stopped.value.checkpoint == str(checkpoint) and "saved in" in str(stopped.value)
    assert isinstance(stopped.value, KeyboardInterrupt)
    with np.load(checkpoint, allow_pickle=False) as data:  # plain arrays and JSON: no pickles anywhere
        assert all(data[key].dtype != object for key in data.files)
    resumed = _classifier(optimizer=optimizer).fit(texts, labels, checkpoint=checkpoint, resume=True)
    reference = uninterrupted[optimizer]
    assert _same_weights(resumed.params_, reference.params_)

    def strip(history):
        return [(r.epoch, r.train_loss, r.dev_loss, r.dev_accuracy) for r in history]

    assert strip(resumed.training_.history) == strip(reference.training_.history)
    assert resumed.training_.best_epoch == reference.training_.best_epoch


def test_resume_can_extend_a_finished_run(tmp_path):
    texts, labels = _toy_data()
    checkpoint = tmp_path / "run.ckpt.npz"
    _classifier(epochs=2, patience=None).fit(texts, labels, checkpoint=checkpoint)
    extended = _classifier(epochs=4, patience=None).fit(texts, labels, checkpoint=checkpoint, resume=True)
    straight = _classifier(epochs=4, patience=None).fit(texts, labels)
    assert _same_weights(extended.params_, straight.params_)


def test_resume_with_target_probabilities_and_refusal_of_other_targets(tmp_path):
    texts, labels = _toy_data()
    soft = np.clip(np.eye(2)[labels] * 0.8 + 0.1 + np.random.default_rng(0).uniform(-0.05, 0.05, (len(labels), 1)), 0, 1)
    soft /= soft.sum(axis=1, keepdims=True)  # (N, 2) a teacher's probabilities
    checkpoint = tmp_path / "run.ckpt.npz"
    _classifier(epochs=2, patience=None).fit(texts, labels, checkpoint=checkpoint, target_probabilities=soft)
    extended = _classifier(epochs=4, patience=None).fit(texts, labels, checkpoint=checkpoint, resume=True,
                                                       target_probabilities=soft)
    straight = _classifier(epochs=4, patience=None).fit(texts, labels, target_probabilities=soft)
    assert _same_weights(extended.params_, straight.params_)
    with pytest.raises(TrainingError, match="other training or dev data"):  # other targets, same texts
        _classifier(epochs=5, patience=None).fit(texts, labels, checkpoint=checkpoint, resume=True,
                                                 target_probabilities=soft[:, ::-1])


@pytest.mark.parametrize("poison_at", [26, 30])  # the first batch of epoch 3, and the last batch of epoch 2
def test_non_finite_weights_stop_training_and_keep_the_last_good_checkpoint(tmp_path, poison_at):
    texts, labels = _toy_data()
    checkpoint = tmp_path / "run.ckpt.npz"
    model = _classifier(epochs=5, patience=None)
    batches = {"n": 0}

    def poison(done, total):  # 15 batches an epoch
        batches["n"] += 1
        if batches["n"] == poison_at:
            model.model_.params["fc.weight"][...] = np.inf

    with pytest.raises(TrainingError, match="non-finite") as error:
        model.fit(texts, labels, checkpoint=checkpoint, progress=poison)
    assert f"last good checkpoint (end of epoch {(poison_at - 1) // 15})" in str(error.value)
    metadata, arrays = load_checkpoint(checkpoint)
    assert metadata["epoch"] == (poison_at - 1) // 15 and metadata["batch"] == 0
    assert all(np.all(np.isfinite(a)) for k, a in arrays.items() if k.startswith(("param/", "best/", "optim/m")))
    assert all(np.all(np.isfinite(p)) for p in model.params_.values())  # the good weights are back


def test_huge_learning_rate_fails_cleanly_and_keeps_the_old_model(tmp_path):
    train = tmp_path / "train.tsv"
    train.write_text(_tsv(3))
    output = tmp_path / "model.npz"
    args = ["train", "--train-file", str(train), "--embedding-dim", "4", "--hidden-size", "4", "--epochs", "3",
            "-o", str(output), "--keep-checkpoint"]
    assert CliRunner().invoke(main, args).exit_code == 0
    before = output.read_bytes()
    result = CliRunner().invoke(main, [*args, "--lr", "1e38"])
    _assert_one_line_failure(result, "non-finite", "checkpoint", f"{output} was not written")
    assert output.read_bytes() == before
    load_checkpoint(output.with_suffix(".ckpt.npz"))


RESUME_REFUSALS = [
    ("other learning rate", ["--lr", "0.5"], "learning_rate"),
    ("other model size", ["--hidden-size", "5"], "hidden_size"),
    ("other data", ["--train-file", "{other}"], "other training or dev data"),
    ("no checkpoint", ["--checkpoint", "{absent}"], "no such checkpoint file"),
    ("truncated checkpoint", ["--checkpoint", "{truncated}"], "truncated"),
    ("a model file as checkpoint", ["--checkpoint", "{model}"], "not a sentiment-rnn checkpoint"),
]


@pytest.mark.parametrize("name, change, words", RESUME_REFUSALS, ids=[case[0] for case in RESUME_REFUSALS])
def test_resume_refuses_a_checkpoint_that_does_not_fit(tmp_path, name, change, words):
    train, other = tmp_path / "train.tsv", tmp_path / "other.tsv"
    train.write_text(_tsv(3))
    other.write_text(_tsv(2))
    output = tmp_path / "model.npz"
    args = ["train", "--train-file", str(train), "--embedding-dim", "4", "--hidden-size", "4", "--epochs", "2",
            "-o", str(output), "--keep-checkpoint"]
    assert CliRunner().invoke(main, args).exit_code == 0
    checkpoint = output.with_suffix(".ckpt.npz")
    truncated = tmp_path / "truncated.ckpt.npz"
    truncated.write_bytes(checkpoint.read_bytes()[:500])
    before = {p: p.read_bytes() for p in (output, checkpoint)}
    (tmp_path / "other-model.npz").write_bytes(output.read_bytes())  # -o itself would be refused as the same file
    names = dict(other=other, absent=tmp_path / "absent.npz", truncated=truncated, model=tmp_path / "other-model.npz")
    change = [c.format(**names) for c in change]
    merged = list(args)
    for option, value in zip(change[::2], change[1::2], strict=True):
        if option in merged:
            merged[merged.index(option) + 1] = value
        else:
            merged += [option, value]
    result = CliRunner().invoke(main, [*merged, "--resume"])
    _assert_one_line_failure(result, words)
    assert all(p.read_bytes() == data for p, data in before.items())


def test_an_unwritable_output_keeps_the_weights_in_the_checkpoint(tmp_path, monkeypatch):
    train = tmp_path / "train.tsv"
    train.write_text(_tsv(3))
    (tmp_path / "file").write_text("a file, not a folder")
    checkpoint = tmp_path / "run.ckpt.npz"
    args = ["train", "--train-file", str(train), "--embedding-dim", "4", "--hidden-size", "4", "--epochs", "2",
            "--checkpoint", str(checkpoint)]
    result = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "file" / "model.npz")])
    _assert_one_line_failure(result, "cannot write", "model.npz")  # refused before any training
    assert not checkpoint.exists()
    with monkeypatch.context() as patch:  # an output that fails only when it is written, after training
        patch.setattr("sentiment_rnn.cli.training.check_paths", lambda *args, **kwargs: None)
        result = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "file" / "model.npz")])
    _assert_one_line_failure(result, "cannot write", str(checkpoint), "--resume")
    resumed = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "model.npz"), "--resume"])
    straight = CliRunner().invoke(main, [*args[:-2], "-o", str(tmp_path / "straight.npz")])
    assert resumed.exit_code == 0 and straight.exit_code == 0
    assert _same_weights(load_model(tmp_path / "model.npz").params_, load_model(tmp_path / "straight.npz").params_)


# ----------------------------------------------------------------------------------------------------
# Real signals: Ctrl-C and kill -9 to a training process, kill -9 to a process saving a model


def _train_args(folder: Path) -> list[str]:
    rng = random.Random(1)
    vocabulary = "good bad film story acting fun dull great awful plot cast music".split()
    rows = [(" ".join(rng.choices(vocabulary, k=5)), rng.choice(["pos", "neg"])) for _ in range(140)]
    (folder / "train.tsv").write_text("text\tlabel\n" + "".join(f"{t}\t{y}\n" for t, y in rows[:120]))
    (folder / "dev.tsv").write_text("text\tlabel\n" + "".join(f"{t}\t{y}\n" for t, y in rows[120:]))
    return ["train", "--train-file", str(folder / "train.tsv"), "--dev-file", str(folder / "dev.tsv"),
            "--cell", "gru", "--embedding-dim", "8", "--hidden-size", "8", "--epochs", "30", "--batch-size", "4",
            "--dropout", "0.3", "--patience", "30", "--seed", "7"]


def _wait_for(path: Path, process, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, "the process ended before writing its first checkpoint"
        assert time.monotonic() < deadline
        time.sleep(0.01)


def default_signals_in_child() -> None:
    """In a child before it runs: the default handling of the signals these tests send. A signal the
    test run ignores (``nohup`` ignores SIGHUP; a shell's background job, SIGINT) stays ignored in
    every child otherwise, and the program rightly keeps ignoring it."""
    for signum in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_or_kill_during_training_then_resume_gives_the_same_model(tmp_path):
    args = _train_args(tmp_path)
    command = [sys.executable, "-m", "sentiment_rnn", *args]
    signals = {"sigint": signal.SIGINT, "sigkill": signal.SIGKILL}
    runs = {name: subprocess.Popen([*command, "-o", str(tmp_path / f"{name}.npz")], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=_env(), preexec_fn=default_signals_in_child)
            for name in signals}
    for name, process in runs.items():  # both are training once both have saved a checkpoint
        _wait_for(tmp_path / f"{name}.ckpt.npz", process)
    for name, process in runs.items():
        time.sleep(random.uniform(0.0, 0.2))
        process.send_signal(signals[name])
    reference = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "reference.npz")])
    assert reference.exit_code == 0, reference.output
    for name, sent in signals.items():
        process = runs[name]
        _, stderr = process.communicate(timeout=60)
        if sent == signal.SIGINT:
            assert process.returncode == 130, stderr
            last = stderr.decode().strip().splitlines()[-1]
            assert last.startswith("Interrupted: training interrupted") and "--resume" in last
        else:
            assert process.returncode == -signal.SIGKILL
        assert not (tmp_path / f"{name}.npz").exists()
        load_checkpoint(tmp_path / f"{name}.ckpt.npz")  # whole: the old checkpoint or the new one
        resumed = CliRunner().invoke(main, [*args, "-o", str(tmp_path / f"{name}.npz"), "--resume"])
        assert resumed.exit_code == 0, resumed.output
        assert _same_weights(load_model(tmp_path / f"{name}.npz").params_,
                             load_model(tmp_path / "reference.npz").params_), name


SAVER = """
import sys, time
import numpy as np
from sentiment_rnn.nn.model import RNNModel
from sentiment_rnn.io.serialization import load_model, save_model
from sentiment_rnn.text.vocab import Vocab

model = load_model(sys.argv[1])
V, E = 100_000, model.model_.config.embedding_dim  # a save takes about 0.5 s
params = dict(model.model_.params)
params["embedding.weight"] = np.random.default_rng(0).standard_normal((V, E)).astype(np.float32)
model.vocab_ = Vocab.from_list(model.vocab_.to_list() + [f"w{i}" for i in range(V - len(model.vocab_))])
model.model_ = RNNModel(model.model_.config.__class__(**{**model.model_.config.to_dict(), "vocab_size": V}), params)
for generation in range(10**6):
    params["fc.bias"][...] = generation  # the generation is in the weights and in the metadata
    start = time.perf_counter()
    print("saving", generation, flush=True)
    save_model(model, sys.argv[2], provenance={"generation": generation})
    print("saved", generation, time.perf_counter() - start, flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_killing_a_saving_process_leaves_the_old_or_the_new_model(toy, tmp_path):
    _, good = toy
    target = tmp_path / "model.npz"
    rng = random.Random(0)
    killed_mid_save = 0
    for _ in range(4):
        process = subprocess.Popen([sys.executable, "-c", SAVER, str(good), str(target)], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=_env(), text=True)
        saved, duration = -1, None
        for line in process.stdout:  # wait for one whole save, then for the next one to start
            word, generation, *rest = line.split()
            if word == "saved":
                saved, duration = int(generation), float(rest[0])
            elif saved >= 0:
                break
        time.sleep(rng.uniform(0.0, 0.9 * duration))
        process.kill()
        process.wait(timeout=60)
        temporaries = [p.name for p in tmp_path.iterdir() if p != target]
        assert all(re.fullmatch(r"\.model\.npz\..+\.tmp", name) for name in temporaries), temporaries
        killed_mid_save = max(killed_mid_save, len(temporaries))
        loaded = load_model(target)  # never a broken file
        generation = loaded.metadata_["training"]["generation"]
        assert generation in (saved, saved + 1)
        assert np.all(loaded.params_["fc.bias"] == generation)  # one save's weights, not a mix
    assert killed_mid_save > 0, "no kill landed while a file was being written"
    past = time.time() - 3600
    for stale in tmp_path.glob(".model.npz.*.tmp"):
        os.utime(stale, (past, past))
    save_model(loaded, target)  # the next save clears what killed saves left behind
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


# ----------------------------------------------------------------------------------------------------
# Determinism


def test_two_training_runs_with_the_same_seed_give_bit_identical_files(tmp_path):
    args = _train_args(tmp_path)
    args[args.index("--epochs") + 1] = "3"
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        result = CliRunner().invoke(main, [*args[:-2], "--seed", seed, "-o", str(tmp_path / f"{name}.npz")])
        assert result.exit_code == 0, result.output
    files = {}
    for name in "abc":
        with np.load(tmp_path / f"{name}.npz", allow_pickle=False) as data:
            files[name] = {key: data[key] for key in data.files if key != "metadata"}
    assert files["a"].keys() == files["b"].keys()
    assert all(np.array_equal(files["a"][k], files["b"][k]) and files["a"][k].dtype == files["b"][k].dtype
               for k in files["a"])
    assert not all(np.array_equal(files["a"][k], files["c"][k]) for k in files["a"] if k.startswith("param/"))


# ----------------------------------------------------------------------------------------------------
# The count on the docs' Reliability page (docs/reliability.md)

FAULTS = (
    [f"Ctrl-C at {where} {count} ({optimizer})" for optimizer, where, count in INTERRUPTS]
    + ["non-finite weights at the start of an epoch", "non-finite weights at the end of an epoch",
       "huge learning rate from the command line", "unwritable output folder",
       "real Ctrl-C to a training process", "kill -9 to a training process", "kill -9 to a saving process (4 times)"]
    + [f"resume with {name}" for name, *_ in RESUME_REFUSALS]
)
COUNTS = {"texts": len(BAD_TEXTS), "streams": len(BAD_STREAMS), "corpora": len(BAD_CORPORA),
          "models": len(BAD_MODELS), "faults": len(FAULTS)}


def test_the_reliability_page_states_the_number_of_bad_inputs():
    section = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    total = re.search(r"\*\*(\d+) bad inputs and faults\*\*", section)
    assert total and int(total.group(1)) == sum(COUNTS.values()), COUNTS
    for kind, count in COUNTS.items():
        assert re.search(rf"\|\s*{count}\s*\|", section), (kind, count)
