"""The command line: ``sentiment-rnn train | train-review | tune-sentence | predict | evaluate | compare | explain |
check | pretrain | ensemble | serve``.

Commands parse options, call the library and print. Results go to stdout, progress and logs to
stderr. The library's errors become one-line messages: exit 1 for failures, 2 for usage errors.

    options.py     what the commands share: options, one-line errors, progress displays
    predicting.py  predict
    measuring.py   evaluate, compare, explain
    checking.py    check
    training.py    train, train-review, tune-sentence, pretrain, ensemble
    serving.py     serve

(The modules are named for what their commands do, not after a command, so that ``sentiment_rnn.cli.train``
is the command and never a module.)
"""

from __future__ import annotations

import click

from sentiment_rnn.cli.checking import check
from sentiment_rnn.cli.measuring import compare, evaluate, explain
from sentiment_rnn.cli.predicting import predict
from sentiment_rnn.cli.serving import serve
from sentiment_rnn.cli.training import ensemble, pretrain, train, train_review, tune_sentence

__all__ = ["main", "predict", "evaluate", "compare", "explain", "check", "train", "train_review", "tune_sentence", "pretrain", "ensemble",
           "serve"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.version_option(package_name="sentiment-rnn")
def main():
    """Sentiment classification with a recurrent neural network written in NumPy.

    \b
    Example:
      sentiment-rnn predict "this movie is not good"
    """


for command in (predict, evaluate, compare, explain, check, train, train_review, tune_sentence, pretrain, ensemble,
                serve):
    main.add_command(command)
