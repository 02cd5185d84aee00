"""Model files whose arrays are well-formed but whose numbers are not weights (issue 22, item 4): NaN or
complex n-gram weights, a 1e38 head weight, a NaN head bias, a review head of the wrong shape. Each is
refused at load with one line: ``predict --format jsonl`` never prints NaN, and ``serve --model`` refuses
before it starts."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from sentiment_rnn.cli import main
from sentiment_rnn.errors import ModelFileError
from sentiment_rnn.io.serialization import default_model_path, load_model
from test_robustness import _assert_one_line_failure, _env, _rewrite


def _set_item(name, index, value):
    def change(arrays):
        arrays[name] = arrays[name].astype(np.float64)
        arrays[name][index] = value
    return _rewrite(change)


HOSTILE_WEIGHTS = [  # (name, how the shipped review model is changed, a word of the error)
    ("a NaN n-gram weight", _set_item("review/ngram_weights", 0, np.nan), "ngram_weights"),
    ("complex n-gram weights", _rewrite(lambda a: a.update({"review/ngram_weights": a["review/ngram_weights"]
                                                             .astype(np.complex64) * 1j})), "complex"),
    ("a 1e38 head weight", _set_item("review/param/score.weight", 0, 1e38), "score.weight"),
    ("an infinite word vector", _set_item("param/embedding.weight", (5, 0), np.inf), "embedding.weight"),
    ("a 1e30 output weight", _set_item("param/fc.weight", (0, 0), 1e30), "fc.weight"),
    ("a NaN head bias", _set_item("review/param/bias", 0, np.nan), "bias"),
    ("a review head of the wrong shape",
     _rewrite(lambda a: a.update({"review/param/score.weight": a["review/param/score.weight"][:100]})),
     "score.weight"),
    ("a review head array the composition does not name",
     _rewrite(lambda a: a.update({"review/param/attention.weight": np.zeros((64, 128), np.float32)})),
     "attention.weight"),
]


@pytest.fixture(scope="module")
def hostile_weights(tmp_path_factory):
    folder = tmp_path_factory.mktemp("weights")
    paths = {}
    for k, (name, make, _) in enumerate(HOSTILE_WEIGHTS):
        paths[name] = folder / f"bad{k}.npz"
        make(default_model_path(), paths[name])
    return paths


@pytest.mark.parametrize("name, make, word", HOSTILE_WEIGHTS, ids=[case[0] for case in HOSTILE_WEIGHTS])
def test_weights_that_are_not_finite_real_numbers_are_refused_at_load(hostile_weights, name, make, word):
    bad = hostile_weights[name]
    with pytest.raises(ModelFileError):
        load_model(bad)
    result = CliRunner().invoke(main, ["predict", "--model", str(bad), "--format", "jsonl", "good movie",
                                       "a dull film. the plot is thin and the acting is worse."])
    assert "NaN" not in result.stdout
    _assert_one_line_failure(result, word)


@pytest.mark.parametrize("name", ["a NaN n-gram weight", "a review head of the wrong shape"])
def test_serve_refuses_such_a_model_before_it_starts(hostile_weights, name):
    process = subprocess.run([sys.executable, "-m", "sentiment_rnn", "serve", "--model", str(hostile_weights[name]),
                              "--host", "127.0.0.1", "--port", "0"], capture_output=True, text=True, env=_env(),
                             timeout=60)
    assert process.returncode == 1 and "Traceback" not in process.stderr, process.stderr
    lines = process.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "startup" not in lines[0], process.stderr


def test_the_shipped_model_passes_the_checks():
    model = load_model(None)
    p = model.predict_proba(["good movie", "a dull film. the plot is thin."])
    assert np.all(np.isfinite(p)) and json.dumps(p.tolist())
