"""--max-len: long reviews are cut to their last N tokens, in training and in prediction alike."""

import numpy as np
from click.testing import CliRunner

from sentiment_rnn import RNNClassifier
from sentiment_rnn.cli import main
from sentiment_rnn.io.serialization import load_model
from sentiment_rnn.training.loop import TrainConfig, fit
from sentiment_rnn.nn.model import ModelConfig, RNNModel

TEXTS = ["a good film", "a bad film", "not good at all", "really fun", "dull and bad", "great fun"]
LABELS = [1, 0, 0, 1, 0, 1]


def test_prediction_reads_only_the_last_max_len_tokens():
    model = RNNClassifier(cell="gru", embedding_dim=4, hidden_size=5, epochs=1, patience=None, max_len=3).fit(TEXTS, LABELS)
    long, end = ["dull bad dull bad a good film"], ["a good film"]
    np.testing.assert_array_equal(model.decision_function(long), model.decision_function(end))
    assert not np.array_equal(model.decision_function(["dull bad dull"]), model.decision_function(end))


def test_training_sees_only_the_last_max_len_tokens():
    rng = np.random.default_rng(0)
    sequences = [rng.integers(2, 20, size=n) for n in (3, 9, 14, 2)]
    targets = np.array([0, 1, 0, 1])
    config = ModelConfig(20, 4, 5, cell="lstm")
    cut, trimmed = RNNModel.initialize(config, np.random.default_rng(1)), RNNModel.initialize(config, np.random.default_rng(1))
    fit(cut, sequences, targets, TrainConfig(epochs=1, batch_size=2, max_len=4, patience=None))
    fit(trimmed, [s[-4:] for s in sequences], targets, TrainConfig(epochs=1, batch_size=2, patience=None))
    for name in cut.params:
        np.testing.assert_array_equal(cut.params[name], trimmed.params[name], err_msg=name)


def test_cli_train_stores_max_len_in_the_model(tmp_path):
    train = tmp_path / "train.tsv"
    train.write_text("text\tlabel\n" + "".join(f"{t}\t{'positive' if y else 'negative'}\n" for t, y in zip(TEXTS * 3, LABELS * 3, strict=True)))
    out = tmp_path / "m.npz"
    result = CliRunner().invoke(main, ["train", "--train-file", str(train), "--max-len", "2", "--epochs", "1",
                                       "--embedding-dim", "4", "--hidden-size", "4", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert load_model(out).max_len == 2
