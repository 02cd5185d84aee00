"""`sentiment-rnn pretrain-lm` and `train --from-lm` on a tiny corpus the tests write: training text only,
exact resume, the classifier started from the language model, one-line errors."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from fixtures_data import write_imdb_csv
from sentiment_rnn import RNNClassifier, load_model
from sentiment_rnn.cli import main
from sentiment_rnn.errors import SentimentRNNError, TrainingInterrupted
from sentiment_rnn.estimators.language_model import (
    LMTrainConfig,
    load_language_model,
    perplexity,
    pretrain_language_model,
    save_language_model,
)
from sentiment_rnn.nn.language_model import LanguageModel, LMConfig

GOOD = ["a good film with a fine cast .", "the story was great and the music was good ."]
BAD = ["a dull film with a weak cast .", "the story was boring and the music was bad ."]


def imdb_rows():
    train = [(f"{(GOOD if i % 2 else BAD)[i % 4 // 2]} Review {i}.", "positive" if i % 2 else "negative", "train", i, 8)
             for i in range(40)]
    test = [(f"zzzsecret words of test review {i} .", "negative", "test", i, 2) for i in range(10)]
    return train + test


LM_OPTIONS = ["--held-out-tokens", "30", "--embedding-dim", "8", "--hidden-size", "8", "--samples", "6",
              "--streams", "3", "--bptt", "5", "--epochs", "2", "--min-count", "1"]


@pytest.fixture
def lm_file(tmp_path):
    data = tmp_path / "data"
    write_imdb_csv(data, rows=imdb_rows())
    output = tmp_path / "lm.npz"
    options = ["--data-dir", str(data), *LM_OPTIONS, "-o", str(output), "--json"]
    result = CliRunner().invoke(main, ["pretrain-lm", *options])
    assert result.exit_code == 0, result.output
    return output, json.loads(result.stdout.strip().splitlines()[-1])


def test_pretrain_lm_reads_training_reviews_only_and_reports_perplexity(lm_file):
    path, summary = lm_file
    _model, words, metadata = load_language_model(path)
    assert "<eos>" in words and "good" in words
    assert "zzzsecret" not in words  # no test review was read
    assert summary["held_out_tokens"] == 30 and metadata["provenance"]["text"]["held_out_tokens"] == 30
    assert 1.0 < summary["held_out_perplexity"] < len(words)  # learned something, and finite
    assert not path.with_suffix(".ckpt.npz").exists()  # removed once the model is written


def test_pretrain_lm_help_and_bad_options():
    runner = CliRunner()
    assert runner.invoke(main, ["pretrain-lm", "--help"]).exit_code == 0
    bad = runner.invoke(main, ["pretrain-lm", "--tied", "--embedding-dim", "8", "--hidden-size", "16"])
    assert bad.exit_code == 2 and "--tied needs" in bad.output
    assert runner.invoke(main, ["pretrain-lm", "--samples", "-1"]).exit_code == 2


def _stream(n=400, V=30):
    return np.random.default_rng(0).integers(2, V, n)


def _run(tmp_path, epochs, stop_at=None, resume=False):
    model = LanguageModel.initialize(LMConfig(vocab_size=30, embedding_dim=6, hidden_size=5, num_layers=2,
                                              dropout=0.2, embedding_dropout=0.2), np.random.default_rng(0))
    config = LMTrainConfig(epochs=epochs, streams=4, bptt=6, samples=7, seed=3)

    def progress(done, total):
        if stop_at is not None and done == stop_at:
            raise KeyboardInterrupt  # as Ctrl-C in the middle of an epoch

    pretrain_language_model(model, _stream(), _stream(50), config, progress, checkpoint=tmp_path / "lm.ckpt.npz",
                            resume=resume)
    return model


def test_resume_mid_epoch_gives_the_weights_of_an_uninterrupted_run(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    uninterrupted = _run(tmp_path / "a", epochs=2)
    with pytest.raises(TrainingInterrupted):
        _run(tmp_path / "b", epochs=2, stop_at=9)  # epoch 1 has 16 segments: stopped with a carried state
    resumed = _run(tmp_path / "b", epochs=2, resume=True)
    for name, value in uninterrupted.params.items():
        np.testing.assert_array_equal(resumed.params[name], value, err_msg=name)


def test_fine_tuning_starts_from_the_language_model(tmp_path, lm_file):
    path, _ = lm_file
    lm, words, _ = load_language_model(path)
    texts = GOOD + BAD + ["a good story", "a bad story"]
    labels = [1, 1, 0, 0, 1, 0]
    # a layer decay of 1e-9 leaves everything below the output layer where the language model put it
    clf = RNNClassifier(embedding_dim=8, hidden_size=8, epochs=1, from_lm=str(path), layer_lr_decay=1e-9,
                        patience=None).fit(texts, labels)
    for name in ("rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0"):
        np.testing.assert_allclose(clf.params_[name], lm.params[name], atol=1e-6, err_msg=name)
    vocab = clf.vocab_.to_list()
    assert set(words) <= set(vocab)  # the language model's words join the training words
    rows = [vocab.index(w) for w in ("good", "story", "cast")]
    np.testing.assert_allclose(clf.params_["embedding.weight"][rows], lm.params["embedding.weight"][[words.index(w)
                               for w in ("good", "story", "cast")]], atol=1e-6)
    plain = RNNClassifier(embedding_dim=8, hidden_size=8, epochs=1, patience=None).fit(texts, labels)
    assert not np.allclose(plain.params_["rnn.weight_hh_l0"], lm.params["rnn.weight_hh_l0"], atol=1e-3)


def test_a_language_model_of_other_sizes_is_a_one_line_error(tmp_path, lm_file):
    path, _ = lm_file
    train = tmp_path / "train.csv"
    train.write_text("text,label\n" + "".join(f"{t},{i % 2}\n" for i, t in enumerate(GOOD + BAD)), encoding="utf-8")
    def train_from_lm(hidden_size):
        return CliRunner().invoke(main, ["train", "--train-file", str(train), "--from-lm", str(path), "--embedding-dim",
                                         "8", "--hidden-size", hidden_size, "--epochs", "1", "-o", str(tmp_path / "m.npz")])

    good = train_from_lm("8")
    assert good.exit_code == 0, good.output
    model = load_model(tmp_path / "m.npz")
    assert model.metadata_["hyperparameters"]["from_lm"] == str(path) and model.from_lm is None
    result = train_from_lm("16")
    assert result.exit_code == 1
    message = result.output.strip().splitlines()
    assert len(message) == 1 and "the language model is lstm E=8 H=8" in message[0], result.output
    with pytest.raises(SentimentRNNError, match=r"train\.csv: "):  # not a language model: refused, not read
        RNNClassifier(from_lm=str(train), epochs=1, patience=None).fit(GOOD + BAD, [1, 1, 0, 0])


def test_an_lm_file_round_trips(tmp_path):
    model = LanguageModel.initialize(LMConfig(vocab_size=5, embedding_dim=3, hidden_size=3, cell="gru", tied=True),
                                     np.random.default_rng(1))
    words = ["<pad>", "<unk>", "a", "b", "<eos>"]
    save_language_model(tmp_path / "m.npz", model, words, {"note": "test"})
    loaded, loaded_words, metadata = load_language_model(tmp_path / "m.npz")
    assert loaded_words == words and loaded.config == model.config and metadata["provenance"] == {"note": "test"}
    stream = np.array([2, 3, 4, 2, 3])
    assert perplexity(loaded, stream) == perplexity(model, stream)


def test_gradual_unfreezing_trains_the_output_layer_alone_first(tmp_path, lm_file):
    path, _ = lm_file
    lm, _, _ = load_language_model(path)
    texts, labels = GOOD + BAD + ["a good story", "a bad story"], [1, 1, 0, 0, 1, 0]

    def fitted(epochs):
        return RNNClassifier(embedding_dim=8, hidden_size=8, epochs=epochs, from_lm=str(path), gradual_unfreezing=True,
                             patience=None, lr_decay=1.0).fit(texts, labels)

    first, second = fitted(1), fitted(2)
    np.testing.assert_array_equal(first.params_["rnn.weight_hh_l0"], lm.params["rnn.weight_hh_l0"])  # frozen
    assert not np.allclose(second.params_["rnn.weight_hh_l0"], lm.params["rnn.weight_hh_l0"])  # the 2nd epoch frees it
    np.testing.assert_array_equal(second.params_["embedding.weight"], first.params_["embedding.weight"])  # still frozen
    assert not np.allclose(first.params_["fc.weight"], RNNClassifier(embedding_dim=8, hidden_size=8, epochs=1,
                           from_lm=str(path), patience=None, learning_rate=1e-12).fit(texts, labels).params_["fc.weight"])


def test_a_language_model_too_large_for_memory_is_refused_before_reading_text(tmp_path):
    result = CliRunner().invoke(main, ["pretrain-lm", "--data-dir", str(tmp_path / "none"), "--hidden-size", "3000000",
                                       "-o", str(tmp_path / "lm.npz")])
    assert result.exit_code == 1 and "would need" in result.output and len(result.output.strip().splitlines()) == 1
