"""Every numeric option of every command refuses NaN, infinity and a negative number before any work
(issue 22, item 13): one check, :class:`sentiment_rnn.cli.options.Number`, behind all of them."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from sentiment_rnn.cli import main


def _takes_a_number(param) -> bool:
    return isinstance(param, click.Option) and not param.is_flag and param.type.name.split()[0] in ("integer", "float")


def _numeric_options():
    """(command name, option flag) for every option of every command that takes a number."""
    found = []
    for name, command in sorted(main.commands.items()):
        for param in command.params:
            if _takes_a_number(param):
                found.append((name, param.opts[0]))
    return found


NUMERIC_OPTIONS = _numeric_options()


def test_the_walk_finds_the_options_of_the_issue():
    for command, flag in [("train", "--lr"), ("train", "--dropout"), ("train", "--seed"), ("train", "--lr-decay"),
                          ("train-review", "--l2"), ("train-review", "--sentence-lr"),
                          ("train-review", "--ngram-c"), ("pretrain", "--seed"), ("serve", "--timeout"),
                          ("serve", "--batch-wait-ms")]:
        assert (command, flag) in NUMERIC_OPTIONS


@pytest.mark.parametrize("command, flag", NUMERIC_OPTIONS)
def test_every_numeric_option_refuses_nan_infinity_and_negative_numbers(command, flag):
    param = next(p for p in main.commands[command].params if flag in p.opts)
    context = click.Context(main.commands[command], info_name=command)
    for value in ("nan", "inf", "-inf", "-1"):
        with pytest.raises(click.BadParameter):
            param.process_value(context, value)


@pytest.mark.parametrize("arguments", [["train", "--lr", "nan"], ["train", "--seed", "-1"],
                                       ["train-review", "--l2", "nan", "-o", "m.npz"],
                                       ["pretrain", "--seed", "-1"], ["serve", "--timeout", "nan"]])
def test_a_bad_number_is_a_one_line_usage_error_before_any_work(arguments, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"Invalid value for '{arguments[1]}'" in result.output
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_every_numeric_option_is_checked_by_the_one_number_type():
    from sentiment_rnn.cli.options import Number

    for name, command in main.commands.items():
        for param in command.params:
            if _takes_a_number(param):
                assert isinstance(param.type, Number), (name, param.opts)
