"""`sentiment-rnn check`: behavioural tests of a model, beside the bag-of-words baselines and VADER."""

from __future__ import annotations

import json
from pathlib import Path

import click

from sentiment_rnn.cli.options import Number, data_dir_option, fail_cleanly, load

__all__ = ["check", "run_behaviour_check"]

_PARTS = {"heldout": ("heldout",), "train": ("train",), "both": ("heldout", "train")}
_BASELINES = ("bow-logreg", "bow-bigram-logreg", "negation-logreg", "nb", "vader")


def run_behaviour_check(models: dict, baselines, capabilities, parts, examples, seed, data_dir):
    """The check results of every model (``{name: classifier}``) and baseline, in that order."""
    from sentiment_rnn.behaviour.report import run_check
    from sentiment_rnn.behaviour.scorers import baseline_scorers, model_scorer
    from sentiment_rnn.behaviour.suite import build_suite

    try:
        tests = build_suite(parts, capabilities, seed)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    scorers = [model_scorer(model, name) for name, model in models.items()]
    scorers += baseline_scorers(baselines, data_dir, on_training=lambda message: click.echo(message, err=True))
    results = []
    for scorer in scorers:
        results.append(run_check(tests, scorer, examples))
        click.echo(f"{scorer.name}: {results[-1]['texts']} texts scored in {results[-1]['seconds']:.1f} s", err=True)
    return results


@click.command()
@click.option("--model", "model_paths", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Model file to check; repeat for several  [default: the shipped model]")
@click.option("--baselines", "all_baselines", is_flag=True,
              help="Also check the bag-of-words baselines (fitted once on the treebank's phrases, cached) and VADER.")
@click.option("--baseline", "baselines", multiple=True, type=click.Choice(_BASELINES),
              help="Also check this baseline; repeat for several.")
@click.option("--capability", "capabilities", multiple=True,
              help="Run only this capability (negation, composition, intensifiers, neutral, fairness, invariance) "
                   "or test; repeat for several  [default: all]")
@click.option("--examples", type=Number(int, 0), default=3, help="Failing examples shown per test and part.")
@click.option("--part", type=click.Choice(tuple(_PARTS)), default="both",
              help="The held-out word lists and sentence shapes (never trained on), the training ones, or both.")
@click.option("--seed", type=Number(int, 0), default=0, help="Seed of the drawn cases.")
@click.option("--markdown", is_flag=True, help="Print the table (and examples) as Markdown.")
@click.option("--json", "as_json", is_flag=True, help="Print every number and example as JSON.")
@data_dir_option
@fail_cleanly
def check(model_paths, all_baselines, baselines, capabilities, examples, part, seed, markdown, as_json, data_dir):
    """Behavioural tests of a sentiment model, in the project's own words.

    Minimum functionality (an expected verdict), invariance (a change that must not move the verdict)
    and direction (a change that must move P(positive) one way), for negation, composition,
    intensifiers and reducers, neutral statements, fairness (identity words) and invariance (names,
    places, numbers, URLs, handles, punctuation, typos, contractions, casing), over films, products,
    restaurants and services. P(positive) in [1/3, 2/3] counts as neutral. Every word list and sentence
    shape is split into a part training may use and a held-out part; the table shows the % of cases
    failing on each.

    \b
    Example:
      sentiment-rnn check --part heldout --markdown
      sentiment-rnn check --baselines --capability negation --examples 5
    """
    if markdown and as_json:
        raise click.UsageError("--markdown and --json cannot be combined")
    from sentiment_rnn.behaviour.report import check_dict, format_examples, format_protocol, format_table

    parts = _PARTS[part]
    models = {("sentiment-rnn" if p is None else f"sentiment-rnn {p.stem}"): load(p) for p in (model_paths or [None])}
    chosen = _BASELINES if all_baselines else tuple(dict.fromkeys(baselines))
    results = run_behaviour_check(models, chosen, capabilities, parts, examples, seed, data_dir)
    if as_json:
        click.echo(json.dumps(check_dict(results, seed, parts), ensure_ascii=False))
        return
    click.echo(format_protocol(seed) + "\n")
    click.echo(format_table(results, parts, markdown=markdown))
    if examples:
        click.echo("\n" + format_examples(results, parts, markdown=markdown))
