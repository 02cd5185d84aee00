"""What the commands of :mod:`sentiment_rnn.cli` share: common options, the options built from the
hyperparameter declarations, one-line errors, model loading and progress displays on stderr."""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from sentiment_rnn.errors import SentimentRNNError
from sentiment_rnn.files import check_output_folder, check_output_path, same_file
from sentiment_rnn.hyperparameters import HYPERPARAMETERS, Hyperparameter, range_problem

__all__ = ["SEEDS", "SeedList", "Number", "data_dir_option", "model_option", "fail_cleanly", "check_paths", "load", "progress_bar",
           "step_progress", "DownloadBar", "hyperparameter_option", "hyperparameter_options", "optional_str"]

DATA_DIR_HELP = "Folder holding the corpora (sst/, imdb/, nltk_data/); missing ones are downloaded to the cache."


def data_dir_option(command):
    return click.option(
        "--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="SENTIMENT_RNN_DATA",
        show_envvar=True, default=None, help=DATA_DIR_HELP,
    )(command)


def model_option(command):
    return click.option(
        "--model", "model_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="Model file to use  [default: the shipped model]",
    )(command)


def fail_cleanly(command):
    """Turn the library's errors into one line on stderr and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except SentimentRNNError as error:
            raise click.ClickException(str(error)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)

    return wrapper


def check_paths(outputs: Sequence[tuple[str, Path | None]], inputs: Sequence[tuple[str, Path | None]] = (),
                folders: Sequence[Path | None] = ()) -> None:
    """Before any work: refuse (usage error) an output that is the same file as an input or another
    output, and (one-line error) an output that cannot be written: its folder is not writable, or it
    is a folder, FIFO or device. ``folders`` are output folders."""
    given_outputs = [(option, path) for option, path in outputs if path is not None]
    given_inputs = [(option, path) for option, path in inputs if path is not None]
    for i, (option, path) in enumerate(given_outputs):
        for other, other_path in given_outputs[i + 1:] + given_inputs:
            if same_file(path, other_path):
                raise click.UsageError(f"{option} {path} and {other} {other_path} are the same file: "
                                       "one would overwrite the other")
        check_output_path(path)
    for folder in folders:
        if folder is not None:
            check_output_folder(folder)


def load(model_path):
    from sentiment_rnn.io.serialization import load_model

    return load_model(model_path)


def progress_bar(label: str):
    """A progress callback drawing a bar on stderr when it is a terminal, else doing nothing."""
    if not sys.stderr.isatty():
        return None, lambda: None
    state: dict[str, Any] = {"bar": None}

    def update(done: int, total: int) -> None:
        if state["bar"] is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
            state["bar"] = bar
        state["bar"].update(done - state["bar"].pos)
        if done == total:
            state["bar"].__exit__(None, None, None)
            state["bar"] = None

    return update, lambda: state["bar"] and state["bar"].__exit__(None, None, None)


PLAIN_PROGRESS_SECONDS = 5.0  # off a terminal, a long step says how far it is at most this often


def step_progress(label: str):
    """A ``progress(done, total)`` callback for a long step (tokenizing, scoring): a bar on stderr when it
    is a terminal, else a plain line on stderr every PLAIN_PROGRESS_SECONDS and when the step ends, if it
    took that long."""
    if sys.stderr.isatty():
        draw_bar, _ = progress_bar(label)
        return draw_bar
    start = last = time.monotonic()
    previous = 0

    def update(done: int, total: int) -> None:
        nonlocal start, last, previous
        now = time.monotonic()
        if done < previous:  # the step starts again (the next epoch)
            start = last = now
        previous = done
        if now - last >= PLAIN_PROGRESS_SECONDS or (done >= total and now - start >= PLAIN_PROGRESS_SECONDS):
            click.echo(f"{label}: {done:,} of {total:,}", err=True)
            last = now

    return update


class DownloadBar:
    """A corpus download's progress callback: a bar on stderr when it is a terminal and the size is known."""

    def __init__(self):
        self.bar = None

    def __call__(self, received: int, total: int | None) -> None:
        if total is None or not sys.stderr.isatty():
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Downloading", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(received - self.bar.pos)
        if received >= total:
            self.bar.__exit__(None, None, None)
            self.bar = None


class Number(click.ParamType):
    """A number option: an int or a finite float in the range low..high (``open``: "low", "high" or "both"
    bounds excluded), checked by :func:`~sentiment_rnn.hyperparameters.range_problem` like the estimator's
    hyperparameters. Every numeric option of every command has this type, so NaN, infinity and values out of
    range are usage errors (exit 2) before any work (``tests/test_option_ranges.py`` walks them all)."""

    def __init__(self, kind=float, low: float | None = None, high: float | None = None, open: str = ""):
        self.kind, self.low, self.high, self.open = kind, low, high, open
        self.name = "integer" if kind is int else "float"
        self._base = click.INT if kind is int else click.FLOAT

    def convert(self, value, param, ctx):
        number = self._base.convert(value, param, ctx)
        problem = range_problem(number, self.low, self.high, self.open)
        if problem:
            self.fail(f"{value!r} is not {problem}.", param, ctx)
        return number


def _click_type(h: Hyperparameter):
    """The click type of a declared hyperparameter: a choice, a number, a path or text."""
    if h.choices is not None:
        return click.Choice(h.choices)
    if h.kind in (int, float):
        return Number(h.kind, h.low, h.high, h.open)
    if h.kind == "path":
        return click.Path(dir_okay=False, path_type=Path)
    return None


def hyperparameter_option(name: str, dest: str | None = None):
    """The click option of the declared hyperparameter ``name`` (see :mod:`sentiment_rnn.hyperparameters`)."""
    h = HYPERPARAMETERS[name]
    if h.option is None:
        raise ValueError(f"the hyperparameter {name} has no command-line option")
    flags = f"{h.option}/{h.negative_option}" if h.negative_option else h.option
    if h.kind is bool and not h.negative_option:
        return click.option(flags, dest or h.name, is_flag=True, default=h.default, help=h.help)
    return click.option(flags, dest or h.name, type=_click_type(h), default=h.default, help=h.help)


def hyperparameter_options(command):
    """Every declared hyperparameter that is on the command line, except the seed (placed by the command)."""
    for h in reversed(HYPERPARAMETERS.values()):
        if h.option is not None and h.name != "random_state":
            command = hyperparameter_option(h.name)(command)
    return command


class SeedList(click.ParamType):
    """Seeds as ranges and lists: 0-7, 0,3,5 or 0-3,8."""

    name = "SEEDS"

    def convert(self, value, param, ctx):
        from sentiment_rnn.distributed.seeds import parse_seeds

        try:
            return value if isinstance(value, list) else parse_seeds(value)
        except ValueError as error:
            self.fail(str(error), param, ctx)


SEEDS = SeedList()


def optional_str(path) -> str | None:
    """A path as the plain string a job description carries (None stays None)."""
    return None if path is None else str(path)
