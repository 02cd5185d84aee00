"""Batch prediction that scripts can rely on: CSV/TSV/JSONL input with columns kept, one record per
input row carrying its line number (or id), errors as records, explicit quoting and line-end rules."""

import io
import json

import pytest
from click.testing import CliRunner

from sentiment_rnn.cli import main
from sentiment_rnn.distributed.scoring import SCORED_LOG
from sentiment_rnn.errors import DataError
from sentiment_rnn.io.predict import NO_WORDS
from sentiment_rnn.io.records import input_format, iter_rows, score_rows

def _rows(data: bytes, file_format: str, **options):
    return [row for chunk in iter_rows(io.BytesIO(data), file_format, chunk_size=2, **options) for row in chunk]


def _predict(path, *options, input_bytes=None):
    return CliRunner().invoke(main, ["predict", "--model", str(path), *options], input=input_bytes)


def test_input_format_comes_from_the_suffix():
    assert [input_format(name) for name in ("a.csv", "b.TSV", "c.tab", "d.jsonl", "e.ndjson", "f.txt", "-")] == [
        "csv", "tsv", "tsv", "jsonl", "jsonl", "lines", "lines"]


def test_a_quoted_csv_field_spans_lines_and_its_record_carries_the_starting_line():
    data = b'id,review\r\n1,"good,\r\nvery ""good"""\r\n2,plain\r\n'
    rows = _rows(data, "csv", text_column="review", id_column="id")
    assert [(row.line, row.text) for row in rows] == [(2, 'good,\r\nvery "good"'), (4, "plain")]
    assert rows[0].fields == {"id": "1", "review": 'good,\r\nvery "good"'}


def test_tsv_has_no_quoting_so_a_quote_never_joins_lines():
    data = b'text\tlabel\n"unclosed quote\tpositive\nnext\tnegative\n'
    rows = _rows(data, "tsv")
    assert [(row.line, row.text, row.fields["input_label"]) for row in rows] == [
        (2, '"unclosed quote', "positive"), (3, "next", "negative")]


def test_cr_only_line_endings_keep_rows_apart_in_every_format():
    assert [row.text for row in _rows(b"text\rone\rtwo\r", "csv")] == ["one", "two"]
    assert [row.text for row in _rows(b"text\rone\rtwo\r", "tsv")] == ["one", "two"]
    assert [row.text for row in _rows(b'{"text": "one"}\r{"text": "two"}', "jsonl")] == ["one", "two"]
    assert [(row.line, row.text) for row in _rows(b"one\rtwo\r\rthree", "lines")] == [
        (1, "one"), (2, "two"), (3, ""), (4, "three")]


def test_bad_rows_become_error_rows_and_blank_rows_at_the_end_are_not_rows():
    csv_rows = _rows(b"text,label\ngood,1\nno label here\n\nbad,0\n\n\n", "csv")
    assert [(row.line, row.error) for row in csv_rows] == [
        (2, None), (3, "row has 1 fields, the header has 2; row skipped"), (4, NO_WORDS), (5, None)]
    jsonl = b'{"text": "good"}\nnot json\n[1]\n{"review": "x"}\n{"text": 3}\n\n'
    errors = [row.error for row in _rows(jsonl, "jsonl")]
    assert errors[0] is None and errors[1].startswith("not valid JSON")
    assert "JSON object" in errors[2] and "no field 'text'" in errors[3] and "not a string" in errors[4]
    assert len(errors) == 5


def test_a_header_without_the_text_column_or_broken_quoting_stops_the_file():
    with pytest.raises(DataError, match=r"in\.csv:1: no column 'review'; the columns are: text, label"):
        _rows(b"text,label\ngood,1\n", "csv", text_column="review", source="in.csv")
    with pytest.raises(DataError, match=r"in\.csv:2: malformed CSV"):
        _rows(b'text\n"a" b\n', "csv", source="in.csv")
    with pytest.raises(DataError, match=r"in\.tsv:3: a field is longer than 131,072 characters"):
        _rows(b"text\nshort\n" + b"long " * 30_000 + b"\n", "tsv", source="in.tsv")


def test_columns_are_kept_with_the_id_first_and_clashing_names_renamed(toy):
    model, _ = toy
    rows = _rows(b"label,text,id\npositive,a good film,r7\n", "csv", id_column="id")
    [record] = score_rows(model, rows)
    assert list(record["fields"]) == ["id", "input_label", "text"]
    assert record["label"] == "positive" and record["line"] == 2


def test_predict_csv_keeps_columns_and_joins_back_by_line_and_id(toy, tmp_path):
    _, path = toy
    reviews = tmp_path / "reviews.csv"
    reviews.write_bytes(b'id,review,stars\nr1,"a good film,\ni loved it",5\nr2,,1\nr3,i hated it,1\n\n')
    result = _predict(path, "--input", str(reviews), "--text-column", "review", "--id-column", "id", "--format", "jsonl")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["line"], r["id"]) for r in records] == [(2, "r1"), (4, "r2"), (5, "r3")]
    assert records[0]["review"] == "a good film,\ni loved it" and records[0]["stars"] == "5"
    assert records[0]["label"] == "positive" and records[2]["label"] == "negative"
    assert records[1]["error"] == NO_WORDS and "label" not in records[1]
    assert result.exit_code == 1 and "line 4: no words" in result.stderr
    tsv = _predict(path, "--input", str(reviews), "--text-column", "review", "--id-column", "id", "--format", "tsv")
    header, *rows = [line.split("\t") for line in tsv.stdout.splitlines()]
    assert header == ["line", "id", "label", "p_positive", "text", "error"]
    assert [row[:3] for row in rows] == [["2", "r1", "positive"], ["4", "r2", ""], ["5", "r3", "negative"]]
    assert rows[0][4] == "a good film, i loved it" and rows[1][5] == NO_WORDS


def test_jsonl_input_and_a_long_review_is_predicted_from_its_end(toy, tmp_path):
    _, path = toy
    reviews = tmp_path / "reviews.jsonl"
    long_review = "i hated it . " * 4000 + "a good film , i loved it . " * 1000
    reviews.write_text(json.dumps({"n": 1, "text": long_review}) + "\n" + json.dumps({"n": 2, "text": "awful"}) + "\n")
    result = _predict(path, "--input", str(reviews), "--id-column", "n", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    first, second = [json.loads(line) for line in result.stdout.splitlines()]
    assert first["n"] == 1 and first["truncated"] is True and first["label"] == "positive"
    assert first["text"] == long_review  # the input's column is kept whole
    assert second == {"line": 2, "n": 2, "text": "awful", "label": "negative", "p_positive": second["p_positive"]}


@pytest.mark.parametrize("options, message", [
    (["--input", "{dir}/r.txt", "a good film"], "not both"),
    (["--input", "{dir}/r.txt", "--text-column", "review"], "need a .csv, .tsv or .jsonl"),
    (["--scheduler", "tcp://127.0.0.1:8786", "a good film"], "--scheduler scores files into --output"),
    (["--input", "-", "--output", "{dir}/out"], "not stdin"),
])
def test_usage_errors_exit_2_with_one_line(toy, tmp_path, options, message):
    _, path = toy
    (tmp_path / "r.txt").write_text("a good film\n")
    result = _predict(path, *[option.format(dir=tmp_path) for option in options])
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("content, options, message", [
    (b"text,label\ngood,1\n", ["--text-column", "review"], "r.csv:1: no column 'review'"),
    (b'text\n"a" b\n', [], "r.csv:2: malformed CSV"),
])
def test_bad_files_exit_1_with_one_line(toy, tmp_path, content, options, message):
    _, path = toy
    (tmp_path / "r.csv").write_bytes(content)
    result = _predict(path, "--input", str(tmp_path / "r.csv"), *options)
    assert result.exit_code == 1 and message in result.stderr and len(result.stderr.splitlines()) == 1
    missing = _predict(path, "--input", str(tmp_path / "absent.txt"))
    assert missing.exit_code == 1 and "absent.txt" in missing.stderr and "Traceback" not in missing.output


def test_predict_output_scores_each_file_and_a_bad_file_does_not_stop_the_others(toy, tmp_path):
    _, path = toy
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.csv").write_text("id,review\nx1,a good film\nx2,i hated it\n")
    (inputs / "b.txt").write_text("awful\n\ngreat acting\n\n")
    (inputs / "c.csv").write_text("id,text\nx3,no review column\n")
    result = _predict(path, "--input", str(inputs / "*"), "--text-column", "review", "--id-column", "id",
                      "--format", "tsv", "--output", str(tmp_path / "out"))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "c.csv:1: no column 'review'" in result.stderr and "1 of 3 files could not be scored; 1 row could not be predicted" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [SCORED_LOG, "a.tsv", "b.tsv"]  # no c.tsv, no temporaries
    a = [row.split("\t") for row in (tmp_path / "out" / "a.tsv").read_text().splitlines()]
    assert a[0] == ["line", "id", "label", "p_positive", "text", "error"]
    assert [row[:3] for row in a[1:]] == [["2", "x1", "positive"], ["3", "x2", "negative"]]
    b = [row.split("\t") for row in (tmp_path / "out" / "b.tsv").read_text().splitlines()[1:]]
    assert [(row[0], row[2], row[5]) for row in b] == [("1", "negative", ""), ("2", "", NO_WORDS), ("3", "positive", "")]
    assert "2 files scored" in result.stdout
    rerun = _predict(path, "--input", str(inputs / "*"), "--text-column", "review", "--id-column", "id",
                     "--format", "tsv", "--output", str(tmp_path / "out"))
    assert "2 of 3 files are scored already; skipping them" in rerun.stderr and rerun.exit_code == 1
    none = _predict(path, "--input", str(tmp_path / "nothing*.csv"), "--output", str(tmp_path / "out"))
    assert none.exit_code == 1 and "no file matches" in none.stderr


@pytest.mark.parametrize("name, content", [
    ("r.csv", b"id,text,label,text\n1,good film,1,bad film\n"),
    ("r.tsv", b"id\ttext\tlabel\ttext\n1\tgood film\t1\tbad film\n"),
])
def test_a_header_that_names_a_column_twice_is_refused_not_half_read(toy, tmp_path, name, content):
    _, path = toy
    (tmp_path / name).write_bytes(content)
    message = f"{name}:1: column 'text' appears twice in the header (columns 2 and 4); rename one"
    result = _predict(path, "--input", str(tmp_path / name))
    assert result.exit_code == 1 and result.stderr.strip() == f"Error: {tmp_path / message}"
    evaluated = CliRunner().invoke(main, ["evaluate", "--model", str(path), "--file", str(tmp_path / name)])
    assert evaluated.exit_code == 1 and message in evaluated.stderr and "Traceback" not in evaluated.output


def test_an_input_that_would_be_its_own_output_is_refused_and_left_alone(toy, tmp_path):
    _, path = toy
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a.jsonl").write_text('{"text": "a good film"}\n')
    (folder / "b.txt").write_text("a bad film\n")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    result = _predict(path, "--input", str(folder / "*"), "--output", str(folder))
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1
    assert f"{folder / 'a.jsonl'} would be scored into {folder / 'a.jsonl'}, which is an input file too" in result.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_an_empty_or_cut_output_is_scored_again_and_only_a_recorded_whole_one_is_skipped(toy, tmp_path):
    _, path = toy
    (tmp_path / "a.txt").write_text("a good film\ni hated it\n" * 50)
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.jsonl").write_bytes(b"")  # left by another program, or a copy that failed
    arguments = ("--input", str(tmp_path / "a.txt"), "--output", str(out))
    first = _predict(path, *arguments)
    whole = (out / "a.jsonl").read_bytes()
    assert first.exit_code == 0 and "scored already" not in first.stderr and len(whole.splitlines()) == 100
    (out / "a.jsonl").write_bytes(whole[: len(whole) // 2])  # cut short
    second = _predict(path, *arguments)
    assert second.exit_code == 0 and "scored already" not in second.stderr and (out / "a.jsonl").read_bytes() == whole
    third = _predict(path, *arguments)
    assert third.exit_code == 0 and "1 of 1 files are scored already; skipping them" in third.stderr


def test_scoring_many_files_lists_the_output_folder_a_fixed_number_of_times(toy, tmp_path, monkeypatch):
    import os

    from sentiment_rnn.distributed.scoring import ScoringJob, plan_outputs, score_files

    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    for i in range(40):
        (inputs / f"r{i}.txt").write_text("a good film\n")
    scans = []
    real_scandir = os.scandir

    def counting_scandir(path="."):
        if os.path.realpath(path) == os.path.realpath(out):
            scans.append(path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", counting_scandir)
    for run in range(2):  # a first run and a rerun that skips everything
        results = score_files(ScoringJob(model_path=str(toy[1])), plan_outputs(str(inputs / "*.txt"), out))
        assert len(results) == (40 if run == 0 else 0) and not any(result.failure for result in results)
    assert len(list(out.glob("r*.jsonl"))) == 40
    assert len(scans) <= 4, len(scans)  # was one scan per file written (a 10,000-file glob took quadratic time)


def test_text_output_keeps_one_line_per_input_line_and_says_the_count_plainly(toy, tmp_path):
    _, path = toy
    (tmp_path / "r.txt").write_bytes(b"a good film\n\xff\xfe bad bytes\ni hated it\n")
    result = _predict(path, "--input", str(tmp_path / "r.txt"))
    lines = result.stdout.splitlines()
    assert result.exit_code == 1 and len(lines) == 3
    assert lines[0].startswith("positive") and lines[2].startswith("negative")
    assert lines[1] == "error         -  line 2: not valid UTF-8; line skipped"
    assert result.stderr.splitlines()[-1] == ("Error: 1 of 3 lines could not be predicted (said above); 2 lines were")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-16", "utf-32"])
@pytest.mark.parametrize("name, content", [
    ("r.txt", "good movie\nawful , i hated it\n\u00e9t\u00e9 : a great film \U0001F600\n"),
    ("r.csv", 'id,text\n1,good movie\n2,"awful , i hated it"\n'),
    ("r.jsonl", '{"text": "good movie"}\n{"text": "awful , i hated it"}\n'),
])
def test_utf16_and_utf32_files_are_decoded_with_or_without_a_bom(toy, tmp_path, encoding, name, content):
    _, path = toy
    (tmp_path / "utf8").mkdir()
    (tmp_path / "utf8" / name).write_text(content, encoding="utf-8")
    (tmp_path / name).write_text(content, encoding=encoding)  # "utf-16" and "utf-32" write a BOM
    expected = _predict(path, "--input", str(tmp_path / "utf8" / name), "--format", "jsonl")
    result = _predict(path, "--input", str(tmp_path / name), "--format", "jsonl")
    assert expected.exit_code == 0 and result.exit_code == 0, result.output
    assert result.stdout == expected.stdout  # the same records, not NUL-separated letters
    piped = _predict(path, "--input", "-", "--format", "jsonl", input_bytes=(tmp_path / name).read_bytes())
    assert name != "r.txt" or piped.stdout == expected.stdout
