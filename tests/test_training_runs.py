"""Training runs and the data they read: progress on long steps, the checkpoint removed on success, a run
that learns nothing said so; a treebank archive that is not the treebank, a cache that is not a folder, a
JSON Lines file nested 200,000 deep. Each case is a row of RUN_CASES (counted in the Reliability page's
table).
"""

from __future__ import annotations

import hashlib
import zipfile

import numpy as np
import pytest
from click.testing import CliRunner

from fixtures_data import sst_zip_bytes
from sentiment_rnn.cli import main
from sentiment_rnn.corpora import load_corpus
from sentiment_rnn.errors import DataError, DownloadError
from test_download import cache, dead_url, mirror, publish, web_root, with_checksums  # noqa: F401
from test_robustness import _assert_one_line_failure, _tsv


def _train(tmp_path, *extra):
    train = tmp_path / "train.tsv"
    if not train.exists():
        train.write_text(_tsv(3))
    args = ["train", "--train-file", str(train), "--embedding-dim", "4", "--hidden-size", "4", "--epochs", "2",
            "-o", str(tmp_path / "m.npz"), *extra]
    return CliRunner().invoke(main, args)


def test_a_finished_run_removes_its_checkpoint_unless_asked_to_keep_it(tmp_path):
    assert _train(tmp_path).exit_code == 0
    assert (tmp_path / "m.npz").exists() and not (tmp_path / "m.ckpt.npz").exists()
    assert _train(tmp_path, "--keep-checkpoint").exit_code == 0
    assert (tmp_path / "m.ckpt.npz").exists()


def test_long_steps_show_progress_off_a_terminal(tmp_path, monkeypatch):
    monkeypatch.setattr("sentiment_rnn.cli.options.PLAIN_PROGRESS_SECONDS", 0.0)  # every step counts as long
    (tmp_path / "test.tsv").write_text(_tsv(2))
    result = _train(tmp_path, "--dev-file", str(tmp_path / "test.tsv"))
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert "tokenizing the training texts: 36 of 36" in lines and "tokenizing the dev texts: 24 of 24" in lines
    assert any(line.startswith("training batches: 1 of ") for line in lines)


def test_evaluate_on_a_corpus_shows_progress(data_dir, monkeypatch):
    monkeypatch.setattr("sentiment_rnn.cli.options.PLAIN_PROGRESS_SECONDS", 0.0)
    result = CliRunner().invoke(main, ["evaluate", "--corpus", "sst", "--split", "dev", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "scoring: 872 of 872" in result.stderr.splitlines()


def test_a_run_that_stays_at_chance_says_so(tmp_path):
    rng = np.random.default_rng(0)
    rows = [f"word{rng.integers(1000)} word{rng.integers(1000)}\t{rng.choice(['positive', 'negative'])}\n"
            for _ in range(60)]
    (tmp_path / "train.tsv").write_text("text\tlabel\n" + "".join(rows))
    result = _train(tmp_path, "--lr", "1e-9", "--epochs", "1")
    assert result.exit_code == 0, result.output
    assert "no better than always predicting the most frequent class" in result.stderr


def test_a_bad_treebank_archive_is_checked_before_it_is_decompressed_and_removed(web_root, cache, monkeypatch):
    archive, files = sst_zip_bytes()
    with_checksums(monkeypatch, "sst", sha256={name: hashlib.sha256(b).hexdigest() for name, b in files.items()})
    import io

    bomb = io.BytesIO()  # train.txt declared as 64 MB of zeros
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for name, content in files.items():
            zipped.writestr(f"trees/{name}", content if name != "train.txt" else bytes(64 << 20))
    publish(web_root, "sst", bomb.getvalue())
    with pytest.raises(DownloadError, match="inflate"):
        load_corpus("sst", "train")
    assert not (cache / "sst" / "trainDevTestTrees_PTB.zip").exists()  # not decompressed again next time
    publish(web_root, "sst", archive)  # the next run downloads anew and succeeds
    assert len(load_corpus("sst", "train", classes=5)) > 0


def test_a_cache_that_is_a_file_is_one_line(tmp_path, monkeypatch, dead_url):
    (tmp_path / "cache").write_text("not a folder")
    monkeypatch.setenv("SENTIMENT_RNN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("SENTIMENT_RNN_MIRROR", dead_url)
    monkeypatch.delenv("SENTIMENT_RNN_DATA", raising=False)
    result = CliRunner().invoke(main, ["evaluate", "--corpus", "sst"])
    _assert_one_line_failure(result, "cannot write", str(tmp_path / "cache"))
    assert (tmp_path / "cache").read_text() == "not a folder"


def test_deeply_nested_jsonl_is_one_line(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text('{"text": "a good film", "label": 1}\n{"text": ' + "[" * 200_000 + "]" * 200_000 + ', "label": 1}\n')
    with pytest.raises(DataError, match="nested"):
        from sentiment_rnn.corpora import load_file

        load_file(path)
    result = CliRunner().invoke(main, ["evaluate", "--file", str(path)])
    _assert_one_line_failure(result, "deep.jsonl:2", "nested")


@pytest.mark.parametrize("words, message", [(["good", "", "bad"], "a word is empty"),
                                            (["good", "bad", "good"], "the word 'good' is listed twice")],
                         ids=["empty word", "repeated word"])
def test_pretrained_vectors_with_an_empty_or_repeated_word_are_one_line(tmp_path, words, message):
    vectors = tmp_path / "vectors.npz"
    np.savez(vectors, words=np.array(words), vectors=np.ones((len(words), 4), dtype=np.float32))
    before = vectors.read_bytes()
    result = _train(tmp_path, "--pretrained-vectors", str(vectors))
    _assert_one_line_failure(result, message)
    assert vectors.read_bytes() == before and not (tmp_path / "m.npz").exists()


RUN_CASES = [
    "checkpoint removed on success (--keep-checkpoint keeps it)", "progress on long steps off a terminal",
    "a run at chance says so", "a treebank archive that is a zip bomb", "a cache path that is a file",
    "JSON Lines nested 200,000 deep", "pretrained vectors with an empty word", "pretrained vectors with a repeated word",
]
