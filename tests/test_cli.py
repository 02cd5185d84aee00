"""Every command exercised through click's CliRunner: --help, exit codes, output."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from sentiment_rnn.cli import main
from sentiment_rnn.io.serialization import load_model

POSITIVE = ["a good film", "great acting", "i loved it", "wonderful and fun", "a great story", "good fun"]
NEGATIVE = ["a bad film", "awful acting", "i hated it", "boring and dull", "a terrible story", "bad and dull"]


def _write_tsv(path, rows):
    path.write_text("text\tlabel\n" + "".join(f"{t}\t{y}\n" for t, y in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def toy_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    rows = [(t, "positive") for t in POSITIVE] + [(t, "negative") for t in NEGATIVE]
    train = _write_tsv(folder / "train.tsv", rows * 4)
    dev = _write_tsv(folder / "dev.tsv", rows)
    output = folder / "toy.npz"
    result = CliRunner().invoke(main, [
        "train", "--train-file", str(train), "--dev-file", str(dev), "--cell", "gru", "--embedding-dim", "8",
        "--hidden-size", "8", "--epochs", "25", "--batch-size", "8", "--lr", "0.02", "--dropout", "0",
        "--embedding-dropout", "0", "--patience", "25", "-o", str(output), "--json",
    ])
    assert result.exit_code == 0, result.output
    return output, json.loads(result.stdout.strip().splitlines()[-1]), dev


@pytest.mark.parametrize("command", [[], ["train"], ["predict"], ["evaluate"], ["compare"], ["explain"], ["pretrain"], ["ensemble"],
                                     ["tune-sentence"]])
def test_help_has_an_example(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and "sentiment-rnn" in result.output


def test_train_writes_a_model_and_reports(toy_model):
    path, summary, _ = toy_model
    assert summary["output"] == str(path)
    assert summary["dev_accuracy"] == 1.0
    assert load_model(path).label_names_ == ("negative", "positive")


def test_predict_texts_in_each_format(toy_model):
    path, _, _ = toy_model
    runner = CliRunner()
    text = runner.invoke(main, ["predict", "--model", str(path), "a great story", "a terrible story"])
    assert text.exit_code == 0
    lines = text.stdout.splitlines()
    assert lines[0].startswith("positive") and lines[1].startswith("negative")
    jsonl = runner.invoke(main, ["predict", "--model", str(path), "--format", "jsonl", "a great story"])
    record = json.loads(jsonl.stdout)
    assert record["label"] == "positive" and 0.5 < record["p_positive"] <= 1 and record["text"] == "a great story"
    tsv = runner.invoke(main, ["predict", "--model", str(path), "--format", "tsv", "i hated it"])
    header, row = tsv.stdout.splitlines()
    assert header.split("\t") == ["line", "label", "p_positive", "text", "error"]
    line, label, p_positive, echoed, error = row.split("\t")
    assert (line, label, echoed, error) == ("1", "negative", "i hated it", "") and float(p_positive) < 0.5


def test_predict_reads_stdin_and_reports_bad_lines_without_stopping(toy_model):
    path, _, _ = toy_model
    data = b"a great story\n" + b"\xff\xfe broken\n" + b"i hated it\n"
    result = CliRunner().invoke(main, ["predict", "--model", str(path), "--input", "-", "--format", "jsonl"],
                                input=data)
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in records] == [1, 2, 3]
    assert [r.get("label") for r in records] == ["positive", None, "negative"] and "UTF-8" in records[1]["error"]
    assert "line 2" in result.stderr and "UTF-8" in result.stderr


def test_predict_needs_input_and_a_real_model(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["predict"]).exit_code == 2
    result = runner.invoke(main, ["predict", "--model", str(tmp_path / "absent.npz"), "hello"])
    assert result.exit_code == 1
    assert "no such model file" in result.stderr and "Traceback" not in result.output


def test_evaluate_a_labelled_file(toy_model):
    path, _, dev = toy_model
    result = CliRunner().invoke(main, ["evaluate", "--model", str(path), "--file", str(dev), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["accuracy"] == 1.0 and report["n"] == 12
    assert np.array(report["confusion"]).sum() == 12
    text = CliRunner().invoke(main, ["evaluate", "--model", str(path), "--file", str(dev)])
    assert "accuracy  1.0000" in text.stdout


def test_bad_training_file_gives_one_line_and_exit_1(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("text\tlabel\ngood film\tpositive\nbad film\tmaybe\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["train", "--train-file", str(bad), "-o", str(tmp_path / "m.npz")])
    assert result.exit_code == 1
    assert "bad.tsv:3" in result.stderr and "maybe" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "m.npz").exists()


def test_single_class_training_file_is_refused(tmp_path):
    one = _write_tsv(tmp_path / "one.tsv", [("good", "positive"), ("great", "positive")])
    result = CliRunner().invoke(main, ["train", "--train-file", str(one), "-o", str(tmp_path / "m.npz")])
    assert result.exit_code == 1 and "two classes" in result.stderr


def test_ensemble_command_combines_models(toy_model, tmp_path):
    path, _, _dev = toy_model
    output = tmp_path / "ens.npz"
    result = CliRunner().invoke(main, ["ensemble", str(path), str(path), "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert "2 members" in result.stdout
    ensemble = load_model(output)
    single = load_model(path)
    np.testing.assert_allclose(ensemble.predict_proba(["a great story"]), single.predict_proba(["a great story"]))
    compact = tmp_path / "compact.npz"
    assert CliRunner().invoke(main, ["ensemble", str(path), str(path), "--compact", "-o", str(compact)]).exit_code == 0
    with np.load(compact, allow_pickle=False) as data:
        assert data["member0/param/embedding.weight"].dtype == np.float16
    bad = CliRunner().invoke(main, ["ensemble", str(tmp_path / "absent.npz"), "-o", str(output)])
    assert bad.exit_code == 1 and "no such model file" in bad.stderr


def test_train_distills_a_teacher_on_labelled_and_transfer_texts(toy_model, tmp_path):
    from fixtures_data import write_imdb_csv

    teacher_path, _, dev = toy_model
    write_imdb_csv(tmp_path / "data")
    flipped = [(t, "negative") for t in POSITIVE] + [(t, "positive") for t in NEGATIVE]
    train = _write_tsv(tmp_path / "train.tsv", flipped * 2)  # every label wrong: only the teacher is right
    student = tmp_path / "student.npz"
    result = CliRunner().invoke(main, [
        "train", "--train-file", str(train), "--dev-file", str(dev), "--teacher", str(teacher_path),
        "--teacher-weight", "1", "--transfer-corpus", "imdb", "--transfer-size", "12", "--data-dir",
        str(tmp_path / "data"), "--cell", "gru", "--embedding-dim", "8", "--hidden-size", "8", "--epochs", "30",
        "--batch-size", "8", "--lr", "0.02", "--dropout", "0", "--embedding-dropout", "0", "--patience", "30",
        "-o", str(student), "--json",
    ])
    assert result.exit_code == 0, result.output
    training = load_model(student).metadata_["training"]
    assert training["data"]["teacher"] == str(teacher_path)
    assert training["data"]["transfer_sentences"] == 12
    texts = POSITIVE + NEGATIVE
    np.testing.assert_array_equal(load_model(student).predict(texts), [1] * len(POSITIVE) + [0] * len(NEGATIVE))


def test_distillation_options_are_checked(toy_model, tmp_path):
    _teacher_path, _, dev = toy_model
    runner = CliRunner()
    alone = runner.invoke(main, ["train", "--train-file", str(dev), "--transfer-corpus", "imdb"])
    assert alone.exit_code == 2 and "--teacher" in alone.output
    from sentiment_rnn.estimators.rnn import RNNClassifier
    from sentiment_rnn.io.serialization import save_model

    other = RNNClassifier(embedding_dim=4, hidden_size=3, epochs=1).fit(POSITIVE + NEGATIVE, ["yes"] * 6 + ["no"] * 6)
    save_model(other, tmp_path / "other.npz")
    mismatch = runner.invoke(main, ["train", "--train-file", str(dev), "--teacher", str(tmp_path / "other.npz"),
                                    "-o", str(tmp_path / "x.npz")])
    assert mismatch.exit_code == 1 and "classes" in mismatch.output
    assert len(mismatch.output.strip().splitlines()) == 1 and "Traceback" not in mismatch.output
    assert not (tmp_path / "x.npz").exists()
