"""One declaration of each hyperparameter: the estimator, the configs and the command line agree with it."""

import dataclasses
import inspect

import click
import pytest

from sentiment_rnn.estimators.rnn import RNNClassifier
from sentiment_rnn.cli import compare, evaluate, train
from sentiment_rnn.corpora import CORPORA
from sentiment_rnn.evaluation.baselines import BASELINES
from sentiment_rnn.hyperparameters import DEFAULTS, HYPERPARAMETERS
from sentiment_rnn.nn.cells import CELLS
from sentiment_rnn.nn.functional import ACTIVATIONS
from sentiment_rnn.nn.model import ModelConfig
from sentiment_rnn.nn.optim import OPTIMIZERS
from sentiment_rnn.training.loop import TrainConfig


def options(command) -> dict[str, click.Option]:
    return {param.name: param for param in command.params if isinstance(param, click.Option)}


def test_the_estimator_takes_exactly_the_declared_hyperparameters_with_their_defaults():
    signature = inspect.signature(RNNClassifier.__init__).parameters
    assert {name for name in signature if name != "self"} == set(HYPERPARAMETERS)
    for name, h in HYPERPARAMETERS.items():
        assert signature[name].default == h.default, name
    assert RNNClassifier().get_params() == vars(DEFAULTS)


def test_model_config_defaults_are_the_declared_ones():
    fields = {f.name: f.default for f in dataclasses.fields(ModelConfig) if f.default is not dataclasses.MISSING}
    model_scope = {name for name, h in HYPERPARAMETERS.items() if h.scope == "model"}
    assert model_scope <= set(fields)
    for name in model_scope:
        assert fields[name] == HYPERPARAMETERS[name].default, name


def test_train_config_defaults_are_the_declared_ones():
    fields = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    renamed = {"random_state": "seed"}
    for name, h in HYPERPARAMETERS.items():
        field = renamed.get(name, name)
        if field in fields:
            assert fields[field] == h.default, name
    assert {"epochs", "batch_size", "learning_rate", "optimizer", "clip_norm", "patience", "lr_decay", "max_len",
            "seed"} <= set(fields)


@pytest.mark.parametrize("name", [n for n, h in HYPERPARAMETERS.items() if h.option is not None])
def test_every_train_option_is_built_from_its_declaration(name):
    h = HYPERPARAMETERS[name]
    option = options(train)["seed" if name == "random_state" else name]
    assert h.option in option.opts
    assert option.help == h.help
    assert option.default == h.default
    if h.negative_option:
        assert h.negative_option in option.secondary_opts


def test_declared_hyperparameters_not_on_the_command_line_are_the_ones_the_cli_sets_otherwise():
    assert {n for n, h in HYPERPARAMETERS.items() if h.option is None} == {"validation_fraction", "train_label_map"}


def test_choices_come_from_the_registries():
    train_options = options(train)
    assert tuple(train_options["cell"].type.choices) == tuple(CELLS)
    assert tuple(train_options["activation"].type.choices) == tuple(ACTIVATIONS)
    assert tuple(train_options["optimizer"].type.choices) == tuple(OPTIMIZERS)
    assert tuple(train_options["corpus"].type.choices) == CORPORA
    assert tuple(options(evaluate)["corpus"].type.choices) == CORPORA
    assert tuple(options(compare)["baselines"].type.choices) == tuple(BASELINES)


def test_bounds_reach_the_command_line():
    train_options = options(train)
    assert train_options["dropout"].type.open == "high"
    assert train_options["learning_rate"].type.open == "low"
    assert train_options["max_vocab"].type.low == 3
