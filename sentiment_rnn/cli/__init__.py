"""The command line: ``sentiment-rnn train | predict | evaluate | compare | explain | pretrain | ensemble | serve``.

Commands parse options, call the library and print. Results go to stdout, progress and logs to
stderr. The library's errors become one-line messages: exit 1 for failures, 2 for usage errors.

    options.py    what the commands share: options, one-line errors, progress displays
    predict.py    predict
    evaluate.py   evaluate, compare, explain
    train.py      train, pretrain, ensemble
    serve.py      serve
"""

from __future__ import annotations

import click

from sentiment_rnn.cli.evaluate import compare, evaluate, explain
from sentiment_rnn.cli.predict import predict
from sentiment_rnn.cli.serve import serve
from sentiment_rnn.cli.train import ensemble, pretrain, train

__all__ = ["main", "predict", "evaluate", "compare", "explain", "train", "pretrain", "ensemble", "serve"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.version_option(package_name="sentiment-rnn")
def main():
    """Sentiment classification with a recurrent neural network written in NumPy.

    \b
    Example:
      sentiment-rnn predict "this movie is not good"
    """


for command in (predict, evaluate, compare, explain, train, pretrain, ensemble, serve):
    main.add_command(command)
